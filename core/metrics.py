"""Prometheus metrics: a registry that apps add collectors to in `AppConfig.ready()`, and who may scrape.

A collector is a function of no arguments returning prometheus_client metric families; it may raise. Each
scrape runs every collector once, times it and reports `chaverim_metrics_collector_up` 0 for one that
raised, so a database outage empties its metrics but never fails the scrape. Request and database metrics
come from django-prometheus, from this process or, under `PROMETHEUS_MULTIPROC_DIR`, every worker's.
"""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from core.readiness import first_line
from core.throttling import client_address

logger = logging.getLogger(__name__)

MetricsCollector = Callable[[], Iterable[Metric]]
# The text format every Prometheus server reads (prometheus_client's own default moves with its version).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_collectors: dict[str, MetricsCollector] = {}


def metrics_register(name: str, collect: MetricsCollector) -> None:
    """Register (or replace) the metrics collector called `name`."""
    _collectors[name] = collect


def metrics_collectors() -> dict[str, MetricsCollector]:
    """Return the registered collectors, in the order they were registered."""
    return dict(_collectors)


class _RegisteredCollectors:
    """Run every registered collector; report each one's success and duration."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "chaverim_metrics_collector_up",
            "1 if the collector's metrics were read at this scrape, 0 if it failed (see the log).",
            labels=["collector"],
        )
        duration = GaugeMetricFamily(
            "chaverim_metrics_collector_duration_seconds",
            "Time the collector took at this scrape.",
            labels=["collector"],
        )
        for name, collect in metrics_collectors().items():
            started = time.perf_counter()
            try:
                metrics = list(collect())
            except Exception as exc:  # one collector's failure leaves the others' metrics in the scrape
                logger.warning("metrics collector %s failed: %s", name, first_line(exc))
                metrics, ok = [], False
            else:
                ok = True
            duration.add_metric([name], time.perf_counter() - started)
            up.add_metric([name], 1 if ok else 0)
            yield from metrics
        yield up
        yield duration


class _Exposition:
    """Everything one scrape shows: this process's (or every worker's) metrics, then the collectors'."""

    def collect(self) -> Iterator[Metric]:
        yield from _process_metrics().collect()
        yield from _RegisteredCollectors().collect()


def _process_metrics():
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def metrics_exposition() -> bytes:
    """Return the metrics in the Prometheus text format."""
    return generate_latest(_Exposition())


# -- who may scrape ----------------------------------------------------------------------------------------

ALLOWED, UNAUTHORIZED, FORBIDDEN, DISABLED = "allowed", "unauthorized", "forbidden", "disabled"


def _bearer_token(request) -> str | None:
    """Return the bearer token of the Authorization header, "" for another scheme, None without one."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _address_allowed(request, networks) -> bool:
    address = client_address(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    # An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def metrics_access(request) -> str:
    """Decide a scrape: DISABLED, ALLOWED, UNAUTHORIZED (token wrong or missing) or FORBIDDEN.

    A request that sends an Authorization header is judged by its token alone: a wrong one is refused
    even from an allowed address. Without one, the client address (as log-in throttling reads it, through
    LOGIN_THROTTLE_PROXY_COUNT proxies) decides.
    """
    expected = settings.METRICS_TOKEN
    networks = settings.METRICS_ALLOWED_NETS
    if not expected and not networks:
        return DISABLED
    presented = _bearer_token(request)
    if expected and presented is not None:
        matches = hmac.compare_digest(presented.encode(), expected.encode())
        return ALLOWED if matches else UNAUTHORIZED
    if networks and _address_allowed(request, networks):
        return ALLOWED
    return UNAUTHORIZED if expected else FORBIDDEN
