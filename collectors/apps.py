from django.apps import AppConfig


class CollectorsConfig(AppConfig):
    name = "collectors"
    verbose_name = "Collectors"

    def ready(self):
        from core.db_roles import db_privileges_register

        # The web's database role may read, add and change, never DELETE or TRUNCATE (core/db_roles).
        db_privileges_register("collectors", ("SELECT", "INSERT", "UPDATE"))
