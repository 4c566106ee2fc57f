"""The one place that turns errors into responses (orgsvc/errors.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.inbox.models import InboxReadState
from tests.support import login


def test_a_failed_statement_still_gets_the_error_page_with_its_frame(app, client, world):
    """On PostgreSQL a failed statement aborts the transaction; the error page's frame (the header
    with the person and the unread count) reads the database, so the crash handler rolls back first."""

    @app.get("/fail-a-statement-for-test")
    def fail():
        # No such message or person: the foreign keys refuse it on both databases.
        db.session.execute(sa.insert(InboxReadState).values(message_id=2**31 - 1, person_id=2**31 - 1))
        return "not reached"

    login(client, world.admin_a.email)
    response = client.get("/fail-a-statement-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Noe gikk galt" in page
    assert world.admin_a.name in page  # the frame was drawn for the signed-in person
    assert "IntegrityError" not in page and "Traceback" not in page


def test_a_conflict_is_titled_neutrally_not_already_changed(app, client, world):
    """409 answers refusals like "you are connected already" or "the last administrator", not only
    changes made by someone else: its page title must not claim that something was changed."""
    from orgsvc.errors import Conflict

    @app.get("/conflict-for-test")
    def conflict():
        raise Conflict("You are already connected.")

    login(client, world.outsider.email)
    response = client.get("/conflict-for-test")
    assert response.status_code == 409
    assert "Allerede endret" not in response.get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    page = client.get("/conflict-for-test").get_data(as_text=True)
    assert "<h1>Not possible</h1>" in page and "Already changed" not in page


@pytest.mark.committing  # the application's own engine, configured as in production
def test_a_failed_statement_is_logged_without_its_values(app, client, world, caplog):
    """The crash handler logs the error: the SQL may be there, the values (token hashes, addresses,
    names) may not."""

    @app.get("/fail-with-a-value-for-test")
    def fail():
        db.session.execute(sa.insert(InboxReadState).values(message_id=2**31 - 1, person_id=1_234_567_891))
        return "not reached"

    login(client, world.admin_a.email)
    assert client.get("/fail-with-a-value-for-test").status_code == 500
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "inbox_read_state" in logged.lower()  # the failure itself is there
    assert "1234567891" not in logged
