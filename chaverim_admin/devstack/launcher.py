"""Start the embedded servers, migrate, seed, then run web, worker and beat until Ctrl-C stops them all."""

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from chaverim_admin.devstack import paths
from chaverim_admin.devstack.postgres import EmbeddedPostgres
from chaverim_admin.devstack.shared import DevstackError
from chaverim_admin.devstack.valkey import EmbeddedValkey

DEFAULT_DEMO_PASSWORD = "chaverim-demo"  # noqa: S105 (local demo only; DEMO_PASSWORD overrides)
STOP_GRACE_SECONDS = 15


def _say(message: str) -> None:
    print(f"[make run] {message}", flush=True)


def _secret_key(devdata: Path) -> str:
    """Return a key kept in .devdata so sessions survive restarts, made on first use."""
    key_file = devdata / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _environment(devdata: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "chaverim_admin.settings")
    env.setdefault("DEBUG", "false")
    env.setdefault("SECRET_KEY", _secret_key(devdata))
    # Plain HTTP on the loopback address: no HTTPS redirect, cookies not marked Secure.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        env.setdefault(name, "false")
    env.setdefault("SECURE_HSTS_SECONDS", "0")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _role_environments(env: dict[str, str], embedded: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Return the environments of the owner's processes and of the web (README, Database roles)."""
    if not embedded:
        _say("DATABASE_URL is set: every process connects with it (README, Database roles)")
        return env, env
    owner = {**env, "DATABASE_URL": paths.database_url(paths.OWNER_ROLE), "DB_APP_ROLE": paths.APP_ROLE}
    web = {**owner, "DATABASE_URL": paths.database_url(paths.APP_ROLE)}
    _say(
        f"database roles: migrate, maintenance, worker and beat connect as {paths.OWNER_ROLE} (owns every "
        f"table); the web as {paths.APP_ROLE} (no superuser, owns nothing, no DELETE or TRUNCATE on events)"
    )
    return owner, web


def _web_role_check(port: str) -> str:
    """Return what the web's /readyz says about its database role (`ok` or `warning`)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:  # 503 while another check is not ready: the body still says
        body = exc.read()
    except OSError:
        return "unknown"
    try:
        return str(json.loads(body).get("database_role", "unknown"))
    except (ValueError, AttributeError):
        return "unknown"


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=paths.BASE_DIR, check=True)


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop


def main(argv: list[str]) -> int:
    if argv not in ([], ["run"]):
        print("usage: python -m chaverim_admin.devstack run", file=sys.stderr)
        return 2
    started = time.monotonic()
    devdata = paths.devdata_dir()
    devdata.mkdir(mode=0o700, parents=True, exist_ok=True)
    servers = []
    children: list[tuple[str, subprocess.Popen]] = []
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    embedded = not os.environ.get("DATABASE_URL")
    try:
        if embedded:
            _say(f"starting embedded PostgreSQL ({paths.postgres_data_dir()})")
            servers.append(EmbeddedPostgres())
            servers[-1].acquire()
            servers[-1].roles_ensure()
        if not os.environ.get("REDIS_URL"):
            _say(f"starting embedded Valkey ({paths.valkey_socket()})")
            servers.append(EmbeddedValkey())
            servers[-1].acquire()
        env = _environment(devdata)
        if not env.get("DEMO_PASSWORD"):
            env["DEMO_PASSWORD"] = DEFAULT_DEMO_PASSWORD
        owner_env, web_env = _role_environments(env, embedded)
        _say("applying migrations (and the web role's grants)")
        _manage(owner_env, "migrate", "--noinput", "--verbosity", "0")
        _say("loading demo data (first run only)")
        _manage(owner_env, "seed_demo")
        _say("running partition maintenance")
        _manage(owner_env, "partitions", "rotate")
        port = env.get("PORT", "8000")
        commands = {
            "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--insecure"],
            "worker": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "chaverim_admin",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                "devstack@%h",
            ],
            "beat": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "chaverim_admin",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(devdata / "celerybeat-schedule"),
                "--pidfile",
                "",
            ],
        }
        for name, command in commands.items():
            # Each child leads its own process group, so that stopping it stops its own children too.
            child_env = web_env if name == "web" else owner_env
            children.append(
                (name, subprocess.Popen(command, env=child_env, cwd=paths.BASE_DIR, start_new_session=True))
            )
        _wait_for_web(port, children)
        _say(f"ready in {time.monotonic() - started:.1f} s: http://127.0.0.1:{port}/")
        _say(f"the web's database role check: {_web_role_check(port)}")
        password_note = "" if os.environ.get("DEMO_PASSWORD") else " (default; set DEMO_PASSWORD to change)"
        _say(f"log in as admin, ops, editor or sites with password {env['DEMO_PASSWORD']!r}{password_note}")
        _say("Ctrl-C stops everything")
        while True:
            for name, child in children:
                if child.poll() is not None:
                    _say(f"{name} exited with status {child.returncode}; stopping everything")
                    return 1
            time.sleep(0.5)
    except _Stop:
        _say("stopping")
        return 0
    except (DevstackError, subprocess.CalledProcessError) as exc:
        _say(f"failed: {exc}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop_children(children)
        for server in reversed(servers):
            server.release()
        _say("stopped")


def _wait_for_web(port: str, children: list[tuple[str, subprocess.Popen]], timeout: float = 60) -> None:
    """Return once the web server answers /healthz, so that "ready" means ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            if any(child.poll() is not None for _name, child in children):
                return  # the main loop reports which one stopped
            time.sleep(0.2)


def _stop_children(children: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for _name, child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        # Whatever the child left in its group (the autoreloader's server, pool processes) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
