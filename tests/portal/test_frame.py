"""The page frame: person, current organisation with switch, status, inbox with unread count."""

from __future__ import annotations

import re

from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_organisation, post_to_person
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, MembershipStatus
from tests.factories import MembershipFactory
from tests.support import login, statements_run


def _header(page: str) -> str:
    return page.split("<main", 1)[0]


def test_the_header_shows_the_status_in_the_current_organisation(client, world):
    cases = [(world.admin_a, "administrator"), (world.user_a, "bruker"),
             (world.pending_user_a, "ubekreftet bruker"), (world.pending_admin, "ubekreftet administrator")]
    for person, label in cases:
        login(client, person.email)
        header = _header(client.get("/").get_data(as_text=True))
        assert "status-label--" in header and f">{label}</span>" in header, person
        client.post("/logout")


def test_a_person_in_several_organisations_can_switch(app, client, world):
    with app.app_context():
        MembershipFactory(person=db.session.get(Person, world.user_a.id),
                          organisation=db.session.get(Organisation, world.org_b.id),
                          role=MemberRole.ADMINISTRATOR, status=MembershipStatus.ACTIVE)
    login(client, world.user_a.email)
    header = _header(client.get("/").get_data(as_text=True))
    assert "Bytt organisasjon" in header
    assert f">{world.org_a.name}</span>" in header and ">bruker</span>" in header
    response = client.post("/organisation/switch", data={"organisation_id": world.org_b.id, "next": "/account"})
    assert response.headers["Location"] == "/account"
    header = _header(client.get("/").get_data(as_text=True))
    assert f">{world.org_b.name}</span>" in header and ">administrator</span>" in header


def test_switching_to_an_organisation_one_is_not_in_is_refused(client, world):
    login(client, world.user_a.email)
    assert client.post("/organisation/switch", data={"organisation_id": world.org_b.id}).status_code == 404
    assert client.post("/organisation/switch", data={"organisation_id": "x"}).status_code == 400
    assert client.post("/organisation/switch", data={"organisation_id": str(10**30)}).status_code == 400
    assert f">{world.org_a.name}</span>" in _header(client.get("/").get_data(as_text=True))


def test_the_inbox_shows_the_unread_count_in_red(app, client, world):
    with app.app_context():
        post_to_person(world.admin_a.id, "join_approved", decider="X", organisation="A")
        post_to_organisation(world.org_a.id, "join_requested", person="Per", organisation="A")
        post_to_organisation(world.org_b.id, "join_requested", person="Other", organisation="B")
        db.session.commit()
    login(client, world.admin_a.email)
    header = _header(client.get("/").get_data(as_text=True))
    assert re.search(r'<span class="badge">2<span class="visually-hidden"> uleste meldinger</span>', header)
    inbox = client.get("/inbox/").get_data(as_text=True)
    first_link = re.search(r'href="(/inbox/\d+)"', inbox).group(1)
    client.get(first_link, headers={"Sec-Fetch-Site": "same-origin"})  # a click in our inbox marks it read
    assert '<span class="badge">1<' in _header(client.get("/").get_data(as_text=True))
    client.post(first_link + "/unread")
    assert '<span class="badge">2<' in _header(client.get("/").get_data(as_text=True))


def test_a_user_does_not_count_the_organisations_messages(app, client, world):
    with app.app_context():
        post_to_organisation(world.org_a.id, "join_requested", person="Per", organisation="A")
        db.session.commit()
    login(client, world.user_a.email)
    assert 'class="badge"' not in _header(client.get("/").get_data(as_text=True))


def test_the_page_has_landmarks_and_a_skip_link(client):
    page = client.get("/").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in page
    for landmark in ("<header", '<main id="main"', "<footer"):
        assert landmark in page


def test_a_page_reads_the_header_in_one_query_with_the_memberships(app, client, world, database):
    """The header's organisations come with the memberships; neither the current organisation nor
    the switch between several asks the database again (a round trip each on every page)."""
    with app.app_context():
        MembershipFactory(person=db.session.get(Person, world.admin_a.id),
                          organisation=db.session.get(Organisation, world.org_b.id),
                          role=MemberRole.USER, status=MembershipStatus.ACTIVE)
    login(client, world.admin_a.email)
    client.get("/cases/")  # the first request after logging in may touch the session's last_seen_at
    with statements_run(database.engine) as statements:  # the tests' connection comes from it
        page = client.get("/cases/").get_data(as_text=True)
    assert world.org_a.name in _header(page) and world.org_b.name in _header(page)
    organisation_reads = [s for s in statements if s.startswith("SELECT organisation.")]
    assert organisation_reads == [], organisation_reads
    # The login session, the memberships with their organisations, the cases, the unread count.
    assert len(statements) == 4, statements


def test_the_staff_home_page_leads_to_every_part_of_the_staff_menu(client, world):
    """The tiles of a caseworker's «Min side» are the staff menu's own pages: cases, approvals, log."""
    login(client, world.caseworker.email)
    page = client.get("/").get_data(as_text=True)
    main = page.split("<main", 1)[1]
    menu = re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)
    staff_pages = [href for href in re.findall(r'href="([^"]+)"', menu) if href != "/"]
    assert staff_pages
    for href in staff_pages:
        assert f'href="{href}"' in main, href
