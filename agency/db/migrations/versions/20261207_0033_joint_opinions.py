"""joint acceptance opinions (联合验收意见)

* joint_opinions: one participant's opinion on a joint item, by round (a re-inspection is the next round).

Revision ID: 0033
Revises: 0029
Create Date: 2026-12-07 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0033'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = agency.db.base.JSONType
WHEN = agency.db.base.UTCDateTime()


def upgrade() -> None:
    op.create_table('joint_opinions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('participant_code', sa.String(length=32), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('findings', JSON, nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', ID, nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_joint_opinions_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_joint_opinions_department_code_departments')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_joint_opinions_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_opinions')),
    sa.UniqueConstraint('approval_id', 'participant_code', 'round', name=op.f('uq_joint_opinions_approval_id_participant_code_round'))
    )
    with op.batch_alter_table('joint_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_opinions_approval_id'), ['approval_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('joint_opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_opinions_approval_id'))
    op.drop_table('joint_opinions')
