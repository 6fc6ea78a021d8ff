"""Load demo data once: users, collectors, watchlists (some deleted) and 18 months of events."""

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


class Command(BaseCommand):
    help = (
        "Load demo data (idempotent): users admin, ops, editor; collectors; watchlists; 18 months of events."
    )

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            self._users(password)
            self._collectors()
            self._watchlists()
        self._events()
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
