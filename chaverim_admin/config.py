"""Read settings from the environment; a bad value stops start-up naming the variable."""

import ipaddress
import re
from collections.abc import Callable
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, None: 1.0, "min": 60.0, "m": 60.0, "h": 3600.0}


def _read(name: str, parse: Callable[[str], Any], default: Any) -> Any:
    raw = env.str(name, default=None)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name}: invalid value {raw!r} ({exc})") from None


def env_str(name: str, default: str) -> str:
    return _read(name, str, default)


def env_bool(name: str, default: bool) -> bool:
    def parse(raw: str) -> bool:
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off"}:
            return False
        raise ValueError("expected true or false")

    return _read(name, parse, default)


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _read(name, lambda raw: int(raw.strip()), default)
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}: must be at most {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    return _read(name, lambda raw: [item.strip() for item in raw.split(",") if item.strip()], default)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_seconds(name: str, default: float) -> float:
    """Parse a duration such as `5s`, `500ms`, `2min` or `8h` into seconds."""

    def parse(raw: str) -> float:
        match = _DURATION.match(raw)
        if not match:
            raise ValueError("expected a duration such as 5s, 500ms, 1min or 8h")
        return float(match.group(1)) * _DURATION_UNITS[match.group(2)]

    value = _read(name, parse, default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name}: must be a positive duration, got {value}")
    return value


def env_cron(name: str, default: str) -> str:
    value = env_str(name, default).strip()
    fields = value.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"{name}: expected five crontab fields (minute hour day month weekday), got {value!r}"
        )
    from celery.schedules import crontab

    try:
        crontab.from_string(value)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name}: invalid crontab {value!r} ({exc})") from None
    return value


def env_networks(name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Parse comma-separated networks or addresses (`127.0.0.0/8,::1`); `none` means no network at all."""

    def parse(raw: str) -> list[str]:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        return [] if [item.lower() for item in items] == ["none"] else items

    networks = []
    for item in _read(name, parse, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not a network or address (e.g. 10.0.0.0/8, ::1); `none` for no network"
            ) from None
    return networks


def env_database(name: str, default: dict[str, Any] | None) -> dict[str, Any]:
    raw = env.str(name, default=None)
    if not raw:
        if default is None:
            raise ImproperlyConfigured(f"{name} is not set")
        return default
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"{name}: invalid database URL ({exc})") from None
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"{name}: must be a PostgreSQL URL (postgres://…), got scheme of {raw.split(':')[0]!r}"
        )
    return config


_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def env_role(name: str) -> str:
    """Read an optional PostgreSQL role name: lower-case letters, digits and underscores, at most 63."""
    value = env_str(name, "").strip()
    if value and not _ROLE_NAME.match(value):
        raise ImproperlyConfigured(
            f"{name}: must be a role name of lower-case letters, digits and underscores "
            f"(at most 63, not starting with a digit), got {value!r}"
        )
    return value


def env_redis_url(name: str, default: str) -> str:
    value = env_str(name, default).strip()
    if not re.match(r"^(redis|rediss|redis\+socket|unix)://", value):
        raise ImproperlyConfigured(
            f"{name}: must start with redis://, rediss:// or redis+socket://, got {value!r}"
        )
    return value


def database_connection_configure(
    database: dict[str, Any],
    *,
    pool_size: int,
    max_overflow: int,
    max_idle: float,
    max_lifetime: float,
    patience: float,
    connect_timeout: int,
) -> None:
    """Give one DATABASES entry its pool, session timeout, connect timeout and metrics-counting backend."""
    options = database.setdefault("OPTIONS", {})
    if pool_size:
        options["pool"] = {
            "min_size": pool_size,
            "max_size": pool_size + max_overflow,
            # How long a request waits for a connection: short, so a database outage answers 503 quickly.
            "timeout": patience,
            "max_idle": max_idle,
            "max_lifetime": max_lifetime,
        }
        # The pool never closes its min_size connections for idling, and a smart shutdown (or a failover)
        # waits for every session to end: the server ends a session idle this long (idle_session_timeout,
        # PostgreSQL 14+), and the pool checks each connection before lending it, replacing ended ones.
        options["options"] = (
            f"{options.get('options', '')} -c idle_session_timeout={max(1, round(max_idle * 1000))}"
        ).strip()
        database["CONN_HEALTH_CHECKS"] = True
    options.setdefault("connect_timeout", connect_timeout)
    # Django's PostgreSQL backend, counting connections, queries and their durations for /metrics.
    database["ENGINE"] = "django_prometheus.db.backends.postgresql"
