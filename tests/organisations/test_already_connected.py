"""Choosing an organisation one is already connected to (or waiting for): the search marks it, and
«Registrer meg» says so instead of offering a registration that could only be refused; what that page
says of the organisation's administrator."""

from __future__ import annotations

import re

import pytest

from orgsvc.extensions import db
from orgsvc.roles.models import MemberRole, MembershipStatus
from tests.factories import MembershipFactory, OrganisationFactory
from tests.organisations.test_choose import BAKERY, HAIRDRESSER
from tests.registry.fixtures import import_sample
from tests.roles.helpers import database_snapshot
from tests.support import login

JOIN = f"/organisation/join/{BAKERY}"
JOIN_FORM = f'<form method="post" action="{JOIN}"'


def _bakery(app, world, *, mine: tuple[MemberRole, MembershipStatus] | None = None,
            administrator: MembershipStatus | None = None) -> int:
    """The bakery on file, with ``world.outsider``'s own membership and another administrator, if given."""
    with app.app_context():
        organisation = OrganisationFactory(orgnr=BAKERY, name="BAKERIET PÅ HJØRNET AS")
        if administrator is not None:
            MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR, status=administrator)
        if mine is not None:
            from orgsvc.accounts.models import Person

            role, status = mine
            MembershipFactory(organisation=organisation, person=db.session.get(Person, world.outsider.id),
                              role=role, status=status)
        db.session.commit()
        return organisation.id


def _connection_tags(page: str) -> dict[str, str]:
    """The org numbers of the results marked as the person's own, with the mark's kind."""
    marked = {}
    for item in re.findall(r'<li class="result">(.*?)</li>', page, re.S):
        tag = re.search(r'data-connection="(\w+)"', item)
        if tag:
            marked[re.search(r"/organisation/join/(\d{9})", item).group(1)] = tag.group(1)
    return marked


@pytest.mark.parametrize(("role", "status", "connection"), [
    (MemberRole.USER, MembershipStatus.ACTIVE, "active"),
    (MemberRole.ADMINISTRATOR, MembershipStatus.ACTIVE, "active"),
    (MemberRole.USER, MembershipStatus.PENDING, "pending"),  # «ubekreftet bruker»
    (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING, "pending"),  # «ubekreftet administrator»
])
def test_an_organisation_one_is_connected_to_says_so_instead_of_offering_to_register(
        app, client, world, role, status, connection):
    import_sample(app)
    administrator = None if role == MemberRole.ADMINISTRATOR else MembershipStatus.ACTIVE
    organisation_id = _bakery(app, world, mine=(role, status), administrator=administrator)
    login(client, world.outsider.email)

    results = client.get("/organisation/choose", query_string={"q": "hjornet"}).get_data(as_text=True)
    assert _connection_tags(results) == {BAKERY: connection}
    answer = client.get("/organisation/search", query_string={"q": "hjornet"}).get_json()
    assert {r["orgnr"]: r["connection"] for r in answer["results"]} == {BAKERY: connection, HAIRDRESSER: None}

    response = client.get(JOIN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert JOIN_FORM not in page, "no registration is offered"
    assert f'id="join-connected" data-connection="{connection}"' in page
    # The way on: Min side, acting for this organisation.
    card = page.split('id="join-connected"')[1]
    switch = re.search(r'<form method="post" action="/organisation/switch".*?</form>', card, re.S).group(0)
    assert f'name="organisation_id" value="{organisation_id}"' in switch and 'name="next" value="/"' in switch


def test_registering_anyway_is_still_refused_and_changes_nothing(app, client, world):
    import_sample(app)
    _bakery(app, world, mine=(MemberRole.USER, MembershipStatus.PENDING), administrator=MembershipStatus.ACTIVE)
    login(client, world.outsider.email)
    before = database_snapshot(app)
    assert client.post(JOIN, data={"note": "igjen"}).status_code == 409
    assert database_snapshot(app) == before


@pytest.mark.parametrize("ended", [MembershipStatus.REMOVED, MembershipStatus.REJECTED, MembershipStatus.EXPIRED])
def test_an_ended_membership_does_not_count_as_connected(app, client, world, ended):
    import_sample(app)
    _bakery(app, world, mine=(MemberRole.USER, ended), administrator=MembershipStatus.ACTIVE)
    login(client, world.outsider.email)
    assert _connection_tags(client.get("/organisation/choose", query_string={"q": "hjornet"})
                            .get_data(as_text=True)) == {}
    assert client.get("/organisation/search", query_string={"q": "hjornet"}).get_json()["results"][0][
        "connection"] is None
    page = client.get(JOIN).get_data(as_text=True)
    assert JOIN_FORM in page and 'id="join-connected"' not in page


@pytest.mark.parametrize(("administrator", "heading"), [
    (None, "You will be the organisation's first representative"),
    (MembershipStatus.PENDING, "Someone has already registered as the organisation's administrator"),
    (MembershipStatus.ACTIVE, "The organisation already has an administrator"),
])
def test_the_join_page_tells_an_administrator_awaiting_approval_from_an_approved_one(
        app, client, world, administrator, heading):
    import_sample(app)
    _bakery(app, world, administrator=administrator)
    login(client, world.outsider.email)
    client.post("/language", data={"lang": "en"})
    page = client.get(JOIN).get_data(as_text=True)
    headings = re.findall(r"<h2>(.*?)</h2>", page.replace("&#39;", "'"))
    assert heading in headings
    assert "You will be the organisation's first user" not in page
    assert JOIN_FORM in page
