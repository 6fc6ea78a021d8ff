"""Log-in throttling by django-axes: what it counts failures under, and a limit for each lockout parameter.

Axes keeps failures in its database tables (AXES_HANDLER below), which every gunicorn worker and host shares.
Settings: "Log-in throttling" in chaverim_admin/settings.py.
"""

import ipaddress
import unicodedata

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.crypto import salted_hmac


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_address(request) -> str | None:
    """Return the client's IP address: REMOTE_ADDR, or the proxies' X-Forwarded-For entry behind them."""
    proxies = settings.LOGIN_THROTTLE_PROXY_COUNT
    if proxies:
        # Each trusted proxy appends the address it saw; earlier entries are the client's word, not proof.
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies and _is_ip_address(forwarded[-proxies]):
            return forwarded[-proxies]
    remote = request.META.get("REMOTE_ADDR", "")
    # None rather than a placeholder: axes stores the address in an IP address column.
    return remote if _is_ip_address(remote) else None


def username_key(request, credentials: dict | None) -> str:
    """Return the key axes counts a username's failures under: folded for case and width, then hashed.

    Hashed with the secret key because people sometimes type their password into the username field.
    """
    source = credentials if credentials else request.POST
    username = str(source.get(get_user_model().USERNAME_FIELD) or "").strip()
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    return salted_hmac("core.throttling", folded, algorithm="sha256").hexdigest()


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler, with a failure limit for the username and another for the address.

    Axes compares one count, the larger of the username's and the address's, with one AXES_FAILURE_LIMIT;
    for separate limits its maintainers suggest a handler of one's own (jazzband/django-axes#661).
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Count recent failures so that axes locks out when either parameter reaches its own limit."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        failures = recent.aggregate(
            username=Coalesce(
                Sum("failures_since_start", filter=Q(username=get_client_username(request, credentials))), 0
            ),
            address=Coalesce(Sum("failures_since_start", filter=Q(ip_address=request.axes_ip_address)), 0),
        )
        headroom = min(
            settings.LOGIN_THROTTLE_USER_FAILURES - failures["username"],
            settings.LOGIN_THROTTLE_ADDRESS_FAILURES - failures["address"],
        )
        # Axes locks out at `failures >= limit`: that is, once either headroom is used up.
        return get_failure_limit(request, credentials) - headroom

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """Forget the username's failures after a successful log-in; its address keeps counting them.

        Axes' own reset deletes every failure from the address too, other usernames' included: logging in to
        one account would then restart the count of guesses at other accounts from that address.
        """
        username = get_client_username(request, credentials)
        # The rows stay, without their username, so the address's count still includes them.
        return AccessAttempt.objects.filter(username=username).update(username=None)
