"""cases: only a mediation has a counterparty (a business named in a tip or guidance is no party)

Revision ID: 0010_counterparty_in_mediation
Revises: 0009_registration_no_password
Create Date: 2026-11-21 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_counterparty_in_mediation'
down_revision = '0009_registration_no_password'
branch_labels = None
depends_on = None

# Earlier versions stored a business named in a tip or a question for guidance as the case's
# counterparty, which made it a party that could open the case. Keep what was named, in the
# description where the caseworker reads it, and take away the party's access.
NAMED = ("COALESCE((SELECT organisation.name || ' (' || organisation.orgnr || ')' FROM organisation "
         "WHERE organisation.id = case_file.counterparty_org_id), case_file.counterparty_consumer)")
NOT_PARTY = ("case_file.kind <> 'mediation' AND "
             "(case_file.counterparty_org_id IS NOT NULL OR case_file.counterparty_consumer IS NOT NULL)")


def upgrade():
    op.execute(f"DELETE FROM case_representative WHERE EXISTS (SELECT 1 FROM case_file WHERE "
               f"case_file.id = case_representative.case_id AND {NOT_PARTY} AND "
               f"case_file.counterparty_org_id = case_representative.organisation_id)")
    op.execute(f"UPDATE case_file SET description = description || '\n\nGjelder: ' || {NAMED}, "
               f"counterparty_org_id = NULL, counterparty_consumer = NULL WHERE {NOT_PARTY}")
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'counterparty_only_in_mediation',
            sa.text("kind = 'mediation' OR (counterparty_org_id IS NULL AND counterparty_consumer IS NULL)"))


def downgrade():
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_file_counterparty_only_in_mediation'), type_='check')
