"""A real streaming replica of the embedded server, for the read-replica tests.

`ReplicaServer` takes a base backup of the running embedded server (`pg_basebackup -R`: standby.signal and
primary_conninfo), starts it on a private socket beside its data, and can stop and start it again. While the
Django alias `replica` is registered it points at this run's test database there, and web requests run their
statements on it as the app role, as they do on the primary.
"""

import copy
import os
import shutil
from pathlib import Path

import psycopg
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections

from chaverim_admin.devstack import paths
from chaverim_admin.devstack.postgres import EmbeddedPostgres
from chaverim_admin.devstack.shared import DevstackError, ensure_private_dir
from core.replica import REPLICA_DB_ALIAS, replica_down_forget
from tests.support import db_roles
from tests.support.waiting import wait_until

# The standby must allow at least as many connections as the primary (chaverim_admin/devstack/postgres.py).
STANDBY_OPTIONS = (
    "-c listen_addresses='' -c unix_socket_permissions=0700 -c fsync=off -c shared_buffers=64MB "
    "-c max_connections=200 -c timezone=UTC -c hot_standby=on -c hot_standby_feedback=on"
)


class ReplicaServer:
    """A hot standby made from the embedded server, in a private folder under /tmp."""

    def __init__(self, name: str):
        self.primary = EmbeddedPostgres()
        self.data_dir = Path("/tmp") / f"chaverim-replica-{name}"
        self.socket_dir = self.data_dir

    def create(self) -> None:
        """Take a fresh base backup of the primary into the data folder."""
        self.destroy()
        ensure_private_dir(self.data_dir, self.primary.system_user)
        result = self.primary._run(
            "pg_basebackup",
            *("-D", str(self.data_dir), "-h", str(self.primary.socket_dir), "-U", paths.DATABASE_USER),
            *("-X", "stream", "-R", "--checkpoint=fast", "--no-sync"),
            timeout=300,
        )
        if result.returncode != 0:
            raise DevstackError(f"pg_basebackup failed:\n{result.stdout}{result.stderr}")
        # The primary keeps its socket (and so the socket's lock file) in its data folder: not ours.
        for copied in (".s.PGSQL.5432.lock", "server.log"):
            (self.data_dir / copied).unlink(missing_ok=True)

    def start(self) -> None:
        options = f"{STANDBY_OPTIONS} -c unix_socket_directories='{self.socket_dir}'"
        log = self.data_dir / "server.log"
        result = self.primary._run(
            "pg_ctl", "start", "-w", "-t", "120", "-D", str(self.data_dir), "-l", str(log), "-o", options,
            timeout=150,
        )  # fmt: skip
        if result.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else ""
            raise DevstackError(f"the replica did not start:\n{result.stdout}{result.stderr}\n{tail}")

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self.primary._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", timeout=90)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def connect(self, dbname: str) -> psycopg.Connection:
        """Open an autocommit connection to `dbname` on the replica, as the superuser."""
        return psycopg.connect(
            dbname=dbname, host=str(self.socket_dir), user=paths.DATABASE_USER, autocommit=True
        )

    def replay_pause(self, dbname: str) -> None:
        """Stop replaying WAL, and wait until replay has stopped."""
        with self.connect(dbname) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
            wait_until(
                lambda: conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] == "paused",
                timeout=30,
                what="replay to pause",
            )

    def replay_resume(self, dbname: str) -> None:
        with self.connect(dbname) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def wait_replayed(self, dbname: str, lsn: str, *, received_only: bool = False) -> None:
        """Wait until the replica has replayed (or only received) the primary's WAL up to `lsn`."""
        function = "pg_last_wal_receive_lsn" if received_only else "pg_last_wal_replay_lsn"
        with self.connect(dbname) as conn:
            wait_until(
                lambda: conn.execute(f"SELECT {function}() >= %s::pg_lsn", [lsn]).fetchone()[0],
                timeout=60,
                what=f"the replica's {function} to reach {lsn}",
            )


def primary_wal_position() -> str:
    """Return where the primary's WAL ends now (past every transaction committed so far)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return cursor.fetchone()[0]


def replica_alias_register(server: ReplicaServer) -> None:
    """Point the Django alias `replica` at this run's test database on `server`."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict.update(HOST=str(server.socket_dir), PORT=settings_dict.get("PORT") or "5432")
    # A plain connection per request: a stopped replica then fails at once instead of after a pool timeout.
    settings_dict["OPTIONS"].pop("pool", None)
    settings_dict["OPTIONS"]["connect_timeout"] = 2
    settings_dict["CONN_HEALTH_CHECKS"] = False
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA_DB_ALIAS] = settings_dict
    replica_down_forget()


def replica_alias_unregister() -> None:
    replica = getattr(connections._connections, REPLICA_DB_ALIAS, None)
    if replica is not None:
        replica.close()
        delattr(connections._connections, REPLICA_DB_ALIAS)
    connections.settings.pop(REPLICA_DB_ALIAS, None)
    replica_down_forget()


class ReplicaRequestsAsRole(db_roles.WebRequestsAsRole):
    """Run each web request's statements on the replica as the app role too."""

    def __init__(self):
        super().__init__(using=REPLICA_DB_ALIAS)

    def connect(self) -> None:
        request_started.connect(self.started, dispatch_uid="tests.replica_as_app_role.started")
        # Before close_old_connections, as for the primary: a connection never outlives a request as the role.
        request_finished.disconnect(close_old_connections)
        request_finished.connect(self.finished, dispatch_uid="tests.replica_as_app_role.finished")
        request_finished.connect(close_old_connections)

    def disconnect(self) -> None:
        request_started.disconnect(dispatch_uid="tests.replica_as_app_role.started")
        request_finished.disconnect(dispatch_uid="tests.replica_as_app_role.finished")


def replica_name() -> str:
    """Name this run's replica after its test database suffix, so that parallel runs keep apart."""
    return os.environ.get("TEST_DB_SUFFIX") or str(os.getpid())
