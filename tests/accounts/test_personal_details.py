"""Correcting one's name and date of birth («Dine opplysninger» on «Min konto») through HTTP, with
CSRF: the register check matches on them, so a waiting administrator request is checked again."""

from __future__ import annotations

import time
from datetime import date

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.approvals.models import RegisterCheck
from orgsvc.audit.models import AuditEvent
from orgsvc.extensions import db
from orgsvc.roles.models import Membership
from tests.conftest import person_ref
from tests.factories import PersonFactory
from tests.registry.fixtures import import_sample
from tests.support import login

NORDLYS = "310000019"


def _details(app, person) -> tuple[str, date | None]:
    with app.app_context():
        found = db.session.get(Person, person.id)
        return found.full_name, found.date_of_birth


def _corrections(app, person) -> list[dict]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.details).where(
            AuditEvent.action == "account.details_changed", AuditEvent.subject_person_id == person.id)))


def test_a_business_person_corrects_their_name_and_date_of_birth(app, client, world):
    login(client, world.user_a.email)
    page = client.get("/account").get_data(as_text=True)
    assert "Dine opplysninger" in page and 'action="/account/details"' in page
    assert f'value="{world.user_a.name}"' in page

    saved = client.post("/account/details", data={"full_name": "  Kari   Nordmann Hansen ",
                                                   "date_of_birth": "14.03.1975"}, follow_redirects=True)
    assert saved.status_code == 200
    assert "Opplysningene dine er lagret." in saved.get_data(as_text=True)
    assert _details(app, world.user_a) == ("Kari Nordmann Hansen", date(1975, 3, 14))
    assert _corrections(app, world.user_a) == [{"fields": ["full_name", "date_of_birth"]}]

    again = client.post("/account/details", data={"full_name": "Kari Nordmann Hansen", "date_of_birth": "1975-03-14"},
                        follow_redirects=True)
    assert "Ingenting ble endret." in again.get_data(as_text=True)
    assert len(_corrections(app, world.user_a)) == 1, "no change, nothing logged"


@pytest.mark.parametrize(("form", "says"), [
    ({"full_name": "  ", "date_of_birth": "1975-03-14"}, "Skriv inn hele navnet ditt."),
    ({"full_name": "Kari Hansen", "date_of_birth": "14/03/75"}, "Skriv inn fødselsdatoen din som ÅÅÅÅ-MM-DD."),
    ({"full_name": "Kari Hansen", "date_of_birth": "2030-01-01"}, "Sjekk fødselsdatoen."),
    ({"full_name": "K" * 201, "date_of_birth": "1975-03-14"}, "Feltet må være mellom 2 og 200 tegn langt."),
])
def test_bad_details_are_refused_in_place_and_nothing_changes(app, client, world, form, says):
    before = _details(app, world.user_a)
    login(client, world.user_a.email)
    refused = client.post("/account/details", data=form)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert says in page and 'aria-invalid="true"' in page
    assert _details(app, world.user_a) == before and _corrections(app, world.user_a) == []


def test_a_waiting_administrator_request_is_checked_again_with_the_corrected_name(app, client, world):
    import_sample(app)
    with app.app_context():
        ola = person_ref(PersonFactory(full_name="Ola Nordman", date_of_birth=date(1975, 3, 14)))
    login(client, ola.email)
    assert client.post(f"/organisation/join/{NORDLYS}", data={"note": ""}).status_code == 302

    def check():
        with app.app_context():
            return tuple(db.session.execute(
                sa.select(RegisterCheck.outcome, RegisterCheck.reason, RegisterCheck.role_code, RegisterCheck.attempts)
                .join(Membership, Membership.id == RegisterCheck.membership_id)
                .where(Membership.person_id == ola.id)).one())

    assert check() == ("not_eligible", "not_a_role_holder", None, 1)  # the typo: «Nordman»
    saved = client.post("/account/details", data={"full_name": "Ola Nordmann", "date_of_birth": "1975-03-14"},
                        follow_redirects=True)
    assert "registreringen din som administrator kontrolleres på nytt" in saved.get_data(as_text=True)
    assert check() == ("eligible", "role_found", "DAGL", 2)

    caseworker = app.test_client()
    login(caseworker, world.caseworker.email)
    assert "Registrert som Daglig leder (DAGL)" in caseworker.get("/approvals/").get_data(as_text=True)


def test_staff_have_no_such_form_and_cannot_post_one(app, client, world):
    before = _details(app, world.caseworker)
    login(client, world.caseworker.email)
    assert 'action="/account/details"' not in client.get("/account").get_data(as_text=True)
    refused = client.post("/account/details", data={"full_name": "Noen Andre", "date_of_birth": "1970-01-01"})
    assert refused.status_code == 404
    assert _details(app, world.caseworker) == before


def test_a_stale_session_gives_the_password_before_the_details_change(app, client, world):
    before = _details(app, world.user_a)
    login(client, world.user_a.email)
    with client.session_transaction() as session:
        session["password_given_at"] = int(time.time()) - 16 * 60
    refused = client.post("/account/details", data={"full_name": "Noen Andre", "date_of_birth": "1970-01-01"},
                          headers={"Referer": "http://localhost/account"})
    assert (refused.status_code, refused.headers["Location"]) == (302, "/reauthenticate?next=/account")
    assert _details(app, world.user_a) == before
