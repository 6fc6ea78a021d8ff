"""Write-once by privilege and by trigger: what the app role may do, what the owner may do, and when."""

import datetime as dt
import json
import logging
import urllib.error
import urllib.request

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from chaverim_admin.config import env_role
from core import db_roles
from core.db_roles import (
    INSUFFICIENT_PRIVILEGE,
    OwnerRoleRequiredError,
    check_app_role_configured,
    database_owner_require,
    database_role_status,
    db_grants_apply,
    role_privileges,
)
from tests.factories import UserFactory, insert_events
from tests.support.db_roles import TEST_APP_ROLE, app_role_create
from tests.support.subprocesses import manage

pytestmark = pytest.mark.django_db

MONTH_PARTITION = "events_2001_01"
MAINTENANCE_ON = "SET LOCAL chaverim.partition_maintenance = 'on'"
TARGETS = ("events", MONTH_PARTITION, "events_default", "audit_log", "audit_log_default")
STATEMENTS = {
    "update": "UPDATE {table} SET {column} = 'CHANGED'",
    "delete": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
    "drop": "DROP TABLE {table}",
    "alter": "ALTER TABLE {table} ADD COLUMN tampered integer",
    "disable triggers": "ALTER TABLE {table} DISABLE TRIGGER ALL",
}
COUNTED = ("events", MONTH_PARTITION, "events_default", "audit_log")


def _column(table: str) -> str:
    return "action" if table.startswith("audit_log") else "plate_number"


def _execute(*statements: str, params=None):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _refused(*statements: str) -> DatabaseError:
    """Run the statements in a savepoint; return the error the last one raised (the savepoint undoes all)."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        _execute(*statements)
    return refused.value


def _sqlstate(exc: DatabaseError) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)


def _counts() -> dict[str, int]:
    return {table: _execute(f"SELECT count(*) FROM {table}")[0][0] for table in COUNTED}


@pytest.fixture
def platform_rows():
    """A month partition with a row, a row in DEFAULT and an audit row, as the owner (rolled back after)."""
    _execute(
        f"CREATE TABLE {MONTH_PARTITION} PARTITION OF events "
        "FOR VALUES FROM ('2001-01-01 00:00:00+00') TO ('2001-02-01 00:00:00+00')"
    )
    insert_events(plate_number="MONTH1", captured_at=dt.datetime(2001, 1, 15, tzinfo=dt.UTC))
    insert_events(plate_number="STRAY1", captured_at=dt.datetime(1999, 6, 1, tzinfo=dt.UTC))
    _execute(
        "INSERT INTO audit_log (actor_id, action, object_type, object_id) VALUES (NULL, 'test', 'test', '1')"
    )
    counts = _counts()
    assert counts == {"events": 2, MONTH_PARTITION: 1, "events_default": 1, "audit_log": 1}
    return counts


def _granted(role: str) -> dict[str, set[str]]:
    rows = _execute(
        "SELECT c.relname, a.privilege_type FROM pg_class AS c, aclexplode(c.relacl) AS a "
        "WHERE a.grantee = %s::regrole AND c.relnamespace = current_schema()::regnamespace",
        params=[role],
    )
    granted: dict[str, set[str]] = {}
    for table, privilege in rows:
        granted.setdefault(table, set()).add(privilege)
    return granted


def test_migrate_granted_the_app_role_exactly_its_privileges_and_only_select_on_default_partitions():
    granted = _granted(TEST_APP_ROLE)
    tables = {
        name: privileges for name, privileges in granted.items() if not name.endswith(("_seq", "_default"))
    }

    assert tables["events"] == {"SELECT"}
    assert tables["audit_log"] == {"SELECT", "INSERT"}
    for table in ("watchlists", "watchlist_entries", "collectors"):
        assert tables[table] == {"SELECT", "INSERT", "UPDATE"}
    assert tables["django_session"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert tables["django_migrations"] == {"SELECT"}
    assert tables == {table: set(privileges) for table, privileges in role_privileges().items()}
    # The status page counts the rows waiting in DEFAULT: read-only, and nothing on any month partition.
    assert granted["events_default"] == granted["audit_log_default"] == {"SELECT"}
    assert not any("TRUNCATE" in privileges for privileges in granted.values())
    assert granted["audit_log_id_seq"] == {"USAGE"}
    assert "events_id_seq" not in granted


@pytest.mark.parametrize("statement", STATEMENTS)
@pytest.mark.parametrize("table", TARGETS)
def test_app_role_cannot_change_or_remove_rows_or_tables_even_with_the_maintenance_flag(
    platform_rows, table, statement
):
    sql = STATEMENTS[statement].format(table=table, column=_column(table))

    error = _refused(MAINTENANCE_ON, f"SET LOCAL ROLE {TEST_APP_ROLE}", sql)

    assert _sqlstate(error) == INSUFFICIENT_PRIVILEGE, error
    assert _counts() == platform_rows


def test_app_role_reads_months_through_the_parent_only_and_may_count_default(platform_rows):
    with transaction.atomic():
        _execute(f"SET LOCAL ROLE {TEST_APP_ROLE}")
        assert _execute("SELECT plate_number FROM events ORDER BY 1") == [("MONTH1",), ("STRAY1",)]
        assert _execute("SELECT count(*) FROM events_default") == [(1,)]
        transaction.set_rollback(True)

    error = _refused(f"SET LOCAL ROLE {TEST_APP_ROLE}", f"SELECT count(*) FROM {MONTH_PARTITION}")
    assert "permission denied" in str(error)


def test_app_role_appends_to_the_audit_log():
    with transaction.atomic():
        _execute(
            f"SET LOCAL ROLE {TEST_APP_ROLE}",
            "INSERT INTO audit_log (actor_id, action, object_type, object_id) VALUES (NULL, 'x', 'x', '1')",
        )
    assert _execute("SELECT count(*) FROM audit_log WHERE action = 'x'") == [(1,)]


# A month made here by PARTITION OF has the parent's row trigger but no TRUNCATE trigger of its own (statement
# triggers are not cloned); the parent's TRUNCATE trigger and the DEFAULT partitions' come with the migration.
OWNER_REFUSED = [
    (table, statement)
    for table in TARGETS
    for statement in ("update", "delete", "truncate")
    if (table, statement) != (MONTH_PARTITION, "truncate")
]


@pytest.mark.parametrize(("table", "statement"), OWNER_REFUSED)
def test_owner_without_the_flag_is_refused_by_the_write_once_trigger(platform_rows, table, statement):
    sql = STATEMENTS[statement].format(table=table, column=_column(table))

    error = _refused(sql)

    assert "write-once" in str(error)
    assert _counts() == platform_rows


def test_a_role_granted_delete_is_still_refused_with_the_flag_unless_it_owns_the_table(platform_rows):
    # Granted by hand inside this test's transaction: the trigger, not the missing privilege, refuses.
    _execute(f"GRANT DELETE, UPDATE, TRUNCATE ON events, audit_log TO {TEST_APP_ROLE}")
    for sql in (
        "DELETE FROM events",
        "UPDATE audit_log SET action = 'x'",
        "TRUNCATE events",
        "TRUNCATE audit_log",
    ):
        error = _refused(MAINTENANCE_ON, f"SET LOCAL ROLE {TEST_APP_ROLE}", sql)
        assert "write-once" in str(error), sql
    assert _counts() == platform_rows


def test_owner_with_the_flag_may_move_rows_as_the_engine_does(platform_rows):
    with transaction.atomic():
        _execute(MAINTENANCE_ON, "DELETE FROM events_default", "DELETE FROM audit_log")
        assert _counts()["events_default"] == 0
        transaction.set_rollback(True)


def test_a_non_superuser_owner_passes_the_trigger_only_with_the_flag(platform_rows):
    owner = "chaverim_test_owner"
    app_role_create(connection.get_connection_params(), owner)
    _execute(f"ALTER TABLE events OWNER TO {owner}", f"ALTER TABLE events_default OWNER TO {owner}")

    error = _refused(f"SET LOCAL ROLE {owner}", "DELETE FROM events_default")
    assert "write-once" in str(error)

    with transaction.atomic():
        _execute(MAINTENANCE_ON, f"SET LOCAL ROLE {owner}", "DELETE FROM events_default")
        assert _execute("SELECT count(*) FROM events_default") == [(0,)]
        transaction.set_rollback(True)
    assert _counts() == platform_rows


def test_migrate_revokes_privileges_granted_by_hand():
    _execute(
        f"CREATE TABLE {MONTH_PARTITION} PARTITION OF events "
        "FOR VALUES FROM ('2001-01-01 00:00:00+00') TO ('2001-02-01 00:00:00+00')",
        f"GRANT DELETE ON events, watchlists, events_default TO {TEST_APP_ROLE}",
        f"GRANT SELECT ON {MONTH_PARTITION} TO {TEST_APP_ROLE}",
    )

    summary = db_grants_apply()

    assert summary.role == TEST_APP_ROLE
    assert f"public.{MONTH_PARTITION}" in summary.revoked
    granted = _granted(TEST_APP_ROLE)
    assert granted["events"] == granted["events_default"] == {"SELECT"}
    assert granted["watchlists"] == {"SELECT", "INSERT", "UPDATE"}
    assert MONTH_PARTITION not in granted


def test_ingest_role_may_only_add_and_read_events(settings):
    settings.DB_INGEST_ROLE = "chaverim_test_ingest"
    app_role_create(connection.get_connection_params(), settings.DB_INGEST_ROLE)
    _execute(f"GRANT DELETE ON events, events_default TO {settings.DB_INGEST_ROLE}")

    db_grants_apply(kind=db_roles.INGEST)

    granted = _granted(settings.DB_INGEST_ROLE)
    assert granted == {"events": {"SELECT", "INSERT"}, "events_id_seq": {"USAGE"}}
    with transaction.atomic():
        _execute(f"SET LOCAL ROLE {settings.DB_INGEST_ROLE}")
        insert_events(plate_number="INGEST1")
        transaction.set_rollback(True)


def test_migrate_stops_with_one_line_naming_a_role_that_does_not_exist():
    result = manage("migrate", "--noinput", DB_APP_ROLE="chaverim_no_such_role")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # Start-up log lines (INFO) may come first; the error is one line.
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: DB_APP_ROLE: role 'chaverim_no_such_role' does not exist; "
        "create it first (README, Database roles)"
    )


def test_migrate_refuses_the_connecting_role_as_the_app_role(settings):
    settings.DB_APP_ROLE = connection.settings_dict["USER"]
    with pytest.raises(CommandError, match="the role migrate connects as"):
        call_command("migrate", verbosity=0)


def test_status_warns_when_the_web_connects_as_a_superuser():
    status = database_role_status()

    assert status.is_superuser
    assert status.state == "warning"
    assert "a superuser" in status.problems[0]


def test_status_is_ok_as_the_app_role():
    with transaction.atomic():
        _execute(f"SET LOCAL ROLE {TEST_APP_ROLE}")
        status = database_role_status()
        transaction.set_rollback(True)

    assert (status.name, status.is_superuser, status.owned_tables, status.state) == (
        TEST_APP_ROLE,
        False,
        (),
        "ok",
    )


def test_readyz_reports_the_web_role_as_one_short_state():
    response = Client().get("/readyz")

    assert response.json()["database_role"] == "ok"


def test_owner_work_as_the_app_role_fails_with_one_sentence():
    database_owner_require(tables=["events", "audit_log"], purpose="partitions rotate")
    with transaction.atomic():
        _execute(f"SET LOCAL ROLE {TEST_APP_ROLE}")
        with pytest.raises(OwnerRoleRequiredError) as refused:
            database_owner_require(tables=["events", "audit_log"], purpose="partitions rotate")
        transaction.set_rollback(True)

    assert str(refused.value) == (
        f"partitions rotate needs the owner role: {TEST_APP_ROLE} does not own audit_log, events "
        "(run it with the owner's DATABASE_URL)"
    )


def test_a_refused_statement_is_logged_with_its_table_and_privilege(caplog):
    with caplog.at_level(logging.ERROR, logger="core.db_roles"):
        _refused(f"SET LOCAL ROLE {TEST_APP_ROLE}", "DELETE FROM watchlists")

    assert "database refused DELETE: permission denied for table watchlists" in caplog.messages


def test_a_missing_grant_fails_the_page_plainly_and_is_logged_with_table_and_privilege(caplog):
    # What the suite relies on: web requests run as the app role, so a page lacking a grant fails its test.
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    _execute(f"REVOKE SELECT ON collectors FROM {TEST_APP_ROLE}")

    with caplog.at_level(logging.ERROR, logger="core.db_roles"):
        response = client.get("/collectors/")

    assert response.status_code in (500, 503)
    assert b"permission denied" not in response.content
    assert "database refused SELECT: permission denied for table collectors" in caplog.messages


def test_deploy_check_warns_only_when_the_app_role_is_unset(settings):
    settings.DB_APP_ROLE = ""
    assert [message.id for message in check_app_role_configured()] == ["chaverim.W010"]
    settings.DB_APP_ROLE = TEST_APP_ROLE
    assert check_app_role_configured() == []


@pytest.mark.django_db(transaction=True)
def test_live_server_requests_run_as_the_app_role_too(live_server):
    try:
        with urllib.request.urlopen(f"{live_server.url}/readyz", timeout=10) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:  # 503 if another check is down: the body still names each state
        body = exc.read()

    assert json.loads(body)["database_role"] == "ok"


@pytest.mark.parametrize("value", ("Chaverim", "app-role", "1app", "app; DROP ROLE x", "a" * 64))
def test_a_role_name_that_is_not_a_plain_identifier_stops_start_up_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("DB_APP_ROLE", value)
    with pytest.raises(ImproperlyConfigured, match=r"^DB_APP_ROLE: must be a role name"):
        env_role("DB_APP_ROLE")


def test_an_unset_role_reads_as_empty(monkeypatch):
    monkeypatch.delenv("DB_INGEST_ROLE", raising=False)
    assert env_role("DB_INGEST_ROLE") == ""
