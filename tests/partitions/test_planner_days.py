"""plan_table for a daily table (alert_queue): UTC days, whatever zone `now` is given in; no database."""

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partitions.planner import (
    CREATE,
    DAY,
    DROP,
    EXPIRE,
    UTC,
    CatalogSnapshot,
    PartitionedTable,
    Reason,
    managed_period,
    period_index,
    period_label,
    period_start,
    plan_table,
)
from tests.support.partitions_planner import plan_applied, snapshot_of

DAILY = PartitionedTable(
    table="alert_queue",
    column="created_at",
    premake=7,
    retention=30,
    retention_mode="drop",
    lock_timeout=5.0,
    max_drops_per_run=6,
    interval=DAY,
)
ZONES = st.sampled_from(
    [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]
    + [dt.timezone(dt.timedelta(minutes=minutes)) for minutes in (-14 * 60, -330, 345, 14 * 60)]
)
INSTANTS = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 12, 31), timezones=ZONES
)


def snapshot(days=(), *, default_rows=None) -> CatalogSnapshot:
    return snapshot_of("alert_queue", days, interval=DAY, default_rows=default_rows)


apply = plan_applied


def utc_day(instant: dt.datetime) -> dt.date:
    return instant.astimezone(UTC).date()


@settings(max_examples=300, deadline=None)
@given(
    now=INSTANTS,
    existing=st.sets(st.integers(min_value=-40, max_value=12), max_size=20),
    default_offsets=st.dictionaries(st.integers(-80, 30), st.integers(1, 50), max_size=6),
)
def test_today_to_a_week_ahead_is_covered_once_contiguously_by_utc_midnight_days(
    now, existing, default_offsets
):
    today = period_index(DAY, now)
    snap = snapshot(
        [today + offset for offset in existing],
        default_rows={today + offset: rows for offset, rows in default_offsets.items()},
    )

    plan = plan_table(DAILY, snap, now=now, wall_now=now)
    after = apply(snap, plan)

    covered = sorted(child.period for child in after.children if child.period is not None)
    window = list(range(today, today + DAILY.premake + 1))
    assert all(covered.count(day) == 1 for day in window)
    # Contiguous from the oldest day inside retention (days past it may wait for a later run's drop cap).
    first_kept = period_index(DAY, now - dt.timedelta(days=DAILY.retention))
    kept = [day for day in covered if first_kept <= day <= window[-1]]
    assert kept == list(range(kept[0], window[-1] + 1))
    for action in plan.actions:
        assert action.start.tzinfo == UTC and action.start.time() == dt.time(0)
        assert action.end - action.start == dt.timedelta(days=1)  # every UTC day, DST or not
        if action.action == CREATE:
            assert action.partition == f"alert_queue_{action.start:%Y_%m_%d}"
    creates = [action.start.date() for action in plan.actions if action.action == CREATE]
    if utc_day(now) in creates:
        assert creates[0] == utc_day(now)  # rows written while the run goes on land in today's partition


@settings(max_examples=300, deadline=None)
@given(
    wall_now=INSTANTS,
    planning_shift=st.integers(min_value=-90, max_value=90),
    existing=st.sets(st.integers(min_value=-80, max_value=7), max_size=40),
    default_offsets=st.dictionaries(st.integers(-80, 7), st.integers(1, 50), max_size=6),
    retention=st.integers(min_value=7, max_value=60),
    cap=st.integers(min_value=0, max_value=10),
)
def test_only_whole_days_past_the_cutoff_are_dropped_or_expired(
    wall_now, planning_shift, existing, default_offsets, retention, cap
):
    entry = replace(DAILY, retention=retention, max_drops_per_run=cap)
    today = period_index(DAY, wall_now)
    snap = snapshot(
        [today + offset for offset in existing],
        default_rows={today + offset: rows for offset, rows in default_offsets.items()},
    )
    now = wall_now + dt.timedelta(hours=planning_shift * 13)

    plan = plan_table(entry, snap, now=now, wall_now=wall_now)

    cutoff = min(now, wall_now).astimezone(UTC) - dt.timedelta(days=retention)
    drops = [action for action in plan.actions if action.action == DROP]
    expires = [action for action in plan.actions if action.action == EXPIRE]
    assert all(action.end <= cutoff for action in drops + expires)
    assert len(drops) <= cap
    # Every day past the cutoff is retired (up to the cap) or expired; none that ends after it is.
    past = {day for day in (today + offset for offset in existing) if period_start(DAY, day + 1) <= cutoff}
    assert {action.period for action in drops} == set(sorted(past)[:cap])
    waiting = {
        today + offset for offset in default_offsets if period_start(DAY, today + offset + 1) <= cutoff
    }
    assert {action.period for action in expires} == waiting
    assert all(
        action.reason_text == f"rows in DEFAULT past retention ({retention} days)" for action in expires
    )


@settings(max_examples=200, deadline=None)
@given(
    now=INSTANTS,
    existing=st.sets(st.integers(min_value=-60, max_value=10), max_size=30),
    default_offsets=st.dictionaries(st.integers(-80, 12), st.integers(1, 50), max_size=6),
)
def test_a_second_daily_plan_after_the_first_has_nothing_to_do(now, existing, default_offsets):
    today = period_index(DAY, now)
    snap = snapshot(
        [today + offset for offset in existing],
        default_rows={today + offset: rows for offset, rows in default_offsets.items()},
    )
    entry = replace(DAILY, max_drops_per_run=1000)

    after = apply(snap, plan_table(entry, snap, now=now, wall_now=now))

    assert plan_table(entry, after, now=now, wall_now=now).actions == ()


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        # Month end: 31 January, then February, which has 28 days in 2027.
        (dt.datetime(2027, 1, 31, 12, tzinfo=UTC), "alert_queue_2027_01_31", "alert_queue_2027_02_07"),
        (dt.datetime(2027, 2, 25, tzinfo=UTC), "alert_queue_2027_02_25", "alert_queue_2027_03_04"),
        # Leap day, and the last second before it ends.
        (dt.datetime(2028, 2, 26, tzinfo=UTC), "alert_queue_2028_02_26", "alert_queue_2028_03_04"),
        (
            dt.datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC),
            "alert_queue_2028_02_29",
            "alert_queue_2028_03_07",
        ),
        # Year end, and a local evening that is already next year in UTC.
        (dt.datetime(2026, 12, 28, tzinfo=UTC), "alert_queue_2026_12_28", "alert_queue_2027_01_04"),
        (
            dt.datetime(2026, 12, 31, 20, tzinfo=ZoneInfo("America/New_York")),
            "alert_queue_2027_01_01",
            "alert_queue_2027_01_08",
        ),
        # A local morning that is still yesterday in UTC.
        (
            dt.datetime(2027, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")),
            "alert_queue_2026_12_31",
            "alert_queue_2027_01_07",
        ),
    ],
)
def test_days_are_utc_calendar_days_across_month_leap_and_year_ends(now, first, last):
    plan = plan_table(DAILY, snapshot(), now=now, wall_now=now)

    names = [action.partition for action in plan.actions]
    assert (names[0], names[-1], len(names)) == (first, last, 8)
    assert all(
        later.start == earlier.end for earlier, later in zip(plan.actions, plan.actions[1:], strict=False)
    )


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        ("Europe/Berlin", dt.datetime(2027, 3, 28, 1, 30)),  # the night clocks go forward (23-hour day)
        ("Europe/Berlin", dt.datetime(2026, 10, 25, 2, 30)),  # and back (25-hour day; 02:30 happens twice)
        ("America/New_York", dt.datetime(2026, 11, 1, 1, 30)),
        ("America/New_York", dt.datetime(2027, 3, 14, 3, 0)),
    ],
)
@pytest.mark.parametrize("fold", [0, 1])
def test_a_dst_change_in_the_display_zone_leaves_the_bounds_at_utc_midnight_a_day_apart(zone, local, fold):
    now = local.replace(tzinfo=ZoneInfo(zone), fold=fold)

    plan = plan_table(DAILY, snapshot(), now=now, wall_now=now)

    assert plan.actions[0].start == dt.datetime.combine(utc_day(now), dt.time(), tzinfo=UTC)
    assert {action.end - action.start for action in plan.actions} == {dt.timedelta(days=1)}
    assert all(action.start.utcoffset() == dt.timedelta(0) for action in plan.actions)


def test_retention_keeps_the_day_that_holds_the_cutoff():
    now = dt.datetime(2027, 6, 15, 9, 30, tzinfo=UTC)  # cutoff 2027-05-16 09:30 UTC
    today = period_index(DAY, now)
    days = [day for day in range(today - 33, today + 8) if day not in (today - 32, today - 30)]
    snap = snapshot(days, default_rows={today - 32: 2, today - 30: 1})

    plan = plan_table(DAILY, snap, now=now, wall_now=now)

    dropped = [action.partition for action in plan.actions if action.action == DROP]
    assert dropped == ["alert_queue_2027_05_13", "alert_queue_2027_05_15"]
    [expire] = [action for action in plan.actions if action.action == EXPIRE]
    assert (expire.partition, expire.start, expire.default_rows) == (
        "alert_queue_default",
        dt.datetime(2027, 5, 14, tzinfo=UTC),
        2,
    )
    assert expire.as_dict()["reason"] == "rows in DEFAULT past retention (30 days)"
    # 2027-05-16 straddles the cutoff: its rows are moved into their day, not removed.
    assert [a.reason for a in plan.actions if a.period == today - 30] == [Reason.DEFAULT_ROWS]


def test_rows_within_the_horizon_get_their_day_and_the_days_before_it_further_ones_stay():
    now = dt.datetime(2027, 6, 15, 9, 30, tzinfo=UTC)
    today = period_index(DAY, now)
    snap = snapshot(range(today, today + 8), default_rows={today + 9: 1, today + 10: 4})

    plan = plan_table(DAILY, snap, now=now, wall_now=now)

    assert [(a.partition, a.reason) for a in plan.actions] == [
        ("alert_queue_2027_06_23", Reason.BRIDGE),
        ("alert_queue_2027_06_24", Reason.DEFAULT_ROWS),
    ]
    assert plan.actions[0].reason_text == "between premake and a day with rows in DEFAULT"
    assert plan.far_future_default_rows == {today + 10: 4}


def test_reasons_name_the_day():
    now = dt.datetime(2027, 6, 15, tzinfo=UTC)
    plan = plan_table(DAILY, snapshot(), now=now, wall_now=now)

    assert [a.reason_text for a in plan.actions[:3]] == [
        "current day",
        "premake (1 ahead)",
        "premake (2 ahead)",
    ]


@pytest.mark.parametrize(
    ("name", "lower", "upper", "expected"),
    [
        (
            "alert_queue_2028_02_29",
            dt.datetime(2028, 2, 29, tzinfo=UTC),
            dt.datetime(2028, 3, 1, tzinfo=UTC),
            True,
        ),
        (
            "alert_queue_2028_02_28",
            dt.datetime(2028, 2, 29, tzinfo=UTC),
            dt.datetime(2028, 3, 1, tzinfo=UTC),
            False,
        ),
        (
            "alert_queue_2028_02_29",
            dt.datetime(2028, 2, 29, tzinfo=UTC),
            dt.datetime(2028, 3, 2, tzinfo=UTC),
            False,
        ),
        (
            "alert_queue_2028_02_29",
            dt.datetime(2028, 2, 29, 1, tzinfo=UTC),
            dt.datetime(2028, 3, 1, 1, tzinfo=UTC),
            False,
        ),
        (
            "alert_queue_2028_02",
            dt.datetime(2028, 2, 1, tzinfo=UTC),
            dt.datetime(2028, 3, 1, tzinfo=UTC),
            False,
        ),
    ],
)
def test_a_child_is_a_managed_day_only_for_one_whole_utc_day_under_its_own_name(name, lower, upper, expected):
    day = managed_period(DAY, "alert_queue", name, lower, upper)

    assert (day is not None) == expected
    if expected:
        assert period_label(DAY, day) == "2028-02-29"


def test_a_day_is_the_ordinal_of_its_utc_date_and_the_last_nameable_day_is_bounded():
    assert (
        period_index(DAY, dt.datetime(2027, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")))
        == dt.date(2026, 12, 31).toordinal()
    )
    assert period_label(DAY, dt.date.max.toordinal() + 1) == "after 9999-12-31"
    with pytest.raises(ValueError, match="aware"):
        period_index(DAY, dt.datetime(2027, 1, 1))
    now = dt.datetime(9999, 12, 28, tzinfo=UTC)
    plan = plan_table(DAILY, snapshot(), now=now, wall_now=dt.datetime(2027, 1, 1, tzinfo=UTC))
    assert [a.partition for a in plan.actions][-1] == "alert_queue_9999_12_30"
    assert len(plan.blocked) == 5  # 9999-12-31 has no next day to bound it, and the days after are not dates
