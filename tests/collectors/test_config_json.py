"""Collector config JSON: numbers kept exact; what PostgreSQL or the platform cannot take is refused."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from collectors.config_json import config_dumps, config_loads
from collectors.errors import InvalidChangeError
from collectors.forms import CollectorEditForm
from collectors.models import Collector
from collectors.services import collector_create, collector_update
from tests.factories import CollectorFactory, UserFactory

pytestmark = pytest.mark.django_db

EXACT = "0.1000000000000000000001"
UNSTORABLE_NUMBERS = [
    '{"fps": 1e400}',
    '{"fps": -1e309}',
    '{"a": [1, {"b": 1E+309}]}',
    '{"n": ' + "9" * 400 + "}",
]
LONE_SURROGATES = ['{"a": "\\ud800"}', '{"\\udfff": 1}']


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


def _stored_config_text(collector_id) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT config::text FROM collectors WHERE id = %s", [collector_id])
        return cursor.fetchone()[0]


def _collector_with_exact_numbers() -> Collector:
    collector = CollectorFactory(site_name="Bridge Street", config={})
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE collectors SET config = \'{{"threshold": {EXACT}, "big": 1e300, "fps": 15}}\'::jsonb '
            "WHERE id = %s",
            [collector.pk],
        )
    return Collector.objects.get(pk=collector.pk)


def _edit_page_data(collector: Collector, **changes) -> dict:
    form = CollectorEditForm.for_collector(collector)
    data = {name: form[name].value() for name in ("site_name", "config_version", "loaded")}
    data["config"] = form["config"].value()
    data["is_active"] = "on"
    return {**data, **changes}


def test_config_json_round_trips_numbers_exactly():
    text = f'{{"a": {EXACT}, "b": 1E+400, "c": [-0.0, 1.50, 7]}}'

    assert config_dumps(config_loads(text)) == text


def test_model_reads_numbers_as_stored():
    collector = _collector_with_exact_numbers()

    assert collector.config["threshold"] == Decimal(EXACT)


def test_editing_the_site_name_on_the_page_leaves_every_config_number_exact(superuser_client):
    collector = _collector_with_exact_numbers()
    before = _stored_config_text(collector.pk)

    response = superuser_client.post(
        reverse("collectors:edit", args=[collector.pk]), _edit_page_data(collector, site_name="Bridge St")
    )

    assert response.status_code == 302
    assert _stored_config_text(collector.pk) == before
    assert EXACT in before


def test_editing_one_config_key_leaves_the_untouched_numbers_exact(superuser_client):
    collector = _collector_with_exact_numbers()
    edited = _edit_page_data(collector)["config"].replace('"fps": 15', '"fps": 30')

    response = superuser_client.post(
        reverse("collectors:edit", args=[collector.pk]), _edit_page_data(collector, config=edited)
    )

    assert response.status_code == 302
    stored = json.loads(_stored_config_text(collector.pk), parse_float=Decimal)
    assert stored == {"threshold": Decimal(EXACT), "big": Decimal("1e300"), "fps": 30}


def test_admin_edit_of_the_site_name_leaves_every_config_number_exact(superuser_client):
    collector = _collector_with_exact_numbers()
    before = _stored_config_text(collector.pk)
    url = reverse("admin:collectors_collector_change", args=[collector.pk])
    form = superuser_client.get(url).context["adminform"].form

    response = superuser_client.post(
        url,
        {
            "site_name": "Bridge St",
            "config": form["config"].value(),
            "config_version": str(collector.config_version),
            "is_active": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert _stored_config_text(collector.pk) == before


@pytest.mark.parametrize("config", UNSTORABLE_NUMBERS + LONE_SURROGATES)
def test_edit_page_refuses_unstorable_config_with_a_form_error(superuser_client, config):
    collector = CollectorFactory()

    response = superuser_client.post(
        reverse("collectors:edit", args=[collector.pk]), _edit_page_data(collector, config=config)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["config"]
    assert Collector.objects.get(pk=collector.pk).config_version == 1


@pytest.mark.parametrize("config", UNSTORABLE_NUMBERS + LONE_SURROGATES)
def test_admin_add_and_change_refuse_unstorable_config_with_a_form_error(superuser_client, config):
    collector = CollectorFactory()

    add = superuser_client.post(
        reverse("admin:collectors_collector_add"), {"site_name": "New", "config": config, "is_active": "on"}
    )
    change = superuser_client.post(
        reverse("admin:collectors_collector_change", args=[collector.pk]),
        {"site_name": "x", "config": config, "config_version": "1", "is_active": "on", "_save": "Save"},
    )

    assert add.status_code == 200
    assert add.context["adminform"].form.errors["config"]
    assert change.status_code == 200
    assert change.context["adminform"].form.errors["config"]
    assert not Collector.objects.filter(site_name="New").exists()


# --- control characters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("site_name", ["Bridge\x01Street", "Gate\x7f", "Tab\there", "Line\nbreak", "C1\x85x"])
def test_site_names_with_control_characters_are_refused_everywhere(superuser_client, site_name):
    collector = CollectorFactory()

    page = superuser_client.post(
        reverse("collectors:edit", args=[collector.pk]), _edit_page_data(collector, site_name=site_name)
    )
    add = superuser_client.post(
        reverse("admin:collectors_collector_add"), {"site_name": site_name, "config": "{}", "is_active": "on"}
    )

    assert page.status_code == 200
    assert "site_name" in page.context["form"].errors
    assert add.status_code == 200
    assert "site_name" in add.context["adminform"].form.errors
    with pytest.raises(InvalidChangeError):
        collector_update(collector_id=collector.pk, expected_version=1, changes={"site_name": site_name})
    with pytest.raises(InvalidChangeError):
        collector_create(site_name=site_name, config={})
    assert not Collector.objects.filter(site_name=site_name).exists()
