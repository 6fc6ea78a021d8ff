"""Middleware of the core app."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control


def staff_not_required(view_func):
    """Mark a view that a logged-in user without staff status may still use (logging out)."""
    view_func.staff_required = False
    return view_func


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Require login and staff status everywhere, but look at `login_not_required` before the session.

    Django's own asks `request.user.is_authenticated` first, a database read whenever a session cookie is
    sent, so a liveness probe carrying one would fail while the database is down. An active account
    without staff status (a platform user, a former staff member) is refused every page with 403.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        response = super().process_view(request, view_func, view_args, view_kwargs)
        if response is None and not request.user.is_staff and getattr(view_func, "staff_required", True):
            raise PermissionDenied("staff status required")
        return response


class MethodNotAllowedPageMiddleware:
    """Answer a 405 (a link to an address that only takes a form's POST) with a page, not an empty body.

    `require_POST` and `require_safe` return a bare HttpResponseNotAllowed; a browser shows its own error for
    it, without the site's navigation or a way back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            allowed = [method.strip() for method in response.get("Allow", "").split(",") if method.strip()]
            response.content = render_to_string("405.html", {"allowed_methods": allowed}, request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class ProbeMiddleware:
    """Answer /healthz and /readyz before anything reads the Host header.

    Orchestrators probe a container by its address (`http://127.0.0.1:8000/healthz`), not by the site's
    name: with ALLOWED_HOSTS set to that name, Django would answer them 400. Every other URL still has its
    Host checked. Placed before the session and common middleware, which read the Host header.
    """

    def __init__(self, get_response):
        from core import views

        self.get_response = get_response
        # Prometheus scrapes a container by its address too; /metrics checks its token or address itself.
        self.probes = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics_view}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        # Probes only read; any other method goes through the whole chain (CSRF refuses a POST).
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """Tell browsers and proxies to store no page: they show plates and audit data.

    Without it, Back after logging out (or another user of a shared computer) could show a page from cache.
    Static files are served before this middleware and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
