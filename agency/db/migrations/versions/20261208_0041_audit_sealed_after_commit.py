"""audit lines sealed after their commit (PostgreSQL)

An action's audit line was chained at its commit under the chain's advisory lock, held until COMMIT: a
transaction whose worker was busy kept the lock while 30-39 others queued behind it (docs/PERFORMANCE.md,
2026-12-07). Now a line is written unsealed in its transaction (no lock) and sealed right after by the one
sealer that holds the lock (agency/audit/sealer.py), in the order it seals them:

* ``chain_seq``: the line's place in the chain, set when it is sealed. Lines sealed before this revision have
  none: their place is their id, and they come first.
* ``prev_hash`` and ``hash`` may be empty until the seal; the digest is the same as before.
* ``agency_audit_seal(lock_key, lines)``: the sealer's one round trip — the chain's lock (only sealers take
  it), the head, and each line's seal from its canonical text (agency.audit.chain.line_tail).
* The append-only trigger lets exactly one change through: a line without a seal getting it, its content
  untouched.

SQLite (one writer at a time, from BEGIN) still seals at commit: its lines get their ``chain_seq`` there.

Downgrade seals the lines still waiting (the older schema has no room for them) and, as the older `agency audit
verify` walks by id, deals the ids of the lines sealed here out again in chain order (an id is not hashed).

Revision ID: 0041
Revises: 0040 (clock rows by calendar revision)
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0041'
down_revision: str | None = '0040'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTENT = ("id, occurred_at, actor_id, actor_username, actor_role, action, object_type, object_id, project_id, "
            "result, before::text, after::text, client_addr")

PG_APPEND_ONLY_BUT_SEAL = f"""
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    -- The one change allowed: a line written unsealed gets its seal once, its content untouched.
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND OLD.chain_seq IS NULL AND NEW.hash IS NOT NULL
       AND NEW.prev_hash IS NOT NULL AND NEW.chain_seq IS NOT NULL
       AND ROW({', '.join('NEW.' + c.strip() for c in _CONTENT.split(','))})
           IS NOT DISTINCT FROM ROW({', '.join('OLD.' + c.strip() for c in _CONTENT.split(','))}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql"""

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql"""

PG_SEAL = """
CREATE OR REPLACE FUNCTION agency_audit_seal(lock_key bigint, lines jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text;
    seq bigint;
    line jsonb;
    sealed_hash text;
    sealed integer := 0;
BEGIN
    -- Sealers only wait here; the actions that wrote the lines committed without it.
    PERFORM pg_advisory_xact_lock(lock_key);
    -- Read once the lock is granted: each statement of a VOLATILE function takes a new snapshot.
    seq := (SELECT max(chain_seq) FROM audit_events);
    head := coalesce((SELECT hash FROM audit_events WHERE chain_seq = seq),
                     (SELECT hash FROM audit_events WHERE chain_seq IS NULL AND hash IS NOT NULL
                      ORDER BY id DESC LIMIT 1),
                     repeat('0', 64));
    seq := coalesce(seq, 0);
    FOR line IN SELECT e.value FROM jsonb_array_elements(lines) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
        UPDATE audit_events
           SET prev_hash = head, chain_seq = seq + 1,
               hash = encode(sha256(convert_to('["' || head || '",' || (line->>'tail'), 'UTF8')), 'hex')
         WHERE id = (line->>'id')::bigint AND hash IS NULL
        RETURNING hash INTO sealed_hash;
        IF FOUND THEN  -- else another sealer sealed it after this one read it
            head := sealed_hash;
            seq := seq + 1;
            sealed := sealed + 1;
        END IF;
    END LOOP;
    RETURN sealed;
END;
$$"""


def upgrade() -> None:
    on_postgresql = op.get_context().dialect.name == "postgresql"
    if not on_postgresql:
        # The table is copied (SQLite cannot drop NOT NULL in place): its triggers go with the old one.
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_index(batch_op.f('ix_audit_events_chain_seq'), ['chain_seq'], unique=True)
        batch_op.create_index('ix_audit_events_unsealed', ['id'], unique=False,
                              postgresql_where=sa.text('hash IS NULL'), sqlite_where=sa.text('hash IS NULL'))
    if on_postgresql:
        op.execute(PG_APPEND_ONLY_BUT_SEAL)
        op.execute(PG_SEAL)
        op.execute("DROP FUNCTION IF EXISTS agency_audit_append(bigint, jsonb)")
    else:
        _sqlite_append_only()


def _seal_waiting_lines() -> None:
    """Seal what the sealer has not reached (the older schema has no room for a line without its seal), as
    the sealer does: each line's canonical text from Python, the digest and the chain in SQL."""
    import json

    from agency.audit.chain import line_tail

    bind = op.get_bind()
    # Typed columns: the JSON documents and the time read back as Python values, as `audit verify` reads them.
    lines_table = sa.table(
        "audit_events", sa.column("id", sa.BigInteger), sa.column("occurred_at", sa.DateTime(timezone=True)),
        *(sa.column(name, sa.BigInteger) for name in ("actor_id", "project_id")),
        *(sa.column(name, sa.String) for name in ("actor_username", "actor_role", "action", "object_type",
                                                   "object_id", "result", "client_addr", "hash")),
        *(sa.column(name, postgresql.JSONB) for name in ("before", "after")))
    c = lines_table.c
    rows = bind.execute(sa.select(c.id, c.occurred_at, c.actor_id, c.actor_username, c.actor_role, c.action,
                                  c.object_type, c.object_id, c.project_id, c.result, c.before, c.after,
                                  c.client_addr).where(c.hash.is_(None)).order_by(c.id)).all()
    if rows:
        lines = [{"id": row.id, "tail": line_tail(row)} for row in rows]
        bind.execute(sa.text("SELECT agency_audit_seal(:key, CAST(:lines AS jsonb))"),
                     {"key": 0x41474E43, "lines": json.dumps(lines)})


def _number_in_chain_order() -> None:
    """The older `audit verify` walks by id: give the lines sealed here their ids again in chain order (a line
    that took its id first may have committed, and been sealed, after another). An id is not part of a line's
    hash, and these lines all came after every older one, so the same set of ids is dealt out again. SQLite
    sealed at commit, one writer at a time: its chain is in id order already."""
    op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
    op.execute("UPDATE audit_events SET id = -id WHERE chain_seq IS NOT NULL")
    op.execute("""
UPDATE audit_events AS line SET id = renumbered.new_id
FROM (SELECT by_chain.id AS old_id, by_id.id AS new_id
      FROM (SELECT id, row_number() OVER (ORDER BY chain_seq) AS n FROM audit_events
            WHERE chain_seq IS NOT NULL) AS by_chain
      JOIN (SELECT -id AS id, row_number() OVER (ORDER BY -id) AS n FROM audit_events
            WHERE chain_seq IS NOT NULL) AS by_id USING (n)) AS renumbered
WHERE line.id = renumbered.old_id""")
    op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete")


def _sqlite_append_only() -> None:
    op.execute("""CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END""")
    op.execute("""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed'); END""")


def downgrade() -> None:
    on_postgresql = op.get_context().dialect.name == "postgresql"
    if on_postgresql:
        _seal_waiting_lines()
        _number_in_chain_order()
        op.execute("DROP FUNCTION IF EXISTS agency_audit_seal(bigint, jsonb)")
        op.execute(PG_APPEND_ONLY)
        from importlib import import_module
        append = import_module("agency.db.migrations.versions.20261207_0039_audit_append")
        append.upgrade()
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_unsealed', postgresql_where=sa.text('hash IS NULL'),
                            sqlite_where=sa.text('hash IS NULL'))
        batch_op.drop_index(batch_op.f('ix_audit_events_chain_seq'))
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('chain_seq')
    if not on_postgresql:
        _sqlite_append_only()
