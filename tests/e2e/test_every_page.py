"""Every page, as each demo user, at 1400 px and at 375 px: a screenshot of each, no sideways scrolling on a
phone, the nav and Log out within reach, no failed request (favicon included) behind the page.

The screenshots are kept under --output (test-results/, not in git), one folder per width.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from holds.models import Hold
from partitions.models import MaintenanceRun
from partitions.services import partitions_apply
from tests.e2e.conftest import log_in
from tests.factories import (
    PASSWORD,
    CollectorFactory,
    UserFactory,
    WatchlistEntryFactory,
    WatchlistFactory,
    insert_events,
)
from tests.support.partitions import drop_partitions

WIDTHS = {"wide": 1400, "narrow": 375}
HEIGHT = 900


@dataclass(frozen=True)
class Visit:
    """One page to open as one user, the status it answers with, and the name of its screenshot."""

    name: str
    path: str
    status: int = 200


@pytest.fixture
def demo(clean_platform_tables):
    """Demo-like data: the four demo users, collectors, watchlists (one deleted), events, partitions, runs."""
    drop_partitions()
    for username, groups, flags in (
        ("admin", [], {"is_superuser": True}),
        ("ops", ["Operations"], {}),
        ("editor", ["Watchlist editors"], {}),
        ("sites", ["Collector admins"], {}),
        ("legal", ["Legal"], {}),
    ):
        UserFactory(username=username, groups=groups, **flags)
    north, south = CollectorFactory(site_name="North Gate"), CollectorFactory(site_name="Harbour Road")
    stolen = WatchlistFactory(name="Stolen vehicles", description="Reported stolen in the last year")
    plate = WatchlistEntryFactory(watchlist=stolen, plate_number="KX12ABC", reason="Reported 2026-03-01")
    WatchlistEntryFactory(watchlist=stolen, plate_number="LM34DEF")
    WatchlistFactory(name="Fleet — municipal vehicles that must never be flagged by mistake")
    deleted = WatchlistFactory(name="Expired registration")
    WatchlistEntryFactory(watchlist=deleted, plate_number="OLD0001")
    from watchlists.services import watchlist_soft_delete

    watchlist_soft_delete(watchlist_id=deleted.pk, actor=None)
    now = timezone.now()
    rows = [
        (collector.pk, plate_number, now - dt.timedelta(days=days, hours=hours))
        for days in (0, 1, 3, 40, 75)
        for hours, collector, plate_number in (
            (1, north, "KX12ABC"),
            (2, south, "QR56GHI"),
            (5, north, "ST78JKL"),
        )
    ]
    insert_events(rows)
    run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI)
    hold = Hold.objects.create(
        case_number="2026-0042",
        reason="Burglary investigation, warrant 17/2026",
        plate_number="KX12ABC",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now,
        placed_by=UserFactory(username="legal-colleague", groups=["Legal"]),
        placed_at=now,
    )
    yield {
        "hold": hold.pk,
        "watchlist": stolen.pk,
        "deleted_watchlist": deleted.pk,
        "entry": plate.pk,
        "collector": north.pk,
        "run": run.pk,
    }
    drop_partitions()


def visits(ids: dict) -> dict[str | None, list[Visit]]:
    """The pages each user sees (None: not logged in), and a refused one for each."""
    watchlist, collector, run = ids["watchlist"], ids["collector"], ids["run"]
    week = "/events/?plate=KX12ABC"
    return {
        None: [Visit("login", "/accounts/login/")],
        "admin": [
            Visit("home", "/"),
            Visit("admin", "/admin/"),
            Visit("admin-watchlists", "/admin/watchlists/watchlist/"),
            Visit("not-found", "/no-such-page/", 404),
        ],
        "ops": [
            Visit("home", "/"),
            Visit("partitions", "/partitions/"),
            Visit("plan", "/partitions/plan/"),
            Visit("run", f"/partitions/runs/{run}/"),
            Visit("events", "/events/"),
            Visit("events-plate", week),
            Visit("forbidden", "/watchlists/", 403),
            Visit("not-allowed", "/partitions/run/", 405),
        ],
        "editor": [
            Visit("home", "/"),
            Visit("watchlists", "/watchlists/"),
            Visit("watchlists-deleted", "/watchlists/?status=deleted"),
            Visit("watchlist", f"/watchlists/{watchlist}/"),
            Visit("confirm-delete", f"/watchlists/{watchlist}/delete/?next=/watchlists/"),
            Visit("confirm-entry-delete", f"/watchlists/{watchlist}/entries/{ids['entry']}/delete/"),
            Visit("events-plate", week),
            Visit("events-error", "/events/?start=yesterday"),
            Visit("alerts", "/alerts/"),
        ],
        "sites": [
            Visit("home", "/"),
            Visit("collectors", "/collectors/"),
            Visit("collector", f"/collectors/{collector}/edit/"),
            Visit("events", "/events/"),
        ],
        "legal": [
            Visit("holds", "/holds/"),
            Visit("hold-new", "/holds/new/"),
            Visit("hold", f"/holds/{ids['hold']}/"),
        ],
    }


NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _problems_at_narrow_width(page, width: int) -> list[str]:
    """Say what a phone user could not reach: sideways scrolling, a nav link or Log out off-screen."""
    problems = []
    if not page.evaluate(NO_SIDEWAYS_SCROLL):
        problems.append(f"scrolls sideways ({page.evaluate('document.documentElement.scrollWidth')} px)")
    # The site's header, or on the admin's pages Django's own (its links and its Log out button).
    reachable = page.locator("header.site nav a, header.site button, #header #user-tools a, #header button")
    for index in range(reachable.count()):
        item = reachable.nth(index)
        box = item.bounding_box()
        if box is None or not item.is_visible():
            problems.append(f"{item.inner_text()!r} is hidden")
        elif box["x"] < 0 or box["x"] + box["width"] > width:
            problems.append(f"{item.inner_text()!r} is off-screen")
    return problems


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_every_page_fits_the_screen_and_keeps_nav_and_log_out_in_reach(
    width_name, demo, new_context, output_path
):
    width = WIDTHS[width_name]
    shots = Path(output_path)
    shots.mkdir(parents=True, exist_ok=True)
    failures = []
    for username, pages in visits(demo).items():
        # One logged-in browser context per user, reused for all of that user's pages.
        context = new_context(viewport={"width": width, "height": HEIGHT})
        page = context.new_page()
        failed_requests = []
        page.on(
            "response",
            lambda response, failed=failed_requests: (
                response.status >= 400
                and response.request.resource_type != "document"
                and failed.append(f"{response.status} {response.url}")
            ),
        )
        if username:
            log_in(page, username, PASSWORD)
        for visit in pages:
            where = f"{username or 'anonymous'} {visit.path}"
            response = page.goto(visit.path)
            page.screenshot(path=str(shots / f"{username or 'anonymous'}-{visit.name}.png"), full_page=True)
            if response.status != visit.status:
                failures.append(f"{where}: status {response.status}, expected {visit.status}")
            if width_name == "narrow":
                failures.extend(f"{where}: {problem}" for problem in _problems_at_narrow_width(page, width))
            if username and page.get_by_role("button", name="Log out").count() != 1:
                failures.append(f"{where}: no Log out button")
        failures.extend(f"{username}: failed request {request}" for request in failed_requests)
        context.close()
    assert not failures, "\n".join(failures)
