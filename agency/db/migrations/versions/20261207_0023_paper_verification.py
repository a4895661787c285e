"""papers anyone can verify: a verification code, the file digests, the seal and revocation

* documents.verification_code (unique), issuer, sha256_docx, sha256_pdf: what /verify/{code} shows.
* documents.status: pending/ready/failed of the sealing job (existing papers are ready).
* documents.seal_certificate: the certificate (DER) the PDF was sealed with.
* documents.revoked_at, revoked_by, revoked_reason: an administrator revoked the paper.

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('issuer', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('sha256_docx', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sha256_pdf', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False, server_default='ready'))
        batch_op.add_column(sa.Column('seal_certificate', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_by', ID, nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_documents_verification_code'), ['verification_code'])
        batch_op.create_foreign_key(batch_op.f('fk_documents_revoked_by_users'), 'users', ['revoked_by'], ['id'])
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_revoked_by_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_documents_verification_code'), type_='unique')
        for column in ('revoked_reason', 'revoked_by', 'revoked_at', 'seal_certificate', 'status', 'sha256_pdf',
                       'sha256_docx', 'issuer', 'verification_code'):
            batch_op.drop_column(column)
