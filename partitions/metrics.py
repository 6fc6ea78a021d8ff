"""The partitions app's Prometheus metrics, registered with the core's metrics registry.

Gauges per table from the same catalog reads as the status page; counters of runs and actions from the run
history. deploy/prometheus/alerts.yml pages on them.
"""

from collections.abc import Iterator

from django.db import connection, transaction
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from partitions import sql
from partitions.health import CRITICAL, OK, WARNING
from partitions.selectors import PartitionsMetrics, partitions_metrics, run_states
from partitions.selectors.runs import IN_PROGRESS_STATUSES

# A scrape must answer quickly: a catalog read queued behind maintenance DDL gives up after this (the
# collector then reports itself down rather than the scrape timing out).
METRICS_STATEMENT_TIMEOUT = "2s"


def _table_gauges(metrics: PartitionsMetrics) -> Iterator[Metric]:
    def gauge(name: str, documentation: str, value_of) -> GaugeMetricFamily:
        family = GaugeMetricFamily(name, documentation, labels=["table"])
        for table in metrics.tables:
            family.add_metric([table.table], value_of(table))
        return family

    yield gauge(
        "chaverim_partition_months_ahead",
        "Consecutive periods after the current one (UTC) that a partition covers: months, or days for a "
        "daily table.",
        lambda table: table.months_ahead,
    )
    yield gauge(
        "chaverim_partition_current_month_covered",
        "1 if a partition covers the current month (UTC; the day for a daily table), 0 if its rows go "
        "to DEFAULT.",
        lambda table: 1 if table.current_month_covered else 0,
    )
    yield gauge(
        "chaverim_partition_default_rows",
        "Rows waiting in the DEFAULT partition (kept empty by maintenance).",
        lambda table: table.default_rows,
    )
    yield gauge(
        "chaverim_partition_default_rows_beyond_horizon",
        "Rows in DEFAULT dated too far ahead for maintenance to create their partition (clock skew?).",
        lambda table: table.beyond_horizon_rows,
    )
    yield gauge(
        "chaverim_partition_partitions",
        "Partitions attached to the table, DEFAULT included.",
        lambda table: table.partitions,
    )
    yield gauge(
        "chaverim_partition_unmanaged_partitions",
        "Attached partitions that are not managed months or days: reported, never touched by maintenance.",
        lambda table: table.unmanaged,
    )
    yield gauge(
        "chaverim_partition_maintenance_last_success_age_seconds",
        "Seconds since the last successful maintenance run covering the table (+Inf: none yet).",
        lambda table: table.last_success_age_seconds,
    )

    health = GaugeMetricFamily(
        "chaverim_partition_health",
        "The table's badge on the status page: 1 for its current health (ok, warning or critical).",
        labels=["table", "health"],
    )
    last_run = GaugeMetricFamily(
        "chaverim_partition_maintenance_last_run_status",
        "1 for the status of the last maintenance run covering the table (skipped runs left out).",
        labels=["table", "status"],
    )
    for table in metrics.tables:
        for badge in (OK, WARNING, CRITICAL):
            health.add_metric([table.table, badge], 1 if table.health == badge else 0)
        for state in run_states():
            last_run.add_metric([table.table, state], 1 if table.last_run_state == state else 0)
    yield health
    yield last_run


def _maintenance_counters(metrics: PartitionsMetrics) -> Iterator[Metric]:
    counts = metrics.maintenance
    runs = CounterMetricFamily(
        "chaverim_maintenance_runs",
        "Maintenance runs recorded, by final status (one queued or running for over an hour: abandoned).",
        labels=["status"],
    )
    in_progress = GaugeMetricFamily(
        "chaverim_maintenance_runs_in_progress",
        "Maintenance runs queued or running now.",
        labels=["status"],
    )
    for state in run_states():
        if state in IN_PROGRESS_STATUSES:
            in_progress.add_metric([state], counts.in_progress.get(state, 0))
        else:
            runs.add_metric([state], counts.runs.get(state, 0))
    actions = CounterMetricFamily(
        "chaverim_maintenance_actions",
        "Maintenance actions carried out (create, drop, detach), by result.",
        labels=["action", "result"],
    )
    for (action, result), count in sorted(counts.actions.items(), key=lambda item: tuple(map(str, item[0]))):
        actions.add_metric([action or "", result or ""], count)
    yield runs
    yield in_progress
    yield actions


def partitions_collect() -> list[Metric]:
    """Read the partitions' metrics (raises when the database does not answer in time)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.STATEMENT_TIMEOUT, [METRICS_STATEMENT_TIMEOUT])
        metrics = partitions_metrics()
    return [*_table_gauges(metrics), *_maintenance_counters(metrics)]
