"""the agency mandate's pause, the checks of commitments, a breached commitment

* projects.mandate_paused_on, mandate_pause_reason: the enterprise paused the agency service (中止); the
  mandate's status follows from these and the dossier's status.
* commitment_checks: the department's check (事后核查) of each commitment that stood in for a material,
  opened at the decision, due months later.
* approvals.commitment_breached: a check found a commitment false.

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mandate_paused_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('mandate_pause_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commitment_breached', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.alter_column('commitment_breached', server_default=None)
    op.create_table('commitment_checks',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('material_code', sa.String(length=64), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('finding', sa.Text(), nullable=True),
    sa.Column('checked_by', ID, nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'confirmed', 'false')", name=op.f('ck_commitment_checks_status')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_commitment_checks_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checked_by'], ['users.id'], name=op.f('fk_commitment_checks_checked_by_users')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_commitment_checks_department_code_departments')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_commitment_checks_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_checks'))
    )
    with op.batch_alter_table('commitment_checks', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_checks_open', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_checks_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_checks_project_id'), ['project_id'], unique=False)
        batch_op.create_index('uq_commitment_checks_material', ['approval_id', 'material_code'], unique=True)


def downgrade() -> None:
    op.drop_table('commitment_checks')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_column('commitment_breached')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('mandate_pause_reason')
        batch_op.drop_column('mandate_paused_on')
