"""A browser test that fails on purpose, run only by test_harness.py (its name keeps it out of collection)."""


def test_fails_after_opening_the_login_page(page):
    page.goto("/accounts/login/")

    assert page.locator("h1").inner_text() == "Not the log-in page"
