"""open clocks: the sums of each running or paused clock, for the worklist and the sweep

Derived data, replaced by the clock rows of revision 0012 (approval_clocks). The release that brought
this table built its rows here with its own code; that code is gone (0012 builds its rows itself), so
this revision now only makes the table. A downgrade to 0011 therefore leaves it empty: the release of
0011 fills it with its `agency clocks rebuild`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:38:58.061465
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('open_clocks',
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('route_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('green', sa.Boolean(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('limit_count', sa.Integer(), nullable=False),
    sa.Column('extension', sa.Integer(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('pausing', sa.Boolean(), nullable=False),
    sa.Column('paused_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('remaining_base', sa.Integer(), nullable=True),
    sa.Column('used_base', sa.Integer(), nullable=True),
    sa.Column('absorbed_pause', sa.Date(), nullable=True),
    sa.Column('last_event_on', sa.Date(), nullable=False),
    sa.Column('readable', sa.Boolean(), nullable=False),
    sa.Column('key_day', sa.Date(), nullable=True),
    sa.Column('key_rank', sa.Integer(), nullable=True),
    sa.Column('key_remaining', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_open_clocks_approval_id_approvals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('approval_id', name=op.f('pk_open_clocks'))
    )
    with op.batch_alter_table('open_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_open_clocks_department_urgency', ['department_code', 'key_rank', 'key_remaining', 'approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_clocks_key_day'), ['key_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_clocks_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_open_clocks_urgency', ['key_rank', 'key_remaining', 'approval_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('open_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_open_clocks_urgency')
        batch_op.drop_index(batch_op.f('ix_open_clocks_project_id'))
        batch_op.drop_index(batch_op.f('ix_open_clocks_key_day'))
        batch_op.drop_index('ix_open_clocks_department_urgency')

    op.drop_table('open_clocks')
