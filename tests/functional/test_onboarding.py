"""The whole onboarding through HTTP, with CSRF: registrant -> «ubekreftet administrator» ->
regulator approval -> «administrator»; a second person -> «ubekreftet bruker» -> «bruker»."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.audit.models import AuditEvent
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import Membership
from tests.factories import PersonFactory, StaffFactory
from tests.registry.fixtures import import_sample
from tests.support import login

NORDLYS = "310000019"


def _header(client) -> str:
    return client.get("/").get_data(as_text=True).split("<main", 1)[0]


@pytest.fixture
def people(app):
    import_sample(app)
    with app.app_context():
        ola = PersonFactory(full_name="Ola Nordmann", date_of_birth=date(1975, 3, 14), email="ola@nordlys.no",
                            email_key="ola@nordlys.no")
        kari = PersonFactory(full_name="Kari Hansen", date_of_birth=date(1988, 11, 2), email="kari@nordlys.no",
                             email_key="kari@nordlys.no")
        caseworker = StaffFactory(full_name="Siri Saksbehandler")
        return {"ola": ola.email, "kari": kari.email, "caseworker": caseworker.email}


def _join(client, orgnr=NORDLYS, note=""):
    page = client.get(f"/organisation/join/{orgnr}")
    assert page.status_code == 200
    return client.post(f"/organisation/join/{orgnr}", data={"note": note})


def _membership_id(app, email, orgnr=NORDLYS) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(Membership.id).join(Person, Person.id == Membership.person_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Person.email_key == email, Organisation.orgnr == orgnr).order_by(Membership.id.desc()))


def test_from_registration_to_administrator_and_a_second_person_to_user(app, people):
    ola, kari, caseworker = app.test_client(), app.test_client(), app.test_client()
    login(ola, people["ola"])
    home = ola.get("/").get_data(as_text=True)
    assert "Jeg representerer en virksomhet" in home

    # «Velg organisasjon»: the register's entity is found by name, with Norwegian letters.
    choose = ola.get("/organisation/choose?q=nordlys+elek").get_data(as_text=True)
    assert "NORDLYS ELEKTRONIKK AS" in choose and "/organisation/join/310000019" in choose
    join_page = ola.get(f"/organisation/join/{NORDLYS}").get_data(as_text=True)
    assert "Den første som registrerer seg for en organisasjon, får rollen administrator" in join_page

    response = _join(ola, note="Jeg er daglig leder.")
    assert response.status_code == 302
    assert ">ubekreftet administrator</span>" in _header(ola)

    # The regulator's queue shows the request with the register's evidence.
    login(caseworker, people["caseworker"])
    queue = caseworker.get("/approvals/").get_data(as_text=True)
    assert "NORDLYS ELEKTRONIKK AS" in queue and "Ola Nordmann" in queue
    assert "Registrert som Daglig leder (DAGL)" in queue
    membership_id = _membership_id(app, people["ola"])
    detail = caseworker.get(f"/approvals/{membership_id}").get_data(as_text=True)
    assert "Jeg er daglig leder." in detail and "Navn i registeret" in detail
    assert caseworker.post(f"/approvals/{membership_id}/approve").status_code == 302

    header = _header(ola)
    assert ">administrator</span>" in header
    assert re.search(r'class="badge">1<', header), "the organisation's message, read once (the «rødt 1-tall»)"
    inbox = ola.get("/inbox/").get_data(as_text=True)
    assert "Godkjent som administrator for NORDLYS ELEKTRONIKK AS" in inbox

    # A second person joins and becomes «ubekreftet bruker»; the administrator is asked.
    login(kari, people["kari"])
    assert "Organisasjonen har allerede en administrator" in kari.get(
        f"/organisation/join/{NORDLYS}").get_data(as_text=True)
    _join(kari, note="Jeg jobber med kundeklager.")
    assert ">ubekreftet bruker</span>" in _header(kari)
    assert "Kari Hansen ber om å bli bruker for NORDLYS ELEKTRONIKK AS" in ola.get("/inbox/").get_data(as_text=True)
    members = ola.get("/organisation/members").get_data(as_text=True)
    assert "Jeg jobber med kundeklager." in members
    kari_membership = _membership_id(app, people["kari"])
    assert ola.post(f"/organisation/members/{kari_membership}/approve").status_code == 302
    assert ">bruker</span>" in _header(kari)
    assert "Du er nå bruker for NORDLYS ELEKTRONIKK AS" in kari.get("/inbox/").get_data(as_text=True)

    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.outcome == "ok")
                                          .order_by(AuditEvent.id)))
    assert actions == ["membership.requested_administrator", "approval.approved", "membership.requested",
                       "membership.approved"]


def test_a_rejection_reaches_the_inbox_with_its_reason_and_the_unread_count(app, people):
    ola, caseworker = app.test_client(), app.test_client()
    login(ola, people["ola"])
    _join(ola)
    login(caseworker, people["caseworker"])
    membership_id = _membership_id(app, people["ola"])
    missing_reason = caseworker.post(f"/approvals/{membership_id}/reject", data={"reason": "  "})
    assert missing_reason.status_code == 400
    assert "Skriv en begrunnelse" in missing_reason.get_data(as_text=True)
    response = caseworker.post(f"/approvals/{membership_id}/reject",
                               data={"reason": "Du står ikke som daglig leder i Enhetsregisteret."})
    assert response.status_code == 302
    header = _header(ola)
    assert 'class="badge">1<' in header
    assert "ubekreftet administrator" not in header
    inbox = ola.get("/inbox/").get_data(as_text=True)
    message_link = re.search(r'href="(/inbox/\d+)"', inbox).group(1)
    # A click in our inbox: the browser says Sec-Fetch-Site: same-origin, and only that marks it read.
    message = ola.get(message_link, headers={"Sec-Fetch-Site": "same-origin"}).get_data(as_text=True)
    assert "Registreringen av NORDLYS ELEKTRONIKK AS er ikke godkjent" in message
    assert "Du står ikke som daglig leder i Enhetsregisteret." in message
    assert 'class="badge"' not in _header(ola), "opening it marks it read"


def test_a_subunit_is_refused_with_its_main_entity_named(app, people):
    client = app.test_client()
    login(client, people["ola"])
    response = client.post("/organisation/add", data={"orgnr": "310 000 167"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "310 000 167 er en underenhet av NORDLYS ELEKTRONIKK AS" in page
    assert 'href="/organisation/join/310000019"' in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [("310000078", "er slettet i Enhetsregisteret"), ("923609016", "Vi fant ingen organisasjon med nummer"),
     ("123456789", "ikke et gyldig organisasjonsnummer"), ("", "Skriv inn et organisasjonsnummer")],
)
def test_numbers_that_cannot_be_added(app, people, typed, message):
    client = app.test_client()
    login(client, people["ola"])
    response = client.post("/organisation/add", data={"orgnr": typed})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_search_as_you_type_answers_json(app, people):
    client = app.test_client()
    login(client, people["ola"])
    answer = client.get("/organisation/search?q=hjornet").get_json()
    assert {r["name"] for r in answer["results"]} == {"BAKERIET PÅ HJØRNET AS", "HJØRNET FRISØR ENK"}
    assert all(r["url"].startswith("/organisation/join/") for r in answer["results"])


def test_staff_do_not_represent_businesses(app, people):
    client = app.test_client()
    login(client, people["caseworker"])
    assert client.get("/organisation/choose").status_code == 404
    assert client.post(f"/organisation/join/{NORDLYS}", data={}).status_code == 404


def test_business_people_do_not_see_the_regulator_pages(app, people):
    client = app.test_client()
    login(client, people["ola"])
    assert client.get("/approvals/").status_code == 404
    assert client.get("/regulator/audit").status_code == 404


def test_a_visitor_starts_with_i_represent_a_business(client):
    """The guide: a person who acts for a business makes a user «ved å klikke på «Jeg representerer
    en virksomhet»» - the front page's way in says so, and leads to the registration."""
    main = client.get("/").get_data(as_text=True).split("<main", 1)[1]
    assert re.search(r'<a class="button[^"]*" href="/register">Jeg representerer en virksomhet</a>', main)
