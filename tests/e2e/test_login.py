import pytest

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_user_logs_in_through_the_form_and_out_again(page):
    UserFactory(username="dana", groups=["Watchlist editors"])

    log_in(page, "dana", PASSWORD)

    assert page.url.endswith("/")
    assert page.locator("header.site .who").inner_text().startswith("dana")
    page.click("header.site button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/")
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_wrong_password_shows_an_error_and_stays_logged_out(page):
    UserFactory(username="dana")

    log_in(page, "dana", "not-the-password")

    assert "/accounts/login/" in page.url
    assert "correct username and password" in page.locator(".errorlist").inner_text()
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_anonymous_visitor_is_sent_to_login_and_back_to_the_page_afterwards(page):
    UserFactory(username="dana", is_superuser=True)

    page.goto("/admin/")
    assert "/login/" in page.url
    page.goto("/accounts/login/?next=/admin/")
    page.fill("#id_username", "dana")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("body").inner_text().count("Site administration") >= 1


def test_repeated_wrong_passwords_lock_the_form_with_a_clear_message(page):
    UserFactory(username="dana")

    for _ in range(5):
        log_in(page, "dana", "not-the-password")
    locked = page.locator(".errorlist").inner_text()
    log_in(page, "dana", PASSWORD)

    assert "Too many failed log-in attempts" in locked
    assert "15 minutes" in locked
    assert "Too many failed log-in attempts" in page.locator(".errorlist").inner_text()
    assert "/accounts/login/" in page.url
