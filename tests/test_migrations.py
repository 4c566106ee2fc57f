"""Migrations: `orgsvc db upgrade` from empty builds exactly the schema the models describe."""

from __future__ import annotations

import contextlib
import sqlite3

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orgsvc import create_app
from orgsvc.accounts.sessions import token_hash
from orgsvc.cases.follow import pending_confirmation
from orgsvc.errors import NotFound
from orgsvc.extensions import db
from tests.support import app_config


@contextlib.contextmanager
def _migrated_to(tmp_path, revision: str):
    """An application context on a SQLite database migrated to ``revision``; yields a way to write
    rows as that version left them (plain sqlite3, foreign keys off, committed on leaving)."""
    path = tmp_path / "migrations.sqlite3"
    app = create_app(app_config(f"sqlite:///{path}", tmp_path / "instance"))
    with app.app_context():
        flask_migrate.upgrade(revision=revision)
        db.engine.dispose()
        yield lambda: contextlib.closing(sqlite3.connect(path))
        db.engine.dispose()


def _an_organisation_a_person_and_a_case(connection, *, with_case: bool = True) -> None:
    """Rows (id 1 each) for an old version's rows to refer to: SQLite copies a table when a
    migration changes it, and a dangling reference could be reported as broken by that copy."""
    connection.execute("INSERT INTO organisation (id, orgnr, name, status, created_at) "
                       "VALUES (1, '310000019', 'NORDLYS ELEKTRONIKK AS', 'approved', '2026-11-20')")
    connection.execute("INSERT INTO person (id, email, email_key, full_name, locale, is_active, created_at) "
                       "VALUES (1, 'kari@example.com', 'kari@example.com', 'Kari', 'nb', 1, '2026-11-20')")
    if with_case:
        connection.execute(
            "INSERT INTO case_file (id, number, kind, status, title, description, submitter_org_id, created_via, "
            "created_at, last_activity_at) "
            "VALUES (1, 'n1', 'tip', 'submitted', 't', 'd', 1, 'portal', '2026-11-20', '2026-11-20')")


def test_the_migrated_schema_equals_the_models(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_migrated_schema_has_every_table(database):
    tables = set(sa.inspect(database.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_downgrade_to_empty_and_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    app = create_app(app_config(url, tmp_path / "instance"))
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "membership" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_the_register_word_key_is_a_covering_index_on_postgresql(database):
    """The name search scans register_name_word by word and filters on all_words: on PostgreSQL
    the key's index carries all_words, so the scan never visits the table (index-only)."""
    key = sa.inspect(database.engine).get_pk_constraint("register_name_word")
    assert key["constrained_columns"] == ["word", "orgnr"]
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            definition = connection.execute(sa.text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'register_name_word' "
                "AND indexname = 'pk_register_name_word' AND schemaname = current_schema()")).scalar_one()
        assert definition.endswith("(word, orgnr) INCLUDE (all_words)")


def test_partial_unique_indexes_exist_in_the_database(database):
    indexes = {index["name"]: index for index in sa.inspect(database.engine).get_indexes("membership")}
    assert indexes["uq_membership_live"]["unique"]
    assert indexes["uq_membership_pending_admin"]["unique"]


def test_digest_high_water_marks_become_batches_without_losing_news(tmp_path):
    """0007 replaces each address's last event id by a batch: what every address was told about
    is batch 1, everything later is left for the next digest run (heard twice, never lost)."""
    with _migrated_to(tmp_path, "0006_notifications") as old_rows:
        # Plain sqlite3, foreign keys off: the events need no cases for what is tested here.
        with old_rows() as connection, connection:
            connection.executemany(
                "INSERT INTO case_event (id, case_id, occurred_at, kind, details) "
                "VALUES (?, 1, '2026-11-20 10:00:00', 'document_added', '{}')", [(i,) for i in (1, 2, 3, 4)])
            connection.executemany(
                "INSERT INTO digest_state (address_key, last_event_id, updated_at) VALUES (?, ?, '2026-11-20')",
                [("kari@example.com", 3), ("ola@example.com", 2), ("ny@example.com", None)])
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            batches = dict(connection.exec_driver_sql("SELECT id, digest_batch FROM case_event").all())
            states = dict(connection.exec_driver_sql("SELECT address_key, last_batch FROM digest_state").all())
        assert batches == {1: 1, 2: 1, 3: None, 4: None}
        assert states == {"kari@example.com": 1, "ola@example.com": 1, "ny@example.com": None}
        flask_migrate.downgrade(revision="0006_notifications")
        with db.engine.connect() as connection:
            marks = dict(connection.exec_driver_sql("SELECT address_key, last_event_id FROM digest_state").all())
        assert marks == {"kari@example.com": 2, "ola@example.com": 2, "ny@example.com": None}


def test_a_business_named_in_an_old_tip_is_kept_in_the_text_and_loses_its_access(tmp_path):
    """0010: tips and guidance no longer have a counterparty. What was named moves into the
    description, the named business's representatives lose the case, mediations are untouched."""
    with _migrated_to(tmp_path, "0009_registration_no_password") as old_rows:
        with old_rows() as connection, connection:
            connection.executemany(
                "INSERT INTO organisation (id, orgnr, name, status, created_at) "
                "VALUES (?, ?, ?, 'approved', '2026-11-20')",
                [(1, "310000019", "NORDLYS ELEKTRONIKK AS"), (2, "310000035", "FJELLSPORT AS")])
            cases = [(1, "tip", 1, 2, None), (2, "guidance", 1, None, "Ola Forbruker"), (3, "mediation", 1, 2, None)]
            connection.executemany(
                "INSERT INTO case_file (id, number, kind, status, title, description, submitter_org_id, "
                "counterparty_org_id, counterparty_consumer, created_via, created_at, last_activity_at) "
                "VALUES (?, 'n' || ?, ?, 'submitted', 't', 'Om dem.', ?, ?, ?, 'portal', '2026-11-20', '2026-11-20')",
                [(id_, id_, kind, sub, org, consumer) for id_, kind, sub, org, consumer in cases])
            connection.executemany(
                "INSERT INTO case_representative (id, case_id, person_id, organisation_id, added_at) "
                "VALUES (?, ?, ?, ?, '2026-11-20')", [(1, 1, 1, 1), (2, 1, 2, 2), (3, 3, 2, 2)])
        flask_migrate.upgrade(revision="0010_counterparty_in_mediation")
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT id, description, counterparty_org_id, counterparty_consumer FROM case_file ORDER BY id").all()
            representatives = connection.exec_driver_sql(
                "SELECT id FROM case_representative ORDER BY id").scalars().all()
        assert [tuple(row) for row in rows] == [
            (1, "Om dem.\n\nGjelder: FJELLSPORT AS (310000035)", None, None),
            (2, "Om dem.\n\nGjelder: Ola Forbruker", None, None),
            (3, "Om dem.", 2, None),
        ]
        assert representatives == [1, 3]
        flask_migrate.downgrade(revision="0009_registration_no_password")


def test_representation_without_a_live_membership_is_removed(tmp_path):
    """0011: rows of people removed (or who left) went on granting access if they were approved
    again; only rows with a live membership behind them are kept."""
    with _migrated_to(tmp_path, "0010_counterparty_in_mediation") as old_rows:
        with old_rows() as connection, connection:
            connection.executemany(
                "INSERT INTO membership (id, person_id, organisation_id, role, status, requested_at) "
                "VALUES (?, ?, 1, 'user', ?, '2026-11-20')", [(1, 1, "active"), (2, 2, "removed"), (3, 3, "pending")])
            connection.executemany(
                "INSERT INTO case_representative (id, case_id, person_id, organisation_id, added_at) "
                "VALUES (?, 1, ?, 1, '2026-11-20')", [(1, 1), (2, 2), (3, 3), (4, 4)])
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT id FROM case_representative ORDER BY id").scalars().all()
        assert kept == [1, 3]


def test_follow_links_from_before_0013_have_no_expiry_and_are_refused(tmp_path):
    """0013: links sent before confirmation links expired keep no expiry and are refused (their age
    is unknown); the follows themselves stay. Downgrading drops only the column."""
    with _migrated_to(tmp_path, "0012_register_proceedings") as old_rows:
        with old_rows() as connection, connection:
            _an_organisation_a_person_and_a_case(connection)
            connection.execute(
                "INSERT INTO case_follow (id, case_id, person_id, email, confirmed_at, token_hash, created_at) "
                "VALUES (1, 1, 1, 'kundeservice@example.com', NULL, ?, '2026-11-20')", (token_hash("old-link"),))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, token_expires_at FROM case_follow").all()
        assert [tuple(row) for row in rows] == [(1, None)]
        with pytest.raises(NotFound):
            pending_confirmation("old-link")
        db.session.remove()
        flask_migrate.downgrade(revision="0012_register_proceedings")
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("case_follow")}
        assert "token_expires_at" not in columns and "token_hash" in columns
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM case_follow").scalar_one() == 1


def test_requests_to_become_administrator_before_0015_are_linked_to_the_tie_they_replaced(tmp_path):
    """0015: the audit log's record of each «Søk om å bli administrator» gives the replaced user tie."""
    with _migrated_to(tmp_path, "0014_api_request_keys") as old_rows:
        with old_rows() as connection, connection:
            _an_organisation_a_person_and_a_case(connection, with_case=False)
            connection.executemany(
                "INSERT INTO membership (id, person_id, organisation_id, role, status, requested_at) "
                "VALUES (?, 1, 1, ?, ?, '2026-11-20')",
                [(1, "user", "removed"), (2, "administrator", "pending"), (3, "administrator", "rejected")])
            connection.executemany(
                "INSERT INTO audit_event (occurred_at, action, outcome, object_type, object_id, details) "
                "VALUES ('2026-11-20', ?, 'ok', 'membership', ?, ?)",
                [("membership.requested_administrator", "2", '{"replaces_membership": 1, "was": "user/active"}'),
                 ("membership.requested_administrator", "3", '{"replaces_membership": 99}'),  # gone since
                 ("membership.approved", "1", '{"replaces_membership": 2}')])
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            links = connection.exec_driver_sql("SELECT id, replaces_id FROM membership ORDER BY id").all()
        assert [tuple(row) for row in links] == [(1, None), (2, 1), (3, None)]
        flask_migrate.downgrade(revision="0014_api_request_keys")
        assert "replaces_id" not in {c["name"] for c in sa.inspect(db.engine).get_columns("membership")}


def test_follows_from_before_0016_get_their_address_key(tmp_path):
    """0016: each follow's address as compared, case-folded as the service does (ß folds to ss, which
    SQL's lower would not do)."""
    with _migrated_to(tmp_path, "0015_membership_replaces") as old_rows:
        with old_rows() as connection, connection:
            _an_organisation_a_person_and_a_case(connection)
            connection.execute(
                "INSERT INTO case_follow (id, case_id, person_id, email, confirmed_at, created_at) "
                "VALUES (1, 1, 1, ' Straße@Example.COM', '2026-11-20', '2026-11-20')")
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, email_key FROM case_follow").all()
        assert [tuple(row) for row in rows] == [(1, "strasse@example.com")]
        flask_migrate.downgrade(revision="0015_membership_replaces")
        assert "email_key" not in {c["name"] for c in sa.inspect(db.engine).get_columns("case_follow")}
