from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self):
        from core.db_roles import db_privileges_register

        # The web reads hits and acknowledges them; the platform's dispatcher adds and removes them.
        db_privileges_register("alert_queue", ("SELECT", "UPDATE"))
