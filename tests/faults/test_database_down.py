"""With the database down: a plain 503 page, readiness 503, liveness 200, never a traceback."""

import json
import re
import urllib.parse

from tests.faults.conftest import DEAD_DATABASE_URL, http, start_web_server, stop_web_server
from tests.security.test_login_required import OPEN_URLS
from tests.security.urlwalk import walk_urls

UNAVAILABLE = "The database is not reachable"
# A session cookie makes the server look the session up in the database.
SESSION = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}


def _assert_plain_503(answer):
    assert answer.status == 503
    assert UNAVAILABLE in answer.body
    assert "Traceback" not in answer.body
    assert "OperationalError" not in answer.body


def test_liveness_probe_still_answers(dead_database_server):
    answer = http(dead_database_server + "/healthz")

    assert answer.status == 200
    assert answer.body == "ok\n"


def test_readiness_probe_answers_503_naming_the_database_but_not_its_error(dead_database_server):
    answer = http(dead_database_server + "/readyz")

    assert answer.status == 503
    body = json.loads(answer.body)
    assert body["status"] == "unavailable"
    assert body["database"] == "failed"
    # Anyone may ask: check names and ok/failed only, never the driver's error text (it goes to the log).
    assert set(body.values()) <= {"unavailable", "ok", "failed"}
    assert "127.0.0.1" not in answer.body


def test_every_page_answers_the_plain_503_page_to_a_logged_in_browser(dead_database_server):
    paths = [url.path for url in walk_urls() if url.name not in OPEN_URLS]
    assert "/" in paths

    answers = {path: http(dead_database_server + path, headers=SESSION) for path in paths}

    assert {path: answer.status for path, answer in answers.items()} == dict.fromkeys(paths, 503)
    for answer in answers.values():
        _assert_plain_503(answer)


def test_login_page_still_shows_and_logging_in_answers_503(dead_database_server):
    page = http(dead_database_server + "/accounts/login/")
    assert page.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    cookie = re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", "")).group(1)

    answer = http(
        dead_database_server + "/accounts/login/",
        data=urllib.parse.urlencode(
            {"username": "dana", "password": "x", "csrfmiddlewaretoken": token}
        ).encode(),
        headers={"Cookie": f"csrftoken={cookie}", "Referer": dead_database_server + "/accounts/login/"},
    )

    _assert_plain_503(answer)


def test_anonymous_visitor_is_still_sent_to_log_in(dead_database_server):
    answer = http(dead_database_server + "/watchlists/")

    assert answer.status == 302
    assert answer.headers["Location"].startswith("/accounts/login/")


def test_connection_pool_gives_up_with_the_503_page():
    # Production runs with the pool on: a dead database surfaces as a pool timeout, which must map to 503.
    process, base = start_web_server({"DATABASE_URL": DEAD_DATABASE_URL, "DB_POOL_SIZE": "1"})
    try:
        answer = http(base + "/", headers=SESSION, timeout=60)
    finally:
        output = stop_web_server(process)

    _assert_plain_503(answer)
    assert "Traceback" not in answer.body, output


def test_liveness_probe_answers_200_even_with_a_session_cookie(dead_database_server):
    assert http(dead_database_server + "/healthz", headers=SESSION).status == 200
