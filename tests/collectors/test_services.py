import uuid

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from collectors.errors import ConflictError, InvalidChangeError
from collectors.models import Collector
from collectors.services import collector_create, collector_update
from core.models import AuditLog
from tests.factories import CollectorFactory

pytestmark = pytest.mark.django_db


def test_update_applies_changes_and_bumps_the_version_by_one():
    collector = CollectorFactory(site_name="North gate", config={"fps": 15})
    updated = collector_update(
        collector_id=collector.pk,
        expected_version=1,
        changes={"site_name": "North gate 2", "config": {"fps": 30}, "is_active": False},
        actor=None,
    )
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.is_active, row.config_version) == (
        "North gate 2",
        {"fps": 30},
        False,
        2,
    )
    assert updated.config_version == 2
    assert updated.updated_at == row.updated_at
    assert row.updated_at >= collector.updated_at


def test_update_leaves_fields_not_named_in_changes_as_they_are():
    collector = CollectorFactory(site_name="East", config={"lanes": 2}, is_active=True)
    collector_update(collector_id=collector.pk, expected_version=1, changes={"is_active": False})
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config, row.is_active) == ("East", {"lanes": 2}, False)


def test_update_with_no_changes_still_counts_as_an_update():
    collector = CollectorFactory()
    assert collector_update(collector_id=collector.pk, expected_version=1, changes={}).config_version == 2


def test_stale_version_raises_conflict_carrying_the_current_row_and_writes_nothing():
    collector = CollectorFactory(site_name="West", config={"fps": 10})
    collector_update(collector_id=collector.pk, expected_version=1, changes={"config": {"fps": 20}})
    with pytest.raises(ConflictError) as raised:
        collector_update(collector_id=collector.pk, expected_version=1, changes={"site_name": "Overwritten"})
    assert raised.value.expected_version == 1
    assert raised.value.current.config_version == 2
    assert raised.value.current.config == {"fps": 20}
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == ("West", 2)
    assert AuditLog.objects.filter(action="collector.update").count() == 1


def test_update_of_a_missing_collector_raises_does_not_exist():
    with pytest.raises(Collector.DoesNotExist):
        collector_update(collector_id=uuid.uuid4(), expected_version=1, changes={"is_active": False})


@pytest.mark.parametrize(
    "changes",
    [
        {"config_version": 7},
        {"id": str(uuid.uuid4())},
        {"updated_at": "2020-01-01"},
        {"site_name": ""},
        {"site_name": "   "},
        {"site_name": "x" * 101},
        {"site_name": "nul\x00"},
        {"config": [1, 2]},
        {"config": "text"},
        {"is_active": "yes"},
    ],
)
def test_update_refuses_unknown_fields_and_unstorable_values(changes):
    collector = CollectorFactory(site_name="Keep")
    with pytest.raises(InvalidChangeError):
        collector_update(collector_id=collector.pk, expected_version=1, changes=changes)
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == ("Keep", 1)


@pytest.mark.parametrize("version", ["1", None, True, 1.0])
def test_update_refuses_a_version_that_is_not_an_integer(version):
    collector = CollectorFactory()
    with pytest.raises(InvalidChangeError):
        collector_update(collector_id=collector.pk, expected_version=version, changes={"is_active": False})
    assert Collector.objects.get(pk=collector.pk).config_version == 1


def test_update_writes_an_audit_row_with_both_versions_and_each_changed_field(collector_admin):
    collector = CollectorFactory(site_name="South", config={"fps": 15}, is_active=True)
    collector_update(
        collector_id=collector.pk,
        expected_version=1,
        changes={"site_name": "South 2", "config": {"fps": 15}, "is_active": False},
        actor=collector_admin,
    )
    [entry] = AuditLog.objects.filter(action="collector.update")
    assert entry.actor_id == collector_admin.pk
    assert entry.object_type == "collector"
    assert entry.object_id == str(collector.pk)
    assert entry.details == {
        "old_version": 1,
        "new_version": 2,
        "changes": {
            "site_name": {"before": "South", "after": "South 2"},
            "is_active": {"before": True, "after": False},
        },
    }


def test_update_by_a_user_writes_one_admin_log_entry(collector_admin):
    collector = CollectorFactory(site_name="Depot")
    collector_update(
        collector_id=collector.pk, expected_version=1, changes={"site_name": "Depot 2"}, actor=collector_admin
    )
    [entry] = LogEntry.objects.filter(object_id=str(collector.pk))
    assert entry.action_flag == CHANGE
    assert entry.user_id == collector_admin.pk
    assert entry.get_change_message() == "Changed Site name."


def test_create_starts_at_version_one_and_is_audited(collector_admin):
    collector = collector_create(
        site_name="New site", config={"fps": 5}, is_active=True, actor=collector_admin
    )
    assert Collector.objects.get(pk=collector.pk).config_version == 1
    assert collector.config_version == 1
    [entry] = AuditLog.objects.filter(action="collector.create")
    assert entry.details["version"] == 1
    assert LogEntry.objects.filter(object_id=str(collector.pk)).count() == 1
