import datetime as dt

import pytest
from django.utils import timezone

from core.versioning import UnversionedWriteError
from tests.factories import UserFactory, WatchlistEntryFactory, WatchlistFactory
from watchlists.errors import EntryConflictError, HardDeleteError
from watchlists.models import Watchlist, WatchlistEntry

pytestmark = pytest.mark.django_db


def test_managers_split_active_and_deleted_watchlists():
    active = WatchlistFactory()
    deleted = WatchlistFactory(is_deleted=True, deleted_at=timezone.now())
    assert list(Watchlist.objects.all()) == [active]
    assert list(Watchlist.deleted_objects.all()) == [deleted]
    assert set(Watchlist.all_objects.all()) == {active, deleted}


def test_entry_counts_as_active_only_if_its_watchlist_is_active_too():
    live = WatchlistEntryFactory()
    on_deleted_list = WatchlistEntryFactory(watchlist=WatchlistFactory(is_deleted=True))
    deleted = WatchlistEntryFactory(watchlist=live.watchlist, is_deleted=True)
    assert list(WatchlistEntry.objects.all()) == [live]
    assert set(WatchlistEntry.deleted_objects.all()) == {on_deleted_list, deleted}
    assert WatchlistEntry.all_objects.count() == 3


def test_related_entries_lookup_shows_only_active_entries():
    watchlist = WatchlistFactory()
    live = WatchlistEntryFactory(watchlist=watchlist)
    WatchlistEntryFactory(watchlist=watchlist, is_deleted=True)
    assert list(watchlist.entries.all()) == [live]
    fetched = Watchlist.objects.prefetch_related("entries").get(pk=watchlist.pk)
    assert list(fetched.entries.all()) == [live]


def test_related_entries_of_a_deleted_watchlist_are_hidden():
    watchlist = WatchlistFactory()
    WatchlistEntryFactory(watchlist=watchlist)
    Watchlist.all_objects.filter(pk=watchlist.pk).soft_delete(None)
    assert list(Watchlist.all_objects.get(pk=watchlist.pk).entries.all()) == []


def test_base_manager_is_unfiltered_so_an_entry_finds_its_deleted_watchlist():
    entry = WatchlistEntryFactory(watchlist=WatchlistFactory(is_deleted=True), is_deleted=True)
    assert Watchlist._base_manager.filter(pk=entry.watchlist_id).exists()
    assert WatchlistEntry.all_objects.get(pk=entry.pk).watchlist.is_deleted is True


def test_soft_delete_is_guarded_and_returns_the_count():
    actor = UserFactory()
    WatchlistFactory.create_batch(2)
    WatchlistFactory(is_deleted=True)
    assert Watchlist.all_objects.soft_delete(actor) == 2
    assert Watchlist.all_objects.soft_delete(actor) == 0
    assert set(Watchlist.all_objects.values_list("deleted_by", flat=True)) >= {actor.pk}


def test_soft_delete_sets_and_restore_clears_the_three_columns_together():
    actor = UserFactory()
    watchlist = WatchlistFactory()
    now = timezone.now()
    Watchlist.all_objects.filter(pk=watchlist.pk).soft_delete(actor, now=now)
    row = Watchlist.all_objects.get(pk=watchlist.pk)
    assert (row.is_deleted, row.deleted_at, row.deleted_by_id) == (True, now, actor.pk)
    assert Watchlist.all_objects.filter(pk=watchlist.pk).restore(actor) == 1
    row = Watchlist.all_objects.get(pk=watchlist.pk)
    assert (row.is_deleted, row.deleted_at, row.deleted_by_id) == (False, None, None)
    assert Watchlist.all_objects.filter(pk=watchlist.pk).restore(actor) == 0


def test_save_of_a_stale_instance_never_undeletes():
    watchlist = WatchlistFactory(name="Stale")
    stale = Watchlist.objects.get(pk=watchlist.pk)
    Watchlist.all_objects.filter(pk=watchlist.pk).soft_delete(None)
    stale.description = "edited"
    stale.save()
    row = Watchlist.all_objects.get(pk=watchlist.pk)
    assert row.is_deleted is True
    assert row.deleted_at is not None
    assert row.description == "edited"


def test_save_never_undeletes_even_when_asked_to():
    entry = WatchlistEntryFactory(is_deleted=True, deleted_at=timezone.now())
    entry.is_deleted = False
    entry.deleted_at = None
    entry.save(update_fields=["is_deleted", "deleted_at", "reason"])
    assert WatchlistEntry.all_objects.get(pk=entry.pk).is_deleted is True


def test_save_moves_updated_at():
    watchlist = WatchlistFactory()
    before = Watchlist.objects.get(pk=watchlist.pk).updated_at
    watchlist.name = "Renamed"
    watchlist.save()
    row = Watchlist.objects.get(pk=watchlist.pk)
    assert row.name == "Renamed"
    assert row.updated_at > before


def test_hard_delete_is_refused():
    watchlist = WatchlistFactory()
    with pytest.raises(HardDeleteError):
        watchlist.delete()
    with pytest.raises(HardDeleteError):
        Watchlist.all_objects.all().delete()
    assert Watchlist.objects.filter(pk=watchlist.pk).exists()


def test_save_of_a_partly_loaded_instance_writes_only_what_was_loaded():
    watchlist = WatchlistFactory(name="Partial", description="kept")
    partial = Watchlist.objects.only("id", "name").get(pk=watchlist.pk)
    partial.name = "Partial 2"
    partial.save()
    row = Watchlist.objects.get(pk=watchlist.pk)
    assert (row.name, row.description) == ("Partial 2", "kept")


def test_save_never_rewrites_created_at():
    watchlist = WatchlistFactory()
    created_at = Watchlist.objects.get(pk=watchlist.pk).created_at
    watchlist.created_at = timezone.now() + dt.timedelta(days=1)
    watchlist.save()
    assert Watchlist.objects.get(pk=watchlist.pk).created_at == created_at


def test_a_plain_save_of_an_entry_is_conditional_on_its_version_and_bumps_it():
    entry = WatchlistEntryFactory(reason="first")
    stale = WatchlistEntry.objects.get(pk=entry.pk)
    entry.reason = "second"
    entry.save()
    assert entry.version == 2
    stale.reason = "overwrite"
    with pytest.raises(EntryConflictError):
        stale.save()
    row = WatchlistEntry.objects.get(pk=entry.pk)
    assert (row.reason, row.version) == ("second", 2)


def test_every_queryset_update_of_entries_bumps_their_versions():
    entry = WatchlistEntryFactory()
    WatchlistEntry.all_objects.filter(pk=entry.pk).update(reason="bulk")
    WatchlistEntry.all_objects.filter(pk=entry.pk).soft_delete(None)
    assert WatchlistEntry.all_objects.get(pk=entry.pk).version == 3


def test_an_entry_version_is_never_set_by_hand_nor_bulk_written():
    entry = WatchlistEntryFactory()
    with pytest.raises(UnversionedWriteError):
        WatchlistEntry.all_objects.filter(pk=entry.pk).update(version=1)
    with pytest.raises(UnversionedWriteError):
        WatchlistEntry.all_objects.bulk_update([entry], ["reason"])
