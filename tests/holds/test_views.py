"""The hold pages for the Legal group: list with filters, place, detail and release (two people), 403, 404."""

import datetime as dt

import pytest
from django.test import Client

from chaverim_admin.roles import LEGAL, OPERATIONS
from core.models import AuditLog
from holds.models import Hold
from holds.services import PLACE_ACTION, RELEASE_ACTION, hold_place, hold_release
from tests.factories import CollectorFactory, UserFactory

pytestmark = pytest.mark.django_db

START, END = dt.datetime(2019, 11, 1, tzinfo=dt.UTC), dt.datetime(2019, 12, 1, tzinfo=dt.UTC)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def legal():
    return UserFactory(username="legal-one", groups=[LEGAL])


@pytest.fixture
def legal2():
    return UserFactory(username="legal-two", groups=[LEGAL])


def placed(by, **overrides) -> Hold:
    arguments = {"case_number": "2026-0042", "reason": "Court order", "plate_number": "HELD001"}
    return hold_place(**{**arguments, **overrides}, starts_at=START, ends_at=END, placed_by=by)


FORM = {
    "case_number": "2026-0042",
    "reason": "Court order 17",
    "plate_number": "held-001",
    "collector": "",
    "starts_at": "2019-11-01",
    "ends_at": "2019-11-30",
}


def test_a_legal_user_places_a_hold_and_lands_on_its_page(legal):
    client = logged_in(legal)

    response = client.post("/holds/new/", FORM, follow=True)

    hold = Hold.objects.get()
    assert response.redirect_chain[-1][0] == f"/holds/{hold.pk}/"
    assert (hold.plate_number, hold.placed_by) == ("HELD001", legal)
    # A date as To takes in that whole day: the window ends at the next midnight.
    assert (hold.starts_at, hold.ends_at) == (START, END)
    page = response.content.decode()
    assert f"Hold #{hold.pk} placed for case 2026-0042." in page
    assert "HELD001" in page
    assert AuditLog.objects.filter(action=PLACE_ACTION, object_id=str(hold.pk)).count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"plate_number": "AB*1"}, "plate_number", "letters and digits"),
        ({"starts_at": "yesterday"}, "starts_at", "Enter a date"),
        ({"starts_at": "2019-12-05"}, "ends_at", "before the end"),
        ({"starts_at": "0219-11-01"}, "starts_at", "50 years"),
        ({"plate_number": "", "collector": ""}, None, "a plate, a collector, or both"),
        ({"collector": "00000000-0000-0000-0000-000000000007"}, "collector", "Select a valid choice"),
        ({"case_number": ""}, "case_number", "required"),
    ],
)
def test_a_hold_that_cannot_be_placed_shows_the_error_on_its_field(legal, changes, field, words):
    response = logged_in(legal).post("/holds/new/", {**FORM, **changes})

    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors and words in " ".join(errors)
    assert words in response.content.decode()
    assert not Hold.objects.exists()


@pytest.mark.parametrize(("starts_at", "ends_at"), [("20191101", "20191130"), ("2019-W44-5", "2019-W48-6")])
def test_every_spelling_of_a_date_as_to_takes_in_that_whole_day(legal, starts_at, ends_at):
    logged_in(legal).post("/holds/new/", {**FORM, "starts_at": starts_at, "ends_at": ends_at})

    hold = Hold.objects.get()
    assert (hold.starts_at, hold.ends_at) == (START, END)


def test_a_hold_on_a_collector_alone_is_placed(legal):
    collector = CollectorFactory(site_name="North gate")

    logged_in(legal).post("/holds/new/", {**FORM, "plate_number": "", "collector": str(collector.pk)})

    hold = Hold.objects.get()
    assert (hold.plate_number, hold.collector_id) == ("", collector.pk)


def test_the_list_filters_by_status_case_and_plate_and_shows_active_by_default(legal, legal2):
    kept = placed(legal, case_number="A-1", plate_number="KEEP1")
    other = placed(legal, case_number="B-2", plate_number="OTHER2")
    released = placed(legal, case_number="C-3", plate_number="GONE3")
    Hold.objects.filter(pk=released.pk).update(
        released_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), released_by=legal2, release_reason="Closed"
    )
    client = logged_in(legal)

    def shown(**params) -> set[int]:
        response = client.get("/holds/", params)
        assert response.status_code == 200
        return {hold.pk for hold in response.context["table"].page.object_list.data}

    assert shown() == {kept.pk, other.pk}
    assert shown(status="released") == {released.pk}
    assert shown(status="all") == {kept.pk, other.pk, released.pk}
    assert shown(case="a-1") == {kept.pk}
    assert shown(plate="other-2") == {other.pk}
    assert shown(status="bogus") == {kept.pk, other.pk}  # an invalid filter falls back to active holds
    page = client.get("/holds/").content.decode()
    assert "A-1" in page and f'href="/holds/{kept.pk}/"' in page


def test_the_list_pages_fifty_at_a_time(legal):
    for n in range(55):
        placed(legal, case_number=f"P-{n}")
    client = logged_in(legal)

    first = client.get("/holds/").context["table"].page
    second = client.get("/holds/", {"page": 2}).context["table"].page

    assert (len(first.object_list), len(second.object_list)) == (50, 5)
    assert client.get("/holds/", {"page": "x"}).status_code == 200


def test_a_second_legal_user_releases_a_hold_with_a_reason(legal, legal2):
    hold = placed(legal)

    response = logged_in(legal2).post(
        f"/holds/{hold.pk}/release/", {"release_reason": "Case closed"}, follow=True
    )

    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (legal2, "Case closed")
    assert response.redirect_chain[-1][0] == f"/holds/{hold.pk}/"
    page = response.content.decode()
    assert "released." in page and "Case closed" in page and "legal-two" in page
    assert "Release hold #" not in page  # no release form on a released hold
    assert AuditLog.objects.filter(action=RELEASE_ACTION).count() == 1


def test_the_placer_cannot_release_their_own_hold(legal):
    hold = placed(legal)
    client = logged_in(legal)
    assert "another member of Legal must release it" in client.get(f"/holds/{hold.pk}/").content.decode()

    response = client.post(f"/holds/{hold.pk}/release/", {"release_reason": "Done"})

    assert response.status_code == 403
    assert "another user" in response.content.decode()
    hold.refresh_from_db()
    assert hold.active


def test_releasing_a_released_hold_says_so_and_changes_nothing(legal, legal2):
    hold = placed(legal)
    third = UserFactory(username="legal-three", groups=[LEGAL])
    logged_in(legal2).post(f"/holds/{hold.pk}/release/", {"release_reason": "First"})

    response = logged_in(third).post(f"/holds/{hold.pk}/release/", {"release_reason": "Second"})

    assert response.status_code == 409
    assert "already released" in response.content.decode()
    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (legal2, "First")


def test_a_release_without_a_reason_shows_the_error_on_the_field(legal, legal2):
    hold = placed(legal)

    response = logged_in(legal2).post(f"/holds/{hold.pk}/release/", {"release_reason": "  "})

    assert response.status_code == 400
    assert "Give the reason for the release" in response.content.decode()
    hold.refresh_from_db()
    assert hold.active


def test_release_is_post_only_and_checks_csrf(legal, legal2):
    hold = placed(legal)
    assert logged_in(legal2).get(f"/holds/{hold.pk}/release/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(legal2)

    assert strict.post(f"/holds/{hold.pk}/release/", {"release_reason": "Done"}).status_code == 403

    hold.refresh_from_db()
    assert hold.active


@pytest.mark.parametrize("path", ["/holds/9999/", "/holds/9999/release/", "/holds/99999999999999999999/"])
def test_unknown_holds_are_404(legal, path):
    client = logged_in(legal)
    response = client.post(path, {"release_reason": "x"}) if path.endswith("release/") else client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/holds/", {}),
        ("get", "/holds/new/", {}),
        ("post", "/holds/new/", FORM),
        ("get", "/holds/{pk}/", {}),
        ("post", "/holds/{pk}/release/", {"release_reason": "Done"}),
    ],
)
def test_staff_outside_legal_are_refused_every_hold_page(legal, method, path, data):
    hold = placed(legal)
    client = logged_in(UserFactory(groups=[OPERATIONS]))

    response = getattr(client, method)(path.format(pk=hold.pk), data)

    assert response.status_code == 403
    assert Hold.objects.count() == 1
    hold.refresh_from_db()
    assert hold.active


def test_a_user_who_may_only_view_sees_no_release_form_and_is_refused_the_release(legal):
    from django.contrib.auth.models import Permission

    hold = placed(legal)
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="holds", codename="view_hold"))
    client = logged_in(viewer)

    assert "Release hold #" not in client.get(f"/holds/{hold.pk}/").content.decode()
    assert client.post(f"/holds/{hold.pk}/release/", {"release_reason": "x"}).status_code == 403
    assert client.get("/holds/new/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/holds/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("holds", [3, 60])
def test_the_list_costs_a_fixed_number_of_queries(legal, legal2, django_assert_num_queries, holds):
    collector = CollectorFactory()
    for n in range(holds):
        hold = placed(legal, case_number=f"Q-{n}", collector_id=collector.pk if n % 2 else None)
        if n % 3 == 0:
            hold_release(hold_id=hold.pk, released_by=legal2, reason="Closed")
    client = logged_in(legal)

    # session, user, the two permission reads (user's and groups'; the nav's are cached), the count of the
    # pages, the holds with their people and collectors (one join)
    with django_assert_num_queries(6):
        response = client.get("/holds/", {"status": "all"})

    assert len(response.context["table"].page.object_list) == min(holds, 50)


def test_the_detail_costs_a_fixed_number_of_queries(legal, legal2, django_assert_num_queries):
    hold = placed(legal, collector_id=CollectorFactory().pk)
    hold_release(hold_id=hold.pk, released_by=legal2, reason="Closed")
    client = logged_in(legal)

    # session, user, the two permission reads, the hold with its people and collector, the kept rows
    with django_assert_num_queries(6):
        assert client.get(f"/holds/{hold.pk}/").status_code == 200
