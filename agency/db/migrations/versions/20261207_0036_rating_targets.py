"""three rating targets (an approval, the project's clerk, the approval's officer); follow-ups into rectifications

* evaluations: target ('approval' | 'clerk' | 'officer'), occasion ('' or, for a clerk, 'mandate_end' or a
  quarter such as '2026Q4'), rated_user_id (the clerk or the handler), reasons (codes from a fixed list);
  target_key replaces the unique approval_id (one rating per target and occasion); approval_id and
  department_code may be empty (a clerk's rating: the agency office).
* rectifications: approval_id and department_code may be empty (a clerk's: the office answers); visit_note,
  visited_by, visited_at: the center's return visit (回访), which was the follow-up.
* follow_ups: each one's visit moves onto the rectification of its rating; a rating from before
  rectifications existed gets one (closed if the visit was made, its note as the answer; else open, due a
  week after the rating). The table goes; /api/follow-ups reads the rectifications.
* ranking_criteria: the administrator's criteria of the monthly rankings (one row; none: the settings).

Revision ID: 0036
Revises: 0037 (enterprise sites)
Create Date: 2026-12-07 23:59:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import agency.db.base

revision: str = '0036'
down_revision: str | None = '0037'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
WHEN = agency.db.base.UTCDateTime(timezone=True)
# An old follow-up still open becomes a rectification due this long after its rating (about 5 working days).
OLD_DUE_AFTER = timedelta(days=7)


def _day(value: object) -> date:
    """A DATE as the driver returns it (SQLite: text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _moment(value: object) -> datetime | None:
    """A stored moment, aware (SQLite keeps UTC without its offset)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _follow_ups_into_rectifications() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT f.evaluation_id, f.approval_id, f.project_id, f.department_code, f.status, f.closed_by, "
        "f.closed_at, f.note, e.enterprise_id, e.rated_on, r.id FROM follow_ups f "
        "JOIN evaluations e ON e.id = f.evaluation_id "
        "LEFT JOIN rectifications r ON r.evaluation_id = f.evaluation_id ORDER BY f.id")).all()
    for (evaluation_id, approval_id, project_id, department_code, status, closed_by, closed_at, note,
         enterprise_id, rated_on, rectification_id) in rows:
        visit = {"note": note if status == "closed" else None, "by": closed_by if status == "closed" else None,
                 "at": _moment(closed_at) if status == "closed" else None}
        if rectification_id is not None:
            bind.execute(sa.text("UPDATE rectifications SET visit_note = :note, visited_by = :by, visited_at = :at "
                                 "WHERE id = :id").bindparams(sa.bindparam("at", type_=WHEN)),
                         {**visit, "id": rectification_id})
            continue
        opened = _day(rated_on)
        replied = visit["at"].date() if isinstance(visit["at"], datetime) else None
        bind.execute(sa.text(
            "INSERT INTO rectifications (evaluation_id, approval_id, project_id, enterprise_id, department_code, "
            "status, opened_on, due_on, reply, replied_by, replied_on, visit_note, visited_by, visited_at, version) "
            "VALUES (:evaluation_id, :approval_id, :project_id, :enterprise_id, :department_code, :status, "
            ":opened_on, :due_on, :note, :by, :replied_on, :note, :by, :at, 1)")
            .bindparams(sa.bindparam("at", type_=WHEN)),
            {"evaluation_id": evaluation_id, "approval_id": approval_id, "project_id": project_id,
             "enterprise_id": enterprise_id, "department_code": department_code,
             "status": "closed" if status == "closed" else "open", "opened_on": opened,
             "due_on": opened + OLD_DUE_AFTER, "replied_on": replied, **visit})


def upgrade() -> None:
    op.create_table('ranking_criteria',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('weights', JSON, nullable=False),
    sa.Column('penalty', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=False),
    sa.Column('flag_at_least', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=False),
    sa.Column('model_at_least', sa.Numeric(precision=7, scale=2, asdecimal=False),
              nullable=False),
    sa.Column('min_completed', sa.Integer(), nullable=False),
    sa.Column('updated_by', ID, nullable=True),
    sa.Column('updated_at', WHEN, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_ranking_criteria_one_row')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_ranking_criteria_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_criteria'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sa.String(length=8), nullable=False, server_default='approval'))
        batch_op.add_column(sa.Column('occasion', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('target_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('rated_user_id', ID, nullable=True))
        batch_op.add_column(sa.Column('reasons', JSON, nullable=True))
    op.execute("UPDATE evaluations SET target_key = 'approval:' || CAST(approval_id AS VARCHAR(24)), "
               "reasons = '[]'")
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.alter_column('target', server_default=None)
        batch_op.alter_column('occasion', server_default=None)
        batch_op.alter_column('target_key', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('reasons', existing_type=JSON, nullable=False)
        batch_op.alter_column('approval_id', existing_type=ID, nullable=True)
        batch_op.alter_column('department_code', existing_type=sa.String(length=32), nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_evaluations_approval_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_evaluations_target_key'), ['target_key'])
        batch_op.create_check_constraint(batch_op.f('ck_evaluations_target'),
                                         "target IN ('approval','clerk','officer')")
        batch_op.create_index(batch_op.f('ix_evaluations_approval_id'), ['approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_rated_user_id'), ['rated_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evaluations_rated_user_id_users'), 'users', ['rated_user_id'],
                                    ['id'])
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.alter_column('approval_id', existing_type=ID, nullable=True)
        batch_op.alter_column('department_code', existing_type=sa.String(length=32), nullable=True)
        batch_op.add_column(sa.Column('visit_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('visited_by', ID, nullable=True))
        batch_op.add_column(sa.Column('visited_at', WHEN, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rectifications_visited_by_users'), 'users', ['visited_by'],
                                    ['id'])
    _follow_ups_into_rectifications()
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_status'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_project_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_approval_id'))
    op.drop_table('follow_ups')


def downgrade() -> None:
    op.drop_table('ranking_criteria')
    op.create_table('follow_ups',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('evaluation_id', ID, nullable=False),
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('closed_by', ID, nullable=True),
    sa.Column('closed_at', WHEN, nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('open','closed')", name=op.f('ck_follow_ups_status')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_follow_ups_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_follow_ups_closed_by_users')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'],
                            name=op.f('fk_follow_ups_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_follow_ups_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('evaluation_id', name=op.f('uq_follow_ups_evaluation_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_approval_id'), ['approval_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_status'), ['status'], unique=False)
    # Ratings of a clerk or an officer have no place in the old schema (one rating per approval); their
    # rectifications go with them (ON DELETE CASCADE is not relied on: SQLite may run without foreign keys).
    op.execute("DELETE FROM rectifications WHERE evaluation_id IN "
               "(SELECT id FROM evaluations WHERE target <> 'approval')")
    op.execute("DELETE FROM evaluations WHERE target <> 'approval'")
    op.execute("INSERT INTO follow_ups (evaluation_id, approval_id, project_id, department_code, status, created_at, "
               "closed_by, closed_at, note) SELECT r.evaluation_id, r.approval_id, r.project_id, r.department_code, "
               "CASE WHEN r.visited_at IS NULL THEN 'open' ELSE 'closed' END, e.created_at, r.visited_by, "
               "r.visited_at, r.visit_note FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id "
               "ORDER BY r.id")
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rectifications_visited_by_users'), type_='foreignkey')
        batch_op.drop_column('visited_at')
        batch_op.drop_column('visited_by')
        batch_op.drop_column('visit_note')
        batch_op.alter_column('department_code', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('approval_id', existing_type=ID, nullable=False)
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evaluations_rated_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evaluations_rated_user_id'))
        batch_op.drop_index(batch_op.f('ix_evaluations_approval_id'))
        batch_op.drop_constraint(batch_op.f('ck_evaluations_target'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_evaluations_target_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_evaluations_approval_id'), ['approval_id'])
        batch_op.alter_column('department_code', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('approval_id', existing_type=ID, nullable=False)
        for column in ('reasons', 'rated_user_id', 'target_key', 'occasion', 'target'):
            batch_op.drop_column(column)
