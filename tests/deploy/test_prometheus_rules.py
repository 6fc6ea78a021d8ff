"""deploy/prometheus: the alert rules pass `promtool check rules`, and their unit tests `promtool test rules`.

promtool comes with Debian's `prometheus` package (`.ci/run` installs it); without it these tests fail.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
ALERTS = RULES_DIR / "alerts.yml"
ALERTS_TEST = RULES_DIR / "alerts_test.yml"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: `apt-get install prometheus` (Debian's package provides it; "
            ".ci/run installs it)",
            pytrace=False,
        )
    return path


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=RULES_DIR, capture_output=True, text=True, timeout=60, check=False)


def test_promtool_accepts_the_alert_rules(promtool):
    result = _run(promtool, "check", "rules", ALERTS.name)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_alert_rules_pass_their_promtool_unit_tests(promtool):
    result = _run(promtool, "test", "rules", ALERTS_TEST.name)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_severity_a_summary_and_a_runbook():
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]

    assert {rule["alert"] for rule in rules} >= {
        "ChaverimPartitionNextMonthMissing",
        "ChaverimPartitionDefaultNotEmpty",
        "ChaverimPartitionMaintenanceNotSuccessful",
        "ChaverimMaintenanceRunAbandoned",
        "ChaverimAuditChainBroken",
        "ChaverimAuditChainNotVerified",
    }
    for rule in rules:
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["runbook"].strip(), rule["alert"]
