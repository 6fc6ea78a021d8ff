"""Browser harness: the system Chromium driven by Playwright against pytest-django's live server."""

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between browser
# steps are still plain synchronous code, so Django's async-safety guard would only get in the way.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"

# Chromium without anything that phones home or updates itself behind the test's back.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-gpu",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    """Return the Chromium to drive: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium."""
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).is_file() and os.access(candidate, os.X_OK) else None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


_REPORTS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def browser():
    """Launch the system Chromium once per session (never a downloaded browser)."""
    executable = chromium_path()
    if executable is None:
        pytest.fail(
            "Chromium is not installed: the browser tests need it. Install it with "
            "`apt-get install chromium` (or set CHROMIUM_PATH to a Chromium binary).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            # Chromium's sandbox cannot start as root (containers, CI); elsewhere keep it.
            chromium_sandbox=os.geteuid() != 0,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SECURE_HSTS_SECONDS": 0,
}


@pytest.fixture(scope="session")
def live_server(request):
    """Start pytest-django's live server over plain HTTP (production settings redirect to HTTPS).

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread builds its handler, so the
    override must be in place while the server starts.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    )
    with override_settings(**PLAIN_HTTP):
        server = LiveServer(addr)
    yield server
    server.stop()
    # The server thread returned its connections to the shared pool; close it so that the test database
    # can be dropped at the end of the session.
    from django.db import connections

    for connection in connections.all():
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    """Send session and CSRF cookies over the live server's plain HTTP."""
    for name, value in PLAIN_HTTP.items():
        setattr(settings, name, value)


@pytest.fixture
def new_page(browser, request, live_server):
    """Open pages in fresh browser contexts (own cookies); screenshot each one if the test fails."""
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page

    reports = request.node.stash.get(_REPORTS, {})
    failed = any(report.failed for report in reports.values())
    if failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                # A failed screenshot must not hide the test's own failure.
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(RESULTS_DIR / f"{name}-{n}-{m}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """One fresh page."""
    return new_page()


def log_in(page, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_load_state("domcontentloaded")
