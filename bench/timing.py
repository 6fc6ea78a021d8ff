"""Percentiles and timed requests through Django's test client (server time, in this process)."""

import math
import time
from collections.abc import Callable

WARMUP = 3


def percentile(samples: list[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of `samples` (None when there are none)."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def p50(samples: list[float]) -> float | None:
    return percentile(samples, 0.50)


def timed_ms(action: Callable[[], object]) -> tuple[float, object]:
    """Run `action` once; return its wall time in milliseconds and its result."""
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


class PageError(RuntimeError):
    """A measured page did not answer 200."""


def get_ok(client, url: str):
    """GET `url`; raise PageError unless it answers 200."""
    response = client.get(url)
    if response.status_code != 200:
        raise PageError(f"GET {url} answered {response.status_code}")
    return response


def request_samples_ms(client, url: str, repetitions: int, warmup: int = WARMUP) -> list[float]:
    """Time `repetitions` GETs of `url` after `warmup` untimed ones; each must answer 200."""
    for _ in range(warmup):
        get_ok(client, url)
    samples = []
    for _ in range(repetitions):
        elapsed, _response = timed_ms(lambda: get_ok(client, url))
        samples.append(elapsed)
    return samples
