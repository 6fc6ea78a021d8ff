from django.apps import AppConfig


class PartitionsConfig(AppConfig):
    name = "partitions"
    verbose_name = "Partitions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from core.readiness import readiness_register
        from partitions.readiness import partitions_ready
        from partitions.registry import registry_build

        # A hostile or malformed registry stops start-up here, before any SQL is composed from it.
        registry_build(settings)
        readiness_register("partitions", partitions_ready)
