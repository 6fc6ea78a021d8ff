import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from core.checks import schema_drift
from events.models import Event, ReadOnlyModelError
from tests.factories import CollectorFactory, UserFactory, WatchlistEntryFactory, insert_events

pytestmark = pytest.mark.django_db


def test_unmanaged_models_match_the_live_tables():
    assert schema_drift(connection) == []


def test_drift_check_names_a_column_that_changed():
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE collectors ALTER COLUMN site_name TYPE VARCHAR(50)")
        cursor.execute("ALTER TABLE collectors ALTER COLUMN config DROP NOT NULL")
    problems = schema_drift(connection)
    assert any("collectors.site_name is character varying(50)" in p for p in problems)
    assert any("collectors.config is nullable" in p for p in problems)


def test_event_round_trips_with_its_id_and_plate():
    collector = CollectorFactory()
    captured_at = dt.datetime(2026, 11, 3, 12, 30, tzinfo=dt.UTC)
    [event_id] = insert_events(collector_id=collector.id, plate_number="XYZ987", captured_at=captured_at)
    event = Event.objects.select_related("collector").get(id=event_id, captured_at=captured_at)
    assert event.plate_number == "XYZ987"
    assert event.collector == collector
    assert event.pk == (event_id, captured_at)


def test_events_accept_inserts_but_refuse_update_and_delete():
    [event_id] = insert_events(plate_number="WORM1")
    for statement in (
        "UPDATE events SET plate_number = 'CHANGED' WHERE id = %s",
        "DELETE FROM events WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="write-once"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event_id])
    with connection.cursor() as cursor:
        cursor.execute("SELECT plate_number FROM events WHERE id = %s", [event_id])
        assert cursor.fetchone() == ("WORM1",)


def test_maintenance_flag_lets_the_engine_move_rows():
    [event_id] = insert_events(plate_number="MOVE1")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL chaverim.partition_maintenance = 'on'")
        cursor.execute("DELETE FROM events WHERE id = %s", [event_id])
        assert cursor.rowcount == 1


def test_event_model_refuses_save_and_delete():
    [event_id] = insert_events()
    event = Event.objects.get(id=event_id)
    with pytest.raises(ReadOnlyModelError):
        event.save()
    with pytest.raises(ReadOnlyModelError):
        event.delete()


def test_soft_delete_columns_hold_who_and_when():
    user = UserFactory()
    entry = WatchlistEntryFactory()
    deleted_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    type(entry).objects.filter(pk=entry.pk).update(is_deleted=True, deleted_at=deleted_at, deleted_by=user)
    entry.refresh_from_db()
    assert (entry.is_deleted, entry.deleted_at, entry.deleted_by) == (True, deleted_at, user)


def test_user_primary_key_is_a_uuid():
    assert isinstance(UserFactory().pk, uuid.UUID)
