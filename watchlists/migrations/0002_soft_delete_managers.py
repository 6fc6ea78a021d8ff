# The base manager is `all_objects` (unfiltered). Unmanaged models' managers are not tracked by the
# autodetector, so the manager is added to the migration state by hand: historical models need it to exist.

from django.db import migrations

import watchlists.models


class Migration(migrations.Migration):
    dependencies = [
        ("watchlists", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="watchlist",
            managers=[("all_objects", watchlists.models.WatchlistAllManager())],
        ),
        migrations.AlterModelManagers(
            name="watchlistentry",
            managers=[("all_objects", watchlists.models.WatchlistEntryAllManager())],
        ),
        migrations.AlterModelOptions(
            name="watchlist",
            options={
                "base_manager_name": "all_objects",
                "managed": False,
                "ordering": ["name"],
                "permissions": [("restore_watchlist", "Can restore a deleted watchlist")],
            },
        ),
        migrations.AlterModelOptions(
            name="watchlistentry",
            options={
                "base_manager_name": "all_objects",
                "managed": False,
                "ordering": ["plate_number"],
                "verbose_name_plural": "watchlist entries",
            },
        ),
    ]
