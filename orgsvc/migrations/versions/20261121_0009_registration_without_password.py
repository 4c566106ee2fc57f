"""registration: no password until the link is followed (the holder of the mailbox chooses it)

Revision ID: 0009_registration_no_password
Revises: 0008_register_covering_key
Create Date: 2026-11-21 22:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_registration_no_password'
down_revision = '0008_register_covering_key'
branch_labels = None
depends_on = None


def upgrade():
    # The password is chosen on the confirmation page now; registrations no longer carry one.
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=True)


def downgrade():
    op.execute("DELETE FROM registration WHERE password_hash IS NULL")
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=False)
