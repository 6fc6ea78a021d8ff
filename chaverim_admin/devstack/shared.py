"""Share one embedded server among every local process using .devdata: a lock file and a holders list."""

import abc
import contextlib
import fcntl
import json
import os
import pwd
from pathlib import Path

from . import paths


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


def alive(pid: int) -> bool:
    """Tell whether process `pid` exists (it may belong to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_private_dir(path: Path, owner: pwd.struct_passwd | None = None, mode: int = 0o700) -> None:
    """Create `path` if needed, give it to `owner` (when given) and set its mode."""
    path.mkdir(parents=True, exist_ok=True)
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    path.chmod(mode)


class Holders:
    """The processes using a server, kept on disk so the last one out stops it."""

    def __init__(self, path: Path):
        self.path = path

    def _read(self) -> list[int]:
        try:
            pids = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return []
        return [pid for pid in pids if alive(pid)]

    def add(self, pid: int) -> None:
        self.path.write_text(json.dumps(sorted({*self._read(), pid})))

    def remove(self, pid: int) -> list[int]:
        remaining = [p for p in self._read() if p != pid]
        self.path.write_text(json.dumps(remaining))
        return remaining


class SharedServer(abc.ABC):
    """A server started by the first process that needs it and stopped by the last one to let go."""

    def __init__(self, name: str):
        # `name` names the lock file and holders list in .devdata: pg.lock, pg.holders.json.
        self.lock_path = paths.devdata_dir() / f"{name}.lock"
        self.holders = Holders(paths.devdata_dir() / f"{name}.holders.json")

    @abc.abstractmethod
    def is_running(self) -> bool:
        """Tell whether the server is up and answering on its socket."""

    @abc.abstractmethod
    def _start(self) -> None:
        """Start the server (called under the lock, only when it is not running)."""

    @abc.abstractmethod
    def _stop(self) -> None:
        """Stop the server if it runs (called under the lock, by the last holder)."""

    def acquire(self) -> bool:
        """Start the server unless it runs already; return whether this call started it."""
        with _locked(self.lock_path):
            started = False
            if not self.is_running():
                self._start()
                started = True
            self.holders.add(os.getpid())
            return started

    def release(self) -> None:
        """Stop the server when the last process that used it lets go."""
        with _locked(self.lock_path):
            if self.holders.remove(os.getpid()):
                return
            self._stop()
