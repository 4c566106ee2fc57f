"""register search: the word index carries all_words (PostgreSQL), for index-only scans

Revision ID: 0008_register_covering_key
Revises: 0007_digest_batches
Create Date: 2026-11-21 17:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_register_covering_key'
down_revision = '0007_digest_batches'
branch_labels = None
depends_on = None


def upgrade():
    # A search scans a word's prefix range and checks the query's other words against all_words;
    # with all_words in the key's index that needs no table page per row. SQLite is fast enough
    # without (and has no INCLUDE).
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE register_name_word DROP CONSTRAINT pk_register_name_word, "
                   "ADD CONSTRAINT pk_register_name_word PRIMARY KEY (word, orgnr) INCLUDE (all_words)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE register_name_word DROP CONSTRAINT pk_register_name_word, "
                   "ADD CONSTRAINT pk_register_name_word PRIMARY KEY (word, orgnr)")
