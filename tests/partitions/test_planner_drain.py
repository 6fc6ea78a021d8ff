"""A drain table left behind (rows moved out of DEFAULT, never attached) is always finished: pure tests."""

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from partitions.health import table_health
from partitions.planner import (
    CREATE,
    DAY,
    MONTH,
    UTC,
    Reason,
    drain_marker,
    drain_period,
    drain_table_name,
    month_index,
    period_index,
    period_partition_name,
    period_start,
    plan_table,
)
from tests.partitions.test_planner import ENTRY
from tests.support.partitions_planner import plan_applied, snapshot_of

NOW = dt.datetime(2027, 6, 15, tzinfo=UTC)
CURRENT = month_index(NOW)


def drain_of(period: int, interval: str = MONTH, table: str = "events") -> str:
    return drain_table_name(period_partition_name(interval, table, period))


def with_drains(snap, periods):
    return replace(snap, drain_tables={period: drain_of(period) for period in periods})


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 12, 31), timezones=st.just(UTC)
    ),
    existing=st.sets(st.integers(min_value=-100, max_value=8), max_size=10),
    drains=st.sets(st.integers(min_value=-100, max_value=8), min_size=1, max_size=5),
)
def test_every_drain_table_is_finished_by_a_create_or_named_as_blocked(now, existing, drains):
    current = month_index(now)
    snap = with_drains(snapshot_of("events", [current + e for e in existing]), [current + d for d in drains])

    plan = plan_table(ENTRY, snap, now=now, wall_now=now)

    creates = {action.period: action for action in plan.actions if action.action == CREATE}
    for period, drain in snap.drain_tables.items():
        if snap.covering_child(period) is None:
            # Never skipped silently: the month is created, and so the drain table adopted.
            assert period in creates
            if creates[period].reason not in (Reason.CURRENT_MONTH, Reason.PREMAKE):
                assert creates[period].reason is Reason.DRAIN
                assert creates[period].reason_text == f"finish the drain of {drain}"
        else:
            assert period not in creates
            assert any(drain in sentence for sentence in plan.blocked)
    # After the run the drain tables of created months are gone: the next plan creates none of them again,
    # but for a month past retention whose partition this run retired (its drain table is adopted next).
    retired = {action.period for action in plan.actions if action.action != CREATE}
    after = plan_applied(snap, plan)
    after = replace(after, drain_tables={p: d for p, d in snap.drain_tables.items() if p not in creates})
    again = plan_table(ENTRY, after, now=now, wall_now=now)
    assert {action.period for action in again.actions if action.action == CREATE} <= retired


def test_a_drained_old_month_with_nothing_in_default_is_created_to_finish_the_drain():
    # The stranded case: every row moved to the drain table, none left in DEFAULT, outside premake.
    snap = with_drains(snapshot_of("events", range(CURRENT - 3, CURRENT + 4)), [CURRENT - 10])

    plan = plan_table(ENTRY, snap, now=NOW, wall_now=NOW)

    drain_creates = [action for action in plan.actions if action.reason is Reason.DRAIN]
    assert [action.period for action in drain_creates] == [CURRENT - 10]
    assert drain_creates[0].partition == period_partition_name(MONTH, "events", CURRENT - 10)
    assert drain_creates[0].as_dict()["reason"] == f"finish the drain of {drain_of(CURRENT - 10)}"
    assert not plan.blocked


def test_a_drain_table_whose_month_a_partition_already_covers_is_blocked_with_what_to_do():
    snap = with_drains(snapshot_of("events", range(CURRENT - 3, CURRENT + 4)), [CURRENT - 2])

    plan = plan_table(ENTRY, snap, now=NOW, wall_now=NOW)

    assert not [action for action in plan.actions if action.period == CURRENT - 2]
    [sentence] = plan.blocked
    assert plan.drains_blocked == (sentence,)
    assert drain_of(CURRENT - 2) in sentence
    assert period_partition_name(MONTH, "events", CURRENT - 2) in sentence
    assert "by hand" in sentence


def test_a_drain_table_makes_the_table_unhealthy_until_it_is_attached():
    clean = snapshot_of("events", range(CURRENT, CURRENT + 4))
    drained = with_drains(clean, [CURRENT - 10])

    def health(snap):
        plan = plan_table(ENTRY, snap, now=NOW, wall_now=NOW)
        return table_health(entry=ENTRY, snapshot=snap, plan=plan, now=NOW, job_problems=[])

    assert health(clean).health == "ok"
    unhealthy = health(drained)
    assert unhealthy.health == "warning"
    assert any(
        drain_of(CURRENT - 10) in problem and "no search sees" in problem for problem in unhealthy.problems
    )


def test_the_drain_marker_reads_back_to_its_period_and_nothing_else_passes():
    period = CURRENT - 4
    start, end = period_start(MONTH, period), period_start(MONTH, period + 1)
    marker = drain_marker("events", start, end)
    assert drain_period(MONTH, "events", drain_of(period), marker) == period
    assert drain_period(MONTH, "audit_log", drain_of(period), marker) is None  # another parent's
    assert drain_period(MONTH, "events", drain_of(period + 1), marker) is None  # name and marker disagree
    assert drain_period(MONTH, "events", drain_of(period), None) is None
    assert drain_period(MONTH, "events", drain_of(period), "made by hand") is None
    shifted = drain_marker("events", start + dt.timedelta(hours=1), end)
    assert drain_period(MONTH, "events", drain_of(period), shifted) is None
    day = period_index(DAY, NOW)
    day_marker = drain_marker("events", period_start(DAY, day), period_start(DAY, day + 1))
    assert drain_period(DAY, "events", drain_of(day, DAY), day_marker) == day
    assert drain_period(MONTH, "events", drain_of(day, DAY), day_marker) is None
