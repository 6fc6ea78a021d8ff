"""How the replica's lag is put into words, and when a page says it (core/replica.py)."""

import pytest

from core.replica import REPLICA_DB_ALIAS, ReplicaStatus, duration_text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 second"), (1, "1 second"), (12.4, "12 seconds"), (89, "89 seconds"), (90, "2 minutes"),
     (150, "2 minutes"), (5399, "90 minutes"), (5400, "2 hours")],
)  # fmt: skip
def test_a_lag_is_said_in_the_largest_unit_that_reads_naturally(seconds, text):
    assert duration_text(seconds) == text


def test_a_page_mentions_the_lag_only_past_the_notice_threshold_and_only_on_the_replica(settings):
    settings.DATABASE_REPLICA_LAG_NOTICE = 5.0

    assert ReplicaStatus(alias=REPLICA_DB_ALIAS, lag_seconds=5.0).lag_notice is None
    assert ReplicaStatus(alias=REPLICA_DB_ALIAS, lag_seconds=12).lag_notice.startswith(
        "The read replica is 12 seconds behind the primary"
    )
    assert ReplicaStatus(alias="default", lag_seconds=60, error="unreachable").lag_notice is None
