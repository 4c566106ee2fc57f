"""api_request_key: the intake API's Idempotency-Keys, each with the case or document its request created

Revision ID: 0014_api_request_keys
Revises: 0013_follow_link_expiry
Create Date: 2026-11-22 05:00:00

"""
import sqlalchemy as sa
from alembic import op

import orgsvc.db


# revision identifiers, used by Alembic.
revision = '0014_api_request_keys'
down_revision = '0013_follow_link_expiry'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_request_key',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', orgsvc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_api_request_key_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['api_client.id'], name=op.f('fk_api_request_key_client_id_api_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['case_document.id'], name=op.f('fk_api_request_key_document_id_case_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'key', name=op.f('pk_api_request_key'))
    )
    with op.batch_alter_table('api_request_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_request_key_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('api_request_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_request_key_created_at'))

    op.drop_table('api_request_key')