"""How a request's session ends: a transaction that only read is committed, anything else rolled back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.db import BuiltStatements, release_session
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from tests.factories import OrganisationFactory
from tests.support import login


@pytest.fixture
def endings(app_ctx):
    """How each transaction on the application's engine ended, in order."""
    seen: list[str] = []
    engine = db.engine
    listeners = {"commit": lambda _conn: seen.append("commit"), "rollback": lambda _conn: seen.append("rollback")}
    for name, listener in listeners.items():
        sa.event.listen(engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        sa.event.remove(engine, name, listener)


def _organisations() -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(Organisation)).scalar_one()


@pytest.mark.committing
def test_a_transaction_that_only_read_is_committed(endings):
    db.session.execute(sa.select(Organisation.id)).all()
    release_session(db.session)
    assert endings == ["commit"]


@pytest.mark.committing
def test_a_session_that_never_began_a_transaction_ends_without_one(endings):
    release_session(db.session)
    assert endings == []


@pytest.mark.committing
def test_a_transaction_that_wrote_is_rolled_back(endings):
    organisation = OrganisationFactory(name="FØR AS")
    db.session.commit()
    endings.clear()
    # A statement of its own, with nothing pending in the session: only the statement tells.
    db.session.execute(sa.update(Organisation).where(Organisation.id == organisation.id).values(name="HALVVEIS AS"))
    release_session(db.session)
    assert endings == ["rollback"]
    with db.engine.connect() as connection:
        assert connection.execute(sa.select(Organisation.name)).scalar_one() == "FØR AS"


@pytest.mark.committing
def test_pending_changes_are_rolled_back_not_flushed(endings):
    db.session.execute(sa.select(Organisation.id)).all()
    db.session.add(OrganisationFactory.build())
    release_session(db.session)
    assert endings == ["rollback"]
    assert _organisations() == 0


@pytest.mark.committing
def test_a_flushed_change_is_rolled_back(endings):
    db.session.add(OrganisationFactory.build())
    db.session.flush()
    db.session.expunge_all()  # nothing pending any more: only the statement tells
    release_session(db.session)
    assert endings == ["rollback"]
    assert _organisations() == 0


@pytest.mark.committing
def test_a_request_that_failed_is_rolled_back_even_if_it_only_read(endings):
    db.session.execute(sa.select(Organisation.id)).all()
    release_session(db.session, RuntimeError("the view failed"))
    assert endings == ["rollback"]


@pytest.mark.committing
def test_a_transaction_after_a_committed_write_counts_afresh(endings):
    db.session.add(OrganisationFactory.build())
    db.session.commit()
    db.session.execute(sa.select(Organisation.id)).all()
    release_session(db.session)
    assert endings == ["commit", "commit"]
    assert _organisations() == 1


@pytest.mark.committing
def test_pages_keep_their_prepared_statements_on_postgresql(app, client, world, database):
    """psycopg forgets a connection's prepared statements on ROLLBACK; ending reads with COMMIT
    lets PostgreSQL reuse its plans for every page after the fifth."""
    if database.backend != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite's driver caches its own statements)")
    login(client, world.admin_a.email)
    for _ in range(7):
        assert client.get("/cases/").status_code == 200
    with app.app_context():
        prepared = db.session.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        db.session.rollback()
    assert any("FROM membership" in statement for statement in prepared), prepared
    assert any("FROM case_file" in statement for statement in prepared), prepared


@pytest.mark.committing
def test_what_a_read_only_session_loaded_stays_readable_after_it_ends(app):
    with app.app_context():
        OrganisationFactory(name="LESBAR AS")
        db.session.commit()
    with app.app_context():
        organisation = db.session.scalars(sa.select(Organisation)).one()
    assert organisation.name == "LESBAR AS"  # not expired by the closing commit: detached, it could not reload


def test_built_statements_are_built_once_per_key_and_bounded():
    built = []

    def build(n):
        built.append(n)
        return sa.select(sa.literal(n))

    statements = BuiltStatements(kept=2)
    first = statements.get("a", lambda: build(1))
    assert statements.get("a", lambda: build(2)) is first
    statements.get("b", lambda: build(3))
    statements.get("c", lambda: build(4))  # over the cap: the kept ones are dropped, then built anew
    assert statements.get("a", lambda: build(5)) is not first
    assert built == [1, 3, 4, 5]
