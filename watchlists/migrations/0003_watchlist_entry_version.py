# Entries carry an optimistic-lock version, as collectors do (the platform's convention): 1 on insert, +1 on
# every write. Existing rows start at 1. On PostgreSQL 11+ a constant default adds the column without a rewrite.

from django.db import migrations, models

ENTRY_VERSION_SQL = """
ALTER TABLE watchlist_entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
"""

ENTRY_VERSION_REVERSE_SQL = """
ALTER TABLE watchlist_entries DROP COLUMN version;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("watchlists", "0002_soft_delete_managers"),
    ]

    operations = [
        migrations.RunSQL(ENTRY_VERSION_SQL, reverse_sql=ENTRY_VERSION_REVERSE_SQL),
        migrations.AddField(
            model_name="watchlistentry",
            name="version",
            field=models.IntegerField(default=1, editable=False),
        ),
    ]
