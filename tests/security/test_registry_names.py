"""Raw SQL takes identifiers only from the registry: hostile names stop with a configuration error."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from partitions.registry import registry_entries
from partitions.services import partitions_plan

HOSTILE_NAMES = [
    "events; DROP TABLE collectors; --",
    'events" CASCADE; --',
    "events'",
    "Events",
    "1events",
    "ev ents",
    "public.events",
    "événements",
    "events\x00",
    "events\n",
    "",
    "a" * 64,
    None,
    42,
    ["events"],
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_hostile_table_name_is_a_configuration_error(settings, name):
    settings.PARTITION_REGISTRY = [{"table": name, "column": "captured_at"}]

    with pytest.raises(ImproperlyConfigured, match=r"PARTITION_REGISTRY: table .* is not a safe identifier"):
        registry_entries()


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_hostile_column_name_is_a_configuration_error(settings, name):
    settings.PARTITION_REGISTRY = [{"table": "events", "column": name}]

    with pytest.raises(ImproperlyConfigured, match=r"PARTITION_REGISTRY: column .* is not a safe identifier"):
        registry_entries()


@pytest.mark.django_db
def test_planning_with_a_hostile_name_runs_no_sql(settings, django_assert_num_queries):
    settings.PARTITION_REGISTRY = [{"table": "collectors; DROP TABLE collectors", "column": "captured_at"}]

    with django_assert_num_queries(0), pytest.raises(ImproperlyConfigured):
        partitions_plan()

    assert "collectors" in connection.introspection.table_names()


def test_table_name_too_long_for_its_partitions_names_is_a_configuration_error(settings):
    settings.PARTITION_REGISTRY = [{"table": "a" * 56, "column": "captured_at"}]

    with pytest.raises(ImproperlyConfigured, match="at most 55"):
        registry_entries()


@pytest.mark.parametrize("entry", [{"table": "events"}, "events", {"column": "captured_at"}], ids=repr)
def test_malformed_registry_entry_is_a_configuration_error(settings, entry):
    settings.PARTITION_REGISTRY = [entry]

    with pytest.raises(ImproperlyConfigured, match="PARTITION_REGISTRY"):
        registry_entries()


def test_the_shipped_registry_is_valid():
    assert [entry.table for entry in registry_entries()] == ["events", "audit_log", "alert_queue"]
