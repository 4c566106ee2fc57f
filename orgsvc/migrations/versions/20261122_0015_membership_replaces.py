"""membership.replaces_id: a request to become administrator made with «Søk om å bli administrator» names the user tie it replaced

Requests made before this revision are linked from the audit log, which has recorded the replaced
tie with each such request (membership.requested_administrator, details.replaces_membership).

Revision ID: 0015_membership_replaces
Revises: 0014_api_request_keys
Create Date: 2026-11-22 05:10:00

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_membership_replaces'
down_revision = '0014_api_request_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_membership_replaces_id_membership'), 'membership',
                                    ['replaces_id'], ['id'], ondelete='SET NULL')
    _link_earlier_requests()


def _link_earlier_requests():
    connection = op.get_bind()
    audit = sa.table('audit_event', sa.column('object_type'), sa.column('object_id'), sa.column('action'),
                     sa.column('details', sa.JSON))
    membership = sa.table('membership', sa.column('id'), sa.column('replaces_id'))
    rows = connection.execute(sa.select(audit.c.object_id, audit.c.details).where(
        audit.c.action == 'membership.requested_administrator', audit.c.object_type == 'membership')).all()
    existing = set(connection.scalars(sa.select(membership.c.id)))
    for object_id, details in rows:
        details = json.loads(details) if isinstance(details, str) else details or {}
        replaced = details.get('replaces_membership')
        if str(object_id).isdigit() and int(object_id) in existing and replaced in existing:
            connection.execute(sa.update(membership).where(membership.c.id == int(object_id))
                               .values(replaces_id=replaced))


def downgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_membership_replaces_id_membership'), type_='foreignkey')
        batch_op.drop_column('replaces_id')
