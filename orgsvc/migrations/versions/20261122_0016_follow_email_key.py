"""case_follow.email_key: a «Følg» address as compared (trimmed, case-folded), so an address's follows are found by SQL

Filled for existing follows as orgsvc.accounts.models.email_key forms it (Python's casefold, which
SQL's lower does not match for every address; copied here so this revision keeps its meaning), and
indexed. It stays nullable: the release before this one goes on inserting follows without it until
its instances are replaced, and the service fills such rows when it looks addresses up.

Revision ID: 0016_follow_email_key
Revises: 0015_membership_replaces
Create Date: 2026-11-22 05:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_follow_email_key'
down_revision = '0015_membership_replaces'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('case_follow', sa.Column('email_key', sa.String(length=254), nullable=True))
    connection = op.get_bind()
    follow = sa.table('case_follow', sa.column('id'), sa.column('email'), sa.column('email_key'))
    keys = [{'follow_id': follow_id, 'key': address.strip().casefold()}
            for follow_id, address in connection.execute(sa.select(follow.c.id, follow.c.email)).all()]
    if keys:
        connection.execute(sa.update(follow).where(follow.c.id == sa.bindparam('follow_id'))
                           .values(email_key=sa.bindparam('key')), keys)
    op.create_index(op.f('ix_case_follow_email_key'), 'case_follow', ['email_key'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_follow_email_key'), table_name='case_follow')
    with op.batch_alter_table('case_follow', schema=None) as batch_op:
        batch_op.drop_column('email_key')
