from django.apps import AppConfig


class WatchlistsConfig(AppConfig):
    name = "watchlists"
    verbose_name = "Watchlists"

    def ready(self):
        from core.db_roles import db_privileges_register

        # The web's database role may read, add and change, never DELETE or TRUNCATE (core/db_roles).
        db_privileges_register("watchlists", ("SELECT", "INSERT", "UPDATE"))
        db_privileges_register("watchlist_entries", ("SELECT", "INSERT", "UPDATE"))
