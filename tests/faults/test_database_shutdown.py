"""A smart shutdown of PostgreSQL completes while the web runs, and /readyz says the database is going away.

A smart shutdown (SIGTERM to the postmaster) refuses new sessions and waits for every open one to end; a
pool that kept its idle connections forever would hold it up for good, while answering ready through them.
"""

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from django.conf import settings

from chaverim_admin.devstack import paths
from chaverim_admin.devstack.postgres import EmbeddedPostgres
from tests.faults.conftest import http, start_web_server, stop_web_server
from tests.support.waiting import wait_until

POOL_MAX_IDLE_SECONDS = 2
VAR_LIB = Path("/var/lib/chaverim-admin")


@pytest.fixture
def private_postgres(tmp_path_factory, monkeypatch):
    """A PostgreSQL server of this test's own, which it may shut down."""
    monkeypatch.setenv("DEVDATA_DIR", str(tmp_path_factory.mktemp("shutdown")))
    server = EmbeddedPostgres()
    server.acquire()
    yield server
    server.release()
    # As root, the data folder lives under /var/lib (out of the temporary folder's reach): remove it.
    shutil.rmtree(server.data_dir.parent if server.data_dir.parent.parent == VAR_LIB else server.data_dir)


def _postmaster_pid(server: EmbeddedPostgres) -> int:
    return int((server.data_dir / "postmaster.pid").read_text().splitlines()[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_smart_shutdown_completes_and_readiness_fails_meanwhile(private_postgres):
    database_url = (
        f"postgres://{paths.DATABASE_USER}@/{paths.DATABASE_NAME}?host={private_postgres.socket_dir}"
    )
    process, base = start_web_server(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            "DB_POOL_SIZE": "2",
            "DB_POOL_MAX_IDLE": f"{POOL_MAX_IDLE_SECONDS}s",
        }
    )
    try:
        # The readiness checks after the database's own borrow pooled connections, which stay open.
        before = json.loads(http(base + "/readyz").body)
        postmaster = _postmaster_pid(private_postgres)

        os.kill(postmaster, signal.SIGTERM)  # smart shutdown
        during = http(base + "/readyz")
        stopped = wait_until(
            lambda: not _alive(postmaster),
            timeout=POOL_MAX_IDLE_SECONDS + 20,
            interval=0.2,
            what="the smart shutdown to complete",
        )
    finally:
        stop_web_server(process)

    assert before["database"] == "ok"
    assert during.status == 503
    assert json.loads(during.body)["database"] == "failed"
    assert stopped
