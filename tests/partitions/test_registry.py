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

    events, audit_log = registry_entries()

    assert (events.table, events.column) == ("events", "captured_at")
    assert events.default_partition == "events_default"
    assert (audit_log.table, audit_log.column) == ("audit_log", "occurred_at")
    assert events.premake_months == 5
    assert events.retention_mode == "detach"
    assert events.lock_timeout == 0.5
    assert events.retention_months == 84
    assert events.max_drops_per_run == 6


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
