from django.apps import AppConfig


class CollectorsConfig(AppConfig):
    name = "collectors"
    verbose_name = "Collectors"

    def ready(self):
        from collectors.selectors import collector_home_summary
        from core.db_roles import db_privileges_register
        from core.home import HomeSummary, home_summary_register

        # The web's database role may read, add and change, never DELETE or TRUNCATE (core/db_roles).
        db_privileges_register("collectors", ("SELECT", "INSERT", "UPDATE"))
        home_summary_register(
            HomeSummary(
                name="collectors",
                permission="collectors.view_collector",
                template="collectors/_home.html",
                context=collector_home_summary,
            )
        )
