"""bundles (报送批次) with their approvals and pinned file versions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 08:38:03.917597
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bundles',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sent_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_at', agency.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('received_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('transmittal_file_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('integrity_problem', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('sent','received')", name=op.f('ck_bundles_status')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_bundles_department_code_departments')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_bundles_project_id_projects')),
    sa.ForeignKeyConstraint(['received_by'], ['users.id'], name=op.f('fk_bundles_received_by_users')),
    sa.ForeignKeyConstraint(['sent_by'], ['users.id'], name=op.f('fk_bundles_sent_by_users')),
    sa.ForeignKeyConstraint(['transmittal_file_id'], ['files.id'], name=op.f('fk_bundles_transmittal_file_id_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundles')),
    sa.UniqueConstraint('code', name=op.f('uq_bundles_code'))
    )
    with op.batch_alter_table('bundles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundles_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundles_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundles_status'), ['status'], unique=False)

    op.create_table('bundle_approvals',
    sa.Column('bundle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_bundle_approvals_approval_id_approvals')),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundles.id'], name=op.f('fk_bundle_approvals_bundle_id_bundles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('bundle_id', 'approval_id', name=op.f('pk_bundle_approvals'))
    )
    with op.batch_alter_table('bundle_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_approvals_approval_id'), ['approval_id'], unique=False)

    op.create_table('bundle_files',
    sa.Column('bundle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('file_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('material_code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_bundle_files_approval_id_approvals')),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundles.id'], name=op.f('fk_bundle_files_bundle_id_bundles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['file_id'], ['files.id'], name=op.f('fk_bundle_files_file_id_files')),
    sa.PrimaryKeyConstraint('bundle_id', 'file_id', name=op.f('pk_bundle_files'))
    )
    with op.batch_alter_table('bundle_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_files_approval_id'), ['approval_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bundle_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_files_approval_id'))

    op.drop_table('bundle_files')
    with op.batch_alter_table('bundle_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_approvals_approval_id'))

    op.drop_table('bundle_approvals')
    with op.batch_alter_table('bundles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundles_status'))
        batch_op.drop_index(batch_op.f('ix_bundles_project_id'))
        batch_op.drop_index(batch_op.f('ix_bundles_department_code'))

    op.drop_table('bundles')
