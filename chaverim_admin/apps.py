from django.apps import AppConfig


class ChaverimAdminConfig(AppConfig):
    name = "chaverim_admin"
    verbose_name = "Chaverim Admin"

    def ready(self):
        from django.conf import settings
        from django.db.backends.signals import connection_created

        from core.models import AuditLog
        from core.services import audit_chain_anchor_record
        from events.models import Event
        from holds import retention as holds_retention
        from partitions.far_future import far_future_describer_register
        from partitions.hooks import (
            retention_hook_register,
            retention_kept_register,
            retention_preview_register,
            retention_sweep_register,
        )

        if settings.DB_ECHO:
            connection_created.connect(_echo_sql, dispatch_uid="chaverim_admin.db_echo")
        # Retiring an audit_log month leaves an anchor, from which the hash chain still verifies. Wired here:
        # the engine imports no app, and core does not know the engine.
        retention_hook_register(AuditLog._meta.db_table, audit_chain_anchor_record)
        # Legal holds: before events leave (a month retired, or DEFAULT's rows expired), the held ones are
        # copied to events_held; each run removes those no hold keeps any more.
        events = Event._meta.db_table
        retention_hook_register(events, holds_retention.events_held_keep)
        retention_preview_register(events, holds_retention.events_held_preview)
        retention_sweep_register(events, holds_retention.events_held_release, name="events_held")
        retention_kept_register(events, holds_retention.events_held_summary)
        # Events dated far ahead wait in DEFAULT (rule 4a): the status page names their collectors.
        far_future_describer_register(Event._meta.db_table, _event_sources)


def _event_sources(since):
    """Describe far-future events for the partition engine: collectors and a search link, by month."""
    from events.selectors import event_sources_by_month
    from partitions.far_future import FarFutureSource

    def collectors_text(names: list[str]) -> str:
        listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        return f"collector{'s' if len(names) > 1 else ''} {listed}"

    return {
        month: FarFutureSource(source=collectors_text(sources.collectors), url=sources.url)
        for month, sources in event_sources_by_month(since=since).items()
    }


def _echo_sql(sender, connection, **kwargs):
    """Log every SQL statement (DB_ECHO), not only when DEBUG is on."""
    connection.force_debug_cursor = True
