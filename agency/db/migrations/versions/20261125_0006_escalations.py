"""escalations (电子监察): one row per approval, rule and level

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 08:42:20.537104
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('escalations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=24), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('fired_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('overdue_workdays', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('targets', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('notified', sa.Boolean(), nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('acknowledged_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('acknowledged_at', agency.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledge_note', sa.Text(), nullable=True),
    sa.Column('resolved_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('resolved_at', agency.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolve_note', sa.Text(), nullable=True),
    sa.CheckConstraint("level IN ('prompt','yellow','red','l3')", name=op.f('ck_escalations_level')),
    sa.CheckConstraint("status IN ('open','acknowledged','resolved')", name=op.f('ck_escalations_status')),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_escalations_acknowledged_by_users')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_escalations_approval_id_approvals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_escalations_document_id_documents')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_escalations_project_id_projects')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_escalations_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations')),
    sa.UniqueConstraint('approval_id', 'rule', 'level', name=op.f('uq_escalations_approval_id_rule_level'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_department_code'), ['department_code'], unique=False)
        batch_op.create_index('ix_escalations_open', ['status', 'level'], unique=False)
        batch_op.create_index(batch_op.f('ix_escalations_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_project_id'))
        batch_op.drop_index('ix_escalations_open')
        batch_op.drop_index(batch_op.f('ix_escalations_department_code'))

    op.drop_table('escalations')
