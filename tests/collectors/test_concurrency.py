"""collector_update under real races: threads, each on its own database connection."""

import threading

import pytest
from django.db import connection, transaction

from collectors.errors import ConflictError
from collectors.forms import CollectorAdminForm
from collectors.models import Collector
from collectors.services import collector_update
from tests.factories import CollectorFactory
from tests.support.threads import THREAD_TIMEOUT, run_in_threads
from tests.support.waiting import wait_until

pytestmark = pytest.mark.usefixtures("clean_platform_tables")


def test_two_editors_at_the_same_version_exactly_one_wins():
    collector = CollectorFactory(site_name="Race", config={"fps": 15})
    both_loaded = threading.Barrier(2, timeout=THREAD_TIMEOUT)

    def editor(name):
        def edit():
            loaded = Collector.objects.get(pk=collector.pk)
            both_loaded.wait()
            return collector_update(
                collector_id=collector.pk,
                expected_version=loaded.config_version,
                changes={"site_name": name},
            )

        return edit

    results = run_in_threads(editor("Alice"), editor("Bob"), returned=(ConflictError,))
    winners = [r for r in results if isinstance(r, Collector)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0].current.site_name == winners[0].site_name
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == (winners[0].site_name, 2)


def _waiting_on_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _set_once_a_writer_waits(event: threading.Event):
    """Return a thread body that sets `event` once some backend is waiting for a row lock."""

    def watch():
        wait_until(_waiting_on_lock, timeout=THREAD_TIMEOUT, what="a writer to wait for the row lock")
        event.set()
        return True

    return watch


def test_a_writer_blocked_behind_an_uncommitted_update_gets_a_conflict_once_it_commits():
    collector = CollectorFactory(site_name="Locked")
    first_updated = threading.Event()
    may_commit = threading.Event()

    def first():
        with transaction.atomic():
            updated = collector_update(
                collector_id=collector.pk, expected_version=1, changes={"site_name": "A"}
            )
            first_updated.set()
            assert may_commit.wait(THREAD_TIMEOUT)
        return updated

    def second():
        assert first_updated.wait(THREAD_TIMEOUT)
        return collector_update(collector_id=collector.pk, expected_version=1, changes={"site_name": "B"})

    first_result, second_result, released = run_in_threads(
        first, second, _set_once_a_writer_waits(may_commit), returned=(ConflictError,)
    )
    assert released is True
    assert isinstance(first_result, Collector)
    assert isinstance(second_result, ConflictError)
    assert second_result.current.site_name == "A"
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == ("A", 2)


def test_admin_form_holds_the_row_from_its_version_check_to_the_save():
    collector = CollectorFactory(site_name="Pier")
    checked = threading.Event()
    may_save = threading.Event()

    def admin_save():
        with transaction.atomic():  # as the admin's changeform_view validates and saves
            form = CollectorAdminForm(
                data={"site_name": "Admin", "config": "{}", "is_active": "on", "config_version": "1"},
                instance=Collector.objects.get(pk=collector.pk),
            )
            assert form.is_valid(), form.errors
            checked.set()
            assert may_save.wait(THREAD_TIMEOUT)
            return collector_update(
                collector_id=collector.pk, expected_version=1, changes={"site_name": "Admin"}
            )

    def other_writer():
        assert checked.wait(THREAD_TIMEOUT)
        return collector_update(collector_id=collector.pk, expected_version=1, changes={"site_name": "Other"})

    admin_result, other_result, released = run_in_threads(
        admin_save, other_writer, _set_once_a_writer_waits(may_save), returned=(ConflictError,)
    )
    assert released is True
    assert isinstance(admin_result, Collector)
    assert isinstance(other_result, ConflictError)
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == ("Admin", 2)


def test_many_editors_with_retries_lose_no_update():
    collector = CollectorFactory(site_name="Busy", config={"winners": []})
    editors, attempts = 8, 5
    start = threading.Barrier(editors, timeout=THREAD_TIMEOUT)

    def editor(number):
        def edit():
            wins = conflicts = 0
            start.wait()
            for attempt in range(attempts):
                tag = f"{number}-{attempt}"
                while True:
                    loaded = Collector.objects.get(pk=collector.pk)
                    config = {"winners": [*loaded.config["winners"], tag]}
                    try:
                        collector_update(
                            collector_id=collector.pk,
                            expected_version=loaded.config_version,
                            changes={"config": config},
                        )
                    except ConflictError:
                        conflicts += 1
                        continue
                    wins += 1
                    break
            return wins, conflicts

        return edit

    results = run_in_threads(*[editor(n) for n in range(editors)])
    total_wins = sum(wins for wins, _ in results)
    row = Collector.objects.get(pk=collector.pk)
    assert total_wins == editors * attempts
    assert sum(conflicts for _, conflicts in results) > 0  # the editors really did collide
    assert row.config_version == 1 + total_wins
    assert sorted(row.config["winners"]) == sorted(
        f"{n}-{a}" for n in range(editors) for a in range(attempts)
    )


def test_many_editors_at_one_version_leave_exactly_one_winner():
    collector = CollectorFactory(site_name="Crowd")
    editors = 8
    all_loaded = threading.Barrier(editors, timeout=THREAD_TIMEOUT)

    def editor(number):
        def edit():
            loaded = Collector.objects.get(pk=collector.pk)
            all_loaded.wait()
            return collector_update(
                collector_id=collector.pk,
                expected_version=loaded.config_version,
                changes={"site_name": f"Editor {number}"},
            )

        return edit

    results = run_in_threads(*[editor(n) for n in range(editors)], returned=(ConflictError,))
    winners = [r for r in results if isinstance(r, Collector)]
    assert len(winners) == 1
    assert sum(isinstance(r, ConflictError) for r in results) == editors - 1
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == (winners[0].site_name, 2)
