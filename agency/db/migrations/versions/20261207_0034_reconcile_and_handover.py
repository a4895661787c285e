"""fee account statements reconciled against fee lines; the site that holds a dossier and its handovers

* statement_imports / statement_lines: the fee account's (收费专户) bank statement as imported, one row per
  credit, unique by the bank's serial number (or a digest of the row) so a second import adds nothing;
  each credit matched, ambiguous or unmatched, and the fee line it reconciles (unique).
* projects.site_code: the site holding the dossier; project_handovers: a dossier handed from one site to
  another (a township hall to the center's agency office).

Revision ID: 0034
Revises: 0032
Create Date: 2026-12-07 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0034'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('statement_imports',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('encoding', sa.String(length=8), nullable=False),
    sa.Column('imported_by', ID, nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('credits', sa.Integer(), nullable=False),
    sa.Column('new_lines', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], name=op.f('fk_statement_imports_imported_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_imports'))
    )
    with op.batch_alter_table('statement_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_imports_sha256'), ['sha256'], unique=False)
    op.create_table('statement_lines',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('import_id', ID, nullable=False),
    sa.Column('line_key', sa.String(length=80), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payer_name', sa.String(length=200), nullable=False),
    sa.Column('payer_account', sa.String(length=64), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('matched_by', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('candidates', JSON, nullable=False),
    sa.Column('fee_id', ID, nullable=True),
    sa.Column('settled_by', ID, nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('matched', 'ambiguous', 'unmatched')", name=op.f('ck_statement_lines_status')),
    sa.ForeignKeyConstraint(['fee_id'], ['fee_lines.id'], name=op.f('fk_statement_lines_fee_id_fee_lines')),
    sa.ForeignKeyConstraint(['import_id'], ['statement_imports.id'],
                            name=op.f('fk_statement_lines_import_id_statement_imports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['settled_by'], ['users.id'], name=op.f('fk_statement_lines_settled_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_lines')),
    sa.UniqueConstraint('fee_id', name=op.f('uq_statement_lines_fee_id')),
    sa.UniqueConstraint('line_key', name=op.f('uq_statement_lines_line_key'))
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_lines_status'), ['status'], unique=False)
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_projects_site_code'), ['site_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_projects_site_code_sites'), 'sites', ['site_code'], ['code'])
    op.create_table('project_handovers',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('project_id', ID, nullable=False),
    sa.Column('from_site_code', sa.String(length=32), nullable=True),
    sa.Column('to_site_code', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('handed_by', ID, nullable=True),
    sa.Column('handed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['from_site_code'], ['sites.code'], name=op.f('fk_project_handovers_from_site_code_sites')),
    sa.ForeignKeyConstraint(['handed_by'], ['users.id'], name=op.f('fk_project_handovers_handed_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_handovers_project_id_projects'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_site_code'], ['sites.code'], name=op.f('fk_project_handovers_to_site_code_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_handovers'))
    )
    with op.batch_alter_table('project_handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_handovers_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_handovers_from_site_code'), ['from_site_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_handovers_from_site_code'))
        batch_op.drop_index(batch_op.f('ix_project_handovers_project_id'))
    op.drop_table('project_handovers')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_projects_site_code_sites'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_projects_site_code'))
        batch_op.drop_column('site_code')
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_lines_status'))
        batch_op.drop_index(batch_op.f('ix_statement_lines_import_id'))
    op.drop_table('statement_lines')
    with op.batch_alter_table('statement_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_imports_sha256'))
    op.drop_table('statement_imports')
