"""plan_table is pure: these tests build catalog snapshots by hand and never touch the database."""

import calendar
import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partitions.planner import (
    CREATE,
    DETACH,
    DROP,
    UTC,
    CatalogSnapshot,
    Child,
    PartitionedTable,
    Reason,
    month_index,
    partition_name,
    plan_table,
)
from tests.support.partitions_planner import managed_child, plan_applied, snapshot_of

ENTRY = PartitionedTable(
    table="events",
    column="captured_at",
    premake=3,
    retention=84,
    retention_mode="drop",
    lock_timeout=5.0,
    max_drops_per_run=6,
)
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
INSTANTS = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 12, 31), timezones=OFFSETS
)


def managed(table: str, month: int) -> Child:
    return managed_child(table, month)


def snapshot(months=(), *, default_rows=None, extra=(), lookalikes=()) -> CatalogSnapshot:
    return snapshot_of("events", months, default_rows=default_rows, extra=extra, lookalikes=lookalikes)


apply = plan_applied


def months_before(instant: dt.datetime, months: int) -> dt.datetime:
    """An independent calendar computation of `instant - months` (day clamped), for cross-checking."""
    utc = instant.astimezone(UTC)
    year, month = utc.year, utc.month - months
    while month < 1:
        month += 12
        year -= 1
    day = min(utc.day, calendar.monthrange(year, month)[1])
    return utc.replace(year=year, month=month, day=day)


@settings(max_examples=300, deadline=None)
@given(
    now=INSTANTS,
    existing=st.sets(st.integers(min_value=-6, max_value=8), max_size=10),
    default_offsets=st.dictionaries(
        st.integers(min_value=-100, max_value=40), st.integers(1, 50), max_size=5
    ),
)
def test_current_month_to_premake_is_covered_exactly_once_and_contiguously(now, existing, default_offsets):
    current = month_index(now)
    snap = snapshot(
        [current + offset for offset in existing],
        default_rows={current + offset: rows for offset, rows in default_offsets.items()},
    )
    plan = plan_table(ENTRY, snap, now=now, wall_now=now)
    after = apply(snap, plan)
    covered = sorted(child.period for child in after.children if child.period is not None)
    window = list(range(current, current + ENTRY.premake + 1))
    assert all(covered.count(month) == 1 for month in window)
    created = [action.period for action in plan.actions if action.action == CREATE]
    assert len(created) == len(set(created))
    assert not set(created) & {current + offset for offset in existing}
    # Contiguous: from the oldest kept partition up to the premake horizon, no month is missing.
    kept = [month for month in covered if month <= window[-1]]
    assert kept == list(range(kept[0], window[-1] + 1))


@settings(max_examples=300, deadline=None)
@given(
    wall_now=INSTANTS,
    planning_shift=st.integers(min_value=-400, max_value=400),
    existing=st.sets(st.integers(min_value=-120, max_value=4), max_size=40),
    retention=st.integers(min_value=4, max_value=100),
    cap=st.integers(min_value=0, max_value=10),
)
def test_nothing_is_dropped_whose_upper_bound_is_after_wall_clock_minus_retention(
    wall_now, planning_shift, existing, retention, cap
):
    entry = replace(ENTRY, retention=retention, max_drops_per_run=cap)
    now = wall_now + dt.timedelta(days=planning_shift)
    current = month_index(wall_now)
    plan = plan_table(entry, snapshot([current + offset for offset in existing]), now=now, wall_now=wall_now)
    cutoff = months_before(wall_now, retention)
    drops = [action for action in plan.actions if action.action == DROP]
    assert all(action.end <= cutoff for action in drops)
    assert len(drops) <= cap


@given(now=INSTANTS, existing=st.sets(st.integers(min_value=-100, max_value=6), max_size=30))
@settings(max_examples=200, deadline=None)
def test_a_second_plan_after_the_first_has_nothing_to_do(now, existing):
    current = month_index(now)
    snap = snapshot([current + offset for offset in existing])
    entry = replace(ENTRY, max_drops_per_run=1000)
    after = apply(snap, plan_table(entry, snap, now=now, wall_now=now))
    assert plan_table(entry, after, now=now, wall_now=now).actions == ()


@pytest.mark.parametrize(
    ("now", "expected_current"),
    [
        (dt.datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC), "events_2028_02"),  # leap day, last second
        (dt.datetime(2028, 2, 29, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "events_2028_03"),
        (dt.datetime(2027, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), "events_2026_12"),
        (dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "events_2026_12"),  # year end
        (dt.datetime(2027, 1, 31, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))), "events_2027_02"),
        (dt.datetime(2027, 3, 31, 12, 0, tzinfo=UTC), "events_2027_03"),  # 31st: +30 days would skip April
    ],
)
def test_current_month_is_the_utc_calendar_month_of_now(now, expected_current):
    plan = plan_table(ENTRY, snapshot(), now=now, wall_now=now)
    names = [action.partition for action in plan.actions]
    assert names[0] == expected_current
    assert len(names) == ENTRY.premake + 1
    assert all(action.start.tzinfo == UTC and action.start.day == 1 for action in plan.actions)
    assert all(action.start.hour == action.start.minute == 0 for action in plan.actions)


def test_month_ends_never_skip_a_month():
    now = dt.datetime(2027, 1, 31, 12, tzinfo=UTC)
    plan = plan_table(ENTRY, snapshot(), now=now, wall_now=now)
    assert [a.partition for a in plan.actions] == [
        "events_2027_01",
        "events_2027_02",
        "events_2027_03",
        "events_2027_04",
    ]
    assert plan.actions[1].end == dt.datetime(2027, 3, 1, tzinfo=UTC)


def test_planning_now_in_the_future_never_widens_drops():
    wall_now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    current = month_index(wall_now)
    snap = snapshot(range(current - 90, current + 4))
    with_wall = plan_table(ENTRY, snap, now=wall_now, wall_now=wall_now)
    ahead = plan_table(ENTRY, snap, now=wall_now + dt.timedelta(days=3 * 365), wall_now=wall_now)
    assert {a.partition for a in ahead.actions if a.action == DROP} == {
        a.partition for a in with_wall.actions if a.action == DROP
    }
    # Upper bound 2020-06-01 <= 2020-06-15 (now - 84 months): dropped; 2020-07-01 is not.
    assert "events_2020_05" in {a.partition for a in with_wall.actions}
    assert "events_2020_06" not in {a.partition for a in with_wall.actions}


def test_drops_are_capped_per_run_oldest_first_and_the_rest_deferred():
    now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    current = month_index(now)
    plan = plan_table(ENTRY, snapshot(range(current - 100, current + 4)), now=now, wall_now=now)
    drops = [a for a in plan.actions if a.action == DROP]
    assert [a.period for a in drops] == list(range(current - 100, current - 94))
    assert plan.drops_deferred == 100 - 84 - 6


def test_detach_mode_plans_detach_instead_of_drop():
    now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    current = month_index(now)
    plan = plan_table(
        replace(ENTRY, retention_mode="detach"),
        snapshot(range(current - 86, current + 4)),
        now=now,
        wall_now=now,
    )
    assert {a.action for a in plan.actions} == {DETACH}


def test_default_rows_create_their_month_and_past_retention_rows_are_reported_not_moved():
    now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    current = month_index(now)
    snap = snapshot(
        range(current, current + 4), default_rows={current - 2: 5, current + 30: 2, current - 90: 7}
    )
    plan = plan_table(ENTRY, snap, now=now, wall_now=now)
    creates = {a.period: a for a in plan.actions if a.action == CREATE}
    assert creates[current - 2].default_rows == 5
    assert creates[current - 1].reason is Reason.GAP
    # Beyond premake + horizon: left in DEFAULT and reported, no partition made for a wrong clock.
    assert current + 30 not in creates
    assert plan.far_future_default_rows == {current + 30: 2}
    assert current - 90 not in creates
    assert plan.stranded_default_rows == {current - 90: 7}


def test_unmanaged_children_and_lookalikes_block_their_months_and_are_never_retired():
    now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    current = month_index(now)
    legacy = replace(
        managed("events", current + 1), name="events_legacy", relname="events_legacy", period=None
    )
    ancient = replace(managed("events", current - 200), name="events_old", relname="events_old", period=None)
    snap = snapshot([current], extra=[legacy, ancient], lookalikes=[partition_name("events", current + 2)])
    plan = plan_table(ENTRY, snap, now=now, wall_now=now)
    names = {a.partition for a in plan.actions}
    assert partition_name("events", current + 1) not in names  # covered by events_legacy
    assert partition_name("events", current + 2) not in names
    assert "events_old" not in names
    assert any("not a partition of events" in sentence for sentence in plan.blocked)


def test_creates_start_with_the_current_month_so_run_time_rows_land_in_it():
    now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    current = month_index(now)
    plan = plan_table(ENTRY, snapshot([current - 3], default_rows={current - 5: 1}), now=now, wall_now=now)
    assert plan.actions[0].period == current
    assert [a.period for a in plan.actions[1:]] == sorted(a.period for a in plan.actions[1:])


def test_each_action_says_why_with_a_reason_member_and_its_text():
    now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    current = month_index(now)
    snap = snapshot([current - 90, current - 3], default_rows={current + 5: 2})

    plan = plan_table(ENTRY, snap, now=now, wall_now=now)

    reasons = {a.period - current: (a.reason, a.as_dict()["reason"]) for a in plan.actions}
    assert reasons[0] == (Reason.CURRENT_MONTH, "current month")
    assert reasons[2] == (Reason.PREMAKE, "premake (2 ahead)")
    assert reasons[-1] == (Reason.GAP, "gap inside retention")
    assert reasons[4] == (Reason.BRIDGE, "between premake and a month with rows in DEFAULT")
    assert reasons[5] == (Reason.DEFAULT_ROWS, "rows waiting in DEFAULT")
    assert reasons[-90] == (Reason.PAST_RETENTION, "past retention (84 months)")


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        plan_table(ENTRY, snapshot(), now=dt.datetime(2027, 6, 15), wall_now=dt.datetime.now(UTC))
