"""Reads of legal holds for the pages, the command and the events search."""

from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func, OuterRef, QuerySet

from core.plates import plate_normalize
from holds.models import HeldEvent, Hold

STATUS_ACTIVE = "active"
STATUS_RELEASED = "released"
STATUS_ALL = "all"
HOLD_ID_MAX = 2**63 - 1  # bigint: a larger id names no hold (and must not reach the database)


@dataclass(frozen=True)
class HoldFilters:
    """What the hold list shows: a status, and optionally a case number and a plate (exact, normalized)."""

    status: str = STATUS_ACTIVE
    case_number: str = ""
    plate_number: str = ""


def hold_list(*, filters: HoldFilters = HoldFilters()) -> QuerySet[Hold]:
    """Return the holds matching `filters`, newest first, with who placed and released them."""
    holds = Hold.objects.select_related("placed_by", "released_by", "collector").order_by("-placed_at", "-id")
    if filters.status == STATUS_ACTIVE:
        holds = holds.filter(released_at__isnull=True)
    elif filters.status == STATUS_RELEASED:
        holds = holds.filter(released_at__isnull=False)
    if filters.case_number:
        holds = holds.filter(case_number__iexact=filters.case_number.strip())
    if filters.plate_number:
        holds = holds.filter(plate_number=plate_normalize(filters.plate_number))
    return holds


def hold_get(*, hold_id: int) -> Hold:
    """Return one hold with its people and collector, or raise Hold.DoesNotExist."""
    if not 0 < hold_id <= HOLD_ID_MAX:
        raise Hold.DoesNotExist(f"no hold {hold_id}")
    return Hold.objects.select_related("placed_by", "released_by", "collector").get(pk=hold_id)


def hold_kept_rows(*, hold_id: int) -> int:
    """Count the detections this hold keeps in `events_held` (rows of months already retired)."""
    return HeldEvent.objects.filter(hold_ids__contains=[hold_id]).count()


class _IsAnyOf(Func):
    """`value = ANY(array)`: true when the array holds the value (a filter on the array's own index)."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def held_event_queryset() -> QuerySet[HeldEvent]:
    """Return the held detections, each with `held_cases`: the case numbers of the active holds keeping it.

    A hold released since the row was kept no longer keeps it (the next maintenance run deletes the row
    if no active hold is left), so its case is not shown: such a row has `held_cases == []`.
    """
    cases = (
        Hold.objects.filter(_IsAnyOf(F("pk"), OuterRef("hold_ids")), released_at__isnull=True)
        .order_by("case_number")
        .values("case_number")
        .distinct()
    )
    return HeldEvent.objects.annotate(held_cases=ArraySubquery(cases))
