"""approval clock events, submission and status dates, the notification outbox, stored files

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 08:20:31.527984
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('recipient_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('recipient_address', sa.String(length=200), nullable=True),
    sa.Column('recipient_name', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', agency.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_at', agency.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('in_app','sms','email')", name=op.f('ck_notifications_channel')),
    sa.CheckConstraint("status IN ('pending','sent','dead')", name=op.f('ck_notifications_status')),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_notifications_recipient_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notifications_inbox', ['recipient_user_id', 'channel', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_project_id'), ['project_id'], unique=False)

    op.create_table('clock_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('recorded_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('recorded_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('started','paused','resumed','extended','stopped')", name=op.f('ck_clock_events_kind')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_clock_events_approval_id_approvals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_clock_events_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_events'))
    )
    with op.batch_alter_table('clock_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clock_events_approval_id'), ['approval_id'], unique=False)

    op.create_table('files',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('approval_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('material_code', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('uploaded_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('uploaded_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_files_approval_id_approvals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_files_project_id_projects'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_files_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_files')),
    sa.UniqueConstraint('approval_id', 'material_code', 'version', name=op.f('uq_files_approval_id_material_code_version')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_files_storage_key'))
    )
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.create_index('ix_files_material', ['approval_id', 'material_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_files_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('pending_supplement', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('status_since', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_column('status_since')
        batch_op.drop_column('pending_supplement')
        batch_op.drop_column('submitted_on')

    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_files_project_id'))
        batch_op.drop_index('ix_files_material')

    op.drop_table('files')
    with op.batch_alter_table('clock_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clock_events_approval_id'))

    op.drop_table('clock_events')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_project_id'))
        batch_op.drop_index('ix_notifications_inbox')
        batch_op.drop_index('ix_notifications_due')

    op.drop_table('notifications')
