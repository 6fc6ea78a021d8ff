"""The status page shows the audit hash chain's last verification (core records it; partitions shows it)."""

import pytest

from core.models import AuditVerification
from core.services import audit_chain_verify, audit_log_write
from tests.factories import UserFactory
from tests.support.audit_chain import chain_restart

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client):
    client.force_login(UserFactory(groups=["Operations"]))
    return client


def card(response) -> str:
    html = response.content.decode()
    return html[html.index('id="audit-chain"') : html.index("</section>", html.index('id="audit-chain"'))]


def test_a_chain_never_verified_says_so(ops_client):
    shown = card(ops_client.get("/partitions/"))
    assert "never been verified" in shown
    assert "audit verify" in shown


def test_the_last_verification_is_shown_with_its_head(ops_client):
    chain_restart()
    audit_log_write(actor_id=None, action="test", object_type="t", object_id=1)
    check, report = audit_chain_verify(trigger=AuditVerification.Trigger.BEAT)

    shown = card(ops_client.get("/partitions/"))

    assert "intact" in shown
    assert "Beat schedule" in shown
    assert f"{report.head_position} " in shown
    assert check.head_hash in shown  # in full, as the code's title


def test_a_broken_chain_shows_its_first_problem(ops_client):
    AuditVerification.objects.create(
        trigger=AuditVerification.Trigger.CLI,
        ok=False,
        rows=4,
        start_position=0,
        head_position=9,
        head_hash="ab" * 32,
        problem_position=5,
        problem="position 5: the content of row id 77 does not match its hash",
        seconds=0.1,
    )

    shown = card(ops_client.get("/partitions/"))

    assert "broken" in shown
    assert "position 5: the content of row id 77 does not match its hash" in shown
