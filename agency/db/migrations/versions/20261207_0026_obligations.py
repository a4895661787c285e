"""the enterprise's obligations after a decision; the rectification of a bad rating

* obligations: what one approval's decision obliges the enterprise to do by a date (施工许可证: start within
  three months; 竣工验收备案 within 15 days …), its extensions, and when it was met.
* rectifications: the 整改 a bad rating opens for the rated department, its reply and the enterprise's verdict.
* evaluations.appeal_*: the rated department's appeal (申诉) of a rating and the leader's decision on it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('obligations',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rule', JSON, nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('original_due_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('extensions', JSON, nullable=False),
    sa.Column('times_extended', sa.Integer(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.Column('met_note', sa.Text(), nullable=True),
    sa.Column('met_by', ID, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'met')", name=op.f('ck_obligations_status')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_obligations_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_obligations_department_code_departments')),
    sa.ForeignKeyConstraint(['met_by'], ['users.id'], name=op.f('fk_obligations_met_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_obligations_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligations'))
    )
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.create_index('uq_obligations_rule', ['approval_id', 'code'], unique=True)
        batch_op.create_index('ix_obligations_open', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligations_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligations_department_code'), ['department_code'], unique=False)

    op.create_table('rectifications',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('evaluation_id', ID, nullable=False),
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('enterprise_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_by', ID, nullable=True),
    sa.Column('replied_on', sa.Date(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('verdict_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open','replied','closed')", name=op.f('ck_rectifications_status')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_rectifications_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'],
                            name=op.f('fk_rectifications_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'],
                            name=op.f('fk_rectifications_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_rectifications_project_id_projects'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replied_by'], ['users.id'], name=op.f('fk_rectifications_replied_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectifications')),
    sa.UniqueConstraint('evaluation_id', name=op.f('uq_rectifications_evaluation_id'))
    )
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.create_index('ix_rectifications_open', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectifications_approval_id'), ['approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectifications_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectifications_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectifications_department_code'), ['department_code'], unique=False)
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appeal_status', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('appeal_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('appealed_by', ID, nullable=True))
        batch_op.add_column(sa.Column('appealed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('appeal_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('appeal_decided_by', ID, nullable=True))
        batch_op.add_column(sa.Column('appeal_decided_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_evaluations_appealed_by_users'), 'users', ['appealed_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_evaluations_appeal_decided_by_users'), 'users',
                                    ['appeal_decided_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evaluations_appeal_decided_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_evaluations_appealed_by_users'), type_='foreignkey')
        for column in ('appeal_decided_on', 'appeal_decided_by', 'appeal_note', 'appealed_on', 'appealed_by',
                       'appeal_reason', 'appeal_status'):
            batch_op.drop_column(column)
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectifications_department_code'))
        batch_op.drop_index(batch_op.f('ix_rectifications_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_rectifications_project_id'))
        batch_op.drop_index(batch_op.f('ix_rectifications_approval_id'))
        batch_op.drop_index('ix_rectifications_open')
    op.drop_table('rectifications')
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligations_department_code'))
        batch_op.drop_index(batch_op.f('ix_obligations_project_id'))
        batch_op.drop_index('ix_obligations_open')
        batch_op.drop_index('uq_obligations_rule')
    op.drop_table('obligations')
