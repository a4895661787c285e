"""sealed PDF copies of DOCX papers; the center's papers of no dossier

* documents.pdf_file_id: the sealed PDF of a paper issued as DOCX, made and stored the first time someone asks
  for it as PDF (agency/documents/pdf_copies.py); its digest is the paper's sha256_pdf.
* documents.project_id may be empty: the center's own papers of no dossier (the monthly 通报 of the rankings),
  numbered and verifiable like the others.

Downgrade: the papers of no dossier go (their files stay as files); the PDF copies stay as files.

Revision ID: 0038
Revises: 0036 (rating targets)
Create Date: 2026-12-08 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0038'
down_revision: str | None = '0036'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_file_id', ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_documents_pdf_file_id_files'), 'files', ['pdf_file_id'], ['id'])
        batch_op.alter_column('project_id', existing_type=ID, nullable=True)


def downgrade() -> None:
    documents = sa.table('documents', sa.column('id', ID), sa.column('project_id', ID))
    recipients = sa.table('document_recipients', sa.column('document_id', ID))
    of_no_dossier = sa.select(documents.c.id).where(documents.c.project_id.is_(None))
    op.execute(recipients.delete().where(recipients.c.document_id.in_(of_no_dossier)))
    op.execute(documents.delete().where(documents.c.project_id.is_(None)))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('project_id', existing_type=ID, nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_documents_pdf_file_id_files'), type_='foreignkey')
        batch_op.drop_column('pdf_file_id')
