"""clock rows found by the calendar they were computed with

* ix_approval_clocks_calendar_revision: the worklist asks which open clocks' stored keys are not exact; besides
  the rows without a key (the urgency index), those computed with an older calendar that a later change touches.
  Without this index that question scanned every open clock on every worklist page (20 ms on 136,000 clocks).

Revision ID: 0040
Revises: 0039 (audit append)
Create Date: 2026-12-08 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0040'
down_revision: str | None = '0039'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('approval_clocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_clocks_calendar_revision'), ['calendar_revision'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('approval_clocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_clocks_calendar_revision'))
