"""Registration with e-mail confirmation, validation, and no account enumeration."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import Person, Registration
from orgsvc.accounts.passwords import Passwords
from orgsvc.db import utcnow
from orgsvc.extensions import db
from tests.accounts.helpers import link_in, outbox, password_form, registration_form
from tests.support import FAST_ARGON2, without_csrf_tokens


def test_the_form_is_in_norwegian(client):
    page = client.get("/register").get_data(as_text=True)
    assert "Registrer deg" in page
    assert "Fødselsdato" in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "", "Skriv inn hele navnet ditt."),
        ("full_name", "x" * 201, "Feltet må være mellom 2 og 200 tegn langt."),
        ("email", "", "Skriv inn e-postadressen din."),
        ("email", "not-an-address", "Skriv inn en gyldig e-postadresse."),
        ("email", "a" * 250 + "@x.no", "Feltet kan ikke være lenger enn 254 tegn."),
        ("date_of_birth", "", "Skriv inn fødselsdatoen din som ÅÅÅÅ-MM-DD."),
        ("date_of_birth", "31.02.1985", "Skriv inn fødselsdatoen din som ÅÅÅÅ-MM-DD."),
        ("date_of_birth", "1985-04-12T00:00", "Skriv inn fødselsdatoen din som ÅÅÅÅ-MM-DD."),
        ("date_of_birth", "2030-01-01", "Sjekk fødselsdatoen."),
    ],
)
def test_invalid_input_is_refused_with_a_message(app, client, field, value, message):
    response = client.post("/register", data=registration_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert outbox(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_a_norwegian_date_is_understood(app, client):
    response = client.post("/register", data=registration_form(date_of_birth="12.04.1985"))
    assert response.status_code == 302
    assert len(outbox(app, "confirm_registration")) == 1


def _confirmation_link(app, client, **overrides) -> str:
    assert client.post("/register", data=registration_form(**overrides)).status_code == 302
    return link_in(outbox(app, "confirm_registration")[-1])


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("kort", None, "Passordet må være minst 12 tegn langt."),
        ("ab" * 129, None, "Passordet kan være høyst 256 tegn langt."),
        ("aaaaaaaaaaaaaa", None, "Passordet er for lett å gjette."),
        ("", None, "Velg et passord."),
        ("et langt og godt passord", "et annet langt passord", "De to passordene er ikke like."),
        ("kari.nordmann123", None, "e-postadressen din"),
    ],
)
def test_a_bad_password_on_the_confirmation_page_is_refused(app, client, password, confirm, message):
    link = _confirmation_link(app, client, email="kari.nordmann@example.com")
    response = client.post(link, data=password_form(password, confirm))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
            Person.email_key == "kari.nordmann@example.com")) == 0
    assert client.post(link, data=password_form()).status_code == 302, "the link still works"


def test_registration_asks_for_no_password(client):
    page = client.get("/register").get_data(as_text=True)
    assert 'type="password"' not in page


def test_registration_is_finished_by_the_link_in_the_email(app, client):
    response = client.post("/register", data=registration_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/sent"
    [email] = outbox(app, "confirm_registration")
    assert email.to_address == "kari@example.com"
    assert email.subject == "Bekreft e-postadressen din for Min side"
    link = link_in(email)
    with app.app_context():
        assert db.session.scalar(sa.select(Person).where(Person.email_key == "kari@example.com")) is None

    confirm_page = client.get(link)
    assert confirm_page.status_code == 200
    assert "kari@example.com" in confirm_page.get_data(as_text=True)
    assert "Velg passordet du skal logge inn med." in confirm_page.get_data(as_text=True)
    done = client.post(link, data=password_form())
    assert done.status_code == 302 and done.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Kari Nordmann" in home

    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.email_key == "kari@example.com"))
        assert person.date_of_birth.isoformat() == "1985-04-12"
        assert person.password_hash.startswith("$argon2id$")
    assert client.post(link, data=password_form()).status_code == 404, "a confirmation link works once"


def test_a_known_address_gets_the_same_answer_and_a_reminder(app, client, world):
    fresh = client.post("/register", data=registration_form(email="new@example.com"))
    known = client.post("/register", data=registration_form(email=world.user_a.email.upper()))
    assert (fresh.status_code, fresh.headers["Location"]) == (known.status_code, known.headers["Location"])
    assert [e.kind for e in outbox(app, to=world.user_a.email)] == ["account_exists"]
    page_fresh = without_csrf_tokens(client.get(fresh.headers["Location"]).get_data(as_text=True))
    page_known = without_csrf_tokens(client.get(known.headers["Location"]).get_data(as_text=True))
    assert page_fresh == page_known


def _login_status(app, email: str, password: str) -> int:
    """How a log-in with ``password`` is answered, from a browser of its own."""
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code


def test_someone_elses_earlier_registration_cannot_take_over_the_account(app):
    attacker, victim = app.test_client(), app.test_client()
    attacker.post("/register", data=registration_form())
    victim.post("/register", data=registration_form())
    attacker_link, victim_link = (link_in(e) for e in outbox(app, "confirm_registration"))
    assert victim.post(victim_link, data=password_form("offerets eget passord")).status_code == 302
    assert attacker.post(attacker_link, data=password_form("angriperens passord 1")).status_code == 409
    assert _login_status(app, "kari@example.com", "angriperens passord 1") == 401
    assert _login_status(app, "kari@example.com", "offerets eget passord") == 302


def test_the_password_is_chosen_by_whoever_holds_the_mailbox(app):
    """Pre-account hijack: an attacker registers the victim's address; the victim follows the
    link from their inbox. The account gets the password the victim types, and no password the
    attacker could have chosen (the registration form takes none)."""
    attacker, victim = app.test_client(), app.test_client()
    attacker.post("/register", data={**registration_form(email="offer@example.com"),
                                     "password": "angriperens passord 1", "password_confirm": "angriperens passord 1"})
    link = link_in(outbox(app, "confirm_registration")[0])
    assert victim.post(link).status_code == 400, "no account without a password chosen on the page"
    assert victim.post(link, data=password_form("mitt eget hemmelige passord")).status_code == 302
    assert _login_status(app, "offer@example.com", "angriperens passord 1") == 401
    assert _login_status(app, "offer@example.com", "mitt eget hemmelige passord") == 302


def test_an_expired_link_is_refused(app, client):
    client.post("/register", data=registration_form())
    link = link_in(outbox(app, "confirm_registration")[0])
    with app.app_context():
        db.session.execute(sa.update(Registration).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = client.get(link)
    assert response.status_code == 404
    assert "Lenken er ikke gyldig lenger" in response.get_data(as_text=True)


def test_a_made_up_link_is_refused(client):
    assert client.get("/register/confirm/" + "x" * 43).status_code == 404
    assert client.get("/register/confirm/" + "x" * 5000).status_code == 404


def test_repeated_registrations_do_not_flood_an_inbox(app, client):
    for _ in range(8):
        client.post("/register", data=registration_form())
    assert len(outbox(app, to="kari@example.com")) == 5


class CountingPasswords(Passwords):
    """The real hasher, counting the hashes it makes."""

    def __init__(self, **settings):
        super().__init__(**settings)
        self.hashes = 0

    def hash(self, password: str) -> str:
        self.hashes += 1
        return super().hash(password)


def test_a_known_address_and_a_new_one_cost_the_same_hashing(app, client, world):
    """No password at registration: neither a known nor a new address is hashed for, so the
    response time does not tell them apart; the hash is made on the confirmation page."""
    counting = app.extensions["orgsvc.passwords"] = CountingPasswords(**FAST_ARGON2)
    client.post("/register", data=registration_form(email="new@example.com"))
    client.post("/register", data=registration_form(email=world.user_a.email))
    assert counting.hashes == 0
    client.post(link_in(outbox(app, "confirm_registration")[0]), data=password_form())
    assert counting.hashes == 1


def test_one_client_address_may_send_only_so_many_registrations(app, client):
    app.config["ORGSVC_REGISTER_LIMIT_PER_ADDRESS"] = "2 per hour"
    for number in range(2):
        assert client.post("/register", data=registration_form(email=f"kari{number}@example.com")).status_code == 302
    refused = client.post("/register", data=registration_form(email="kari2@example.com"))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "For mange forsøk" in refused.get_data(as_text=True)
    assert outbox(app, to="kari2@example.com") == []
    elsewhere = client.post("/register", data=registration_form(email="kari2@example.com"),
                            environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 302
