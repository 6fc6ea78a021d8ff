"""Logging: one line per event, JSON for log shippers or plain for people (LOG_FORMAT).

structlog's events (a line per request from django-structlog, a line per maintenance action) and the standard
library's records go through the same formatter, so both carry the request id bound for the request (or
handed to the Celery task it queued).
"""

import structlog

JSON, PLAIN = "json", "plain"

# Added to every line, structlog's or the standard library's.
_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _renderers(log_format: str) -> list:
    if log_format == JSON:
        return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    return [structlog.dev.ConsoleRenderer(colors=False)]


def structlog_configure() -> None:
    """Route structlog's events through the standard library's handlers (formatted by `logging_config`)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, log_format: str, sql_echo: bool) -> dict:
    """Return the LOGGING setting: everything to stderr, one line per event in `log_format`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            log_format: {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *_renderers(log_format),
                ],
                "foreign_pre_chain": _SHARED_PROCESSORS,
            },
        },
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            "django.db.backends": {"level": "DEBUG" if sql_echo else "INFO", "propagate": True},
        },
    }
