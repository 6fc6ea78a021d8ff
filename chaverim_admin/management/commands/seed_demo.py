"""Load demo data once: users, collectors, watchlists (some deleted), 18 months of events, watchlist hits."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from chaverim_admin import roles, sql
from collectors.models import Collector
from watchlists.models import Watchlist, WatchlistEntry

DEFAULT_DEMO_PASSWORD = "chaverim-demo"  # noqa: S105 (local demo only; DEMO_PASSWORD overrides)
SITES = [
    "North Gate",
    "South Gate",
    "Harbour Road",
    "Airport Link",
    "Market Square",
    "Station Approach",
    "Ring Road East",
    "Ring Road West",
    "Hospital Entrance",
    "Industrial Park",
    "Bridge Street",
    "Old Town",
]
WATCHLIST_NAMES = [
    "Stolen vehicles",
    "Unpaid tolls",
    "Amber alert",
    "Fleet — municipal",
    "Fleet — police",
    "Parking permits",
    "Expired registration",
    "Banned from premises",
    "VIP escort",
    "Loading bay regulars",
    "Night watch",
    "Borrowed plates",
    "Court orders",
    "Insurance lapsed",
    "Visitor passes",
]
PLATE_POOL = 3000
EVENTS_PER_MONTH = 30_000
MONTHS = 18
ALERTS = 40  # watchlist hits: the newest events whose plates are on an active watchlist
ALERTS_QUEUED = 8  # the newest of them still wait in the queue; the others are sent, acknowledged or failed
ALERTS_WINDOW = dt.timedelta(days=7)

# Demo hits, as the platform's matcher would have queued them: the newest events (since `since`) whose plate
# is on an active entry of an active watchlist, one hit per entry, created two seconds after the sighting.
# The newest `queued` wait in the queue; the others cycle through sent, acknowledged and failed.
DEMO_ALERTS_INSERT = """
    WITH hits AS (
        SELECT e.id AS event_id, e.captured_at, e.plate_number, e.collector_id,
               entry.watchlist_id, entry.id AS entry_id,
               row_number() OVER (ORDER BY e.captured_at DESC, e.id DESC, entry.id) AS n
          FROM events AS e
          JOIN watchlist_entries AS entry ON entry.plate_number = e.plate_number AND NOT entry.is_deleted
          JOIN watchlists AS list ON list.id = entry.watchlist_id AND NOT list.is_deleted
         WHERE e.captured_at >= %(since)s
         ORDER BY e.captured_at DESC, e.id DESC, entry.id
         LIMIT %(count)s
    )
    INSERT INTO alert_queue (event_id, event_captured_at, watchlist_id, entry_id, plate_number, collector_id,
                             created_at, status, processed_at)
    SELECT event_id, captured_at, watchlist_id, entry_id, plate_number, collector_id,
           captured_at + interval '2 seconds',
           CASE WHEN n <= %(queued)s THEN 'queued'
                ELSE (ARRAY['sent', 'sent', 'acknowledged', 'failed'])[1 + mod(n, 4)::int] END,
           CASE WHEN n <= %(queued)s THEN NULL
                ELSE captured_at + interval '2 seconds' + n * interval '7 seconds' END
      FROM hits
"""
DEMO_ALERTS_EXIST = "SELECT EXISTS (SELECT 1 FROM alert_queue)"


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): users admin, ops, editor, sites, auditor, legal, legal2; collectors; "
        "watchlists; 18 months of events; watchlist hits."
    )

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            self._users(password)
            self._collectors()
            self._watchlists()
        self._events()
        self._alerts()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _users(self, password: str) -> None:
        User = get_user_model()
        people = [
            ("admin", {"is_superuser": True}, None),
            ("ops", {}, roles.OPERATIONS),
            ("editor", {}, roles.WATCHLIST_EDITORS),
            ("sites", {}, roles.COLLECTOR_ADMINS),
            ("auditor", {}, roles.AUDITORS),
            # Two lawyers: a hold placed by one is released by the other (LEGAL_HOLD_TWO_PERSON_RELEASE).
            ("legal", {}, roles.LEGAL),
            ("legal2", {}, roles.LEGAL),
        ]
        for username, flags, group in people:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "email": f"{username}@example.org", **flags}
            )
            if created:
                user.set_password(password)
                user.save()
            if group:
                user.groups.add(roles.staff_group_ensure(name=group))

    def _collectors(self) -> None:
        existing = set(Collector.objects.values_list("site_name", flat=True))
        Collector.objects.bulk_create(
            Collector(site_name=name, config={"cameras": 2 + i % 3, "fps": 15, "lanes": 1 + i % 4})
            for i, name in enumerate(SITES)
            if name not in existing
        )

    def _watchlists(self) -> None:
        from watchlists.services import watchlist_entry_soft_delete, watchlist_soft_delete

        if Watchlist.all_objects.exists():
            return
        admin = get_user_model().objects.get(username="admin")
        for i, name in enumerate(WATCHLIST_NAMES):
            watchlist = Watchlist.all_objects.create(
                name=name, description=f"Demo list {i + 1}", created_by=admin
            )
            WatchlistEntry.all_objects.bulk_create(
                WatchlistEntry(
                    watchlist=watchlist,
                    plate_number=f"DEMO{(i * 37 + k * 11) % PLATE_POOL:04d}",
                    reason="Demo entry",
                    created_by=admin,
                )
                for k in range(4 + i % 7)
            )
            if i == 0:
                # One plate removed on its own earlier: restoring the list must not bring it back.
                first = (
                    WatchlistEntry.all_objects.filter(watchlist=watchlist).order_by("plate_number").first()
                )
                watchlist_entry_soft_delete(entry_id=first.id, actor=admin)
            if i >= len(WATCHLIST_NAMES) - 3:
                watchlist_soft_delete(watchlist_id=watchlist.id, actor=admin)

    def _events(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql.DEMO_EVENTS_EXIST)
            if cursor.fetchone()[0]:
                return
            now = timezone.now()
            start = (now - dt.timedelta(days=MONTHS * 365 / 12)).replace(microsecond=0)
            cursor.execute(
                sql.DEMO_EVENTS_INSERT,
                {"plates": PLATE_POOL, "start": start, "end": now, "count": EVENTS_PER_MONTH * MONTHS},
            )
            cursor.execute("ANALYZE events")
        self.stdout.write(
            f"Inserted {EVENTS_PER_MONTH * MONTHS:,} demo events; "
            "`partitions rotate` moves them into their monthly partitions."
        )

    def _alerts(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(DEMO_ALERTS_EXIST)
            if cursor.fetchone()[0]:
                return
            since = timezone.now() - ALERTS_WINDOW
            cursor.execute(DEMO_ALERTS_INSERT, {"since": since, "count": ALERTS, "queued": ALERTS_QUEUED})
            inserted = cursor.rowcount
        self.stdout.write(f"Queued {inserted} demo watchlist hits (Alerts page), a few in each status.")
