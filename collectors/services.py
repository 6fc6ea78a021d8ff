"""Writes of collectors: every update is checked against the version the editor loaded."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import connection, transaction
from django.utils.text import capfirst
from psycopg.types.json import Jsonb

from collectors import sql
from collectors.config_json import config_dumps
from collectors.errors import ConflictError, InvalidChangeError
from collectors.models import EDITABLE_FIELDS, Collector
from core.services import audit_log_write
from core.validators import has_control_characters

SITE_NAME_MAX_LENGTH = Collector._meta.get_field("site_name").max_length


def _change_validate(changes: Mapping[str, Any]) -> None:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidChangeError(f"these collector fields cannot be changed: {', '.join(unknown)}")
    if "site_name" in changes:
        name = changes["site_name"]
        if (
            not isinstance(name, str)
            or not name.strip()
            or len(name) > SITE_NAME_MAX_LENGTH
            or has_control_characters(name)
        ):
            raise InvalidChangeError(
                f"site_name must be 1 to {SITE_NAME_MAX_LENGTH} characters, without control characters"
            )
    if "config" in changes and not isinstance(changes["config"], dict):
        raise InvalidChangeError("config must be a JSON object")
    if "is_active" in changes and not isinstance(changes["is_active"], bool):
        raise InvalidChangeError("is_active must be true or false")


def _admin_log(*, actor, collector: Collector, action_flag: int, fields: list[str]) -> None:
    if actor is None or getattr(actor, "pk", None) is None:
        return
    if action_flag == ADDITION:
        message = [{"added": {}}]
    else:
        names = [capfirst(Collector._meta.get_field(field).verbose_name) for field in fields]
        message = [{"changed": {"fields": names}}] if names else []
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[collector],
        action_flag=action_flag,
        change_message=message,
        single_object=True,
    )


@transaction.atomic
def collector_update(
    *,
    collector_id: UUID,
    expected_version: int,
    changes: Mapping[str, Any],
    actor=None,
) -> Collector:
    """Apply `changes` if the collector is still at `expected_version`, bumping it by one; else raise."""
    _change_validate(changes)
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise InvalidChangeError("expected_version must be the integer config_version that was loaded")
    params = {
        "id": collector_id,
        "expected_version": expected_version,
        "site_name": changes.get("site_name"),
        "config": Jsonb(changes["config"], dumps=config_dumps) if "config" in changes else None,
        "is_active": changes.get("is_active"),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.COLLECTOR_UPDATE, params)
        row = cursor.fetchone()
    if row is None:
        current = Collector.objects.filter(pk=collector_id).first()
        if current is None:
            raise Collector.DoesNotExist(f"collector {collector_id} does not exist")
        raise ConflictError(current=current, expected_version=expected_version)

    old_site_name, old_config, old_is_active, old_version = row[:4]
    site_name, config, is_active, new_version, created_at, updated_at = row[4:]
    collector = Collector(
        id=collector_id,
        site_name=site_name,
        config=config,
        config_version=new_version,
        is_active=is_active,
        created_at=created_at,
        updated_at=updated_at,
    )
    collector._state.adding = False
    before = {"site_name": old_site_name, "config": old_config, "is_active": old_is_active}
    after = {"site_name": site_name, "config": config, "is_active": is_active}
    changed = {
        field: {"before": before[field], "after": after[field]}
        for field in EDITABLE_FIELDS
        if before[field] != after[field]
    }
    audit_log_write(
        actor_id=getattr(actor, "pk", None),
        action="collector.update",
        object_type="collector",
        object_id=collector_id,
        details={"old_version": old_version, "new_version": new_version, "changes": changed},
    )
    _admin_log(actor=actor, collector=collector, action_flag=CHANGE, fields=list(changed))
    return collector


@transaction.atomic
def collector_create(*, site_name: str, config: dict, is_active: bool = True, actor=None) -> Collector:
    """Insert a collector at version 1 (the column's default)."""
    _change_validate({"site_name": site_name, "config": config, "is_active": is_active})
    collector = Collector.objects.create(site_name=site_name, config=config, is_active=is_active)
    collector.refresh_from_db(fields=["config_version", "created_at", "updated_at"])
    audit_log_write(
        actor_id=getattr(actor, "pk", None),
        action="collector.create",
        object_type="collector",
        object_id=collector.pk,
        # The config as JSON text, as the update's before/after are: its numbers exact.
        details={"version": collector.config_version, "site_name": site_name, "config": config_dumps(config)},
    )
    _admin_log(actor=actor, collector=collector, action_flag=ADDITION, fields=[])
    return collector
