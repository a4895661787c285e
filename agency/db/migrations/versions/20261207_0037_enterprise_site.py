"""the site where an enterprise was registered; the clerk who received a handed-over dossier

* enterprises.site_code: the service site whose clerk registered the enterprise (a township hall's clerk sees
  the enterprises registered at his hall and those owning a dossier of his hall); NULL: registered before sites
  were kept, or by someone bound to no site (the center's).
* project_handovers.received_by: the receiving site's clerk who became the dossier's clerk at the handover.

Revision ID: 0037
Revises: 0034
Create Date: 2026-12-07 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0037'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_enterprises_site_code'), ['site_code'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_enterprises_site_code_sites'), 'sites', ['site_code'], ['code'])
    with op.batch_alter_table('project_handovers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_by', ID, nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_project_handovers_received_by_users'), 'users', ['received_by'],
                                    ['id'])


def downgrade() -> None:
    with op.batch_alter_table('project_handovers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_project_handovers_received_by_users'), type_='foreignkey')
        batch_op.drop_column('received_by')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enterprises_site_code_sites'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_enterprises_site_code'))
        batch_op.drop_column('site_code')
