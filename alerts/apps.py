from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self):
        from alerts.selectors import alert_home_summary
        from core.db_roles import db_privileges_register
        from core.home import HomeSummary, home_summary_register

        # The web reads hits and acknowledges them; the platform's dispatcher adds and removes them.
        db_privileges_register("alert_queue", ("SELECT", "UPDATE"))
        home_summary_register(
            HomeSummary(
                name="alerts",
                permission="alerts.view_alert",
                template="alerts/_home.html",
                context=alert_home_summary,
            )
        )
