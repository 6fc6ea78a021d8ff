"""Audit rows retired out of chain order: the walk steps over them instead of losing sight of live rows.

An anchor (0002) stands for a contiguous run of retired positions: the walk starts after it. Rows retired
above such a run (a back-dated row expired from DEFAULT while older rows are live, or a row of a month that
took a later position than a row of the next month, committed across midnight) cannot move the anchor without
hiding the live rows below them. Each is kept here instead, with the hashes it linked: the walk checks that
the live row before links to it and that the live row after links from it, and goes on.
"""

from django.db import migrations

RETIRED_SQL = """
CREATE TABLE audit_chain_retired (
    position     BIGINT       PRIMARY KEY,
    prev_hash    BYTEA        NOT NULL CHECK (octet_length(prev_hash) = 32),
    row_hash     BYTEA        NOT NULL CHECK (octet_length(row_hash) = 32),
    partition    VARCHAR(63)  NOT NULL,
    range_start  TIMESTAMPTZ  NOT NULL,
    range_end    TIMESTAMPTZ  NOT NULL,
    recorded_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_chain"),
    ]

    operations = [
        migrations.RunSQL(RETIRED_SQL, reverse_sql="DROP TABLE audit_chain_retired;"),
    ]
