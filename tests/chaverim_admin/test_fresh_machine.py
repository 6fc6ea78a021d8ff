"""`make test` sets up what the browser tests need: Chromium, installed when missing and possible."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.subprocesses import ROOT

SCRIPT = Path(ROOT) / ".ci" / "ensure-chromium"
BASH = "/bin/bash"


def _fake_bin(tmp_path: Path, *, uid: int, with_apt: bool = True, with_chromium: bool = False) -> Path:
    """A PATH of its own: `id` says who we are, apt-get records its calls and installs a fake Chromium."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {"id": f"#!{BASH}\necho {uid}\n"}
    if with_apt:
        scripts["apt-get"] = (
            f"#!{BASH}\n"
            f'echo "$*" >> {tmp_path}/apt-get.calls\n'
            f'if [ "$1" = install ]; then printf "#!{BASH}\\necho Chromium 1\\n" > {bin_dir}/chromium; '
            f"/bin/chmod +x {bin_dir}/chromium; fi\n"
        )
    if with_chromium:
        scripts["chromium"] = f"#!{BASH}\necho Chromium 1\n"
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return bin_dir


def _run(bin_dir: Path) -> subprocess.CompletedProcess:
    env = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/root")}
    return subprocess.run(
        [BASH, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_as_root_with_apt_a_missing_chromium_is_installed(tmp_path):
    bin_dir = _fake_bin(tmp_path, uid=0)

    result = _run(bin_dir)

    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "apt-get.calls").read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].startswith("install") and "chromium" in calls[1].split()
    assert (bin_dir / "chromium").exists()


@pytest.mark.parametrize(("uid", "with_apt"), [(1000, True), (0, False)])
def test_otherwise_a_missing_chromium_stops_with_one_line_of_advice(tmp_path, uid, with_apt):
    result = _run(_fake_bin(tmp_path, uid=uid, with_apt=with_apt))

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "apt-get install chromium" in result.stderr
    assert not (tmp_path / "apt-get.calls").exists()


def test_an_installed_chromium_is_left_alone(tmp_path):
    result = _run(_fake_bin(tmp_path, uid=0, with_chromium=True))

    assert result.returncode == 0
    assert not (tmp_path / "apt-get.calls").exists()


def test_make_test_and_ci_run_both_set_chromium_up_first():
    makefile = (Path(ROOT) / "Makefile").read_text()
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    ci_run = (Path(ROOT) / ".ci" / "run").read_text()

    assert test_recipe.index("ensure-chromium") < test_recipe.index("pytest")
    assert "ensure-chromium" in ci_run
    assert os.access(SCRIPT, os.X_OK)
