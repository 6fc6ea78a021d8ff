"""Middleware of the core app."""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Require login everywhere, but look at `login_not_required` before reading the session.

    Django's own asks `request.user.is_authenticated` first, a database read whenever a session cookie is
    sent, so a liveness probe carrying one would fail while the database is down.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
