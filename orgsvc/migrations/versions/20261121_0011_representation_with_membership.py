"""cases: a person's representation in an organisation's cases ends with their membership

Revision ID: 0011_representation_ends
Revises: 0010_counterparty_in_mediation
Create Date: 2026-11-21 23:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_representation_ends'
down_revision = '0010_counterparty_in_mediation'
branch_labels = None
depends_on = None


def upgrade():
    # Earlier versions kept the rows when a member was removed or left, so a person approved again
    # later had their old cases back unasked. Rows without a live membership behind them go.
    op.execute("DELETE FROM case_representative WHERE NOT EXISTS (SELECT 1 FROM membership "
               "WHERE membership.person_id = case_representative.person_id "
               "AND membership.organisation_id = case_representative.organisation_id "
               "AND membership.status IN ('pending', 'active'))")


def downgrade():
    pass  # the rows removed were dead; nothing to restore
