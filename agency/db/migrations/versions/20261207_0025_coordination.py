"""key-project coordination: the problem ledger and coordination meetings

* problems: a problem of a project (问题清单), the department that must solve it, its due date, notes.
* meetings, meeting_projects: coordination meetings (协调会), their agenda, minutes and acknowledgements.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = agency.db.base.JSONType
WHEN = agency.db.base.UTCDateTime()


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('called_by', ID, nullable=True),
    sa.Column('agenda', JSON, nullable=False),
    sa.Column('attendees', JSON, nullable=False),
    sa.Column('decisions', JSON, nullable=False),
    sa.Column('acknowledgements', JSON, nullable=False),
    sa.Column('minutes_document_id', ID, nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('planned','held')", name=op.f('ck_meetings_status')),
    sa.ForeignKeyConstraint(['called_by'], ['users.id'], name=op.f('fk_meetings_called_by_users')),
    sa.ForeignKeyConstraint(['minutes_document_id'], ['documents.id'],
                            name=op.f('fk_meetings_minutes_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    op.create_table('meeting_projects',
    sa.Column('meeting_id', ID, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_projects_meeting_id_meetings'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_meeting_projects_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'project_id', name=op.f('pk_meeting_projects'))
    )
    with op.batch_alter_table('meeting_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_projects_project_id'), ['project_id'], unique=False)
    op.create_table('problems',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('approval_ids', JSON, nullable=False),
    sa.Column('notes', JSON, nullable=False),
    sa.Column('meeting_id', ID, nullable=True),
    sa.Column('opened_by', ID, nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('created_at', WHEN, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open','responded','resolved','confirmed')", name=op.f('ck_problems_status')),
    sa.CheckConstraint("category IN ('land','planning','utilities','funding','other')",
                       name=op.f('ck_problems_category')),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_problems_department_code_departments')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_problems_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_problems_opened_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_problems_project_id_projects'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problems'))
    )
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.create_index('ix_problems_open', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_problems_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_problems_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problems_project_id'))
        batch_op.drop_index(batch_op.f('ix_problems_department_code'))
        batch_op.drop_index('ix_problems_open')
    op.drop_table('problems')
    with op.batch_alter_table('meeting_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_projects_project_id'))
    op.drop_table('meeting_projects')
    op.drop_table('meetings')
