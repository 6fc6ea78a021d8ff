"""The audit chain's Prometheus metrics: when it was last verified and whether it held (core's collector)."""

from django.utils import timezone
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from core.selectors import audit_verification_last


def audit_chain_collect() -> list[Metric]:
    """Read the last recorded verification of the audit log's hash chain (one indexed query)."""
    last = audit_verification_last()
    age = GaugeMetricFamily(
        "chaverim_audit_chain_last_verification_age_seconds",
        "Seconds since the audit log's hash chain was last verified (+Inf: never).",
        value=float("inf") if last is None else max((timezone.now() - last.checked_at).total_seconds(), 0.0),
    )
    if last is None:
        return [age]  # no result to report: the age alone says it was never verified
    ok = GaugeMetricFamily(
        "chaverim_audit_chain_last_verification_ok",
        "1 if the last verification found the audit log's hash chain intact, 0 if it found it broken.",
        value=1 if last.ok else 0,
    )
    return [age, ok]
