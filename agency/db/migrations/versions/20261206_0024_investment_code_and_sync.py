"""the investment project code, integration keys and the provincial systems' sync records

* projects.investment_code: 投资项目统一代码, unique where given.
* integration_keys: an outside system's bearer key (role integration), stored as its sha256.
* sync_records: each record of a provincial system once per (source, record_id), with its status.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from agency.db.base import JSONType, UTCDateTime

revision: str = '0024'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
STATUSES = "status IN ('applied', 'waiting', 'late', 'refused', 'unmatched', 'discarded')"


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('investment_code', sa.String(length=24), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_projects_investment_code'), ['investment_code'])
    op.create_table('integration_keys',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_integration_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_integration_keys_name'))
    )
    op.create_table('sync_records',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=100), nullable=False),
    sa.Column('investment_code', sa.String(length=32), nullable=False),
    sa.Column('item_external_code', sa.String(length=64), nullable=False),
    sa.Column('act', sa.String(length=24), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('payload', JSONType, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('approval_id', ID, nullable=True),
    sa.Column('received_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('handled_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint(STATUSES, name=op.f('ck_sync_records_status')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_sync_records_approval_id_approvals'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_records')),
    sa.UniqueConstraint('source', 'record_id', name=op.f('uq_sync_records_source_record_id'))
    )
    with op.batch_alter_table('sync_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_records_approval_id'), ['approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_records_investment_code'), ['investment_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_records_status'), ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('sync_records')
    op.drop_table('integration_keys')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_projects_investment_code'), type_='unique')
        batch_op.drop_column('investment_code')
