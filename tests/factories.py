"""factory-boy factories for every model, and a writer for write-once events."""

import datetime as dt
import uuid

import factory
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from chaverim_admin.roles import staff_group_ensure
from collectors.models import Collector
from watchlists.models import Watchlist, WatchlistEntry

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        """Add the user to groups by name: UserFactory(groups=["Operations"])."""
        if create and extracted:
            for name in extracted:
                self.groups.add(staff_group_ensure(name=name))


class CollectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collector

    site_name = factory.Sequence(lambda n: f"Site {n:03d}")
    config = factory.LazyFunction(lambda: {"fps": 15, "lanes": 2})


class WatchlistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Watchlist

    name = factory.Sequence(lambda n: f"Watchlist {n:04d}")
    description = "Plates of interest"


class WatchlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WatchlistEntry

    watchlist = factory.SubFactory(WatchlistFactory)
    plate_number = factory.Sequence(lambda n: f"TST{n:04d}")
    reason = "Reported"


def insert_events(
    rows: list[tuple[uuid.UUID, str, dt.datetime]] | None = None,
    *,
    collector_id: uuid.UUID | None = None,
    plate_number: str = "ABC123",
    captured_at: dt.datetime | None = None,
) -> list[int]:
    """Insert events with SQL (the model is read-only); return their ids."""
    if rows is None:
        rows = [(collector_id or uuid.uuid4(), plate_number, captured_at or timezone.now())]
    ids = []
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(
                "INSERT INTO events (collector_id, plate_number, captured_at) "
                "VALUES (%s, %s, %s) RETURNING id",
                list(row),
            )
            ids.append(cursor.fetchone()[0])
    return ids


def insert_alerts(
    rows: list[dict] | None = None,
    *,
    entry: WatchlistEntry | None = None,
    collector_id: uuid.UUID | None = None,
    created_at: dt.datetime | None = None,
    status: str = "queued",
    processed_at: dt.datetime | None = None,
) -> list[tuple[int, dt.datetime]]:
    """Insert watchlist hits into `alert_queue` with SQL (the platform's dispatcher writes them); return
    their keys (id, created_at).

    Each row is a dict of `entry`, `collector_id`, `created_at`, `status` and `processed_at` (the keyword
    arguments are the defaults); the event it stands for is made up (ids are not checked).
    """
    defaults = {
        "entry": entry,
        "collector_id": collector_id,
        "created_at": created_at,
        "status": status,
        "processed_at": processed_at,
    }
    keys = []
    with connection.cursor() as cursor:
        for row in rows or [{}]:
            values = {**defaults, **row}
            hit_entry = values["entry"] or WatchlistEntryFactory()
            when = values["created_at"] or timezone.now()
            cursor.execute(
                "INSERT INTO alert_queue (event_id, event_captured_at, watchlist_id, entry_id, plate_number,"
                " collector_id, created_at, status, processed_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id, created_at",
                [
                    1,
                    when,
                    hit_entry.watchlist_id,
                    hit_entry.pk,
                    hit_entry.plate_number,
                    values["collector_id"] or uuid.uuid4(),
                    when,
                    values["status"],
                    values["processed_at"],
                ],
            )
            keys.append(cursor.fetchone())
    return keys
