"""Rows in DEFAULT past retention become EXPIRE actions (rule 5), one per period, never at ±infinity."""

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from partitions.planner import CREATE, DROP, EXPIRE, UTC, Reason, month_index, month_start, plan_table
from tests.partitions.test_planner import ENTRY, INSTANTS, apply, months_before, snapshot

NOW = dt.datetime(2027, 6, 15, 9, 30, tzinfo=UTC)
CURRENT = month_index(NOW)


def _expires(plan) -> list:
    return [action for action in plan.actions if action.action == EXPIRE]


@settings(max_examples=300, deadline=None)
@given(
    wall_now=INSTANTS,
    planning_shift=st.integers(min_value=-400, max_value=400),
    default_offsets=st.dictionaries(st.integers(-200, 10), st.integers(1, 10_000), max_size=12),
    unbounded=st.integers(0, 5),
    retention=st.integers(min_value=4, max_value=100),
    cap=st.integers(min_value=0, max_value=3),
)
def test_each_period_of_default_rows_past_retention_gets_one_expire_and_nothing_else_does(
    wall_now, planning_shift, default_offsets, unbounded, retention, cap
):
    entry = replace(ENTRY, retention=retention, max_drops_per_run=cap)
    current = month_index(wall_now)
    rows = {current + offset: count for offset, count in default_offsets.items()}
    snap = replace(snapshot([current], default_rows=rows), default_rows_unbounded=unbounded)
    now = wall_now + dt.timedelta(days=planning_shift)

    plan = plan_table(entry, snap, now=now, wall_now=wall_now)

    cutoff = months_before(min(now, wall_now), retention)  # a planning `now` never widens it
    past = {month: count for month, count in rows.items() if month_start(month + 1) <= cutoff}
    expires = _expires(plan)
    assert {action.period: action.default_rows for action in expires} == past
    assert len(expires) == len(past)  # one per period, and ±infinity (no period) never
    assert all(action.end <= cutoff and action.start == month_start(action.period) for action in expires)
    assert all(action.partition == "events_default" for action in expires)
    assert all(action.reason is Reason.DEFAULT_PAST_RETENTION for action in expires)
    # Never a period whose rows are moved into a partition by the same plan.
    assert not {action.period for action in expires} & {
        action.period for action in plan.actions if action.action == CREATE
    }
    # After the creates; and not held back by the cap on drops.
    kinds = [action.action for action in plan.actions]
    assert CREATE not in kinds[kinds.index(EXPIRE) :] if expires else True
    assert plan.stranded_default_rows == past


@settings(max_examples=200, deadline=None)
@given(
    now=INSTANTS,
    existing=st.sets(st.integers(min_value=-100, max_value=6), max_size=20),
    default_offsets=st.dictionaries(st.integers(-200, 10), st.integers(1, 50), max_size=8),
)
def test_after_a_run_nothing_waits_in_default_past_retention_and_the_next_plan_is_empty(
    now, existing, default_offsets
):
    current = month_index(now)
    snap = snapshot(
        [current + offset for offset in existing],
        default_rows={current + offset: rows for offset, rows in default_offsets.items()},
    )
    entry = replace(ENTRY, max_drops_per_run=1000)

    after = apply(snap, plan_table(entry, snap, now=now, wall_now=now))

    first_kept = month_index(months_before(now, ENTRY.retention))
    assert all(month >= first_kept for month in after.default_rows)
    assert plan_table(entry, after, now=now, wall_now=now).actions == ()


def test_expires_say_why_and_carry_the_period_bounds_and_row_count():
    snap = snapshot(range(CURRENT, CURRENT + 4), default_rows={CURRENT - 90: 7, CURRENT - 85: 2})

    plan = plan_table(ENTRY, snap, now=NOW, wall_now=NOW)

    first, second = _expires(plan)
    assert first.as_dict() == {
        "table": "events",
        "action": EXPIRE,
        "partition": "events_default",
        "from": month_start(CURRENT - 90).isoformat(),
        "to": month_start(CURRENT - 89).isoformat(),
        "default_rows": 7,
        "reason": "rows in DEFAULT past retention (84 months)",
    }
    assert (second.period, second.default_rows) == (CURRENT - 85, 2)


def test_the_month_holding_the_cutoff_is_kept_whole():
    # Cutoff 2020-06-15 09:30: May 2020 ends before it and expires; June 2020 straddles it and stays.
    snap = snapshot(range(CURRENT, CURRENT + 4), default_rows={CURRENT - 85: 1, CURRENT - 84: 1})

    plan = plan_table(ENTRY, snap, now=NOW, wall_now=NOW)

    assert [action.start for action in _expires(plan)] == [dt.datetime(2020, 5, 1, tzinfo=UTC)]
    assert [action.reason for action in plan.actions if action.period == CURRENT - 84] == [
        Reason.DEFAULT_ROWS
    ]


def test_expires_follow_the_retires_and_are_planned_even_when_no_drop_is_allowed():
    snap = snapshot(range(CURRENT - 90, CURRENT + 4), default_rows={CURRENT - 100: 3})

    capped = plan_table(replace(ENTRY, max_drops_per_run=0), snap, now=NOW, wall_now=NOW)
    full = plan_table(ENTRY, snap, now=NOW, wall_now=NOW)

    assert [action.action for action in capped.actions] == [EXPIRE]
    assert capped.drops_deferred == 6
    assert [action.action for action in full.actions] == [DROP] * 6 + [EXPIRE]


def test_a_planning_now_ahead_never_expires_more_than_the_wall_clock_allows():
    snap = snapshot(range(CURRENT, CURRENT + 4), default_rows={CURRENT - 84: 4})

    ahead = plan_table(ENTRY, snap, now=NOW + dt.timedelta(days=400), wall_now=NOW)

    assert _expires(ahead) == []


def test_rows_before_year_one_are_reported_but_not_expired():
    snap = snapshot(range(CURRENT, CURRENT + 4), default_rows={5: 2, 12: 1})

    plan = plan_table(ENTRY, snap, now=NOW, wall_now=NOW)

    assert [action.period for action in _expires(plan)] == [12]
    assert plan.stranded_default_rows == {5: 2, 12: 1}
