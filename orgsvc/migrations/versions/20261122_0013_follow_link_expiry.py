"""case_follow: «Følg» confirmation links expire (token_expires_at, 72 hours after they are sent)

Follows still waiting for confirmation from before this revision have a link but no expiry. They are
left so, and a link without an expiry is refused as an expired one: nothing tells a link sent an hour
ago from one sent a year ago (created_at is when the person first followed, not when the last link
went out), and giving them all a fresh 72 hours would revive every old link. The cost is that a
link in flight during the upgrade stops working; the person follows again to get a new one.

Revision ID: 0013_follow_link_expiry
Revises: 0012_register_proceedings
Create Date: 2026-11-22 12:00:00

"""
import sqlalchemy as sa
from alembic import op

import orgsvc.db

# revision identifiers, used by Alembic.
revision = '0013_follow_link_expiry'
down_revision = '0012_register_proceedings'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('case_follow', sa.Column('token_expires_at', orgsvc.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # The links then work again without a time limit, as they did before this revision.
    with op.batch_alter_table('case_follow', schema=None) as batch_op:
        batch_op.drop_column('token_expires_at')
