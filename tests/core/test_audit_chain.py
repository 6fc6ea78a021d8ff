"""The audit log's hash chain: a database trigger links every row; `audit verify` checks it from outside."""

import datetime as dt
import itertools
import json
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from chaverim_admin.celery import AUDIT_VERIFICATION_ENTRY, app
from core.audit_chain import audit_chain_walk, canonical_text, chain_hash
from core.models import AuditLog, AuditVerification
from core.services import audit_log_write
from core.tasks import HARD_TIME_LIMIT, SOFT_TIME_LIMIT, verify_audit_chain
from tests.support.audit_chain import chain_restart
from tests.support.audit_chain import chain_verify as verify
from tests.support.db_roles import TEST_APP_ROLE
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db

THREADS, ROWS_PER_THREAD = 8, 50


@pytest.fixture(autouse=True)
def fresh_chain():
    """Start each test with an empty audit log and the head at position 0.

    In a test's transaction, this is rolled back with it; a transactional test empties the log again after
    (clean_platform_tables), so that no other test meets its rows.
    """
    chain_restart()


def write(n: int = 1, **details) -> None:
    for i in range(n):
        audit_log_write(actor_id=None, action="test.write", object_type="test", object_id=i, details=details)


def head() -> tuple[int, bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT position, hash FROM audit_chain_head ORDER BY position DESC LIMIT 1")
        position, hash_ = cursor.fetchone()
    return position, bytes(hash_)


def chain_rows() -> list[AuditLog]:
    return list(AuditLog.objects.order_by("chain_position"))


def tamper(*statements: str, params: list | None = None) -> None:
    """Change audit_log as a superuser would, with every trigger (write-once, chain) switched off."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in statements:
            cursor.execute(statement, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def position_of(object_id: str) -> int:
    return AuditLog.objects.get(object_id=object_id).chain_position


# --- the trigger ---------------------------------------------------------------------------------------


def test_each_row_gets_the_next_position_and_links_to_the_row_before():
    start, start_hash = head()
    write(3)

    rows = chain_rows()[-3:]

    assert [row.chain_position for row in rows] == [start + 1, start + 2, start + 3]
    assert bytes(rows[0].prev_hash) == start_hash
    assert bytes(rows[1].prev_hash) == bytes(rows[0].row_hash)
    assert bytes(rows[2].prev_hash) == bytes(rows[1].row_hash)
    assert head() == (start + 3, bytes(rows[2].row_hash))


def test_the_first_row_of_a_fresh_chain_links_to_32_zero_bytes():
    write()
    (row,) = chain_rows()
    assert (row.chain_position, bytes(row.prev_hash)) == (1, bytes(32))


def test_the_hash_is_sha256_of_the_documented_canonical_text_and_the_previous_hash():
    actor = uuid.uuid4()
    audit_log_write(
        actor_id=actor,
        action="test.canonical",
        object_type="t|y:p-e",
        object_id="ÄBC 12|3",
        details={"b": [1, 2.5, None], "a": "naïve — ünïcode | 7:x", "nested": {"z": True}},
    )
    row = AuditLog.objects.get(action="test.canonical")
    with connection.cursor() as cursor:
        cursor.execute("SELECT details::text FROM audit_log WHERE action = 'test.canonical'")
        details_text = cursor.fetchone()[0]
    pieces = [
        str(row.chain_position),
        str(row.id),
        row.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        str(actor),
        "test.canonical",
        "t|y:p-e",
        "ÄBC 12|3",
        details_text,
    ]

    assert canonical_text(pieces).startswith(f"chaverim-audit-v1|{len(pieces[0])}:{pieces[0]}|")
    assert chain_hash(pieces, bytes(row.prev_hash)) == bytes(row.row_hash)
    assert canonical_text([None, ""]) == "chaverim-audit-v1|-|0:"


def test_values_a_writer_sends_for_the_chain_columns_are_replaced():
    start, _ = head()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_log (action, object_type, object_id, chain_position, prev_hash, row_hash) "
            "VALUES ('test.forge', 't', '1', 999999, '\\x00'::bytea, '\\x00'::bytea)"
        )
    row = AuditLog.objects.get(action="test.forge")
    assert row.chain_position == start + 1
    assert len(bytes(row.row_hash)) == 32


def test_a_rolled_back_row_gives_its_position_back():
    start, start_hash = head()
    with pytest.raises(RuntimeError), transaction.atomic():
        write()
        raise RuntimeError("roll back")
    assert head() == (start, start_hash)

    write()
    assert chain_rows()[-1].chain_position == start + 1


def test_the_app_role_appends_chained_rows_but_cannot_touch_the_head_or_the_anchors():
    start, _ = head()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {TEST_APP_ROLE}")
        cursor.execute("INSERT INTO audit_log (action, object_type, object_id) VALUES ('test.app', 't', '1')")
        for statement in (
            "SELECT * FROM audit_chain_head",
            "INSERT INTO audit_chain_head (position, hash) VALUES (999, '\\x00')",
            "UPDATE audit_chain_lock SET xact = 0",
            "INSERT INTO audit_chain_anchor (position, hash, partition, range_start, range_end) "
            "VALUES (1, '\\x00', 'x', now(), now())",
            "INSERT INTO audit_chain_retired (position, prev_hash, row_hash, partition, range_start, "
            "range_end) VALUES (1, '\\x00', '\\x00', 'x', now(), now())",
        ):
            cursor.execute("SAVEPOINT refused")
            with pytest.raises(DatabaseError, match="permission denied"):
                cursor.execute(statement)
            cursor.execute("ROLLBACK TO SAVEPOINT refused")
        cursor.execute("RESET ROLE")
    assert AuditLog.objects.get(action="test.app").chain_position == start + 1


# --- audit verify --------------------------------------------------------------------------------------


def test_verify_prints_the_rows_checked_and_the_head_and_records_the_check():
    write(5, note="ok")
    position, hash_ = head()

    out, error = verify()

    assert error is None
    assert out.startswith("audit chain ok: ")
    assert f"head {position} {hash_.hex()}" in out
    check = AuditVerification.objects.get()
    assert (check.ok, check.trigger, check.head_position, check.head_hash) == (
        True,
        "cli",
        position,
        hash_.hex(),
    )
    assert check.rows == position - check.start_position >= 5


def test_verify_json_says_ok_with_the_head():
    write(2)
    out, error = verify("--json")
    report = json.loads(out)
    assert error is None
    assert report["ok"] is True
    assert report["problem"] is None
    assert report["head"] == {"position": head()[0], "hash": head()[1].hex()}


def test_editing_a_rows_details_fails_verification_naming_that_row():
    write(4)
    victim = chain_rows()[-3]
    tamper(
        "UPDATE audit_log SET details = '{\"object_id\": 2}' WHERE chain_position = %s",
        params=[victim.chain_position],
    )

    out, error = verify()

    assert error is not None and error.returncode == 1
    assert str(error) == (
        f"audit chain broken at position {victim.chain_position}: "
        f"the content of row id {victim.id} does not match its hash"
    )
    assert out == ""
    check = AuditVerification.objects.get()
    assert (check.ok, check.problem_position) == (False, victim.chain_position)


def test_deleting_a_row_fails_verification_naming_the_missing_position():
    write(4)
    victim = chain_rows()[-2].chain_position
    tamper("DELETE FROM audit_log WHERE chain_position = %s", params=[victim])

    _out, error = verify()

    assert error.returncode == 1
    assert f"position {victim}: is missing" in str(error)


def test_deleting_the_last_row_fails_verification_against_the_head():
    write(3)
    last = chain_rows()[-1].chain_position
    tamper("DELETE FROM audit_log WHERE chain_position = %s", params=[last])

    _out, error = verify()

    assert f"position {last}: is missing (the head is at {last})" in str(error)


def test_swapping_two_rows_content_fails_verification_naming_the_first():
    audit_log_write(actor_id=None, action="test.a", object_type="t", object_id="A", details={"who": "a"})
    audit_log_write(actor_id=None, action="test.b", object_type="t", object_id="B", details={"who": "b"})
    first, second = position_of("A"), position_of("B")
    tamper(
        "UPDATE audit_log AS x SET action = y.action, object_id = y.object_id, details = y.details "
        "FROM (SELECT chain_position, action, object_id, details FROM audit_log "
        "      WHERE chain_position IN (%s, %s)) AS y "
        "WHERE x.chain_position IN (%s, %s) AND y.chain_position <> x.chain_position",
        params=[first, second, first, second],
    )
    assert AuditLog.objects.get(chain_position=first).object_id == "B"

    out, error = verify("--json")

    report = json.loads(out)
    assert error.returncode == 1
    assert report["ok"] is False
    assert report["problem"]["position"] == first
    assert report["problem"]["kind"] == "content"


def test_a_row_whose_hash_was_recomputed_is_caught_by_the_next_rows_link():
    write(3)
    victim = chain_rows()[-2]
    tamper(
        "UPDATE audit_log SET details = '{}', row_hash = sha256(row_hash) WHERE chain_position = %s",
        params=[victim.chain_position],
    )
    _out, error = verify()
    # The edited row fails on its content; had its hash been recomputed right, the next link would.
    assert f"position {victim.chain_position}:" in str(error)


def test_a_forged_row_beyond_the_head_fails_verification():
    write(2)
    position, _ = head()
    tamper(
        "INSERT INTO audit_log (action, object_type, object_id, chain_position, prev_hash, row_hash) "
        "VALUES ('test.forged', 't', '1', %s, '\\x00', '\\x00')",
        params=[position + 1],
    )
    _out, error = verify()
    assert f"position {position + 1}: row id" in str(error)
    assert "beyond the head" in str(error)


def test_since_starts_at_that_position_and_checks_its_link_to_the_row_before():
    write(5)
    rows = chain_rows()[-5:]
    tamper(
        "UPDATE audit_log SET details = '{\"x\": 1}' WHERE chain_position = %s",
        params=[rows[1].chain_position],
    )

    _out, from_start = verify()
    out, after = verify("--since", str(rows[2].chain_position))
    _out, at = verify("--since", str(rows[1].chain_position))

    assert from_start is not None
    assert after is None
    assert f"after position {rows[1].chain_position}" in out
    assert f"position {rows[1].chain_position}:" in str(at)


@pytest.mark.parametrize("since", ["0", "-3", "abc", "1.5"])
def test_since_must_be_a_position(since):
    _out, error = verify("--since", since)
    assert error.returncode == 2


def test_the_walk_reads_in_batches_through_a_server_side_cursor():
    write(7)
    start, _ = head()
    report = audit_chain_walk(batch_size=2)
    assert report.ok
    assert report.head_position == start


def test_the_app_role_cannot_verify_and_is_told_why():
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {TEST_APP_ROLE}")
        _out, error = verify()
        cursor.execute("RESET ROLE")
    assert error.returncode == 1
    assert "owner role" in str(error)


# --- the daily task ------------------------------------------------------------------------------------


def test_the_task_records_a_beat_verification():
    write(2)
    result = verify_audit_chain()
    check = AuditVerification.objects.get()
    assert result == {
        "verification": check.pk,
        "ok": True,
        "rows": check.rows,
        "head_position": head()[0],
        "problem": "",
    }
    assert check.trigger == "beat"


def test_beat_runs_the_task_daily_under_the_brokers_visibility_timeout(settings):
    from celery.schedules import crontab

    entry = app.conf.beat_schedule[AUDIT_VERIFICATION_ENTRY]

    assert entry["task"] == "core.tasks.verify_audit_chain"
    assert entry["schedule"] == crontab.from_string(settings.AUDIT_VERIFY_CRON)
    assert SOFT_TIME_LIMIT < HARD_TIME_LIMIT < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert verify_audit_chain.acks_late


# --- concurrency ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_eight_threads_writing_fifty_rows_each_leave_one_chain_that_verifies(clean_platform_tables):
    def writer(thread: int):
        def run():
            for i in range(ROWS_PER_THREAD):
                audit_log_write(
                    actor_id=None,
                    action="test.thread",
                    object_type="thread",
                    object_id=thread,
                    details={"i": i},
                )

        return run

    run_in_threads(*(writer(thread) for thread in range(THREADS)), start_together=True)

    positions = list(AuditLog.objects.order_by("chain_position").values_list("chain_position", flat=True))
    assert positions == list(range(1, THREADS * ROWS_PER_THREAD + 1))
    with connection.cursor() as cursor:  # the head keeps the last writer's row and the one it built on
        cursor.execute("SELECT count(*) FROM audit_chain_head")
        assert cursor.fetchone()[0] == 2
    out, error = verify()
    assert error is None
    assert out.startswith(f"audit chain ok: {THREADS * ROWS_PER_THREAD} rows verified after position 0;")
    # The rows of different threads interleave: the chain serialized real concurrency.
    threads_in_order = list(AuditLog.objects.order_by("chain_position").values_list("object_id", flat=True))
    assert sum(1 for a, b in itertools.pairwise(threads_in_order) if a != b) > THREADS - 1


# --- a head kept elsewhere -----------------------------------------------------------------------------

REWRITE_FROM_POSITION_2 = """
DO $$
DECLARE
    r RECORD;
    prev BYTEA := (SELECT row_hash FROM audit_log WHERE chain_position = 1);
BEGIN
    UPDATE audit_log SET details = '{"rewritten": true}' WHERE chain_position = 2;
    FOR r IN SELECT * FROM audit_log WHERE chain_position >= 2 ORDER BY chain_position LOOP
        UPDATE audit_log
           SET prev_hash = prev,
               row_hash = sha256(convert_to(audit_chain_canonical(r.chain_position, r.id, r.occurred_at,
                   r.actor_id, r.action, r.object_type, r.object_id, r.details), 'UTF8') || prev)
         WHERE chain_position = r.chain_position
        RETURNING row_hash INTO prev;
    END LOOP;
    UPDATE audit_chain_head SET hash = prev WHERE position = (SELECT max(position) FROM audit_chain_head);
END $$
"""


def test_a_kept_head_still_in_the_chain_verifies():
    write(3)
    position, hash_ = head()
    kept = f"{position}:{hash_.hex()}"
    write(2)

    out, error = verify("--expect", kept)

    assert error is None
    assert out.startswith("audit chain ok: 5 rows verified")


def test_a_rewritten_chain_verifies_on_its_own_but_not_against_the_kept_head():
    write(4)
    position, hash_ = head()
    tamper(REWRITE_FROM_POSITION_2)

    _out, alone = verify()
    _out, error = verify("--expect", f"{position}:{hash_.hex()}")

    assert alone is None  # self-consistent: only the kept head shows the rewrite
    assert error.returncode == 1
    assert f"position {position}: holds " in str(error)
    assert "the chain was rewritten" in str(error)


def test_a_kept_head_beyond_the_chain_is_not_reached():
    write(2)
    _out, error = verify("--expect", f"9:{'ab' * 32}")
    assert error.returncode == 1
    assert "position 9: the kept head is outside the chain checked (after 0 up to 2)" in str(error)


@pytest.mark.parametrize("kept", ["12", "12:abc", f"x:{'ab' * 32}", f"12:{'ab' * 33}"])
def test_expect_must_be_a_position_and_a_hash(kept):
    _out, error = verify("--expect", kept)
    assert error.returncode == 2


def test_many_rows_in_one_statement_are_chained_in_order():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_log (action, object_type, object_id, details) "
            "SELECT 'test.bulk', 'bulk', n::text, jsonb_build_object('n', n) "
            "FROM generate_series(1, 3000) AS n"
        )
        # The head keeps the rows of the transaction at work only: earlier ones are dropped by the next.
        cursor.execute("SELECT count(*) FROM audit_chain_head")
        assert cursor.fetchone()[0] == 3001

    assert head()[0] == 3000
    out, error = verify()
    assert error is None
    assert out.startswith("audit chain ok: 3000 rows verified")


@pytest.mark.django_db(transaction=True)
def test_a_repeatable_read_writer_that_missed_a_commit_fails_instead_of_forking(clean_platform_tables):
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**params) as stale, psycopg.connect(**params, autocommit=True) as other:
        stale.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        stale.execute("SELECT count(*) FROM audit_log")  # the snapshot is taken here
        other.execute(
            "INSERT INTO audit_log (action, object_type, object_id) VALUES ('test.other', 't', '1')"
        )
        with pytest.raises(psycopg.errors.SerializationFailure):
            stale.execute(
                "INSERT INTO audit_log (action, object_type, object_id) VALUES ('test.rr', 't', '2')"
            )
        stale.rollback()

    _out, error = verify()
    assert error is None


def test_a_kept_head_at_the_anchor_or_since_position_is_checked_there():
    write(4)
    rows = chain_rows()
    second = rows[1]

    _out, good = verify("--since", "3", "--expect", f"2:{bytes(second.row_hash).hex()}")
    _out, bad = verify("--since", "3", "--expect", f"2:{'cd' * 32}")

    assert good is None
    assert "position 2: holds " in str(bad)
