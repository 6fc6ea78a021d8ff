from django.apps import AppConfig


class PartitionsConfig(AppConfig):
    name = "partitions"
    verbose_name = "Partitions"

    def ready(self):
        from django.conf import settings

        from core.db_roles import db_default_partition_read_register
        from core.home import HomeSummary, home_summary_register
        from core.metrics import metrics_register
        from core.readiness import readiness_register
        from partitions.metrics import partitions_collect
        from partitions.readiness import partitions_ready
        from partitions.registry import registry_build
        from partitions.selectors import partitions_home_summary

        # A hostile or malformed registry stops start-up here, before any SQL is composed from it.
        entries = registry_build(settings)
        readiness_register("partitions", partitions_ready)
        home_summary_register(
            HomeSummary(
                name="partitions",
                permission="partitions.view_partitions",
                template="partitions/_home.html",
                context=partitions_home_summary,
            )
        )
        metrics_register("partitions", partitions_collect)
        # The status page and /readyz count the rows waiting in each DEFAULT partition as the web's role.
        for entry in entries:
            db_default_partition_read_register(entry.table)
