"""Record each change twice: in the admin log and in the audit log."""

from typing import Any

from django.contrib.admin.models import LogEntry

from core.services import audit_log_write


def change_record(
    *, actor: Any | None, obj, flag: int, action: str, message: str | list, details: dict
) -> None:
    """Write the admin log entry and the audit_log row of one change."""
    if actor is not None and actor.pk is not None:
        LogEntry.objects.log_actions(actor.pk, [obj], flag, message, single_object=True)
    audit_log_write(
        actor_id=getattr(actor, "pk", None),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        details=details,
    )


def actor_user(actor):
    """The actor as a created_by value: None for a system write (no saved user)."""
    return actor if getattr(actor, "pk", None) is not None else None
