"""The browser harness itself: the system Chromium or a clear failure, never a silent skip."""

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

ROOT = Path(__file__).resolve().parents[2]


def _pytest(*args: str, cwd: Path, db_suffix: str, **env: str) -> subprocess.CompletedProcess:
    """Run pytest in a child process with a test database of its own (this session's is in use)."""
    env = {
        **os.environ,
        "TEST_DB_SUFFIX": f"{os.environ.get('TEST_DB_SUFFIX', 'main')}_{db_suffix}",
        **env,
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(ROOT)]
    command += ["-c", str(ROOT / "pyproject.toml"), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_chromium_path_honours_chromium_path_and_refuses_a_missing_binary(monkeypatch):
    monkeypatch.setenv("CHROMIUM_PATH", "/nonexistent/chromium")

    assert chromium_path() is None


def test_background_traffic_is_switched_off(browser_type_launch_args):
    for switch in ("--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert switch in CHROMIUM_ARGS
    assert browser_type_launch_args["args"] == CHROMIUM_ARGS


def test_the_system_chromium_is_launched_not_a_downloaded_one(browser_type_launch_args):
    assert browser_type_launch_args["executable_path"] == chromium_path()


def test_browser_tests_fail_with_install_advice_when_chromium_is_missing(tmp_path):
    result = _pytest(
        str(ROOT / "tests/e2e/test_login.py::test_wrong_password_shows_an_error_and_stays_logged_out"),
        cwd=tmp_path,
        db_suffix="nochromium",
        CHROMIUM_PATH="/nonexistent/chromium",
    )

    assert result.returncode == 1, result.stdout[-2000:]
    assert "apt-get install chromium" in result.stdout
    # pytest.fail in the launch-args fixture: reported as an error in set-up, and the run exits non-zero.
    assert "1 error" in result.stdout
    assert "skipped" not in result.stdout
    assert "passed" not in result.stdout


def test_a_failed_browser_test_leaves_a_screenshot_and_a_trace_under_test_results(tmp_path):
    # Run from an empty folder: pytest-playwright empties test-results/ at the start of a session.
    result = _pytest(str(ROOT / "tests/e2e/failing_on_purpose.py"), cwd=tmp_path, db_suffix="failing")

    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout
    results = tmp_path / "test-results"
    assert [path.name for path in results.glob("*/*.png")] == ["test-failed-1.png"]
    assert [path.name for path in results.glob("*/*.zip")] == ["trace.zip"]
