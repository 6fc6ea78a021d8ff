"""Static files under production settings: collected at build time, served by WhiteNoise from gunicorn."""

import os
import re
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.faults.conftest import http, start_web_server, stop_web_server

ROOT = Path(__file__).resolve().parents[2]
STYLESHEET = "/static/css/chaverim.css"
ADMIN_STYLESHEET = "/static/admin/css/base.css"
# Production settings as the compose stack runs them: behind a proxy that terminates TLS.
PRODUCTION = {"SECURE_SSL_REDIRECT": "true", "SESSION_COOKIE_SECURE": "true", "CSRF_COOKIE_SECURE": "true"}
FROM_THE_PROXY = {"X-Forwarded-Proto": "https"}


def _gzip_encoding(url: str) -> str | None:
    """Return the Content-Encoding answered to a browser that accepts gzip."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **FROM_THE_PROXY})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local test server
        return response.headers.get("Content-Encoding")


@pytest.fixture(scope="module")
def collected_static_root(tmp_path_factory):
    """Run collectstatic as the image's build does, into a STATIC_ROOT of this module's own."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "false", "SECRET_KEY": "build-only", "STATIC_ROOT": str(static_root)},
        check=True,
        timeout=120,
    )
    return static_root


@pytest.fixture(scope="module")
def production_server(collected_static_root):
    """Serve the dashboard from gunicorn with production settings and the collected files."""
    process, base = start_web_server(
        {"SECRET_KEY": secrets.token_urlsafe(50), "STATIC_ROOT": str(collected_static_root), **PRODUCTION}
    )
    yield base
    stop_web_server(process)


def test_collectstatic_gathers_the_admins_files_and_our_stylesheet(collected_static_root):
    assert (collected_static_root / "admin/css/base.css").is_file()
    assert (collected_static_root / "css/chaverim.css").is_file()
    assert (collected_static_root / "css/chaverim.css.gz").is_file()  # compressed at build time


@pytest.mark.parametrize("path", [ADMIN_STYLESHEET, STYLESHEET])
def test_production_settings_serve_the_stylesheets_from_gunicorn(production_server, path):
    answer = http(production_server + path, headers=FROM_THE_PROXY)

    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/css")
    assert "public" in answer.headers["Cache-Control"]


def test_the_served_files_are_the_collected_ones_compressed(production_server):
    assert _gzip_encoding(production_server + STYLESHEET) == "gzip"


def test_the_login_page_links_the_stylesheet_it_serves(production_server):
    page = http(production_server + "/accounts/login/", headers=FROM_THE_PROXY)
    stylesheet = http(production_server + STYLESHEET, headers=FROM_THE_PROXY)

    assert f'<link rel="stylesheet" href="{STYLESHEET}">' in page.body
    assert "header.site" in stylesheet.body


def test_a_checkout_without_collected_files_serves_them_from_the_apps(tmp_path):
    # The tests and `make run` collect nothing: WhiteNoise finds the files in the apps instead of warning.
    process, base = start_web_server({"STATIC_ROOT": str(tmp_path / "not-collected")})
    try:
        answers = [http(base + path) for path in (ADMIN_STYLESHEET, STYLESHEET)]
    finally:
        log = stop_web_server(process)

    assert [answer.status for answer in answers] == [200, 200]
    assert "No directory at" not in log


def test_templates_carry_no_inline_styles():
    # A Content-Security-Policy without 'unsafe-inline' would drop them: every rule is in the stylesheet.
    inline = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if inline.search(path.read_text())
    ]

    assert offenders == []


def test_the_image_collects_our_stylesheet_at_build_time():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "COPY static ./static" in dockerfile
    assert dockerfile.index("COPY static ./static") < dockerfile.index("collectstatic --noinput")
