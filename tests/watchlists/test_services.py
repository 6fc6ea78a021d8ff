import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.db import OperationalError, connection, connections

from core.models import AuditLog
from tests.factories import UserFactory, WatchlistEntryFactory, WatchlistFactory
from tests.support.threads import run_in_threads
from watchlists import services
from watchlists.errors import RestoreConflictError, WatchlistDeletedError
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def actor(db):
    return UserFactory(username="actor")


def _row(model, obj):
    return model.all_objects.get(pk=obj.pk)


def test_delete_cascades_to_active_entries_with_the_same_deleted_at(actor):
    watchlist = WatchlistFactory()
    entries = WatchlistEntryFactory.create_batch(3, watchlist=watchlist)
    counts = services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor, now=T0)
    assert (counts.watchlists, counts.entries) == (1, 3)
    assert _row(Watchlist, watchlist).deleted_at == T0
    for entry in entries:
        row = _row(WatchlistEntry, entry)
        assert (row.is_deleted, row.deleted_at, row.deleted_by_id) == (True, T0, actor.pk)


def test_restore_brings_back_only_entries_deleted_with_watchlist(actor):
    watchlist = WatchlistFactory()
    kept, earlier = WatchlistEntryFactory.create_batch(2, watchlist=watchlist)
    services.watchlist_entry_soft_delete(entry_id=earlier.pk, actor=actor, now=T0)
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor, now=T0 + dt.timedelta(hours=1))
    counts = services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor)
    assert (counts.watchlists, counts.entries) == (1, 1)
    assert list(Watchlist.objects.get(pk=watchlist.pk).entries.all()) == [kept]
    assert _row(WatchlistEntry, earlier).deleted_at == T0


def test_deleting_a_deleted_watchlist_changes_nothing(actor):
    watchlist = WatchlistFactory()
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor, now=T0)
    counts = services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    assert (counts.watchlists, counts.entries) == (0, 0)
    assert _row(Watchlist, watchlist).deleted_at == T0


def test_restoring_an_active_watchlist_changes_nothing(actor):
    watchlist = WatchlistFactory()
    assert services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor).watchlists == 0


def test_unknown_watchlist_raises_does_not_exist(actor):
    with pytest.raises(Watchlist.DoesNotExist):
        services.watchlist_soft_delete(watchlist_id="00000000-0000-0000-0000-000000000000", actor=actor)


def test_restore_into_a_name_now_used_by_an_active_watchlist_fails_clearly(actor):
    old = WatchlistFactory(name="Stolen cars")
    services.watchlist_soft_delete(watchlist_id=old.pk, actor=actor)
    WatchlistFactory(name="STOLEN CARS")
    with pytest.raises(RestoreConflictError, match="an active watchlist named “STOLEN CARS” already exists"):
        services.watchlist_restore(watchlist_id=old.pk, actor=actor)
    assert _row(Watchlist, old).is_deleted is True


def test_restore_entry_whose_plate_is_active_again_fails_clearly(actor):
    entry = WatchlistEntryFactory(plate_number="ABC123")
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor)
    WatchlistEntryFactory(watchlist=entry.watchlist, plate_number="ABC123")
    with pytest.raises(RestoreConflictError, match="ABC123: it is already active"):
        services.watchlist_entry_restore(entry_id=entry.pk, actor=actor)
    assert _row(WatchlistEntry, entry).is_deleted is True


def test_restore_entry_of_a_deleted_watchlist_fails_clearly(actor):
    entry = WatchlistEntryFactory()
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor)
    services.watchlist_soft_delete(watchlist_id=entry.watchlist_id, actor=actor)
    with pytest.raises(WatchlistDeletedError, match="restore the watchlist first"):
        services.watchlist_entry_restore(entry_id=entry.pk, actor=actor)


def test_entry_services_check_the_watchlist_it_is_reached_through(actor):
    entry = WatchlistEntryFactory()
    other = WatchlistFactory()
    with pytest.raises(WatchlistEntry.DoesNotExist):
        services.watchlist_entry_soft_delete(entry_id=entry.pk, watchlist_id=other.pk, actor=actor)
    assert _row(WatchlistEntry, entry).is_deleted is False


def test_entry_delete_and_restore_return_counts(actor):
    entry = WatchlistEntryFactory()
    assert services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor) == 1
    assert services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor) == 0
    assert services.watchlist_entry_restore(entry_id=entry.pk, actor=actor) == 1
    assert services.watchlist_entry_restore(entry_id=entry.pk, actor=actor) == 0


def test_each_change_writes_an_admin_log_entry_and_an_audit_row(actor):
    watchlist = WatchlistFactory()
    entry = WatchlistEntryFactory(watchlist=watchlist)
    services.watchlist_entry_soft_delete(entry_id=entry.pk, actor=actor)
    services.watchlist_entry_restore(entry_id=entry.pk, actor=actor)
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor)
    logged = list(LogEntry.objects.order_by("id").values_list("object_id", "action_flag", "user_id"))
    assert logged == [
        (str(entry.pk), DELETION, actor.pk),
        (str(entry.pk), CHANGE, actor.pk),
        (str(watchlist.pk), DELETION, actor.pk),
        (str(watchlist.pk), CHANGE, actor.pk),
    ]
    audited = list(AuditLog.objects.order_by("id").values_list("action", "object_id", "actor_id"))
    assert audited == [
        ("watchlist_entry.soft_delete", str(entry.pk), actor.pk),
        ("watchlist_entry.restore", str(entry.pk), actor.pk),
        ("watchlist.soft_delete", str(watchlist.pk), actor.pk),
        ("watchlist.restore", str(watchlist.pk), actor.pk),
    ]
    assert AuditLog.objects.get(action="watchlist.soft_delete").details["entries"] == 1


def test_a_change_that_does_nothing_logs_nothing(actor):
    watchlist = WatchlistFactory()
    services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor)
    assert not LogEntry.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_failed_restore_logs_nothing(actor):
    old = WatchlistFactory(name="Dup")
    services.watchlist_soft_delete(watchlist_id=old.pk, actor=actor)
    WatchlistFactory(name="dup")
    with pytest.raises(RestoreConflictError):
        services.watchlist_restore(watchlist_id=old.pk, actor=actor)
    assert AuditLog.objects.filter(action="watchlist.restore").count() == 0


@pytest.mark.usefixtures("clean_platform_tables")
def test_concurrent_deletes_of_the_same_watchlist_change_it_once():
    actor = UserFactory()
    watchlist = WatchlistFactory()
    WatchlistEntryFactory.create_batch(3, watchlist=watchlist)
    results = run_in_threads(
        *[lambda: services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)] * 4,
        start_together=True,
    )
    assert sorted(r.watchlists for r in results) == [0, 0, 0, 1]
    assert sum(r.entries for r in results) == 3
    assert AuditLog.objects.filter(action="watchlist.soft_delete").count() == 1
    deleted_at = {row.deleted_at for row in WatchlistEntry.all_objects.all()}
    assert deleted_at == {_row(Watchlist, watchlist).deleted_at}


@pytest.mark.usefixtures("clean_platform_tables")
def test_concurrent_delete_and_restore_leave_a_consistent_row():
    actor = UserFactory()
    watchlist = WatchlistFactory()
    WatchlistEntryFactory.create_batch(2, watchlist=watchlist)
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    for _ in range(5):
        run_in_threads(  # either order is fine; an error in either thread fails the test here
            lambda: services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor),
            lambda: services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor),
            start_together=True,
        )
        row = _row(Watchlist, watchlist)
        entries = list(WatchlistEntry.all_objects.filter(watchlist=watchlist))
        # Whatever the order, the entries follow their watchlist and the three columns agree.
        assert all(e.is_deleted == row.is_deleted and e.deleted_at == row.deleted_at for e in entries)
        assert (row.deleted_at is None) == (not row.is_deleted) == (row.deleted_by_id is None)
        if not row.is_deleted:
            services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)


@pytest.mark.usefixtures("clean_platform_tables")
def test_restore_waits_for_another_connection_holding_the_row():
    actor = UserFactory()
    watchlist = WatchlistFactory()
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT 1 FROM watchlists WHERE id = %s FOR UPDATE", [watchlist.pk])
            with connection.cursor() as mine:
                mine.execute("SET lock_timeout = '200ms'")
            with pytest.raises(OperationalError, match="lock timeout"):
                services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor)
            cursor.execute("ROLLBACK")
    finally:
        other.close()
        with connection.cursor() as mine:
            mine.execute("RESET lock_timeout")
    assert services.watchlist_restore(watchlist_id=watchlist.pk, actor=actor).watchlists == 1


@pytest.mark.usefixtures("clean_platform_tables")
def test_concurrent_restores_into_the_same_name_let_only_one_win():
    actor = UserFactory()
    first = WatchlistFactory(name="Twins")
    services.watchlist_soft_delete(watchlist_id=first.pk, actor=actor)
    second = WatchlistFactory(name="twins")
    services.watchlist_soft_delete(watchlist_id=second.pk, actor=actor)
    results = run_in_threads(
        lambda: services.watchlist_restore(watchlist_id=first.pk, actor=actor),
        lambda: services.watchlist_restore(watchlist_id=second.pk, actor=actor),
        returned=(RestoreConflictError,),
        start_together=True,
    )
    assert sum(1 for r in results if isinstance(r, RestoreConflictError)) == 1
    assert sum(1 for r in results if not isinstance(r, Exception) and r.watchlists == 1) == 1
    assert Watchlist.objects.count() == 1


def test_soft_delete_uses_now_by_default(actor, time_machine):
    time_machine.move_to(T0, tick=False)
    watchlist = WatchlistFactory()
    services.watchlist_soft_delete(watchlist_id=watchlist.pk, actor=actor)
    assert _row(Watchlist, watchlist).deleted_at == T0
