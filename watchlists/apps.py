from django.apps import AppConfig


class WatchlistsConfig(AppConfig):
    name = "watchlists"
    verbose_name = "Watchlists"

    def ready(self):
        from core.db_roles import db_privileges_register
        from core.home import HomeSummary, home_summary_register
        from watchlists.selectors import watchlist_home_summary

        # The web's database role may read, add and change, never DELETE or TRUNCATE (core/db_roles).
        db_privileges_register("watchlists", ("SELECT", "INSERT", "UPDATE"))
        db_privileges_register("watchlist_entries", ("SELECT", "INSERT", "UPDATE"))
        home_summary_register(
            HomeSummary(
                name="watchlists",
                permission="watchlists.view_watchlist",
                template="watchlists/_home.html",
                context=watchlist_home_summary,
            )
        )
