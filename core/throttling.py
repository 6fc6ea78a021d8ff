"""Limit repeated failed log-ins per username and per client address.

Failures are rows in a small table rather than entries in Django's cache: the default cache is per process
(LocMemCache), so with several gunicorn workers each would count on its own; the table is shared by every
worker and host, survives restarts, and needs no `createcachetable` step. Usernames are stored as keyed
hashes (people sometimes type their password into the username field).
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import user_logged_in, user_login_failed
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac

LOCKED_OUT_MESSAGE = (
    "Too many failed log-in attempts. For your security, logging in is paused for %(minutes)d minutes; "
    "please try again later."
)


class LoginFailure(models.Model):
    """One failed log-in, kept while it counts towards a lockout."""

    key = models.CharField(max_length=80)
    failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "core"
        db_table = "chaverim_login_failure"
        indexes = [models.Index(fields=["key", "failed_at"], name="ix_login_failure_key_at")]

    def __str__(self):
        return f"{self.key} at {self.failed_at:%Y-%m-%d %H:%M:%S}"


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def _username_key(username: str) -> str:
    digest = salted_hmac("core.throttling", username.strip().casefold(), algorithm="sha256")
    return f"user:{digest.hexdigest()}"


def client_address(request) -> str:
    """Return the client's address: REMOTE_ADDR, or the proxies' X-Forwarded-For entry when behind them."""
    proxies = settings.LOGIN_THROTTLE_PROXY_COUNT
    if proxies:
        # Each trusted proxy appends the address it saw; earlier entries are the client's word, not proof.
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"


def _keys(request, username: str) -> dict[str, int]:
    keys = {_username_key(username or ""): settings.LOGIN_THROTTLE_USER_FAILURES}
    if request is not None:
        keys[f"addr:{client_address(request)}"[:80]] = settings.LOGIN_THROTTLE_ADDRESS_FAILURES
    return keys


def login_locked_out(*, request, username: str, now: dt.datetime | None = None) -> bool:
    """Tell whether log-ins for this username, or from this address, are paused."""
    since = (now or timezone.now()) - _window()
    keys = _keys(request, username)
    counts = dict(
        LoginFailure.objects.filter(key__in=keys, failed_at__gt=since)
        .values_list("key")
        .annotate(n=models.Count("id"))
        .values_list("key", "n")
    )
    return any(counts.get(key, 0) >= limit for key, limit in keys.items())


def login_failure_record(*, request, username: str, now: dt.datetime | None = None) -> None:
    """Count one failed log-in against the username and the address; forget failures past the window."""
    now = now or timezone.now()
    LoginFailure.objects.filter(failed_at__lte=now - _window()).delete()
    LoginFailure.objects.bulk_create(
        [LoginFailure(key=key, failed_at=now) for key in _keys(request, username)]
    )


def login_failures_clear(*, username: str) -> None:
    """Forget the username's failures after a successful log-in (the address keeps its count)."""
    LoginFailure.objects.filter(key=_username_key(username)).delete()


def _lockout_error() -> ValidationError:
    minutes = max(1, round(settings.LOGIN_THROTTLE_WINDOW_SECONDS / 60))
    return ValidationError(LOCKED_OUT_MESSAGE, code="locked_out", params={"minutes": minutes})


class ThrottledModelBackend(ModelBackend):
    """Refuse every log-in, right or wrong, while the username or address is locked out."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username is not None and login_locked_out(request=request, username=username):
            # Checked before the password, so a lockout never reveals whether the password was right.
            if request is not None:
                request.login_locked_out = True
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field():
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, saying plainly when log-ins are paused (same words whether the user exists)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            username = self.cleaned_data.get("username") or ""
            if getattr(self.request, "login_locked_out", False) or login_locked_out(
                request=self.request, username=username
            ):
                raise _lockout_error() from None
            raise


class ThrottledLoginView(LoginView):
    """Log in, answering 429 while log-ins are paused."""

    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "locked_out" for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


@receiver(user_login_failed, dispatch_uid="core.throttling.failed")
def _record_failed_login(sender, credentials, request=None, **kwargs):
    # Attempts refused because of a lockout are not counted, so a lockout ends when its window does.
    if request is not None and getattr(request, "login_locked_out", False):
        return
    login_failure_record(request=request, username=str(credentials.get("username") or ""))


@receiver(user_logged_in, dispatch_uid="core.throttling.logged_in")
def _clear_failures(sender, request, user, **kwargs):
    login_failures_clear(username=user.get_username())
