"""«Avslutt brukeren min» through HTTP, with CSRF: the person leaves every organisation, the account
can never be used again, its address is free for a new registration, and an organisation's last
administrator is refused with nothing changed - also when two administrators close at once. What
only served the address goes with it: its registrations and the digest's record of it."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts import services
from orgsvc.accounts.models import LoginSession, Person, Registration
from orgsvc.audit.models import AuditEvent
from orgsvc.cases.models import CaseFollow, CaseRepresentative
from orgsvc.db import utcnow
from orgsvc.errors import Conflict
from orgsvc.extensions import db
from orgsvc.mail.models import OutboundEmail
from orgsvc.notify.models import DigestState
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.accounts.helpers import link_in, outbox, password_form, registration_form
from tests.factories import MembershipFactory, OrganisationFactory
from tests.support import DEFAULT_PASSWORD, login, run_at_once


def _account(app, person_id) -> dict:
    with app.app_context():
        person = db.session.get(Person, person_id)
        live_sessions = db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession).where(
            LoginSession.person_id == person_id, LoginSession.revoked_at.is_(None)))
        return {"active": person.is_active_account, "email": person.email, "born": person.date_of_birth,
                "password": person.password_hash is not None, "sessions": live_sessions,
                "memberships": sorted(str(m.status) for m in db.session.scalars(
                    sa.select(Membership).where(Membership.person_id == person_id))),
                "cases": db.session.scalar(sa.select(sa.func.count()).select_from(CaseRepresentative).where(
                    CaseRepresentative.person_id == person_id)),
                "follows": db.session.scalar(sa.select(sa.func.count()).select_from(CaseFollow).where(
                    CaseFollow.person_id == person_id))}


def test_a_user_closes_their_account_and_it_is_gone_for_good(app, client, world, cases):
    with app.app_context():
        db.session.add(CaseFollow(case_id=cases.a_against_b, person_id=world.user_a.id, email=world.user_a.email))
        db.session.commit()
    login(client, world.user_a.email)
    before = _account(app, world.user_a.id)
    assert before["cases"] > 0 and before["follows"] == 1 and before["memberships"] == ["active"]
    assert "/account/close" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/close").get_data(as_text=True)
    assert "Avslutt brukeren din" in page and world.org_a.name in page

    unconfirmed = client.post("/account/close", data={})
    assert unconfirmed.status_code == 400
    assert "Kryss av for å bekrefte at du vil avslutte brukeren din." in unconfirmed.get_data(as_text=True)
    assert _account(app, world.user_a.id) == before

    closed = client.post("/account/close", data={"confirm": "y"})
    assert (closed.status_code, closed.headers["Location"]) == (302, "/login")
    assert _account(app, world.user_a.id) == {
        "active": False, "email": f"closed-{world.user_a.id}@closed.invalid", "born": None, "password": False,
        "sessions": 0, "memberships": ["removed"], "cases": 0, "follows": 0}
    assert client.get("/account").status_code == 302, "the browser's session ended with the account"
    with app.app_context():
        events = dict(db.session.execute(sa.select(AuditEvent.action, AuditEvent.details).where(
            AuditEvent.subject_person_id == world.user_a.id, AuditEvent.action.in_(
                ["account.closed", "membership.left"]))).all())
    assert events["account.closed"] == {"memberships_ended": 1}
    assert events["membership.left"] == {"case_access_ended": before["cases"]}

    again = app.test_client()
    assert login(again, world.user_a.email).status_code == 401
    assert again.post("/register", data=registration_form(email=world.user_a.email)).status_code == 302
    with app.app_context():
        kinds = list(db.session.scalars(sa.select(OutboundEmail.kind).where(
            OutboundEmail.to_address == world.user_a.email)))
    assert kinds == ["confirm_registration"], "the address is free: a new registration, not a reminder"


def test_a_pending_administrator_closing_opens_the_organisation_again(app, client, world):
    with app.app_context():
        orgnr = db.session.get(Organisation, world.org_pending.id).orgnr
    login(client, world.pending_admin.email)
    assert client.post("/account/close", data={"confirm": "y"}).status_code == 302
    assert _account(app, world.pending_admin.id)["memberships"] == ["removed"]
    newcomer = app.test_client()
    login(newcomer, world.outsider.email)
    assert "Den første som registrerer seg for en organisasjon, får rollen administrator" in newcomer.get(
        f"/organisation/join/{orgnr}").get_data(as_text=True)


def test_the_last_administrator_is_refused_and_nothing_changes(app, client, world):
    login(client, world.admin_a.email)
    before = _account(app, world.admin_a.id)
    page = client.get("/account/close").get_data(as_text=True)
    assert f"Du er siste administrator for {world.org_a.name}" in page
    assert 'action="/account/close"' not in page
    refused = client.post("/account/close", data={"confirm": "y"})
    assert refused.status_code == 409
    assert f"Du er siste administrator for {world.org_a.name}" in refused.get_data(as_text=True)
    assert _account(app, world.admin_a.id) == before
    assert client.get("/account").status_code == 200, "still logged in"


def test_staff_cannot_close_their_account_here(app, client, world):
    login(client, world.caseworker.email)
    assert "/account/close" not in client.get("/account").get_data(as_text=True)
    assert client.get("/account/close").status_code == 404
    assert client.post("/account/close", data={"confirm": "y"}).status_code == 404
    assert _account(app, world.caseworker.id)["active"] is True


def test_a_stale_session_gives_the_password_first(app, client, world):
    login(client, world.user_a.email)
    with client.session_transaction() as session:
        session["password_given_at"] = int(time.time()) - 16 * 60
    asked = client.get("/account/close")
    assert (asked.status_code, asked.headers["Location"]) == (302, "/reauthenticate?next=/account/close")
    confirmed = client.post("/reauthenticate", data={"password": DEFAULT_PASSWORD, "next": "/account/close"})
    assert confirmed.headers["Location"] == "/account/close"
    assert client.post("/account/close", data={"confirm": "y"}).status_code == 302
    assert _account(app, world.user_a.id)["active"] is False


@pytest.mark.committing
def test_two_administrators_closing_at_once_leave_one(app):
    with app.app_context():
        organisation = OrganisationFactory()
        admins = [MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR).person_id
                  for _ in range(2)]
        organisation_id = organisation.id

    def close(person_id):
        def call():
            person = db.session.get(Person, person_id)
            return services.close_account(load_principal(person), person)
        return call

    results = run_at_once(app, [close(person_id) for person_id in admins])
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "int"], results
    assert isinstance(next(r for r in results if not isinstance(r, int)), Conflict)
    with app.app_context():
        active_admins = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
            Membership.organisation_id == organisation_id, Membership.role == MemberRole.ADMINISTRATOR,
            Membership.status == MembershipStatus.ACTIVE))
        closed = db.session.scalar(sa.select(sa.func.count()).select_from(Person).where(
            Person.id.in_(admins), Person.is_active_account.is_(False)))
    assert (active_admins, closed) == (1, 1)


def _rows_about(app, address_key: str, born) -> dict:
    with app.app_context():
        return {
            "registrations": db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
                sa.or_(Registration.email_key == address_key, Registration.date_of_birth == born))),
            "digest_state": db.session.get(DigestState, address_key) is not None,
        }


def test_closing_removes_the_registrations_and_the_digest_record_of_the_address(app, client):
    born = date(1985, 4, 12)
    client.post("/register", data=registration_form(email="Kari@Example.com", date_of_birth=born.isoformat()))
    link = link_in(outbox(app, "confirm_registration")[0])
    assert client.post(link, data=password_form()).status_code == 302
    with app.app_context():
        db.session.add_all([
            Registration(token_hash="e" * 64, email="KARI@example.com", email_key="kari@example.com",
                         full_name="Kari Nordmann", date_of_birth=born, expires_at=utcnow() - timedelta(days=2)),
            Registration(token_hash="o" * 64, email="ola@example.com", email_key="ola@example.com",
                         full_name="Ola Nordmann", date_of_birth=date(1990, 1, 1), expires_at=utcnow()),
            DigestState(address_key="kari@example.com", last_batch=None),
        ])
        db.session.commit()
    assert _rows_about(app, "kari@example.com", born) == {"registrations": 2, "digest_state": True}

    assert client.post("/account/close", data={"confirm": "y"}).status_code == 302
    assert _rows_about(app, "kari@example.com", born) == {"registrations": 0, "digest_state": False}
    with app.app_context():
        others = db.session.scalars(sa.select(Registration.email_key)).all()
    assert others == ["ola@example.com"], "another address's registration is not touched"


def test_the_digest_record_goes_unless_someone_elses_follow_still_sends_to_the_address(app, world, cases):
    """The record is where the digest left off for the address: while another person's confirmed
    «Følg» still sends there it serves them, and dropping it would send them a day's news again."""
    followed, alone = world.user_a.email.casefold(), world.user_b.email.casefold()
    with app.app_context():
        db.session.add_all([
            CaseFollow(case_id=cases.a_against_b, person_id=world.admin_a.id, email=world.user_a.email.upper(),
                       confirmed_at=utcnow()),
            DigestState(address_key=followed, last_batch=None),
            DigestState(address_key=alone, last_batch=None),
        ])
        db.session.commit()
    for person in (world.user_a, world.user_b):
        browser = app.test_client()
        login(browser, person.email)
        assert browser.post("/account/close", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(DigestState, followed) is not None
        assert db.session.get(DigestState, alone) is None
