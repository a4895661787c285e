"""a material holds a set of files; withdrawn files stay in its history; decided material states

* files.state: current (in the material's set, what goes out with a bundle), replaced, withdrawn (with
  who, when and why: changed_by, changed_at, change_reason), pending and returned (an enterprise's
  upload awaiting the clerk's review, or sent back). Files uploaded before this revision, several per
  material, were "versions" of which only the newest went out: the newest stays current, the older ones
  go to the history as replaced.
* material_states: what stands in for a material (容缺, 告知承诺, reused, shared, exempt).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import agency.db.base

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=12), nullable=False, server_default='current'))
        batch_op.add_column(sa.Column('changed_by', ID, nullable=True))
        batch_op.add_column(sa.Column('changed_at', agency.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('change_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_files_changed_by_users'), 'users', ['changed_by'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_files_state'),
                                         "state IN ('current','replaced','withdrawn','pending','returned')")
    op.execute("""
        UPDATE files SET state = 'replaced'
        WHERE material_code IS NOT NULL AND EXISTS (
            SELECT 1 FROM files AS newer WHERE newer.approval_id = files.approval_id
            AND newer.material_code = files.material_code AND newer.version > files.version)""")
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.alter_column('state', server_default=None)
    op.create_table('material_states',
    sa.Column('approval_id', ID, nullable=False),
    sa.Column('material_code', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('promised_on', sa.Date(), nullable=True),
    sa.Column('reused_from_approval_id', ID, nullable=True),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('set_by', ID, nullable=True),
    sa.Column('set_at', agency.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('deferred','committed','reused','shared','exempt')",
                       name=op.f('ck_material_states_state')),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_material_states_approval_id_approvals'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reused_from_approval_id'], ['approvals.id'],
                            name=op.f('fk_material_states_reused_from_approval_id_approvals')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_material_states_set_by_users')),
    sa.PrimaryKeyConstraint('approval_id', 'material_code', name=op.f('pk_material_states'))
    )


def downgrade() -> None:
    op.drop_table('material_states')
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_files_state'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_files_changed_by_users'), type_='foreignkey')
        batch_op.drop_column('change_reason')
        batch_op.drop_column('changed_at')
        batch_op.drop_column('changed_by')
        batch_op.drop_column('state')
