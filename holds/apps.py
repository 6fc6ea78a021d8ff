from django.apps import AppConfig


class HoldsConfig(AppConfig):
    name = "holds"
    verbose_name = "Legal holds"

    def ready(self):
        from core.db_roles import db_privileges_register

        # Holds are never deleted: the web's role places and releases them (core/db_roles).
        db_privileges_register("legal_holds", ("SELECT", "INSERT", "UPDATE"))
        # Held detections are written and removed only by the partition engine, as the owner.
        db_privileges_register("events_held", ("SELECT",))
