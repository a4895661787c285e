"""evaluations: ratings of completed approvals, follow-up visits, single-use rating links

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:23:18.516448
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evaluations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('rated_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('created_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('app','link')", name=op.f('ck_evaluations_channel')),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_evaluations_score')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_evaluations_approval_id_approvals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_evaluations_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_evaluations_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rated_by'], ['users.id'], name=op.f('fk_evaluations_rated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('approval_id', name=op.f('uq_evaluations_approval_id'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_rated_on'), ['rated_on'], unique=False)

    op.create_table('rating_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', agency.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_rating_links_approval_id_approvals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_rating_links_token_hash'))
    )
    with op.batch_alter_table('rating_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_links_approval_id'), ['approval_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('closed_at', agency.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('open','closed')", name=op.f('ck_follow_ups_status')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_follow_ups_approval_id_approvals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_follow_ups_closed_by_users')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_follow_ups_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_follow_ups_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('evaluation_id', name=op.f('uq_follow_ups_evaluation_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_approval_id'), ['approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_status'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_project_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_approval_id'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('rating_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_links_approval_id'))

    op.drop_table('rating_links')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_rated_on'))
        batch_op.drop_index(batch_op.f('ix_evaluations_project_id'))
        batch_op.drop_index(batch_op.f('ix_evaluations_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_evaluations_department_code'))

    op.drop_table('evaluations')
