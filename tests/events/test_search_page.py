"""The events search form as a page: errors stay in their field's cell, described-by targets exist, short
placeholders."""

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory())
    return client


def test_every_aria_describedby_names_an_element_on_the_page(staff_client):
    html = staff_client.get("/events/", {"start": "yesterday", "plate": "AB-12"}).content.decode()

    described_by = {
        name for value in re.findall(r'aria-describedby="([^"]+)"', html) for name in value.split()
    }
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert "id_start_error" in described_by
    assert described_by <= ids


def test_a_field_error_sits_in_its_own_cell_of_the_grid(staff_client):
    html = staff_client.get("/events/", {"start": "yesterday"}).content.decode()

    cells = re.findall(r'<div class="field">(.*?)</div>', html, re.S)
    start = next(cell for cell in cells if 'id="id_start"' in cell)
    assert '<ul class="errorlist" id="id_start_error">' in start
    for cell in cells:  # each field's errors, if any, are in its cell and named after it
        field_id = re.search(r'id="(id_\w+?)"', cell).group(1)
        assert "errorlist" not in cell or f'<ul class="errorlist" id="{field_id}_error">' in cell
    assert '<div class="field-grid">' in html


def test_placeholders_are_short_enough_to_fit_their_inputs(staff_client):
    html = staff_client.get("/events/").content.decode()

    placeholders = re.findall(r'placeholder="([^"]*)"', html)
    assert placeholders
    assert all(len(placeholder) <= 24 for placeholder in placeholders), placeholders
