"""The executor logs one structured line per action it carries out."""

import logging

import pytest
from django.utils import timezone

from partitions.models import MaintenanceRun
from partitions.planner import month_index, partition_name
from partitions.services import partitions_apply

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(None, tick=False)]


def test_each_action_logs_one_structured_line_with_its_run_and_result(caplog):
    current = month_index(timezone.now())
    with caplog.at_level(logging.INFO, logger="partitions.actions"):
        run = partitions_apply(trigger=MaintenanceRun.Trigger.CLI, table="events")

    events = [record.msg for record in caplog.records if record.name == "partitions.actions"]
    assert len(events) == len(run.actions) == 4
    first = events[0]
    assert first["event"] == "partition_action"
    assert (first["run"], first["table"], first["action"]) == (run.pk, "events", "create")
    assert first["partition"] == partition_name("events", current)
    assert first["result"] == "success"
    assert first["error"] is None
    assert first["attempts"] == 1
    assert isinstance(first["seconds"], float)
