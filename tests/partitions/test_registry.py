"""The registry: entries from settings, identifiers checked before any SQL is composed from them."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from partitions.registry import UnknownTableError, registry_entries

HOSTILE = [
    {"table": 'events"; DROP TABLE events; --', "column": "captured_at"},
    {"table": "Events", "column": "captured_at"},
    {"table": "events", "column": "captured_at) OR (1=1"},
    {"table": "1events", "column": "captured_at"},
    {"table": "e" * 56, "column": "captured_at"},
    {"table": "events\n", "column": "captured_at"},
    {"table": "events", "column": "captured_at\n"},
    {"table": "events"},
]


def test_entries_carry_the_partition_settings(settings):
    settings.PARTITION_PREMAKE_MONTHS = 5
    settings.PARTITION_RETENTION_MODE = "detach"
    settings.PARTITION_LOCK_TIMEOUT = 0.5

    events, audit_log, alert_queue = registry_entries()

    assert (events.table, events.column, events.interval) == ("events", "captured_at", "month")
    assert events.default_partition == "events_default"
    assert (audit_log.table, audit_log.column) == ("audit_log", "occurred_at")
    assert events.premake == 5
    assert events.retention_mode == "detach"
    assert events.lock_timeout == 0.5
    assert events.retention == 84
    assert events.max_drops_per_run == 6
    assert (events.future_horizon, events.horizon) == (2, 7)
    # The daily table keeps its own counts, in days, and the shared mode, timeout and cap.
    assert (alert_queue.table, alert_queue.column, alert_queue.interval) == (
        "alert_queue",
        "created_at",
        "day",
    )
    assert (alert_queue.premake, alert_queue.retention, alert_queue.future_horizon) == (7, 30, 2)
    assert (alert_queue.retention_mode, alert_queue.lock_timeout) == ("detach", 0.5)


def test_a_registry_entry_overrides_the_policy_in_its_own_interval(settings):
    settings.PARTITION_REGISTRY = [
        {
            "table": "events",
            "column": "captured_at",
            "premake": 4,
            "retention": 120,
            "retention_mode": "detach",
        },
        {"table": "alert_queue", "column": "created_at", "interval": "day"},
        {"table": "audit_log", "column": "occurred_at", "interval": "day", "premake": 2, "future_horizon": 0},
    ]

    events, alert_queue, audit_log = registry_entries()

    assert (events.premake, events.retention, events.retention_mode) == (4, 120, "detach")
    assert (alert_queue.premake, alert_queue.retention, alert_queue.retention_mode) == (7, 30, "drop")
    assert (audit_log.premake, audit_log.retention, audit_log.horizon) == (2, 30, 2)


DAILY = {"table": "alert_queue", "column": "created_at", "interval": "day"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {**DAILY, "premake": 0},
            "premake of table 'alert_queue' must be a whole number of at least 1, got 0",
        ),
        (
            {**DAILY, "premake": 7, "retention": 6},
            r"retention of table 'alert_queue' \(6 days\) is shorter than its premake \(7 days\)",
        ),
        (
            {**DAILY, "interval": "week"},
            "table 'alert_queue' has unknown interval 'week' \\(one of month, day\\)",
        ),
        ({**DAILY, "interval": "Day"}, "unknown interval 'Day'"),
        ({**DAILY, "premake": True}, "premake of table 'alert_queue' must be a whole number"),
        ({**DAILY, "retention": "30"}, "retention of table 'alert_queue' must be a whole number"),
        (
            {**DAILY, "future_horizon": -1},
            "future_horizon of table 'alert_queue' must be a whole number of at least 0",
        ),
        (
            {**DAILY, "retention_mode": "shred"},
            "retention_mode of table 'alert_queue' must be one of drop, detach",
        ),
        ({**DAILY, "retension": 30}, "table 'alert_queue' has unknown key\\(s\\) 'retension'"),
        ({**DAILY, "table": "q" * 53}, "too long for daily partition names \\(at most 52 chars\\)"),
        ({"table": "events", "column": "captured_at", "premake": 0}, "premake of table 'events'"),
    ],
)
def test_a_bad_policy_is_refused_at_start_up_naming_the_setting_and_the_table(settings, entry, message):
    settings.PARTITION_REGISTRY = [entry]

    with pytest.raises(ImproperlyConfigured, match=f"^PARTITION_REGISTRY: .*{message}"):
        registry_entries()
    with pytest.raises(ImproperlyConfigured, match="PARTITION_REGISTRY"):
        apps.get_app_config("partitions").ready()


def test_a_table_listed_twice_with_different_intervals_is_refused(settings):
    settings.PARTITION_REGISTRY = [DAILY, {**DAILY, "interval": "month"}]

    with pytest.raises(ImproperlyConfigured, match="PARTITION_REGISTRY: table 'alert_queue' is listed twice"):
        registry_entries()


@pytest.mark.parametrize("entry", HOSTILE)
def test_a_hostile_or_malformed_registry_entry_is_refused_with_a_clear_message(settings, entry):
    settings.PARTITION_REGISTRY = [entry]

    with pytest.raises(ImproperlyConfigured, match="PARTITION_REGISTRY"):
        registry_entries()


def test_app_start_checks_the_registry(settings):
    settings.PARTITION_REGISTRY = [{"table": "events;--", "column": "captured_at"}]

    with pytest.raises(ImproperlyConfigured, match=r"\^\[a-z_\]\[a-z0-9_\]\*\$"):
        apps.get_app_config("partitions").ready()


def test_a_table_listed_twice_is_refused(settings):
    settings.PARTITION_REGISTRY = [{"table": "events", "column": "captured_at"}] * 2

    with pytest.raises(ImproperlyConfigured, match="listed twice"):
        registry_entries()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARTITION_PREMAKE_MONTHS", 0),
        ("PARTITION_RETENTION_MONTHS", 0),
        ("PARTITION_RETENTION_MODE", "shred"),
    ],
)
def test_invalid_policy_values_are_refused(settings, name, value):
    setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured, match=name):
        registry_entries()


def test_an_unknown_table_names_the_registered_ones():
    with pytest.raises(UnknownTableError, match="unknown table 'watchlists': the partition registry has"):
        registry_entries(table="watchlists")
