"""Rule 4a: months up to premake, plus months of DEFAULT rows within the horizon; plans stay bounded."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from partitions.planner import CREATE, UTC, Reason, month_index, plan_table
from tests.partitions.test_planner import ENTRY, snapshot

NOW = dt.datetime(2026, 11, 28, 7, 5, tzinfo=UTC)
CURRENT = month_index(NOW)
TODAY_COVERED = range(CURRENT, CURRENT + ENTRY.premake + 1)


def _created(plan) -> list[int]:
    return sorted(action.period - CURRENT for action in plan.actions if action.action == CREATE)


def test_the_horizon_defaults_to_two_months_beyond_premake():
    assert ENTRY.future_horizon == 2
    assert ENTRY.horizon == 5


def test_a_row_within_the_horizon_gets_its_month_and_the_months_before_it_leaving_no_gap():
    plan = plan_table(ENTRY, snapshot(TODAY_COVERED, default_rows={CURRENT + 5: 3}), now=NOW, wall_now=NOW)

    assert _created(plan) == [4, 5]
    assert [action.reason for action in plan.actions] == [Reason.BRIDGE, Reason.DEFAULT_ROWS]
    assert plan.far_future_default_rows == {}


def test_a_row_beyond_the_horizon_stays_in_default_and_is_reported():
    stray = month_index(dt.datetime(2031, 3, 9, tzinfo=UTC))

    plan = plan_table(ENTRY, snapshot(TODAY_COVERED, default_rows={stray: 3}), now=NOW, wall_now=NOW)

    assert plan.actions == ()
    assert plan.far_future_default_rows == {stray: 3}


def test_planning_far_ahead_plans_that_window_not_every_month_up_to_it():
    now = dt.datetime(9999, 6, 1, tzinfo=UTC)

    plan = plan_table(ENTRY, snapshot(TODAY_COVERED), now=now, wall_now=NOW)

    assert len(plan.actions) == ENTRY.premake + 1
    assert plan.actions[0].period == month_index(now)


def test_planning_into_the_last_nameable_months_reports_the_rest_and_never_fails():
    now = dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC)

    plan = plan_table(ENTRY, snapshot(TODAY_COVERED), now=now, wall_now=NOW)

    assert len(plan.actions) + len(plan.blocked) <= ENTRY.horizon + 1
    assert plan.blocked


def test_planning_2040_creates_its_window_only():
    now = dt.datetime(2040, 1, 1, tzinfo=UTC)

    plan = plan_table(ENTRY, snapshot(TODAY_COVERED), now=now, wall_now=NOW)

    assert [action.period - month_index(now) for action in plan.actions] == [0, 1, 2, 3]


@settings(max_examples=200, deadline=None)
@given(
    now=st.datetimes(
        min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=st.just(UTC)
    ),
    stray=st.lists(st.integers(min_value=-2000, max_value=100_000), max_size=6),
)
def test_any_plan_is_bounded_by_the_retention_window_premake_and_the_horizon(now, stray):
    current = month_index(now)
    default_rows = {CURRENT + offset: 1 for offset in stray}

    plan = plan_table(ENTRY, snapshot(TODAY_COVERED, default_rows=default_rows), now=now, wall_now=NOW)

    creates = [action.period for action in plan.actions if action.action == CREATE]
    assert len(creates) + len(plan.blocked) <= ENTRY.retention + ENTRY.horizon + 1 + len(stray)
    assert all(month <= current + ENTRY.horizon for month in creates)
