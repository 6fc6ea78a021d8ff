import json

import pytest

from collectors.models import Collector
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, CollectorFactory, UserFactory

pytestmark = pytest.mark.usefixtures("clean_platform_tables")

CONFLICT = "This collector was modified by another request"


def test_second_editor_sees_the_conflict_keeps_their_input_and_applies_it_on_top(new_context):
    UserFactory(username="first", groups=["Collector admins"])
    UserFactory(username="second", groups=["Collector admins"])
    collector = CollectorFactory(site_name="North gate", config={"fps": 15, "lanes": 2})
    # Two browser contexts: two sessions, as two people at two desks.
    first, second = new_context().new_page(), new_context().new_page()
    log_in(first, "first", PASSWORD)
    log_in(second, "second", PASSWORD)
    first.goto(f"/collectors/{collector.pk}/edit/")
    second.goto(f"/collectors/{collector.pk}/edit/")

    first.fill("#id_site_name", "North gate (lane 1 closed)")
    first.get_by_role("button", name="Save").click()
    assert "now version 2" in first.locator(".messages").inner_text()

    second.fill("#id_config", '{"fps": 30, "lanes": 2}')
    second.get_by_role("button", name="Save").click()

    alert = second.get_by_role("alert")
    assert CONFLICT in alert.inner_text()
    assert "North gate (lane 1 closed)" in alert.inner_text()  # what is there now
    assert json.loads(second.input_value("#id_config")) == {"fps": 30, "lanes": 2}  # their input, kept
    assert second.input_value("#id_site_name") == "North gate (lane 1 closed)"  # the other's change, kept
    assert Collector.objects.get(pk=collector.pk).config == {"fps": 15, "lanes": 2}

    second.get_by_role("button", name="Apply my changes on top of the latest version").click()

    assert "now version 3" in second.locator(".messages").inner_text()
    saved = Collector.objects.get(pk=collector.pk)
    assert saved.config_version == 3
    assert saved.site_name == "North gate (lane 1 closed)"
    assert saved.config == {"fps": 30, "lanes": 2}
