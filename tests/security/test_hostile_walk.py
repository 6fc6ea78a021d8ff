"""Walk every page and admin screen, and feed every parameter and form field hostile values: never a 5xx.

The URLs come from the URL configuration and the admin's registry, the parameters and fields from the pages
themselves (their forms and links), so a page added later is walked too without touching this test.
"""

import base64
import datetime as dt
import json
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from partitions.models import MaintenanceRun
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory, insert_events
from tests.security.urlwalk import walk_urls

pytestmark = pytest.mark.django_db


def _token(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _q(text: str) -> str:
    return quote(text, safe="")


# Values as they arrive on the wire, already percent-encoded: some are not even valid UTF-8.
HOSTILE = {
    "nul": "%00",
    "nul inside": "ab%00cd",
    "control character": "%01x",
    "lone surrogate": "%ED%A0%80",
    "invalid utf-8": "%FF%FE%FD",
    "10 kB": "A" * 10240,
    "huge number": "9" * 40,
    "huge negative number": "-" + "9" * 40,
    "minus one": "-1",
    "zero": "0",
    "float overflow": "1e400",
    "nan": "NaN",
    "year 0": "0000-01-01",
    "year 1 east of UTC": _q("0001-01-01T00:00:00+01:00"),
    "year 9999 west of UTC": _q("9999-12-31T23:59:59-01:00"),
    "year 10000": "10000-01-01",
    "offset +25 h": _q("2026-11-01T00:00:00+25:00"),
    "offset -24:30": _q("2026-11-01T00:00:00-24:30"),
    "cursor without fields": _token({"d": "next"}),
    "cursor at year 1": _token({"d": "next", "t": "0001-01-01T00:00:00+01:00", "i": 1}),
    "cursor with a huge id": _token({"d": "prev", "t": "2026-11-01T00:00:00+00:00", "i": 2**80}),
    "json infinity": _q('{"fps": 1e400}'),
    "json surrogate": _q('{"a": "\\ud800", "\\udfff": 1}'),
    "sql": _q("'; DROP TABLE events; --"),
}
VALUES = list(HOSTILE.values())
# Parameters every list may read, whether or not a page links them.
COMMON_PARAMETERS = {"q", "page", "sort", "o", "p", "e", "status", "cursor", "all"}
SKIPPED_ROUTES = {"accounts/logout/"}  # would log the walker out


class _PageParser(HTMLParser):
    """Collect a page's forms (method, action, fields with their values) and its links."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action"),
                "fields": {},
            }
            self.forms.append(self._form)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif (
            tag in {"input", "select", "textarea", "button"} and self._form is not None and attrs.get("name")
        ):
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                self._form["fields"].setdefault(attrs["name"], None)
            else:
                self._form["fields"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


@pytest.fixture
def world():
    """Objects for every page to show, so that detail pages and forms are reachable."""
    entry = WatchlistEntryFactory()
    collector = CollectorFactory()
    insert_events(collector_id=collector.pk, captured_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    started = dt.datetime.now(dt.UTC)
    run = MaintenanceRun.objects.create(
        trigger=MaintenanceRun.Trigger.CLI, started_at=started, finished_at=started, status="success"
    )
    superuser = UserFactory(is_superuser=True, username="walker")
    return {"entry": entry, "collector": collector, "run": run, "superuser": superuser}


def _own_paths(world) -> list[str]:
    entry, collector, run = world["entry"], world["collector"], world["run"]
    kwargs = {"pk": str(entry.watchlist_id), "entry_id": str(entry.pk)}
    paths = []
    for url in walk_urls():
        if url.route in SKIPPED_ROUTES or url.name.startswith("admin:") or url.route.startswith("admin/"):
            continue
        if url.name.startswith("collectors:"):
            paths.append(reverse(url.name, kwargs={"pk": collector.pk}) if "<" in url.route else url.path)
        elif url.name == "partitions:run":
            paths.append(reverse(url.name, kwargs={"pk": run.pk}))
        elif url.name.startswith("watchlists:") and "<" in url.route:
            wanted = {key: value for key, value in kwargs.items() if f":{key}>" in url.route}
            paths.append(reverse(url.name, kwargs=wanted))
        else:
            paths.append(url.path)
    return paths


def _admin_paths(world) -> list[str]:
    objects = {
        "watchlist": world["entry"].watchlist,
        "watchlistentry": world["entry"],
        "collector": world["collector"],
        "maintenancerun": world["run"],
        "user": world["superuser"],
    }
    paths = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        paths += [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
        if opts.model_name in objects:
            paths.append(reverse(f"{base}_change", args=[objects[opts.model_name].pk]))
    return paths


def _get(client, path: str, query: str):
    return client.get(f"{path}?{query}" if query else path)


def _post(client, path: str, fields: dict[str, str]):
    body = "&".join(f"{_q(name)}={value}" for name, value in fields.items())
    return client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")


def _walk(client, path: str) -> list[str]:
    """Walk one path; return a description of every answer of 500 or more."""
    failures = []
    page = client.get(path)
    if page.status_code >= 500 and path != "/readyz":
        return [f"GET {path} -> {page.status_code}"]
    html = (
        page.content.decode(errors="replace") if page.get("Content-Type", "").startswith("text/html") else ""
    )
    parsed = _parse(html)
    own_path = urlsplit(path).path
    names = set(COMMON_PARAMETERS)
    for form in parsed.forms:
        if form["method"] == "get" and (form["action"] in (None, "", own_path)):
            names.update(form["fields"])
    for link in parsed.links:
        split = urlsplit(link)
        if split.path in ("", own_path):
            names.update(name for name, _value in parse_qsl(split.query, keep_blank_values=True))

    def check(response, what):
        # /readyz answers 503 by design when a dependency is not ready (here: no partitions made).
        if response.status_code >= 500 and not (own_path == "/readyz" and response.status_code == 503):
            failures.append(f"{what} -> {response.status_code}")

    # Every value in every parameter at once, then each parameter on its own with a few values each.
    for label, value in HOSTILE.items():
        query = "&".join(f"{_q(name)}={value}" for name in sorted(names))
        check(_get(client, path, query), f"GET {path} all parameters = {label}")
    for index, name in enumerate(sorted(names)):
        for value in (VALUES[index % len(VALUES)], VALUES[(index + 7) % len(VALUES)], "%00", "%ED%A0%80"):
            check(_get(client, path, f"{_q(name)}={value}"), f"GET {path} {name}={value[:40]}")

    for form in parsed.forms:
        if form["method"] != "post":
            continue
        action = form["action"] or path
        if urlsplit(action).path.rstrip("/").endswith("logout"):
            continue
        fields = {
            name: _q(value or "") for name, value in form["fields"].items() if name != "csrfmiddlewaretoken"
        }
        for label, value in HOSTILE.items():
            hostile = {
                name: (value if not name.startswith(("_", "action")) else current)
                for name, current in fields.items()
            }
            check(_post(client, action, hostile), f"POST {action} every field = {label}")
        for index, name in enumerate(sorted(fields)):
            for value in (VALUES[index % len(VALUES)], "%00", "%ED%A0%80", "A" * 10240):
                check(_post(client, action, {**fields, name: value}), f"POST {action} {name}={value[:40]}")
    return failures


def test_every_page_and_admin_screen_answers_hostile_parameters_and_fields_without_a_server_error(world):
    client = Client(raise_request_exception=False)  # a server error is listed, and the walk goes on
    failures = []
    for path in [*_own_paths(world), *_admin_paths(world)]:
        client.force_login(world["superuser"])
        failures += _walk(client, path)

    assert failures == [], "\n".join(failures)


def test_the_walk_reaches_every_page_and_finds_their_forms(world):
    own = _own_paths(world)
    admin_paths = _admin_paths(world)

    assert len(own) >= 12
    assert reverse("admin:collectors_collector_change", args=[world["collector"].pk]) in admin_paths
    client = Client()
    client.force_login(world["superuser"])
    edit = _parse(client.get(reverse("collectors:edit", args=[world["collector"].pk])).content.decode())
    assert {"site_name", "config", "config_version"} <= {
        name for form in edit.forms for name in form["fields"]
    }
