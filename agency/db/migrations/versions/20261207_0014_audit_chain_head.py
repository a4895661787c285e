"""audit chain head in one round trip (PostgreSQL)

The chain is appended at commit under an advisory lock; the last line's hash must be read after the
lock is granted (a fresh snapshot), which took two statements. This function takes the lock and then
reads the head — each statement of a VOLATILE PL/pgSQL function reads a new snapshot — in one round
trip. The chain and what `agency audit verify` proves are unchanged. SQLite (one writer at a time)
reads the head directly as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("""
CREATE OR REPLACE FUNCTION agency_audit_chain_head(lock_key bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1);
END;
$$""")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS agency_audit_chain_head(bigint)")
