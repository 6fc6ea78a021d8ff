"""Legal holds in tests: place holds with the ORM, release them through the service, read and empty
events_held.

Holds are placed with the ORM: the retention tests' collectors are random ids with no `collectors` row, which
the service refuses (and placing is not what they test). Releases go through the service, so the two-person
rule holds in every test.
"""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from holds.models import Hold
from holds.services import hold_release as hold_release_service
from partitions.planner import month_start


def events_held_empty() -> None:
    """Empty events_held as the owner, with the maintenance flag (the write-once trigger wants it)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'on', true)")
        cursor.execute("TRUNCATE events_held")


def at(month: int, day: int = 15, hour: int = 12) -> dt.datetime:
    return month_start(month).replace(day=day, hour=hour)


def hold_place(
    *, case: str, placed_by, start: dt.datetime, end: dt.datetime, plate: str = "", collector=None
):
    """Place a hold with the ORM, as the holds pages would."""
    return Hold.objects.create(
        case_number=case,
        reason="Investigation",
        plate_number=plate,
        collector_id=collector,
        starts_at=start,
        ends_at=end,
        placed_by=placed_by,
        placed_at=timezone.now(),
    )


def hold_release(hold: Hold, *, by) -> None:
    """Release a hold as `by`, through the service (a user other than the placer, by default)."""
    hold_release_service(hold_id=hold.pk, released_by=by, reason="Case closed")


def held_rows() -> dict[int, list[int]]:
    """Map each row of events_held to the holds keeping it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, hold_ids FROM events_held ORDER BY id")
        return dict(cursor.fetchall())


def hook_run(hook, retiring) -> list[str]:
    """Call a retention hook as the engine does: in the caller's transaction, with the maintenance flag on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'on', true)")
        notes = hook(cursor, retiring)
        cursor.execute("SELECT set_config('chaverim.partition_maintenance', 'off', true)")
    return notes
