import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from core import metrics
from core.db_roles import is_privilege_error
from core.home import home_summaries_for
from core.readiness import readiness_results

readiness_log = logging.getLogger("core.readiness")


@require_GET
def home(request):
    """Greet the user with a summary of each part of the site their groups work with."""
    cards = [
        {"template": summary.template, "summary": summary.context()}
        for summary in home_summaries_for(request.user)
    ]
    return render(request, "home.html", {"cards": cards})


@login_not_required
@never_cache
def healthz(request):
    """Liveness: the process answers; touches neither the database nor the broker."""
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
@require_safe
def favicon(request):
    """Send browsers that ask for /favicon.ico (the admin's pages, JSON) to the site's icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@login_not_required
@never_cache
def readyz(request):
    """Readiness: 200 when every dependency answers and no partitioned table is critical, else 503.

    Anyone may ask, so the answer names each check with `ok`, `degraded` (passing, with a fallback in use,
    as a replica that does not answer) or `failed` only; why (an error text, a missing partition) goes to the
    log.
    """
    results = readiness_results()
    for name, (ok, detail) in results.items():
        if not ok:
            readiness_log.warning("readiness check %s failed: %s", name, detail)
        elif _degraded(detail):
            readiness_log.warning("readiness check %s: %s", name, detail)
        elif detail != "ok":
            readiness_log.info("readiness check %s: %s", name, detail)
    ready = all(ok for ok, _detail in results.values())
    body = {"status": "ok" if ready else "unavailable"}
    body.update(
        {
            name: ("degraded" if _degraded(detail) else "ok") if ok else "failed"
            for name, (ok, detail) in results.items()
        }
    )
    return JsonResponse(body, status=200 if ready else 503)


def _degraded(detail) -> bool:
    return str(detail).startswith("degraded")


# Refusals carry no body: a scraper learns nothing about what was expected.
METRICS_REFUSED = {
    metrics.UNAUTHORIZED: (401, {"WWW-Authenticate": 'Bearer realm="metrics"'}),
    metrics.FORBIDDEN: (403, {}),
    metrics.DISABLED: (404, {}),
}


@login_not_required
@never_cache
@require_GET
def metrics_view(request):
    """Prometheus metrics, for a bearer token (METRICS_TOKEN) or an address in METRICS_ALLOWED_NETS."""
    access = metrics.metrics_access(request)
    if access != metrics.ALLOWED:
        status, headers = METRICS_REFUSED[access]
        return HttpResponse(b"", status=status, headers=headers, content_type="text/plain")
    return HttpResponse(metrics.metrics_exposition(), content_type=metrics.CONTENT_TYPE)


def server_error(request):
    """Answer 503 with a plain page when the database is down, 500 otherwise; never a traceback."""
    _type, exc, _tb = sys.exc_info()
    # A refused privilege (a grant missing from the web's role) is logged by core.db_roles, naming the table.
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and is_privilege_error(exc)
    ):
        template, status = "503.html", 503
    else:
        template, status = "500.html", 500
    return HttpResponse(loader.get_template(template).render(), status=status)
