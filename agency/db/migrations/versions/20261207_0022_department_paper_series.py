"""a department's own series of paper numbers

* departments.doc_prefix: the prefix of the numbers of the papers a department issues (e.g. 嵩发改告, giving
  嵩发改告〔2026〕3号); without one, its name and 告. The agency office's papers keep 代办〔year〕N号.

Revision ID: 0022
Revises: 0023
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('doc_prefix', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('doc_prefix')
