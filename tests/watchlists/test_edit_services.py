"""The editing services: watchlists created and renamed, plates added and edited at a version, hotlists."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditLog
from tests.factories import UserFactory, WatchlistEntryFactory, WatchlistFactory
from tests.support.threads import run_in_threads
from watchlists import services
from watchlists.errors import (
    DuplicatePlateError,
    EntryConflictError,
    EntryDeletedError,
    HotlistChangedError,
    InvalidValueError,
    WatchlistDeletedError,
    WatchlistNameTakenError,
)
from watchlists.hotlist import hotlist_read
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.selectors import watchlist_hotlist_preview

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(db):
    return UserFactory(username="actor")


def _entry(entry):
    return WatchlistEntry.all_objects.get(pk=entry.pk)


def _audit(action):
    return list(AuditLog.objects.filter(action=action).order_by("id"))


# Watchlists ----------------------------------------------------------------------------------------------


def test_create_records_who_and_writes_the_audit_and_admin_logs(actor):
    watchlist = services.watchlist_create(
        name="  Stolen cars ", description="From the police feed", actor=actor
    )
    row = Watchlist.objects.get(pk=watchlist.pk)
    assert (row.name, row.description, row.created_by) == ("Stolen cars", "From the police feed", actor)
    [audit] = _audit("watchlist.create")
    assert (audit.object_id, audit.details["name"]) == (str(row.pk), "Stolen cars")
    assert LogEntry.objects.get(object_id=str(row.pk)).action_flag == ADDITION


def test_create_refuses_a_name_an_active_watchlist_has_in_any_case(actor):
    WatchlistFactory(name="Stolen cars")
    with pytest.raises(WatchlistNameTakenError, match="“Stolen cars” already exists"):
        services.watchlist_create(name="STOLEN CARS", actor=actor)
    deleted = services.watchlist_create(name="Old list", actor=actor)
    services.watchlist_soft_delete(watchlist_id=deleted.pk, actor=actor)
    assert services.watchlist_create(name="old list", actor=actor).name == "old list"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "Bad\x01name"])
def test_create_refuses_a_name_the_table_cannot_hold(actor, name):
    with pytest.raises(InvalidValueError):
        services.watchlist_create(name=name, actor=actor)
    assert not Watchlist.all_objects.exists()


def test_update_renames_and_records_before_and_after(actor):
    watchlist = WatchlistFactory(name="Alpha", description="a")
    services.watchlist_update(watchlist_id=watchlist.pk, name="Bravo", description="a", actor=actor)
    assert Watchlist.objects.get(pk=watchlist.pk).name == "Bravo"
    [audit] = _audit("watchlist.update")
    assert audit.details["changes"] == {"name": {"before": "Alpha", "after": "Bravo"}}


def test_update_may_change_only_the_case_of_its_own_name_but_not_take_another(actor):
    watchlist = WatchlistFactory(name="Alpha")
    WatchlistFactory(name="Bravo")
    services.watchlist_update(watchlist_id=watchlist.pk, name="ALPHA", description="", actor=actor)
    with pytest.raises(WatchlistNameTakenError):
        services.watchlist_update(watchlist_id=watchlist.pk, name="bravo", description="", actor=actor)
    assert Watchlist.objects.get(pk=watchlist.pk).name == "ALPHA"


def test_update_of_a_deleted_watchlist_is_refused(actor):
    watchlist = WatchlistFactory(name="Alpha")
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    with pytest.raises(WatchlistDeletedError, match="restore it before editing it"):
        services.watchlist_update(watchlist_id=watchlist.pk, name="Bravo", description="", actor=actor)


# Entry versions ------------------------------------------------------------------------------------------


def test_every_write_to_an_entry_bumps_its_version(actor):
    watchlist = WatchlistFactory()
    entry = WatchlistEntryFactory(watchlist=watchlist)
    assert _entry(entry).version == 1
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"reason": "x"}, actor=actor
    )
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor)
    services.watchlist_entry_restore(entry_id=entry.pk, actor=actor)
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor)
    assert _entry(entry).version == 6


def test_update_writes_at_the_loaded_version_and_normalizes_the_plate(actor):
    entry = WatchlistEntryFactory(plate_number="OLD1", reason="old")
    updated = services.watchlist_entry_update(
        entry_id=entry.pk,
        expected_version=1,
        changes={"plate_number": "new-1 a", "reason": "why"},
        actor=actor,
    )
    assert (updated.plate_number, updated.reason, updated.version) == ("NEW1A", "why", 2)
    [audit] = _audit("watchlist_entry.update")
    assert audit.details["old_version"] == 1 and audit.details["new_version"] == 2
    assert audit.details["changes"]["plate_number"] == {"before": "OLD1", "after": "NEW1A"}
    assert LogEntry.objects.get(object_id=str(entry.pk), action_flag=CHANGE)


def test_a_stale_update_conflicts_with_the_entry_as_it_is_now_and_writes_nothing(actor):
    entry = WatchlistEntryFactory(reason="first")
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"reason": "second"}, actor=actor
    )
    with pytest.raises(EntryConflictError) as conflict:
        services.watchlist_entry_update(
            entry_id=entry.pk, expected_version=1, changes={"reason": "third"}, actor=actor
        )
    assert (conflict.value.current.reason, conflict.value.current.version) == ("second", 2)
    assert "was modified by another request" in str(conflict.value)
    assert (_entry(entry).reason, _entry(entry).version) == ("second", 2)
    assert len(_audit("watchlist_entry.update")) == 1


def test_a_stale_copy_conflicts_even_when_it_changes_nothing(actor):
    entry = WatchlistEntryFactory(reason="same")
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"reason": "new"}, actor=actor
    )
    with pytest.raises(EntryConflictError):
        services.watchlist_entry_update(entry_id=entry.pk, expected_version=1, changes={}, actor=actor)
    assert _entry(entry).version == 2


def test_concurrent_updates_at_one_version_let_exactly_one_through(
    actor, transactional_db, clean_platform_tables
):
    entry = WatchlistEntryFactory()

    def update(reason):
        return lambda: services.watchlist_entry_update(
            entry_id=entry.pk, expected_version=1, changes={"reason": reason}, actor=actor
        )

    results = run_in_threads(
        *[update(f"r{n}") for n in range(4)], returned=(EntryConflictError,), start_together=True
    )
    winners = [result for result in results if isinstance(result, WatchlistEntry)]
    assert len(winners) == 1
    assert (_entry(entry).reason, _entry(entry).version) == (winners[0].reason, 2)


def test_update_of_an_entry_deleted_meanwhile_says_so(actor):
    entry = WatchlistEntryFactory()
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor)
    with pytest.raises(EntryDeletedError, match=r"deleted .* meanwhile; restore it"):
        services.watchlist_entry_update(
            entry_id=entry.pk, expected_version=2, changes={"reason": "x"}, actor=actor
        )


def test_update_to_a_plate_already_on_the_list_is_refused(actor):
    watchlist = WatchlistFactory()
    WatchlistEntryFactory(watchlist=watchlist, plate_number="TAKEN1")
    entry = WatchlistEntryFactory(watchlist=watchlist, plate_number="MINE1")
    with pytest.raises(DuplicatePlateError, match="TAKEN1 is already on the watchlist"):
        services.watchlist_entry_update(
            entry_id=entry.pk, expected_version=1, changes={"plate_number": "taken-1"}, actor=actor
        )
    assert _entry(entry).plate_number == "MINE1"


@pytest.mark.parametrize("changes", [{"plate_number": "AB#1"}, {"reason": "a\x00b"}, {"watchlist_id": "x"}])
def test_update_refuses_values_and_fields_it_cannot_write(actor, changes):
    entry = WatchlistEntryFactory()
    with pytest.raises(InvalidValueError):
        services.watchlist_entry_update(entry_id=entry.pk, expected_version=1, changes=changes, actor=actor)


def test_a_delete_from_a_stale_page_is_refused(actor):
    entry = WatchlistEntryFactory()
    services.watchlist_entry_update(
        entry_id=entry.pk, expected_version=1, changes={"reason": "x"}, actor=actor
    )
    with pytest.raises(EntryConflictError):
        services.watchlist_entry_soft_delete(entry_id=entry.pk, expected_version=1, actor=actor)
    assert not _entry(entry).is_deleted
    assert services.watchlist_entry_soft_delete(entry_id=entry.pk, expected_version=2, actor=actor) == 1


# Adding plates -------------------------------------------------------------------------------------------


def test_add_normalizes_the_plate_and_records_who(actor):
    watchlist = WatchlistFactory()
    added = services.watchlist_entry_create(
        watchlist_id=watchlist.pk, plate_number="ab-12 c", reason="r", actor=actor
    )
    row = _entry(added.entry)
    assert (row.plate_number, row.reason, row.created_by, row.version, added.restored) == (
        "AB12C",
        "r",
        actor,
        1,
        False,
    )
    assert _audit("watchlist_entry.create")[0].details["plate_number"] == "AB12C"


def test_add_of_a_plate_already_on_the_list_is_refused(actor):
    entry = WatchlistEntryFactory(plate_number="ABC1")
    with pytest.raises(DuplicatePlateError):
        services.watchlist_entry_create(watchlist_id=entry.watchlist_id, plate_number="abc1", actor=actor)


def test_add_of_a_deleted_plate_restores_its_entry_with_the_new_reason_in_one_write(actor):
    entry = WatchlistEntryFactory(plate_number="ABC1", reason="old")
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor)
    added = services.watchlist_entry_create(
        watchlist_id=entry.watchlist_id, plate_number="ABC1", reason="new", actor=actor
    )
    assert added.restored and added.entry.pk == entry.pk
    row = _entry(entry)
    assert (row.is_deleted, row.reason, row.version) == (False, "new", 3)
    assert WatchlistEntry.all_objects.filter(plate_number="ABC1").count() == 1


def test_add_to_a_deleted_watchlist_is_refused(actor):
    watchlist = WatchlistFactory()
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    with pytest.raises(WatchlistDeletedError):
        services.watchlist_entry_create(watchlist_id=watchlist.pk, plate_number="ABC1", actor=actor)


# Hotlist import ------------------------------------------------------------------------------------------


@pytest.fixture
def stocked(actor):
    """A watchlist with an active plate LIVE1 and a deleted plate GONE1."""
    watchlist = WatchlistFactory(name="Hot")
    WatchlistEntryFactory(watchlist=watchlist, plate_number="LIVE1", reason="live")
    gone = WatchlistEntryFactory(watchlist=watchlist, plate_number="GONE1", reason="gone")
    services.watchlist_entry_soft_delete(entry_id=gone.pk, actor=actor)
    return watchlist


HOTLIST = "plate,reason\nnew-1,first\nGONE1\nLIVE1,again\nNEW1,twice\nbad#1\nNEW2,second\n"


def test_import_adds_restores_and_skips_in_one_audit_row(actor, stocked):
    plan = services.watchlist_hotlist_import(
        watchlist_id=stocked.pk, hotlist=hotlist_read(HOTLIST), actor=actor
    )
    assert plan.summary() == {"added": 2, "restored": 1, "already_active": 1, "duplicates": 1, "invalid": 1}
    rows = {e.plate_number: e for e in WatchlistEntry.objects.filter(watchlist=stocked)}
    assert set(rows) == {"LIVE1", "GONE1", "NEW1", "NEW2"}
    assert (rows["NEW1"].reason, rows["NEW1"].created_by, rows["NEW1"].version) == ("first", actor, 1)
    assert (rows["GONE1"].reason, rows["GONE1"].version) == ("gone", 3)  # no new reason: keeps its own
    assert rows["LIVE1"].reason == "live"
    [audit] = _audit("watchlist.import")
    assert audit.object_id == str(stocked.pk)
    assert (audit.details["added"], audit.details["restored"], audit.details["invalid"]) == (2, 1, 1)
    assert audit.details["digest"] == plan.digest


def test_import_at_the_previewed_digest_refuses_when_the_list_changed_since(actor, stocked):
    hotlist = hotlist_read(HOTLIST)
    preview = watchlist_hotlist_preview(watchlist_id=stocked.pk, hotlist=hotlist)
    services.watchlist_entry_create(watchlist_id=stocked.pk, plate_number="NEW2", actor=actor)
    with pytest.raises(HotlistChangedError) as changed:
        services.watchlist_hotlist_import(
            watchlist_id=stocked.pk, hotlist=hotlist, actor=actor, expected_digest=preview.digest
        )
    assert [line.plate for line in changed.value.plan.already_active] == ["LIVE1", "NEW2"]
    assert not WatchlistEntry.all_objects.filter(plate_number="NEW1").exists()
    assert not _audit("watchlist.import")


def test_import_into_a_deleted_watchlist_is_refused(actor, stocked):
    services.watchlist_soft_delete(watchlist_id=stocked.pk, actor=actor)
    with pytest.raises(WatchlistDeletedError):
        services.watchlist_hotlist_import(watchlist_id=stocked.pk, hotlist=hotlist_read("NEW1"), actor=actor)


@pytest.mark.parametrize("size", [10, 2000])
def test_import_costs_the_same_statements_whatever_its_size(actor, stocked, size):
    hotlist = hotlist_read("GONE1\n" + "\n".join(f"P{n:05d}" for n in range(size)))
    with CaptureQueriesContext(connection) as queries:
        services.watchlist_hotlist_import(watchlist_id=stocked.pk, hotlist=hotlist, actor=actor)
    assert WatchlistEntry.objects.filter(watchlist=stocked).count() == size + 2
    # savepoint, lock, existing entries, insert, restore, admin log, audit log, release
    assert len(queries) == 8
