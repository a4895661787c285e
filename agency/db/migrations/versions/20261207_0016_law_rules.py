"""the law's own rules: deemed acceptance, one-time notices, termination, violations, utilities

* departments.kind (authority | utility), reconsideration_body, court: a utility's refusal carries no
  reconsideration or litigation rights; a refusal names the department's own bodies.
* approvals.deemed (accepted by 行政许可法 第三十二条), approvals.supplement_rounds (every one-time notice,
  to find a second request for what was there and unchanged), status 'terminated' (终止办理).
* violations: one row per breach a department committed (intake overdue, repeated supplement request,
  promised or statutory limit passed).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
OLD_STATUSES = ("planned", "preparing", "submitted", "accepted", "supplement_requested", "suspended",
                "approved", "rejected", "refused", "withdrawn")
NEW_STATUSES = (*OLD_STATUSES, "terminated")


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), nullable=False, server_default='authority'))
        batch_op.add_column(sa.Column('reconsideration_body', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('court', sa.String(length=100), nullable=True))
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deemed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('supplement_rounds', agency.db.base.JSONType, nullable=False,
                                      server_default='[]'))
        batch_op.drop_constraint(batch_op.f('ck_approvals_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_approvals_status'), _status_check(NEW_STATUSES))
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.alter_column('deemed', server_default=None)
        batch_op.alter_column('supplement_rounds', server_default=None)
    op.create_table('violations',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('occasion', sa.String(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('detail', agency.db.base.JSONType, nullable=False),
    sa.Column('recorded_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('intake_overdue','repeat_supplement','promised_overdue','statutory_overdue')",
                       name=op.f('ck_violations_kind')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_violations_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_violations_department_code_departments')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_violations_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_violations'))
    )
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.create_index('uq_violations_breach', ['approval_id', 'kind', 'occasion'], unique=True)
        batch_op.create_index('ix_violations_department', ['department_code', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_violations_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_table('violations')
    op.execute("UPDATE approvals SET status = 'withdrawn' WHERE status = 'terminated'")
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_approvals_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_approvals_status'), _status_check(OLD_STATUSES))
        batch_op.drop_column('supplement_rounds')
        batch_op.drop_column('deemed')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_column('court')
        batch_op.drop_column('reconsideration_body')
        batch_op.drop_column('kind')
