import pytest

from collectors.errors import ConflictError, UnversionedWriteError
from collectors.models import Collector
from collectors.services import collector_update
from tests.factories import CollectorFactory

pytestmark = pytest.mark.django_db


def test_a_new_collector_starts_at_version_one():
    assert CollectorFactory().config_version == 1
    assert Collector.objects.get().config_version == 1


def test_queryset_update_bumps_the_version_of_every_row_it_touches():
    first, second = CollectorFactory(), CollectorFactory()
    collector_update(collector_id=second.pk, expected_version=1, changes={})
    assert Collector.objects.update(is_active=False) == 2
    versions = dict(Collector.objects.values_list("pk", "config_version"))
    assert versions == {first.pk: 2, second.pk: 3}


def test_queryset_update_makes_an_editor_holding_the_old_version_conflict():
    collector = CollectorFactory()
    Collector.objects.filter(pk=collector.pk).update(config={"fps": 1})
    with pytest.raises(ConflictError):
        collector_update(collector_id=collector.pk, expected_version=1, changes={"config": {"fps": 2}})
    assert Collector.objects.get(pk=collector.pk).config == {"fps": 1}


def test_queryset_update_refuses_to_set_the_version_by_hand():
    collector = CollectorFactory()
    with pytest.raises(UnversionedWriteError):
        Collector.objects.filter(pk=collector.pk).update(config_version=1)
    assert Collector.objects.get(pk=collector.pk).config_version == 1


def test_bulk_update_is_refused():
    collector = CollectorFactory(site_name="Before")
    collector.site_name = "After"
    with pytest.raises(UnversionedWriteError):
        Collector.objects.bulk_update([collector], ["site_name"])
    assert Collector.objects.get(pk=collector.pk).site_name == "Before"


def test_save_of_a_loaded_collector_is_refused_and_writes_nothing():
    collector = CollectorFactory(site_name="Before")
    collector.site_name = "After"
    with pytest.raises(UnversionedWriteError):
        collector.save()
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == ("Before", 1)


def test_save_with_update_fields_is_refused_too():
    collector = CollectorFactory(site_name="Name", is_active=True)
    collector.is_active = False
    with pytest.raises(UnversionedWriteError):
        collector.save(update_fields=["is_active"])
    assert Collector.objects.get(pk=collector.pk).is_active is True


def test_a_versioned_update_goes_through_the_service():
    collector = CollectorFactory(site_name="Before")
    updated = collector_update(collector_id=collector.pk, expected_version=1, changes={"site_name": "After"})
    assert updated.config_version == 2
    row = Collector.objects.get(pk=collector.pk)
    assert (row.site_name, row.config_version) == ("After", 2)


def test_update_or_create_on_an_existing_collector_is_refused():
    collector = CollectorFactory(site_name="Gate")
    with pytest.raises(UnversionedWriteError):
        Collector.objects.update_or_create(pk=collector.pk, defaults={"is_active": False})
    row = Collector.objects.get(pk=collector.pk)
    assert (row.is_active, row.config_version) == (True, 1)
