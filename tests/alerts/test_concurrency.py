"""alert_acknowledge under a real race: two users on their own connections, at the same moment."""

import threading

import pytest

from alerts.errors import AlertConflictError
from alerts.models import Alert
from alerts.services import Acknowledged, alert_acknowledge
from core.models import AuditLog
from tests.factories import UserFactory, WatchlistEntryFactory, insert_alerts
from tests.support.threads import THREAD_TIMEOUT, run_in_threads

pytestmark = pytest.mark.usefixtures("clean_platform_tables")


def test_two_users_acknowledging_at_once_exactly_one_wins():
    (key,) = insert_alerts(entry=WatchlistEntryFactory(plate_number="RACE1"))
    users = UserFactory.create_batch(2, groups=["Watchlist editors"])
    both_loaded = threading.Barrier(2, timeout=THREAD_TIMEOUT)

    def acknowledge(user):
        def click():
            seen = Alert.objects.get(id=key[0], created_at=key[1])
            both_loaded.wait()
            return alert_acknowledge(
                alert_id=seen.id,
                created_at=seen.created_at,
                seen_status=seen.status,
                seen_processed_at=seen.processed_at,
                actor=user,
            )

        return click

    results = run_in_threads(*(acknowledge(user) for user in users), returned=(AlertConflictError,))

    winners = [result for result in results if isinstance(result, Acknowledged)]
    losers = [result for result in results if isinstance(result, AlertConflictError)]
    assert (len(winners), len(losers)) == (1, 1)
    assert losers[0].current.status == "acknowledged"
    assert losers[0].current.processed_at == winners[0].processed_at
    (row,) = AuditLog.objects.filter(action="alert.acknowledge")
    assert row.actor_id == users[results.index(winners[0])].pk
