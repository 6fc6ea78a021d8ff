"""Browser harness: pytest-playwright's fixtures, the system Chromium, pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between browser
# steps are still plain synchronous code, so Django's async-safety guard would only get in the way.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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
BROWSER_TIMEOUT_MS = 15_000

PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "SECURE_HSTS_SECONDS": 0,
}


def chromium_path() -> str | None:
    """Return the Chromium to drive: $CHROMIUM_PATH, else `chromium` on PATH, else /usr/bin/chromium."""
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).is_file() and os.access(candidate, os.X_OK) else None


def pytest_configure(config):
    # pytest-playwright keeps nothing by default; keep a full-page screenshot and a trace of every failed
    # browser test under --output (test-results/). --screenshot=on or --tracing=on keep them for every test.
    if config.option.screenshot == "off":
        config.option.screenshot = "only-on-failure"
        config.option.full_page_screenshot = True
    if config.option.tracing == "off":
        config.option.tracing = "retain-on-failure"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    """Launch the system Chromium (never a downloaded browser); --headed and --slowmo still apply."""
    if browser_name != "chromium" or browser_type_launch_args.get("channel"):
        only_chromium = "The browser tests drive the system Chromium only: drop --browser, --browser-channel."
        pytest.fail(only_chromium, pytrace=False)
    executable = chromium_path()
    if executable is None:
        pytest.fail(
            "Chromium is not installed: the browser tests need it. Install it with "
            "`apt-get install chromium` (or set CHROMIUM_PATH to a Chromium binary).",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        # Chromium's sandbox cannot start as root (containers, CI); elsewhere keep it.
        "chromium_sandbox": os.geteuid() != 0,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """Open every page against the live server: page.goto("/watchlists/").

    pytest-playwright's browser_context_args passes this on to every browser context (its own fallback fixture
    for --base-url is deprecated under pytest 9, and a URL given there would not be this test database's).
    """
    return live_server.url


@pytest.fixture
def new_context(new_context):
    """Make browser contexts (each with its own cookies) that give up on a missing element after 15 s."""

    def new_context_with_timeout(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        return context

    return new_context_with_timeout


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


def log_in(page, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_load_state("domcontentloaded")
