"""web sessions: last request time of a token, for the idle timeout

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 08:56:27.805826
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', agency.db.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
