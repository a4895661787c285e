"""one ledger of firings: subject, occasion, provisional firings and their withdrawal

The escalations ledger is keyed (subject_type, subject_id, rule, level, occasion) instead of (approval,
rule, level), unique among the firings not withdrawn, so that the later deadlines (deferred materials,
verification tasks, problems, stages, obligations…) join it and a withdrawn firing leaves room for the
real one. A firing made on dates of a provisional year says so; the official schedule's import
re-evaluates it and may withdraw it, with the reason. Existing rows are approvals' firings.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
LIVE = sa.text("status <> 'withdrawn'")


def upgrade() -> None:
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_type', sa.String(length=16), nullable=False,
                                      server_default='approval'))
        batch_op.add_column(sa.Column('subject_id', ID, nullable=True))
        batch_op.add_column(sa.Column('occasion', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('withdrawn_at', agency.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))
    op.execute("UPDATE escalations SET subject_id = approval_id")
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.alter_column('subject_id', existing_type=ID, nullable=False)
        batch_op.alter_column('subject_type', server_default=None)
        batch_op.alter_column('occasion', server_default=None)
        batch_op.alter_column('provisional', server_default=None)
        batch_op.alter_column('approval_id', existing_type=ID, nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_escalations_approval_id_rule_level'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_escalations_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_escalations_status'),
                                         "status IN ('open','acknowledged','resolved','withdrawn')")
        batch_op.create_index('ix_escalations_approval_id', ['approval_id'], unique=False)
        batch_op.create_index('uq_escalations_firing', ['subject_type', 'subject_id', 'rule', 'level', 'occasion'],
                              unique=True, postgresql_where=LIVE, sqlite_where=LIVE)


def downgrade() -> None:
    # Firings of other subjects, and withdrawn ones, have no place in the old ledger.
    op.execute("DELETE FROM escalations WHERE subject_type <> 'approval' OR status = 'withdrawn'")
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('uq_escalations_firing', postgresql_where=LIVE, sqlite_where=LIVE)
        batch_op.drop_index('ix_escalations_approval_id')
        batch_op.drop_constraint(batch_op.f('ck_escalations_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_escalations_status'),
                                         "status IN ('open','acknowledged','resolved')")
        batch_op.alter_column('approval_id', existing_type=ID, nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_escalations_approval_id_rule_level'),
                                          ['approval_id', 'rule', 'level'])
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('provisional')
        batch_op.drop_column('occasion')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_type')
