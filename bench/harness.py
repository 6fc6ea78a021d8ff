"""What every benchmark entry point shares: its environment, progress lines, and figures that may fail."""

import datetime as dt
import os
import platform
import subprocess
import traceback
from dataclasses import dataclass, field


def environment() -> None:
    """Production settings with a throwaway key, plain HTTP, and no pool (databases are switched by
    reconnecting)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chaverim_admin.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DEBUG"] = "false"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["DB_POOL_SIZE"] = "0"


def say(message: str, *, name: str = "bench") -> None:
    print(f"[{name} {dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def rounded(value, digits: int = 3):
    return None if value is None else round(value, digits)


def machine() -> dict:
    memory_kb = 0
    try:
        with open("/proc/meminfo") as handle:
            memory_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


@dataclass
class Figures:
    """The results (the keys with targets), their details, and why a figure could not be taken."""

    results: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    null_reasons: dict = field(default_factory=dict)

    def measure(self, keys: list[str], label: str, action, *, detail: bool = False):
        """Run one measurement; on failure, set its keys to null and keep the reason (never raise)."""
        say(label)
        try:
            return action()
        except Exception as exc:  # a product part that is missing or broken must not stop the others
            text = str(exc).strip()
            reason = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
            say(f"  not measured: {reason}")
            if os.environ.get("BENCH_DEBUG") == "1":
                traceback.print_exc()
            for key in keys:
                (self.details if detail else self.results).setdefault(key, None)
                self.null_reasons.setdefault(key, f"{label}: {reason}")
            return None


@dataclass
class BenchRun:
    """One `make bench`: its two seeded databases, a logged-in client for each, and what it found."""

    now: dt.datetime
    repetitions: int
    large: object  # bench.seed.SeedPlan
    small: object
    clients: dict = field(default_factory=dict)
    figures: Figures = field(default_factory=Figures)
    meta: dict = field(default_factory=dict)
