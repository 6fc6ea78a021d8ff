import environ
import pytest

from tests.support.database import database_url

SOCKET = {"NAME": "test_chaverim", "USER": "chaverim", "PASSWORD": "", "HOST": "/run/pg sock", "PORT": "5432"}
TCP = {
    "NAME": "test_chaverim",
    "USER": "app",
    "PASSWORD": "p@ss:w/rd?#%",
    "HOST": "db.internal",
    "PORT": 6432,
}


def _parsed(url: str) -> dict:
    config = environ.Env.db_url_config(url)
    options = config.get("OPTIONS", {})
    return {
        "NAME": config["NAME"],
        "USER": config["USER"],
        "PASSWORD": config["PASSWORD"],
        "HOST": config["HOST"] or options.get("host", ""),
        "PORT": str(config["PORT"] or options.get("port", "")),
    }


def test_tcp_url_keeps_user_password_host_and_port():
    url = database_url(TCP)

    assert url == "postgres://app:p%40ss%3Aw%2Frd%3F%23%25@db.internal:6432/test_chaverim"
    assert _parsed(url) == {**TCP, "PORT": "6432"}


def test_socket_directory_goes_in_the_query_string():
    url = database_url(SOCKET)

    assert url.startswith("postgres://chaverim@/test_chaverim?host=")
    assert _parsed(url) == SOCKET


def test_socket_directory_read_back_from_options_round_trips():
    from_url = environ.Env.db_url_config(database_url(SOCKET))

    assert _parsed(database_url(from_url)) == SOCKET


@pytest.mark.django_db
def test_default_is_this_runs_test_database():
    from django.db import connection

    assert _parsed(database_url())["NAME"] == connection.settings_dict["NAME"]
