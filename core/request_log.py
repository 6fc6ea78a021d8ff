"""What the one log line per request (django-structlog) says, and the request id for the audit log.

The line names the method and path without the query string (plates searched for stay out of the logs; the
access log records them), the client address as log-in throttling reads it, and the user only when the
request already loaded them (no session read just for logging, so /healthz answers with the database down).
"""

import structlog
from django_structlog import signals

from core.throttling import client_address


def request_id_current() -> str | None:
    """Return the id of the request (or of the request that queued this task) being served, if any."""
    return structlog.contextvars.get_contextvars().get("request_id")


def _request_line(request) -> str:
    return f"{request.method} {request.path}"


def _bind_request(request, log_kwargs: dict, **kwargs) -> None:
    log_kwargs["request"] = _request_line(request)
    structlog.contextvars.bind_contextvars(ip=client_address(request))


def _bind_outcome(request, log_kwargs: dict, **kwargs) -> None:
    log_kwargs["request"] = _request_line(request)
    # Django's AuthenticationMiddleware caches the user here once something asked for it.
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        structlog.contextvars.bind_contextvars(user_id=str(user.pk))


def request_log_connect() -> None:
    """Connect to django-structlog's signals (from CoreConfig.ready)."""
    signals.bind_extra_request_metadata.connect(_bind_request, dispatch_uid="core.request_log.started")
    signals.bind_extra_request_finished_metadata.connect(_bind_outcome, dispatch_uid="core.request_log.done")
    signals.bind_extra_request_failed_metadata.connect(_bind_outcome, dispatch_uid="core.request_log.failed")
