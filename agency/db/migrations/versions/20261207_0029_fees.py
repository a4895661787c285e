"""fees (非税收入): one approval's fee lines under its catalog item's fee rules; the county's service sites

* fee_lines: the rule as assessed, the amount (computed, or overridden with a reason), the payment notice's
  reference (缴款码, unique), its due date, and the payment, refund or cancellation.
* sites: the center, its sub-centers and the township halls; users.site_code: where a user works.

Revision ID: 0029
Revises: 0026
Create Date: 2026-12-07 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0029'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('sites',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.CheckConstraint("kind IN ('center', 'sub_center', 'township_hall')", name=op.f('ck_sites_kind')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_site_code'), ['site_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_site_code_sites'), 'sites', ['site_code'], ['code'])
    op.create_table('fee_lines',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('fee_code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rule', JSON, nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('computed_yuan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('payment_ref', sa.String(length=32), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('assessed_by', ID, nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_yuan', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('paid_recorded_by', ID, nullable=True),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('assessed', 'paid', 'refunded', 'cancelled', 'not_charged')",
                       name=op.f('ck_fee_lines_status')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_fee_lines_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assessed_by'], ['users.id'], name=op.f('fk_fee_lines_assessed_by_users')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_fee_lines_department_code_departments')),
    sa.ForeignKeyConstraint(['paid_recorded_by'], ['users.id'], name=op.f('fk_fee_lines_paid_recorded_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_fee_lines_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_lines')),
    sa.UniqueConstraint('payment_ref', name=op.f('uq_fee_lines_payment_ref'))
    )
    with op.batch_alter_table('fee_lines', schema=None) as batch_op:
        batch_op.create_index('ix_fee_lines_approval', ['approval_id', 'fee_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_lines_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_lines_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_lines_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fee_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_lines_status'))
        batch_op.drop_index(batch_op.f('ix_fee_lines_department_code'))
        batch_op.drop_index(batch_op.f('ix_fee_lines_project_id'))
        batch_op.drop_index('ix_fee_lines_approval')
    op.drop_table('fee_lines')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_site_code_sites'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_site_code'))
        batch_op.drop_column('site_code')
    op.drop_table('sites')
