"""register: the proceedings an entity is marked with (konkurs, under avvikling, tvangsavvikling),
kept with the register copy and with the evidence of a representative check

Revision ID: 0012_register_proceedings
Revises: 0011_representation_ends
Create Date: 2026-11-22 00:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_register_proceedings'
down_revision = '0011_representation_ends'
branch_labels = None
depends_on = None


def upgrade():
    # NULL until the next import or `orgsvc registry sync` reads the entity again: earlier imports
    # did not keep the flags, and nothing here can know them.
    op.add_column('register_entity', sa.Column('proceedings', sa.String(length=80), nullable=True))
    op.add_column('register_check', sa.Column('entity_proceedings', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('register_check', schema=None) as batch_op:
        batch_op.drop_column('entity_proceedings')
    with op.batch_alter_table('register_entity', schema=None) as batch_op:
        batch_op.drop_column('proceedings')
