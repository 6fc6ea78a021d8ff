"""One structured log line per request, with a request id that the audit rows it writes carry too."""

import io
import json
import logging
import logging.config

import pytest
import structlog
from django.urls import reverse

from chaverim_admin.logs import logging_config
from core.models import AuditLog
from tests.factories import UserFactory, WatchlistFactory

pytestmark = pytest.mark.django_db

REQUEST_LOGGER = "django_structlog.middlewares.request"


def request_events(caplog) -> list[dict]:
    """Return the structured events django-structlog logged for requests."""
    return [record.msg for record in caplog.records if record.name == REQUEST_LOGGER]


def test_a_request_logs_one_line_with_its_id_address_and_path(client, caplog):
    with caplog.at_level(logging.INFO):
        client.get("/healthz")

    (event,) = request_events(caplog)
    assert event["event"] == "request_finished"
    assert event["code"] == 200
    assert event["request"] == "GET /healthz"
    assert event["ip"] == "127.0.0.1"
    assert len(event["request_id"]) == 36
    assert "user_id" not in event  # /healthz never reads the session


def test_the_query_string_stays_out_of_the_log(client, caplog):
    client.force_login(UserFactory())
    with caplog.at_level(logging.INFO):
        client.get("/events/?plate=SECRET1")

    (event,) = request_events(caplog)
    assert event["request"] == "GET /events/"
    assert "SECRET1" not in json.dumps(event, default=str)


def test_a_logged_in_request_names_its_user_and_a_client_request_id_is_not_trusted(client, caplog):
    user = UserFactory()
    client.force_login(user)
    with caplog.at_level(logging.INFO):
        client.get("/", HTTP_X_REQUEST_ID="forged-id")

    (event,) = request_events(caplog)
    assert event["user_id"] == str(user.pk)
    assert event["request_id"] != "forged-id"


def test_audit_rows_written_by_a_request_carry_its_request_id(client, caplog):
    client.force_login(UserFactory(groups=["Watchlist editors"]))
    watchlist = WatchlistFactory()
    with caplog.at_level(logging.INFO):
        client.post(reverse("watchlists:delete", kwargs={"pk": watchlist.pk}))

    (event,) = request_events(caplog)
    audit = AuditLog.objects.get(action="watchlist.soft_delete")
    assert audit.details["request_id"] == event["request_id"]


def test_json_format_writes_one_json_object_per_line_with_the_bound_request_id():
    stream = io.StringIO()
    config = logging_config(log_format="json", sql_echo=False)
    formatter_config = dict(config["formatters"]["json"])
    formatter = formatter_config.pop("()")(**formatter_config)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    stdlib_logger = logging.getLogger("tests.request_log.stdlib")
    stdlib_logger.addHandler(handler)
    structured = structlog.get_logger("tests.request_log.structured")
    logging.getLogger("tests.request_log.structured").addHandler(handler)
    try:
        with structlog.contextvars.bound_contextvars(request_id="r-1"):
            structured.info("partition_action", table="events", result="success")
            stdlib_logger.warning("plain %s line", "stdlib")
    finally:
        stdlib_logger.removeHandler(handler)
        logging.getLogger("tests.request_log.structured").removeHandler(handler)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["partition_action", "plain stdlib line"]
    assert all(line["request_id"] == "r-1" for line in lines)
    assert lines[0]["table"] == "events"
    assert lines[1]["level"] == "warning"
    assert all(line["timestamp"].endswith("Z") for line in lines)
