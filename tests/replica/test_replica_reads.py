"""Searches, the access log and the status page read from a real streaming replica; writes stay primary."""

import datetime as dt
import uuid

import pytest
from django.db import connection, router, transaction
from django.utils import timezone

from core.models import AuditLog
from core.replica import REPLICA_DB_ALIAS, read_alias, replica_down_forget, replica_reads, replica_ready
from tests.factories import UserFactory, insert_events
from tests.support.replica import primary_wal_position

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA_DB_ALIAS]),
    pytest.mark.usefixtures("clean_platform_tables"),
]


@pytest.fixture
def dbname():
    return connection.settings_dict["NAME"]


@pytest.fixture
def staff_client(client, settings):
    settings.EVENTS_REQUIRE_PURPOSE = False
    client.force_login(UserFactory(is_superuser=True))
    return client


@pytest.fixture
def caught_up(replica, dbname):
    """Let the replica replay everything committed so far (the user, the session), and resume it after."""
    replica.wait_replayed(dbname, primary_wal_position())
    replica_down_forget()  # an earlier test's stopped replica is not held against this one
    yield replica
    replica.replay_resume(dbname)


def search(client, plate: str):
    return client.get("/events/", {"plate": plate, "start": (timezone.now() - dt.timedelta(days=1)).date()})


def event_write(plate: str) -> None:
    """Commit an event on the primary, a minute old (the search window ends at the current second)."""
    insert_events(
        collector_id=uuid.uuid4(), plate_number=plate, captured_at=timezone.now() - dt.timedelta(minutes=1)
    )


def plates_shown(response) -> list[str]:
    return [row.event.plate_number for row in response.context["rows"]]


def test_a_search_sees_a_row_written_on_the_primary_once_the_replica_has_replayed_it(
    caught_up, dbname, staff_client
):
    caught_up.replay_pause(dbname)
    event_write("REPL1")
    written = primary_wal_position()
    searches_before = AuditLog.objects.filter(action="events.search").count()

    while_paused = search(staff_client, "REPL1")

    assert while_paused.status_code == 200
    assert plates_shown(while_paused) == []
    # The access log row of that search was written to the primary (the replica refuses writes).
    assert AuditLog.objects.filter(action="events.search").count() == searches_before + 1

    caught_up.replay_resume(dbname)
    caught_up.wait_replayed(dbname, written)
    replayed = search(staff_client, "REPL1")

    assert replayed.status_code == 200
    assert plates_shown(replayed) == ["REPL1"]
    assert "behind the primary" not in replayed.content.decode()  # caught up: no notice


def test_pages_say_how_far_behind_a_lagging_replica_is(caught_up, dbname, staff_client, time_machine):
    caught_up.replay_pause(dbname)
    event_write("LAG1")
    caught_up.wait_replayed(dbname, primary_wal_position(), received_only=True)
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=2), tick=False)

    pages = [search(staff_client, "LAG1"), staff_client.get("/audit/"), staff_client.get("/partitions/")]

    for page in pages:
        assert page.status_code == 200
        assert "The read replica is 2 minutes behind the primary" in page.content.decode()
    assert plates_shown(pages[0]) == []
    assert replica_ready() == (True, "degraded: the replica is 2 minutes behind the primary")


def test_a_stopped_replica_falls_back_to_the_primary_and_readiness_says_so(caught_up, dbname, staff_client):
    event_write("DOWN1")
    caught_up.stop()
    try:
        response = search(staff_client, "DOWN1")
        ready, detail = replica_ready()
    finally:
        caught_up.start()

    assert response.status_code == 200
    assert plates_shown(response) == ["DOWN1"]  # read from the primary
    assert ready  # the site still serves: reads go to the primary
    assert detail.startswith("degraded: replica unreachable, reads go to the primary")


def test_reads_go_to_the_replica_only_inside_a_block_and_outside_transactions(caught_up):
    from core.models import User

    assert router.db_for_read(User) == "default"
    with replica_reads():
        assert read_alias() == REPLICA_DB_ALIAS
        assert router.db_for_read(User) == REPLICA_DB_ALIAS
        assert router.db_for_write(User) == "default"
        with transaction.atomic():
            assert router.db_for_read(User) == "default"
    assert router.db_for_read(User) == "default"
    assert not router.allow_migrate(REPLICA_DB_ALIAS, "core")


def test_a_replica_that_dies_after_the_probe_falls_back_to_the_primary_and_records_once(
    caught_up, staff_client, monkeypatch
):
    from events import views as event_views

    event_write("MID1")
    searches_before = AuditLog.objects.filter(action="events.search").count()
    real_page = event_views.event_page
    reads = []

    def replica_dies_first(**kwargs):
        reads.append(read_alias())
        if len(reads) == 1:
            caught_up.stop()  # after the probe said "replica": the search's own read finds it gone
        return real_page(**kwargs)

    monkeypatch.setattr(event_views, "event_page", replica_dies_first)
    try:
        response = search(staff_client, "MID1")
        again = search(staff_client, "MID1")  # the replica is rested: straight to the primary
    finally:
        caught_up.start()

    assert response.status_code == 200  # was a 500 (OperationalError)
    assert plates_shown(response) == ["MID1"]
    assert reads[:2] == [REPLICA_DB_ALIAS, "default"]  # the view ran once more, on the primary
    assert again.status_code == 200 and reads[2] == "default"
    # The failed attempt wrote nothing: one access-log row per search shown.
    assert AuditLog.objects.filter(action="events.search").count() == searches_before + 2
