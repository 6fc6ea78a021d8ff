"""The embedded servers stay private: nothing widens the checkout's permissions, no other user gets in."""

import os
import pwd
import stat
import subprocess
import sys

import pytest

from chaverim_admin.devstack import paths
from chaverim_admin.devstack.postgres import EmbeddedPostgres
from chaverim_admin.devstack.shared import SharedServer
from chaverim_admin.devstack.valkey import EmbeddedValkey


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class _RecordingServer(SharedServer):
    """A server that only records being started and stopped."""

    def __init__(self):
        super().__init__("recording")
        self.running = False
        self.calls = []

    def is_running(self) -> bool:
        return self.running

    def _start(self) -> None:
        self.calls.append("start")
        self.running = True

    def _stop(self) -> None:
        self.calls.append("stop")
        self.running = False


def test_the_first_holder_starts_a_shared_server_and_later_ones_join_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DEVDATA_DIR", str(tmp_path))
    server = _RecordingServer()

    assert server.acquire() is True
    assert server.acquire() is False
    assert server.calls == ["start"]
    assert server.holders.path == tmp_path / "recording.holders.json"


def test_a_shared_server_stops_only_when_its_last_holder_lets_go(tmp_path, monkeypatch):
    monkeypatch.setenv("DEVDATA_DIR", str(tmp_path))
    server = _RecordingServer()
    server.acquire()
    server.holders.add(os.getppid())  # another live process holding it

    server.release()
    assert server.calls == ["start"]

    server.holders.remove(os.getppid())
    server.acquire()
    server.release()
    assert server.calls == ["start", "stop"]


def test_holders_that_died_do_not_keep_a_shared_server_running(tmp_path, monkeypatch):
    monkeypatch.setenv("DEVDATA_DIR", str(tmp_path))
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()
    server = _RecordingServer()
    server.acquire()
    server.holders.add(finished.pid)

    server.release()
    assert server.calls == ["start", "stop"]


def test_postgres_listens_only_on_a_private_socket():
    socket = paths.postgres_socket_dir() / ".s.PGSQL.5432"
    assert socket.is_socket()
    assert _mode(socket) & 0o077 == 0
    assert _mode(paths.postgres_data_dir()) == 0o700


def test_valkey_listens_only_on_a_private_socket():
    socket = paths.valkey_socket()
    assert socket.is_socket()
    assert _mode(socket) & 0o077 == 0
    assert "port 0" in (paths.valkey_data_dir() / "valkey.conf").read_text().splitlines()


def test_starting_the_servers_again_leaves_the_checkout_permissions_alone():
    folders = [paths.BASE_DIR, *paths.BASE_DIR.parents]
    before = {folder: _mode(folder) for folder in folders}
    # This process holds the servers already (tests/conftest.py): acquire is idempotent, and releasing
    # here would stop them under the rest of the suite.
    EmbeddedPostgres().acquire()
    EmbeddedValkey().acquire()
    assert {folder: _mode(folder) for folder in folders} == before


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can try connecting as another local user")
def test_another_local_user_cannot_connect_to_the_database():
    nobody = pwd.getpwnam("nobody")
    psql = EmbeddedPostgres().bin_dir / "psql"
    result = subprocess.run(
        [
            str(psql),
            "-h",
            str(paths.postgres_socket_dir()),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            "SELECT 1",
        ],
        user=nobody.pw_uid,
        group=nobody.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
        check=False,
    )
    assert result.returncode != 0
    assert "Permission denied" in result.stderr or "No such file" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the server's own user exists only when running as root")
def test_a_data_folder_the_server_user_cannot_reach_moves_to_var_lib_not_opening_the_checkout(
    tmp_path, monkeypatch
):
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    monkeypatch.setenv("DEVDATA_DIR", str(private / "checkout" / ".devdata"))

    data_dir = paths.postgres_data_dir()

    assert data_dir.is_relative_to("/var/lib/chaverim-admin")
    assert _mode(private) == 0o700
