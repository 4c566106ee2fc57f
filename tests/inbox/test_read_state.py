"""Marking inbox messages read: once, however many requests do it at the same moment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from orgsvc.inbox import services
from orgsvc.inbox.models import InboxMessage, InboxReadState
from tests.factories import PersonFactory
from tests.support import login, run_at_once


@pytest.mark.committing
def test_a_message_opened_twice_at_once_is_marked_read_once(app, database):
    with app.app_context():
        person_id = PersonFactory().id
        message = services.post_to_person(person_id, "join_approved", organisation="X", person="Y", decider="Z")
        db.session.commit()
        message_id = message.id

    def read():
        principal = load_principal(db.session.get(Person, person_id))
        message = db.session.get(InboxMessage, message_id)
        db.session.commit()  # hold no lock while waiting for the other thread
        services.mark_read(principal, message)
        return "read"

    meet = "INSERT INTO inbox_read_state" if database.backend == "postgresql" else None
    assert run_at_once(app, [read, read], meet_before=meet) == ["read", "read"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InboxReadState)) == 1


def test_opening_a_read_message_again_and_marking_it_read_again(app, client, world):
    with app.app_context():
        message = services.post_to_person(world.user_a.id, "join_approved", organisation="X", person="Y", decider="Z")
        db.session.commit()
        message_id = message.id
    login(client, world.user_a.email)
    # Opened from our own pages, as a browser says (Sec-Fetch-Site): only that marks it read.
    same_origin = {"Sec-Fetch-Site": "same-origin"}
    assert client.get(f"/inbox/{message_id}", headers=same_origin).status_code == 200
    assert client.get(f"/inbox/{message_id}", headers=same_origin).status_code == 200
    assert client.post(f"/inbox/{message_id}/read").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InboxReadState)) == 1
