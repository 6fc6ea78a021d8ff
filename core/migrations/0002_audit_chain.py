"""The audit log's hash chain: every row gets a position and a SHA-256 hash linking it to the row before.

A BEFORE INSERT trigger computes both in the database, for every writer. Writers queue on the one row of
`audit_chain_lock` (its row lock is held until they commit), so the chain cannot fork; `audit_chain_head` holds
the last position and its hash (plus the rows appended by the transaction in progress: a transaction appends
there and never updates in place, so that a transaction writing many rows does not make each next write slower).
A rollback takes its positions back with it: no gaps. `audit_chain_anchor` keeps the last position and hash of
each retired month, so that the chain still verifies from there. `manage.py audit verify` recomputes every hash
in Python (core/audit_chain.py); the canonical form below is documented there.
"""

import django.utils.timezone
from django.db import migrations, models

AUDIT_CHAIN_SQL = r"""
ALTER TABLE audit_log
    ADD COLUMN chain_position BIGINT,
    ADD COLUMN prev_hash      BYTEA,
    ADD COLUMN row_hash       BYTEA;

-- Writers queue on this row's lock. `xact` is the last transaction that appended, `base` the head position it
-- started from. The first row a transaction writes updates both, so that under REPEATABLE READ a writer whose
-- snapshot predates another's commit fails (could not serialize) instead of building on a head it cannot see.
CREATE TABLE audit_chain_lock (
    singleton  BOOLEAN  PRIMARY KEY DEFAULT true CHECK (singleton),
    xact       BIGINT   NOT NULL DEFAULT 0,
    base       BIGINT   NOT NULL DEFAULT 0
);
INSERT INTO audit_chain_lock DEFAULT VALUES;

-- The head is the highest position here. Position 0's "hash" is 32 zero bytes (the genesis). Each transaction
-- drops the rows of the ones before it but the last, so this holds one row plus those of the writer at work.
CREATE TABLE audit_chain_head (
    position  BIGINT  PRIMARY KEY CHECK (position >= 0),
    hash      BYTEA   NOT NULL CHECK (octet_length(hash) = 32)
);
INSERT INTO audit_chain_head (position, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- The last position (and its hash) of each retired audit_log month, written by the retention hook in the
-- transaction that retires the month: verification starts from the highest.
CREATE TABLE audit_chain_anchor (
    position     BIGINT       PRIMARY KEY,
    hash         BYTEA        NOT NULL CHECK (octet_length(hash) = 32),
    partition    VARCHAR(63)  NOT NULL,
    range_start  TIMESTAMPTZ  NOT NULL,
    range_end    TIMESTAMPTZ  NOT NULL,
    recorded_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- The canonical text of a row: a version tag, then each field as `|<length>:<text>` (`|-` for NULL), in this
-- order; the length (in characters) makes every separator unambiguous. Timestamps are UTC ISO-8601 with
-- microseconds; jsonb's text form is canonical (keys sorted, one spacing).
CREATE FUNCTION audit_chain_piece(piece TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN piece IS NULL THEN '|-' ELSE '|' || pg_catalog.length(piece) || ':' || piece END
$$;
-- One expression of simple SQL functions: the planner inlines them into the trigger's statement.
CREATE FUNCTION audit_chain_canonical(
    chain_position BIGINT, id BIGINT, occurred_at TIMESTAMPTZ, actor_id UUID, action TEXT,
    object_type TEXT, object_id TEXT, details JSONB
) RETURNS TEXT LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT 'chaverim-audit-v1'
        || audit_chain_piece(chain_position::text)
        || audit_chain_piece(id::text)
        || audit_chain_piece(CASE WHEN pg_catalog.isfinite(occurred_at)
               THEN pg_catalog.to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
               ELSE occurred_at::text END)
        || audit_chain_piece(actor_id::text)
        || audit_chain_piece(action)
        || audit_chain_piece(object_type)
        || audit_chain_piece(object_id)
        || audit_chain_piece(details::text)
$$;

-- SECURITY DEFINER: runs as the owner, so that writers need no privilege on the head table. Its search_path
-- is pinned below (the schema the tables are in, pg_temp last) so that no caller can put objects in its way.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    this_xact BIGINT := pg_catalog.txid_current();
    last_xact BIGINT;
    last_base BIGINT;
    head_position BIGINT;
    head_hash BYTEA;
BEGIN
    -- Held until this transaction ends: writers append one at a time.
    SELECT l.xact, l.base INTO STRICT last_xact, last_base FROM audit_chain_lock AS l FOR UPDATE;
    SELECT h.position, h.hash INTO STRICT head_position, head_hash
      FROM audit_chain_head AS h ORDER BY h.position DESC LIMIT 1;
    IF last_xact <> this_xact THEN
        -- This transaction's first row: drop the previous writer's rows but its last (only that range, so
        -- that rows dropped earlier and not yet vacuumed are never scanned again).
        DELETE FROM audit_chain_head WHERE position >= last_base AND position < head_position;
        UPDATE audit_chain_lock SET xact = this_xact, base = head_position;
    END IF;
    NEW.chain_position := head_position + 1;
    NEW.prev_hash := head_hash;
    NEW.row_hash := pg_catalog.sha256(
        pg_catalog.convert_to(
            audit_chain_canonical(NEW.chain_position, NEW.id, NEW.occurred_at, NEW.actor_id, NEW.action,
                                  NEW.object_type, NEW.object_id, NEW.details),
            'UTF8'
        ) || head_hash
    );
    INSERT INTO audit_chain_head (position, hash) VALUES (NEW.chain_position, NEW.row_hash);
    RETURN NEW;
END;
$$;
DO $$
BEGIN
    EXECUTE pg_catalog.format(
        'ALTER FUNCTION audit_log_chain() SET search_path = pg_catalog, %I, pg_temp', current_schema()
    );
END;
$$;

-- Rows written before the chain existed join it in (occurred_at, id) order. The write-once trigger lets the
-- owner update them with the maintenance flag set in this transaction.
DO $$
DECLARE
    r RECORD;
    head_position BIGINT := 0;
    head_hash BYTEA := decode(repeat('00', 32), 'hex');
BEGIN
    PERFORM pg_catalog.set_config('chaverim.partition_maintenance', 'on', true);
    FOR r IN SELECT * FROM audit_log ORDER BY occurred_at, id LOOP
        UPDATE audit_log
           SET chain_position = head_position + 1,
               prev_hash = head_hash,
               row_hash = pg_catalog.sha256(pg_catalog.convert_to(
                   audit_chain_canonical(head_position + 1, r.id, r.occurred_at, r.actor_id, r.action,
                                         r.object_type, r.object_id, r.details), 'UTF8') || head_hash)
         WHERE id = r.id AND occurred_at = r.occurred_at
        RETURNING chain_position, row_hash INTO head_position, head_hash;
    END LOOP;
    INSERT INTO audit_chain_head (position, hash) VALUES (head_position, head_hash) ON CONFLICT DO NOTHING;
    PERFORM pg_catalog.set_config('chaverim.partition_maintenance', 'off', true);
END;
$$;

ALTER TABLE audit_log
    ALTER COLUMN chain_position SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN row_hash SET NOT NULL;
CREATE INDEX ix_audit_log_chain_position ON audit_log (chain_position);
-- The access log page: one action, newest first, keyset on (occurred_at, id).
CREATE INDEX ix_audit_log_action_occurred ON audit_log (action, occurred_at, id);

-- Fires after any other BEFORE INSERT trigger (they fire in name order), so it hashes the row as stored.
-- A row trigger on the parent is cloned to every partition, present and future.
CREATE TRIGGER zz_audit_log_chain
    BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
"""

AUDIT_CHAIN_REVERSE_SQL = """
DROP TRIGGER zz_audit_log_chain ON audit_log;
DROP INDEX ix_audit_log_action_occurred;
DROP INDEX ix_audit_log_chain_position;
ALTER TABLE audit_log DROP COLUMN chain_position, DROP COLUMN prev_hash, DROP COLUMN row_hash;
DROP FUNCTION audit_log_chain();
DROP FUNCTION audit_chain_canonical(BIGINT, BIGINT, TIMESTAMPTZ, UUID, TEXT, TEXT, TEXT, JSONB);
DROP FUNCTION audit_chain_piece(TEXT);
DROP TABLE audit_chain_anchor;
DROP TABLE audit_chain_head;
DROP TABLE audit_chain_lock;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(AUDIT_CHAIN_SQL, reverse_sql=AUDIT_CHAIN_REVERSE_SQL),
        migrations.AddField(
            model_name="auditlog",
            name="chain_position",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditlog",
            name="prev_hash",
            field=models.BinaryField(default=b"", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditlog",
            name="row_hash",
            field=models.BinaryField(default=b"", editable=False),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("checked_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                (
                    "trigger",
                    models.CharField(
                        choices=[("beat", "Beat schedule"), ("cli", "Command line")], max_length=10
                    ),
                ),
                ("ok", models.BooleanField()),
                ("rows", models.BigIntegerField(help_text="Rows whose hash and link were checked.")),
                (
                    "start_position",
                    models.BigIntegerField(
                        help_text="The position the walk started after: 0, the latest anchor, or --since - 1."
                    ),
                ),
                ("since", models.BigIntegerField(blank=True, null=True)),
                ("head_position", models.BigIntegerField(blank=True, null=True)),
                ("head_hash", models.CharField(blank=True, max_length=64)),
                ("problem_position", models.BigIntegerField(blank=True, null=True)),
                ("problem", models.TextField(blank=True)),
                ("seconds", models.FloatField()),
            ],
            options={
                "ordering": ["-checked_at", "-id"],
            },
        ),
    ]
