"""Start the embedded servers, migrate, seed, then run web, worker and beat until Ctrl-C stops them all.

The terminal gets a few calm lines (what is starting, ready, the URL, the logins, where the logs are); every
command's own output goes to a log file under the data folder, shown when that command fails.
"""

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
LOG_TAIL_LINES = 20  # shown when a command fails
SETUP_LOG = "setup.log"  # migrate, demo data, maintenance and the system checks, one after the other


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
    # Logs for people reading a terminal; production's default is one JSON line per event.
    env.setdefault("LOG_FORMAT", "plain")
    return env


def _role_environments(env: dict[str, str], embedded: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Return the environments of the owner's processes and of the web (README, Database roles).

    Migrate, maintenance, worker and beat connect as the owner; the web as the app role, which owns nothing.
    """
    if not embedded:
        _say("DATABASE_URL is set: every process connects with it (README, Database roles)")
        return env, env
    owner = {**env, "DATABASE_URL": paths.database_url(paths.OWNER_ROLE), "DB_APP_ROLE": paths.APP_ROLE}
    web = {**owner, "DATABASE_URL": paths.database_url(paths.APP_ROLE)}
    return owner, web


def logs_dir() -> Path:
    """Return the folder of the servers' and commands' logs, under the data folder."""
    return paths.devdata_dir() / "logs"


def shown_path(path: Path) -> str:
    """Write a path relative to the current folder when it is inside it (.devdata/logs/web.log)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last lines of a log file (empty when there is none)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


class StepFailed(Exception):
    """A command of the start-up failed; its log says why."""

    def __init__(self, what: str, log: Path, returncode: int):
        super().__init__(f"{what} failed (exit status {returncode}); the end of {shown_path(log)}:")
        self.log = log


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


def run_step(what: str, command: list[str], *, env: dict[str, str], log: Path) -> None:
    """Run one start-up command with its output appended to `log`; raise StepFailed when it fails."""
    with open(log, "a") as output:
        output.write(f"\n=== {what}: {' '.join(command)}\n")
        output.flush()
        result = subprocess.run(
            command, env=env, cwd=paths.BASE_DIR, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode:
        raise StepFailed(what, log, result.returncode)


def _manage(what: str, env: dict[str, str], *args: str) -> None:
    run_step(what, [sys.executable, "manage.py", *args], env=env, log=logs_dir() / SETUP_LOG)


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
    logs = logs_dir()
    logs.mkdir(mode=0o700, exist_ok=True)
    (logs / SETUP_LOG).write_text("")  # each start writes its own logs
    servers = []
    children: list[tuple[str, subprocess.Popen]] = []
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    embedded = not os.environ.get("DATABASE_URL")
    try:
        if embedded:
            _say("starting PostgreSQL (embedded)")
            servers.append(EmbeddedPostgres())
            servers[-1].acquire()
            servers[-1].roles_ensure()
        if not os.environ.get("REDIS_URL"):
            _say("starting Valkey (embedded)")
            servers.append(EmbeddedValkey())
            servers[-1].acquire()
        env = _environment(devdata)
        if not env.get("DEMO_PASSWORD"):
            env["DEMO_PASSWORD"] = DEFAULT_DEMO_PASSWORD
        owner_env, web_env = _role_environments(env, embedded)
        _say("preparing the database: migrations, demo data (first start: about a minute), partitions")
        # The system checks run once the tables exist: before the first migrate they could only say that the
        # platform's tables are missing.
        _manage("migrate", owner_env, "migrate", "--noinput", "--skip-checks")
        _manage("demo data", owner_env, "seed_demo")
        _manage("partition maintenance", owner_env, "partitions", "rotate")
        _manage("system checks", owner_env, "check", "--database", "default")
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
        _say("starting the web server, the Celery worker and beat")
        for name, command in commands.items():
            # Each child leads its own process group, so that stopping it stops its own children too.
            child_env = web_env if name == "web" else owner_env
            with open(logs / f"{name}.log", "w") as output:
                child = subprocess.Popen(
                    command,
                    env=child_env,
                    cwd=paths.BASE_DIR,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            children.append((name, child))
        _wait_for_web(port, children)
        _say(f"ready in {time.monotonic() - started:.0f} s: http://127.0.0.1:{port}/")
        password_note = "" if os.environ.get("DEMO_PASSWORD") else " (set DEMO_PASSWORD to change it)"
        logins = "admin, ops, editor, sites, auditor, legal or legal2"
        _say(f"log in as {logins}, password {env['DEMO_PASSWORD']!r}{password_note}")
        role_check = _web_role_check(port)
        if role_check != "ok":
            _say(f"the web's database role check says {role_check!r}: see /readyz")
        _say(
            f"logs: {shown_path(logs)}/ (web.log, worker.log, beat.log, {SETUP_LOG}); Ctrl-C stops everything"
        )
        while True:
            for name, child in children:
                if child.poll() is not None:
                    _say(f"{name} exited with status {child.returncode}; stopping everything. Its log ends:")
                    print(log_tail(logs / f"{name}.log"), flush=True)
                    return 1
            time.sleep(0.5)
    except _Stop:
        _say("stopping")
        return 0
    except StepFailed as exc:
        _say(str(exc))
        print(log_tail(exc.log), flush=True)
        return 1
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
