"""clock rows written where a clock changes, calendar changes, background jobs

* approval_clocks replaces open_clocks: each running or paused clock as the pure reduction of its
  events leaves it (agency/approvals/clock_rows.py), written by whatever changes it, in the same
  transaction, with the calendar revision it was computed with; built here from the clock events
  already in the book (skipped in offline --sql mode: run `agency clocks rebuild` after it).
* calendar_changes: the dates each calendar revision changed, so a clock row knows whether a later
  change touches it (until its background recompute has reached it).
* jobs: work that runs after the transaction that asked for it (papers, rating links, a calendar
  change's clocks), with retries and progress.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
CREATED = ('approval_id', 'project_id', 'department_code', 'status', 'route_id', 'green', 'readable', 'state', 'unit',
           'allowed', 'accepted_on', 'paused_on', 'due_on', 'statutory_due_on', 'anchor_on', 'remaining_at_anchor',
           'used_at_anchor', 'horizon_on', 'calendar_revision', 'key_day', 'key_rank', 'key_remaining')


def upgrade() -> None:
    with op.batch_alter_table('open_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_open_clocks_urgency')
        batch_op.drop_index(batch_op.f('ix_open_clocks_project_id'))
        batch_op.drop_index(batch_op.f('ix_open_clocks_key_day'))
        batch_op.drop_index('ix_open_clocks_department_urgency')
    op.drop_table('open_clocks')

    op.create_table('approval_clocks',
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('route_id', ID, nullable=False),
    sa.Column('green', sa.Boolean(), nullable=False),
    sa.Column('readable', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('allowed', sa.Integer(), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('paused_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('statutory_due_on', sa.Date(), nullable=True),
    sa.Column('anchor_on', sa.Date(), nullable=True),
    sa.Column('remaining_at_anchor', sa.Integer(), nullable=True),
    sa.Column('used_at_anchor', sa.Integer(), nullable=True),
    sa.Column('horizon_on', sa.Date(), nullable=True),
    sa.Column('calendar_revision', sa.Integer(), nullable=False),
    sa.Column('key_day', sa.Date(), nullable=True),
    sa.Column('key_rank', sa.Integer(), nullable=True),
    sa.Column('key_remaining', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('running','paused')", name=op.f('ck_approval_clocks_state')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_approval_clocks_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('approval_id', name=op.f('pk_approval_clocks'))
    )
    with op.batch_alter_table('approval_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_approval_clocks_department_urgency',
                              ['department_code', 'key_rank', 'key_remaining', 'approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_clocks_key_day'), ['key_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_clocks_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_approval_clocks_urgency', ['key_rank', 'key_remaining', 'approval_id'], unique=False)

    op.create_table('calendar_changes',
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('revision', 'day', name=op.f('pk_calendar_changes'))
    )
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_changes_day'), ['day'], unique=False)

    op.create_table('jobs',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.CheckConstraint("status IN ('pending','running','done','failed')", name=op.f('ck_jobs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['status', 'run_after'], unique=False)

    if not context.is_offline_mode():
        # The rows come from the code of the release being installed (its pure reduction); when that code
        # writes other columns than these, a later revision changed the table and builds the rows itself.
        from agency import timeutil
        from agency.approvals import clock_rows

        if clock_rows.COLUMNS == CREATED:
            clock_rows.rebuild_with(op.get_bind(), timeutil.today())


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_due')
    op.drop_table('jobs')
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_changes_day'))
    op.drop_table('calendar_changes')
    with op.batch_alter_table('approval_clocks', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_clocks_urgency')
        batch_op.drop_index(batch_op.f('ix_approval_clocks_project_id'))
        batch_op.drop_index(batch_op.f('ix_approval_clocks_key_day'))
        batch_op.drop_index('ix_approval_clocks_department_urgency')
    op.drop_table('approval_clocks')
    op.create_table('open_clocks',
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('route_id', ID, nullable=False),
    sa.Column('green', sa.Boolean(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('limit_count', sa.Integer(), nullable=False),
    sa.Column('extension', sa.Integer(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('pausing', sa.Boolean(), nullable=False),
    sa.Column('paused_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('remaining_base', sa.Integer(), nullable=True),
    sa.Column('used_base', sa.Integer(), nullable=True),
    sa.Column('absorbed_pause', sa.Date(), nullable=True),
    sa.Column('last_event_on', sa.Date(), nullable=False),
    sa.Column('readable', sa.Boolean(), nullable=False),
    sa.Column('key_day', sa.Date(), nullable=True),
    sa.Column('key_rank', sa.Integer(), nullable=True),
    sa.Column('key_remaining', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_open_clocks_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('approval_id', name=op.f('pk_open_clocks'))
    )
    with op.batch_alter_table('open_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_open_clocks_department_urgency',
                              ['department_code', 'key_rank', 'key_remaining', 'approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_clocks_key_day'), ['key_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_clocks_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_open_clocks_urgency', ['key_rank', 'key_remaining', 'approval_id'], unique=False)
