import pytest

from collectors.forms import CollectorEditForm, ConfigJSONField
from tests.factories import CollectorFactory


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"a": "\\ud800"}', '{"\\u0000": 1}', '{"a": Infinity}', "{'single': 'quotes'}"],
)
def test_config_field_refuses_json_postgresql_cannot_store_or_python_cannot_parse(text):
    form = CollectorEditForm(data={"site_name": "x", "config": text, "config_version": "1"})
    assert not form.is_valid()
    assert "config" in form.errors


def test_config_field_accepts_an_empty_object():
    assert ConfigJSONField().clean("{}") == {}


def test_config_field_shows_json_indented_by_two_spaces():
    assert ConfigJSONField().prepare_value({"fps": 15, "zones": [1]}) == (
        '{\n  "fps": 15,\n  "zones": [\n    1\n  ]\n}'
    )


@pytest.mark.django_db
def test_changes_are_the_fields_that_differ_from_what_was_loaded():
    collector = CollectorFactory(site_name="Quay", config={"on": 1}, is_active=True)
    initial = CollectorEditForm.for_collector(collector).initial
    data = {
        "site_name": "Quay",
        "config": '{"on": true}',  # true is not 1: a real edit
        "is_active": "on",
        "config_version": "1",
        "loaded": initial["loaded"],
    }
    form = CollectorEditForm(data=data)
    assert form.is_valid(), form.errors
    assert form.changes() == {"config": {"on": True}}


def test_without_loaded_values_every_field_counts_as_changed():
    data = {"site_name": "Quay", "config": "{}", "config_version": "3"}
    form = CollectorEditForm(data=data)
    assert form.is_valid(), form.errors
    assert form.changes() == {"site_name": "Quay", "config": {}, "is_active": False}
