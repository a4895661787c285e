"""audit lines appended in one round trip (PostgreSQL)

Appending at commit took two statements: the chain's head under its lock (agency_audit_chain_head), then
the INSERT of the lines with their hashes computed in Python. This function takes the lock, reads the
head and inserts each line with its hash in one call. The hash is the same digest as before (sha256 of the
JSON array [prev_hash, *fields]): Python sends each line's fields as their canonical JSON text
(`agency.audit.chain.line_tail`), PostgreSQL prepends the previous hash and digests the UTF-8 bytes. What
`agency audit verify` checks, and how, is unchanged. SQLite (one writer at a time) appends as before.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 07:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0039'
down_revision: str | None = '0038'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("""
CREATE OR REPLACE FUNCTION agency_audit_append(lock_key bigint, lines jsonb)
RETURNS TABLE (line_id bigint, line_prev_hash text, line_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text;
    line jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    -- Read after the lock is granted: each statement of a VOLATILE function takes a new snapshot.
    head := coalesce((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), repeat('0', 64));
    FOR line IN SELECT e.value FROM jsonb_array_elements(lines) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
        INSERT INTO audit_events (occurred_at, actor_id, actor_username, actor_role, action, object_type,
                                  object_id, project_id, result, before, after, client_addr, prev_hash, hash)
        VALUES ((line->>'occurred_at')::timestamptz, (line->>'actor_id')::bigint, line->>'actor_username',
                line->>'actor_role', line->>'action', line->>'object_type', line->>'object_id',
                (line->>'project_id')::bigint, line->>'result', line->'before', line->'after',
                line->>'client_addr', head,
                encode(sha256(convert_to('["' || head || '",' || (line->>'tail'), 'UTF8')), 'hex'))
        RETURNING id, prev_hash, hash INTO line_id, line_prev_hash, line_hash;
        head := line_hash;
        RETURN NEXT;
    END LOOP;
END;
$$""")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS agency_audit_append(bigint, jsonb)")
