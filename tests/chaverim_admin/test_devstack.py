"""The embedded servers stay private: nothing widens the checkout's permissions, no other user gets in."""

import os
import pwd
import stat
import subprocess

import pytest

from chaverim_admin.devstack import paths, servers


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


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
    servers.EmbeddedPostgres().acquire()
    servers.EmbeddedValkey().acquire()
    assert {folder: _mode(folder) for folder in folders} == before


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can try connecting as another local user")
def test_another_local_user_cannot_connect_to_the_database():
    nobody = pwd.getpwnam("nobody")
    psql = servers.EmbeddedPostgres().bin_dir / "psql"
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
