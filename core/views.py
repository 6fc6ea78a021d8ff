import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.db_roles import is_privilege_error
from core.readiness import readiness_report


@require_GET
def home(request):
    return render(request, "home.html")


@login_not_required
@never_cache
def healthz(request):
    """Liveness: the process answers; touches neither the database nor the broker."""
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
@never_cache
def readyz(request):
    """Readiness: 200 when every dependency answers and no partitioned table is critical, else 503."""
    ready, details = readiness_report()
    body = {"status": "ok" if ready else "unavailable", **details}
    return JsonResponse(body, status=200 if ready else 503)


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
