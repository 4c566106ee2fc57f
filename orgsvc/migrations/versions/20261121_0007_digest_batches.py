"""digest batches: events are taken by digest runs once committed, not by an id high-water mark

Revision ID: 0007_digest_batches
Revises: 0006_notifications
Create Date: 2026-11-21 16:10:00

"""
from alembic import op
import sqlalchemy as sa

import orgsvc.db


# revision identifiers, used by Alembic.
revision = '0007_digest_batches'
down_revision = '0006_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', orgsvc.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_run'))
    )
    # Plain ALTERs (no batch copy): case_event may be large, and a new nullable column needs none.
    op.add_column('case_event', sa.Column('digest_batch', sa.Integer(), nullable=True))
    op.create_index('ix_case_event_digest_batch', 'case_event', ['digest_batch'], unique=False)
    op.add_column('digest_state', sa.Column('last_batch', sa.Integer(), nullable=True))

    # Carry the old high-water marks over without losing news: the events every address has been
    # told about (up to the lowest mark) form batch 1; everything later is left to the next run,
    # so an address may hear of an event twice, but of none not at all.
    connection = op.get_bind()
    lowest = connection.execute(sa.text("SELECT min(last_event_id) FROM digest_state")).scalar()
    if lowest is not None:
        connection.execute(sa.text("INSERT INTO digest_run (id, started_at) VALUES (1, :now)"),
                           {"now": orgsvc.db.utcnow() if connection.dialect.name != "sqlite"
                            else orgsvc.db.utcnow().replace(tzinfo=None)})
        connection.execute(sa.text("UPDATE case_event SET digest_batch = 1 WHERE id <= :lowest"), {"lowest": lowest})
        connection.execute(sa.text("UPDATE digest_state SET last_batch = 1 WHERE last_event_id IS NOT NULL"))
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT setval(pg_get_serial_sequence('digest_run', 'id'), 1)"))

    with op.batch_alter_table('digest_state', schema=None) as batch_op:
        batch_op.drop_column('last_event_id')


def downgrade():
    op.add_column('digest_state', sa.Column('last_event_id', sa.BigInteger(), nullable=True))
    # Back to a high-water mark: the newest event of the batches each address was told about.
    op.execute("UPDATE digest_state SET last_event_id = (SELECT max(id) FROM case_event "
               "WHERE case_event.digest_batch <= digest_state.last_batch)")
    with op.batch_alter_table('digest_state', schema=None) as batch_op:
        batch_op.drop_column('last_batch')
    op.drop_index('ix_case_event_digest_batch', table_name='case_event')
    op.drop_column('case_event', 'digest_batch')  # SQLite 3.35+ drops a plain column in place
    op.drop_table('digest_run')
