"""the agency office's own papers: what a paper is about and who it is sent to

* documents.subject_type / subject_id: the fee line of a 缴款通知书, the meeting of a 会议纪要, the problem of a
  督办通知单 on a coordination problem (null for papers of the project or of one approval).
* document_recipients: the departments a paper is sent to beyond their own approvals' papers (the departments
  named in the minutes, the department responsible for a supervised problem).

Revision ID: 0032
Revises: 0033
Create Date: 2026-12-07 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0032'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_type', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('subject_id', ID, nullable=True))
        batch_op.create_index('ix_documents_subject', ['subject_type', 'subject_id'], unique=False)
    op.create_table('document_recipients',
    sa.Column('document_id', ID, nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_document_recipients_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_document_recipients_department_code_departments')),
    sa.PrimaryKeyConstraint('document_id', 'department_code', name=op.f('pk_document_recipients'))
    )
    with op.batch_alter_table('document_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_recipients_department_code'), ['department_code'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_recipients_department_code'))
    op.drop_table('document_recipients')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_subject')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_type')
