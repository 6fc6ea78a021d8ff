from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import checks, readiness  # noqa: F401 (registers the schema drift check)

        readiness.readiness_register("database", readiness.database_ready)
        readiness.readiness_register("broker", readiness.broker_ready)
