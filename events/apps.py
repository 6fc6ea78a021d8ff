from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        from core.db_roles import INGEST, db_privileges_register

        # What the web's database role may do here (core/db_roles.py): never DELETE or TRUNCATE.
        db_privileges_register("events", ("SELECT",))
        # The platform's ingestion role (DB_INGEST_ROLE), if one is named: it only adds detections.
        db_privileges_register("events", ("SELECT", "INSERT"), role=INGEST)
