"""Migrations: `orgsvc db upgrade` from empty builds exactly the schema the models describe."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from orgsvc import create_app
from orgsvc.extensions import db
from tests.support import app_config


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


def test_partial_unique_indexes_exist_in_the_database(database):
    indexes = {index["name"]: index for index in sa.inspect(database.engine).get_indexes("membership")}
    assert indexes["uq_membership_live"]["unique"]
    assert indexes["uq_membership_pending_admin"]["unique"]
