"""`make run` keeps the terminal calm: each start-up command's output goes to a log under the data folder, and
a failure names the command and shows the end of its log."""

import os
import sys

import pytest

from chaverim_admin.devstack.launcher import StepFailed, log_tail, logs_dir, run_step, shown_path


def test_a_step_writes_its_output_to_its_log_not_to_the_terminal(tmp_path, capfd):
    log = tmp_path / "setup.log"

    run_step(
        "migrate",
        [sys.executable, "-c", "print('chaverim.W002 looks alarming')"],
        env=dict(os.environ),
        log=log,
    )

    assert "chaverim.W002 looks alarming" in log.read_text()
    assert "=== migrate:" in log.read_text()
    assert "W002" not in capfd.readouterr().out


def test_a_failed_step_names_itself_and_its_log_whose_end_says_why(tmp_path):
    log = tmp_path / "setup.log"
    failing = [sys.executable, "-c", "import sys; print('first'); print('the reason'); sys.exit(3)"]

    with pytest.raises(StepFailed) as failed:
        run_step("demo data", failing, env=dict(os.environ), log=log)

    assert str(failed.value).startswith("demo data failed (exit status 3); the end of ")
    assert log_tail(failed.value.log, lines=1) == "the reason"


def test_the_logs_live_under_the_data_folder_and_are_shown_relative_to_the_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("DEVDATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)

    assert logs_dir() == (tmp_path / "data" / "logs").resolve()
    assert shown_path(logs_dir()) == "data/logs"
    assert shown_path(tmp_path.parent) == str(tmp_path.parent)
    assert log_tail(tmp_path / "missing.log") == ""
