"""R2, no state change on GET: only a navigation the reader began in our pages, or from the address
bar, marks a message read when it is opened. A link on another site only shows the message."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.inbox.models import InboxReadState
from orgsvc.inbox.services import post_to_organisation
from tests.support import login


def _join_request(app, world) -> int:
    """A join request in organisation A's inbox, which its administrator reads."""
    with app.app_context():
        message = post_to_organisation(world.org_a.id, "join_requested", person="Per Hansen", organisation="A")
        db.session.commit()
        return message.id


def _read_by(app, person_id: int, message_id: int) -> bool:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(InboxReadState).where(
            InboxReadState.message_id == message_id, InboxReadState.person_id == person_id)) == 1


def _badge(client) -> str | None:
    header = client.get("/").get_data(as_text=True).split("<main", 1)[0]
    found = re.search(r'class="badge">(\d+)<', header)
    return found.group(1) if found else None


def _offers(page: str, message_id: int) -> str:
    """Which of the two buttons the opened message's page offers."""
    read = f'action="/inbox/{message_id}/read"' in page
    unread = f'action="/inbox/{message_id}/unread"' in page
    assert read != unread, "exactly one of «Merk som lest» and «Merk som ulest»"
    return "mark read" if read else "mark unread"


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {}],
                         ids=["cross-site", "same-site", "no-header"])
def test_a_message_opened_from_elsewhere_stays_unread(app, client, world, headers):
    message_id = _join_request(app, world)
    login(client, world.admin_a.email)
    assert _badge(client) == "1"
    response = client.get(f"/inbox/{message_id}", headers=headers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Per Hansen" in page, "the message is shown"
    assert _offers(page, message_id) == "mark read"
    assert ">Merk som lest</button>" in page
    assert not _read_by(app, world.admin_a.id, message_id)
    assert _badge(client) == "1"


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_a_message_the_reader_opens_in_our_pages_or_by_address_is_marked_read(app, client, world, site):
    message_id = _join_request(app, world)
    login(client, world.admin_a.email)
    page = client.get(f"/inbox/{message_id}", headers={"Sec-Fetch-Site": site}).get_data(as_text=True)
    assert _offers(page, message_id) == "mark unread"
    assert ">Merk som ulest</button>" in page
    assert _read_by(app, world.admin_a.id, message_id)
    assert _badge(client) is None


def test_a_read_message_opened_from_elsewhere_stays_read_and_offers_mark_as_unread(app, client, world):
    message_id = _join_request(app, world)
    login(client, world.admin_a.email)
    assert client.post(f"/inbox/{message_id}/read").status_code == 302
    page = client.get(f"/inbox/{message_id}", headers={"Sec-Fetch-Site": "cross-site"}).get_data(as_text=True)
    assert _offers(page, message_id) == "mark unread"
    assert _read_by(app, world.admin_a.id, message_id)


def test_mark_as_read_on_a_message_opened_from_elsewhere_marks_it_read(app, client, world):
    message_id = _join_request(app, world)
    login(client, world.admin_a.email)
    client.get(f"/inbox/{message_id}", headers={"Sec-Fetch-Site": "cross-site"})
    assert client.post(f"/inbox/{message_id}/read").status_code == 302
    assert _read_by(app, world.admin_a.id, message_id)
    assert _badge(client) is None
