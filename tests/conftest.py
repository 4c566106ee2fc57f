"""Shared fixtures: one migrated database per backend and worker, one app per test.

Every test that touches the database runs on SQLite and, when ORGSVC_TEST_POSTGRES_URL is set,
on PostgreSQL too. A test runs inside an outer transaction that is rolled back afterwards (the
services' commits become savepoints); tests marked ``committing`` commit for real and the tables
are emptied after them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import flask_migrate
import pytest
import sqlalchemy as sa

from orgsvc import create_app
from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from orgsvc.organisations.models import OrganisationStatus
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.support import CsrfClient, DatabaseUnderTest, app_config, make_engine, postgres_url

# Fixtures of the register (the stand-in for data.brreg.no) are shared by several packages' tests.
pytest_plugins = ["tests.registry.fixtures", "tests.cases.fixtures"]

# The developer's own settings must not leak into the tests.
for _name in [name for name in os.environ if name.startswith("ORGSVC_") and not name.startswith("ORGSVC_TEST_")]:
    del os.environ[_name]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("ORGSVC_TEST_POSTGRES_URL") else [])


def _create_postgres_schema(schema: str) -> None:
    admin = make_engine(postgres_url("public"))
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        # Asked for PostgreSQL and cannot reach it: that is a failure, never a skip.
        pytest.fail(f"ORGSVC_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {error}", pytrace=False)
    finally:
        admin.dispose()


def _drop_postgres_schema(schema: str) -> None:
    admin = make_engine(postgres_url("public"))
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def postgresql_only(database):
    """For a race that needs two writing transactions side by side, one held on its read while the
    other commits: PostgreSQL's row locks. SQLite takes the write lock at BEGIN, so there the two
    run one after the other and the interleaving under test cannot happen."""
    if database.backend != "postgresql":
        pytest.skip("needs two writing transactions side by side (PostgreSQL); SQLite runs them one by one")
    return database


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory, worker_id):
    """A database migrated from empty with ``orgsvc db upgrade``'s own code path."""
    backend = request.param
    schema = f"orgsvc_test_{worker_id}_{os.getpid()}"
    if backend == "postgresql":
        _create_postgres_schema(schema)
        url = postgres_url(schema)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'orgsvc.sqlite3'}"
    app = create_app(app_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    engine = make_engine(url)
    yield DatabaseUnderTest(backend, url, engine)
    engine.dispose()
    if backend == "postgresql":
        _drop_postgres_schema(schema)


@pytest.fixture
def app(database, request, tmp_path):
    """The application under test, its database work rolled back (or cleaned) afterwards."""
    application = create_app(app_config(database.url, tmp_path / "instance"))
    application.test_client_class = CsrfClient
    if request.node.get_closest_marker("committing"):
        yield application
        with application.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        database.clean()
        return
    connection = database.engine.connect()
    transaction = connection.begin()
    with application.app_context():
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
        transaction.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass(frozen=True)
class Ref:
    """A row's identity, usable outside any app context (HTTP tests must not hold one)."""

    id: int
    email: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class World:
    """Two ordinary organisations and one awaiting the regulator, with one person per persona."""

    org_a: Ref
    org_b: Ref
    org_pending: Ref
    admin_a: Ref
    user_a: Ref
    pending_user_a: Ref
    admin_b: Ref
    user_b: Ref
    pending_admin: Ref
    outsider: Ref
    caseworker: Ref
    regulator_admin: Ref


def membership_of(person: Ref, organisation: Ref) -> Membership:
    """The live membership of ``person`` in ``organisation`` (inside an app context)."""
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.person_id == person.id,
            Membership.organisation_id == organisation.id,
            Membership.status.in_(("pending", "active")),
        )
    )


def person_ref(person: Person) -> Ref:
    return Ref(person.id, person.email, person.full_name)


@pytest.fixture
def world(app) -> World:
    from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory, StaffFactory

    with app.app_context():
        org_a, org_b = OrganisationFactory(), OrganisationFactory()
        org_pending = OrganisationFactory(status=OrganisationStatus.PENDING)

        def member(organisation, role=MemberRole.USER, status=MembershipStatus.ACTIVE):
            return person_ref(MembershipFactory(organisation=organisation, role=role, status=status).person)

        def org(organisation):
            return Ref(organisation.id, name=organisation.name)

        return World(
            org_a=org(org_a),
            org_b=org(org_b),
            org_pending=org(org_pending),
            admin_a=member(org_a, MemberRole.ADMINISTRATOR),
            user_a=member(org_a),
            pending_user_a=member(org_a, status=MembershipStatus.PENDING),
            admin_b=member(org_b, MemberRole.ADMINISTRATOR),
            user_b=member(org_b),
            pending_admin=member(org_pending, MemberRole.ADMINISTRATOR, MembershipStatus.PENDING),
            outsider=person_ref(PersonFactory()),
            caseworker=person_ref(StaffFactory()),
            regulator_admin=person_ref(StaffFactory(regulator_admin=True)),
        )
