from django.apps import AppConfig


class ChaverimAdminConfig(AppConfig):
    name = "chaverim_admin"
    verbose_name = "Chaverim Admin"

    def ready(self):
        from django.conf import settings
        from django.db.backends.signals import connection_created

        if settings.DB_ECHO:
            connection_created.connect(_echo_sql, dispatch_uid="chaverim_admin.db_echo")


def _echo_sql(sender, connection, **kwargs):
    """Log every SQL statement (DB_ECHO), not only when DEBUG is on."""
    connection.force_debug_cursor = True
