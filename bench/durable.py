"""A private, durable PostgreSQL server for the figures where durability is the cost being measured.

The embedded development server runs with fsync, synchronous_commit and full_page_writes off, which
flatters every write and hides the WAL's full-page images. This one is made with the same binaries
(initdb into a private folder under /tmp, a socket in it), keeps the defaults (all three on), and nothing
else writes to it, so the WAL position's movement is the measured work's own. It is removed afterwards.
"""

import os
import shutil
from contextlib import AbstractContextManager
from pathlib import Path

from chaverim_admin.devstack import paths
from chaverim_admin.devstack.postgres import EmbeddedPostgres
from chaverim_admin.devstack.shared import DevstackError, ensure_private_dir

DURABLE_OPTIONS = (
    "-c listen_addresses='' -c unix_socket_permissions=0700 -c fsync=on -c synchronous_commit=on "
    "-c full_page_writes=on -c shared_buffers=256MB -c max_wal_size=4GB -c max_connections=50 -c timezone=UTC"
)


class DurableServer(AbstractContextManager):
    """initdb, start, and on exit stop and remove a private server with fsync on."""

    def __init__(self):
        self.binaries = EmbeddedPostgres()  # starts nothing: its binaries, run as the server's own user
        self.data_dir = Path("/tmp") / f"chaverim-bench-durable-{os.getpid()}"  # noqa: S108 (0700)
        self.socket_dir = self.data_dir
        self.user = paths.DATABASE_USER

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        result = self.binaries._run(program, *args, timeout=timeout)
        if result.returncode != 0:
            raise DevstackError(f"{program} failed:\n{result.stdout}{result.stderr}")

    def __enter__(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)
        ensure_private_dir(self.data_dir, self.binaries.system_user)
        self._run(
            "initdb", "-D", str(self.data_dir), "--username", paths.DATABASE_USER, "--auth", "trust",
            "--encoding", "UTF8", "--no-locale", "--no-instructions",
        )  # fmt: skip
        options = f"{DURABLE_OPTIONS} -c unix_socket_directories='{self.socket_dir}'"
        log = str(self.data_dir / "server.log")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", log, "-o", options)
        return self

    def __exit__(self, *exc):
        self.binaries._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", timeout=120)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return False

    def conninfo(self, database: str) -> dict:
        return {"dbname": database, "host": str(self.socket_dir), "user": self.user}
