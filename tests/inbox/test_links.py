"""An inbox message's link opens what it is about, for the organisation it is about, and says so."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.inbox.services import post_to_person
from orgsvc.inbox.texts import link_label
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, MembershipStatus
from tests.factories import MembershipFactory
from tests.support import login


def _header(page: str) -> str:
    return page.split("<main", 1)[0]


def _case_access_message(app, person, organisation, link: str) -> int:
    """A «tilgang til sak» message to ``person`` about ``organisation``, linking to ``link``."""
    with app.app_context():
        message = post_to_person(person.id, "case_access_granted", organisation_id=organisation.id, link=link,
                                 number="2026-000001", title="Sak")
        db.session.commit()
        return message.id


@pytest.mark.parametrize(("link", "label"), [
    ("/organisation/members", "Gå til Brukere"),
    ("/cases/12", "Gå til saken"),
    ("/cases/12/documents", "Gå til sakens dokumenter og meldinger"),
    ("/", "Gå til Min side"),
    ("/approvals/3", "Åpne siden"),
])
def test_the_link_is_named_for_what_it_opens(app, link, label):
    with app.test_request_context():
        assert link_label(link) == label


def test_a_join_request_to_the_other_organisation_opens_that_organisations_users(app, client, world):
    """The administrator of A and B, with A current, opens B's join request: B's «Brukere»."""
    with app.app_context():
        MembershipFactory(person=db.session.get(Person, world.admin_a.id),
                          organisation=db.session.get(Organisation, world.org_b.id),
                          role=MemberRole.ADMINISTRATOR, status=MembershipStatus.ACTIVE)
        orgnr_b = db.session.get(Organisation, world.org_b.id).orgnr
    newcomer = app.test_client()
    login(newcomer, world.outsider.email)
    assert newcomer.post(f"/organisation/join/{orgnr_b}", data={"note": "Jeg jobber her."}).status_code == 302
    with app.app_context():
        message_id = db.session.scalar(sa.select(InboxMessage.id).where(
            InboxMessage.kind == "join_requested", InboxMessage.recipient_organisation_id == world.org_b.id))

    login(client, world.admin_a.email)
    assert f">{world.org_a.name}</span>" in _header(client.get("/").get_data(as_text=True)), "A is current"
    page = client.get(f"/inbox/{message_id}").get_data(as_text=True)
    assert f'action="/inbox/{message_id}/open"' in page and ">Gå til Brukere</button>" in page
    assert "Gå til saken" not in page
    opened = client.post(f"/inbox/{message_id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == "/organisation/members"
    members = client.get("/organisation/members").get_data(as_text=True)
    assert f">{world.org_b.name}</span>" in _header(members), "B is current now"
    assert f"Brukere i {world.org_b.name}" in members and world.outsider.name in members


def test_a_message_about_an_organisation_one_cannot_act_in_does_not_switch(app, client, world):
    message_id = _case_access_message(app, world.user_a, world.org_b, "/cases/999999")
    login(client, world.user_a.email)
    opened = client.post(f"/inbox/{message_id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == "/cases/999999"
    assert f">{world.org_a.name}</span>" in _header(client.get("/").get_data(as_text=True)), "A stays current"


def test_another_persons_message_cannot_be_opened(app, client, world):
    message_id = _case_access_message(app, world.user_b, world.org_b, "/cases/1")
    login(client, world.user_a.email)
    assert client.post(f"/inbox/{message_id}/open").status_code == 404
    assert f">{world.org_a.name}</span>" in _header(client.get("/").get_data(as_text=True))
