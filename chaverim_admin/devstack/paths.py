"""Where the embedded servers keep their data and sockets; computing these starts nothing."""

import hashlib
import os
import stat
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
DATABASE_NAME = "chaverim"
DATABASE_USER = "postgres"
# `make run` connects as these (README, Database roles): the owner runs migrate, maintenance, worker and beat;
# the web runs as the app role, which owns nothing. The tests connect as DATABASE_USER.
OWNER_ROLE = "chaverim_owner"
APP_ROLE = "chaverim_app"
# A unix socket path longer than this cannot be bound (sun_path is 108 bytes with its NUL).
_MAX_SOCKET_PATH = 100


def devdata_dir() -> Path:
    return Path(os.environ.get("DEVDATA_DIR") or BASE_DIR / ".devdata").resolve()


def _short_hash(path: Path) -> str:
    return hashlib.sha256(str(path).encode()).hexdigest()[:10]


def running_as_root() -> bool:
    return os.geteuid() == 0


def reachable_by_others(path: Path) -> bool:
    """Tell whether an unprivileged user can traverse every folder down to `path`."""
    for folder in [path, *path.parents]:
        if folder.exists() and not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def postgres_data_dir() -> Path:
    """Return PGDATA: under .devdata, or, as root where the server's own user cannot reach it, /var/lib."""
    default = devdata_dir() / "pg"
    if running_as_root() and not reachable_by_others(devdata_dir().parent):
        return Path("/var/lib/chaverim-admin") / _short_hash(default) / "pg"
    return default


def socket_dir(name: str, data_dir: Path, socket_file: str) -> Path:
    if len(str(data_dir / socket_file)) <= _MAX_SOCKET_PATH:
        return data_dir
    return Path("/tmp") / f"chaverim-{name}-{_short_hash(data_dir)}"  # noqa: S108 (private 0700 folder)


def postgres_socket_dir() -> Path:
    return socket_dir("pg", postgres_data_dir(), ".s.PGSQL.5432")


def valkey_data_dir() -> Path:
    return devdata_dir() / "valkey"


def valkey_socket() -> Path:
    return socket_dir("valkey", valkey_data_dir(), "valkey.sock") / "valkey.sock"


def default_database() -> dict:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": DATABASE_USER,
        "PASSWORD": "",
        "HOST": str(postgres_socket_dir()),
        "PORT": "5432",
    }


def database_url(role: str) -> str:
    """Return a DATABASE_URL for the embedded server's private socket as `role` (no password needed)."""
    return f"postgres://{role}@/{DATABASE_NAME}?host={postgres_socket_dir()}"


def default_redis_url() -> str:
    return f"redis+socket://{valkey_socket()}"
