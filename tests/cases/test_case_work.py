"""Creating, withdrawing, «Kontakt oss», access per case, following, and the regulator's work."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.audit.models import AuditEvent
from orgsvc.cases import follow as following
from orgsvc.cases import services
from orgsvc.cases.models import (
    Case,
    CaseDocument,
    CaseFollow,
    CaseKind,
    CaseMessage,
    CaseRepresentative,
    CaseStatus,
)
from orgsvc.errors import Conflict, Forbidden, InvalidInput
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.organisations.models import Organisation
from tests.accounts.helpers import link_in, outbox
from tests.cases.fixtures import assign_caseworker, make_case
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory, StaffFactory
from tests.registry.fixtures import import_sample
from tests.support import login, run_at_once


def _case(app, case_id) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case


def _inbox(app, person_id=None, organisation_id=None, kind=None):
    with app.app_context():
        query = sa.select(InboxMessage)
        if person_id:
            query = query.where(InboxMessage.recipient_person_id == person_id)
        if organisation_id:
            query = query.where(InboxMessage.recipient_organisation_id == organisation_id)
        if kind:
            query = query.where(InboxMessage.kind == kind)
        return list(db.session.scalars(query))


# --- creating ---------------------------------------------------------------------------------
def test_a_user_creates_a_tip_and_becomes_its_representative(app, client, world):
    login(client, world.user_a.email)
    response = client.post("/cases/new", data={"kind": "tip", "title": "Villedende reklame",
                                               "description": "De lover gratis frakt, men tar betalt."})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert (case.kind, case.status, case.submitter_org_id) == (CaseKind.TIP, CaseStatus.SUBMITTED, world.org_a.id)
        assert re.fullmatch(r"\d{4}-\d{6}", case.number)
        assert db.session.scalar(sa.select(CaseRepresentative.person_id)) == world.user_a.id
    assert "Villedende reklame" in client.get("/cases/?tab=tip").get_data(as_text=True)


def test_a_user_asks_for_guidance_from_min_side(app, client, world):
    login(client, world.user_a.email)
    assert "Veiledninger" in client.get("/cases/?tab=guidance").get_data(as_text=True)
    response = client.post("/cases/new", data={"kind": "guidance", "title": "Angrerett ved netthandel",
                                               "description": "Hvor lang angrefrist må vi gi kundene?"})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert response.headers["Location"].endswith(f"/cases/{case.id}")
        assert (case.kind, case.status, case.submitter_org_id, case.counterparty_org_id, case.created_by_id) == (
            CaseKind.GUIDANCE, CaseStatus.SUBMITTED, world.org_a.id, None, world.user_a.id)
        assert re.fullmatch(r"\d{4}-\d{6}", case.number)
        assert list(db.session.execute(sa.select(CaseRepresentative.person_id, CaseRepresentative.organisation_id))
                    ) == [(world.user_a.id, world.org_a.id)]
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "case.created")).details == {
            "number": case.number, "kind": "guidance"}
        number = case.number
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Sak {number} er sendt inn." in page and "Angrerett ved netthandel" in page
    guidance = client.get("/cases/?tab=guidance").get_data(as_text=True)
    assert number in guidance and "Angrerett ved netthandel" in guidance
    assert number not in client.get("/cases/?tab=tip").get_data(as_text=True)
    assert number not in client.get("/cases/?tab=mediation").get_data(as_text=True)


def test_a_mediation_case_against_a_business_from_the_register(app, client, world):
    import_sample(app)
    login(client, world.admin_a.email)
    response = client.post("/cases/new", data={"kind": "mediation", "title": "Reklamasjon på vaskemaskin",
                                               "description": "Maskinen lekker.", "counterparty": "310 000 019"})
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert db.session.get(Organisation, case.counterparty_org_id).name == "NORDLYS ELEKTRONIKK AS"


def test_a_mediation_counterparty_chosen_by_name_from_the_register(app, client, world):
    import_sample(app)
    login(client, world.admin_a.email)
    case = {"kind": "mediation", "title": "Reklamasjon på vaskemaskin", "description": "Maskinen lekker.",
            "counterparty": "nordlys"}
    listed = client.post("/cases/new", data=case)
    assert listed.status_code == 200
    page = listed.get_data(as_text=True)
    assert "Velg virksomheten" in page and 'value="310000019"' in page and "NORDLYS ELEKTRONIKK AS" in page
    assert "Reklamasjon på vaskemaskin" in page, "what was written is kept while choosing"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0, "nothing yet"
    assert client.post("/cases/new", data={**case, "counterparty_choice": "310000019"}).status_code == 302
    with app.app_context():
        created = db.session.scalar(sa.select(Case))
        assert db.session.get(Organisation, created.counterparty_org_id).orgnr == "310000019"


def test_a_counterparty_name_while_the_register_is_down_asks_for_the_number(app, client, world, register_outage):
    login(client, world.admin_a.email)
    response = client.post("/cases/new", data={"kind": "mediation", "title": "x", "description": "y",
                                               "counterparty": "nordlys"})
    assert response.status_code == 400
    assert "Enhetsregisteret svarer ikke akkurat nå" in response.get_data(as_text=True)
    assert register_outage.server_errors == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(("form", "message"), [
    ({"kind": "mediation", "title": "x", "description": "y"}, "Velg virksomheten meklingen gjelder."),
    ({"kind": "mediation", "title": "x", "description": "y", "counterparty": "zzqx finnes ikke"},
     "Ingen virksomhet i Enhetsregisteret passer til «zzqx finnes ikke»"),
    ({"kind": "mediation", "title": "x", "description": "y", "counterparty": "nordlys",
      "counterparty_choice": "123456789"}, "123456789 er ikke et gyldig organisasjonsnummer"),
    ({"kind": "mediation", "title": "x", "description": "y", "counterparty": "123"}, "9 sifre"),
    ({"kind": "tip", "title": "", "description": "y"}, "Dette feltet må fylles ut."),
    ({"kind": "lawsuit", "title": "x", "description": "y"}, "Not a valid choice"),
    ({"kind": "tip", "title": "x", "description": "y", "counterparty": "310 000 035"},
     "Bare en meklingssak oppgir virksomheten saken gjelder"),
    ({"kind": "guidance", "title": "x", "description": "y", "counterparty": "nordlys",
      "counterparty_choice": "310000035"}, "Bare en meklingssak oppgir virksomheten saken gjelder"),
])
def test_creating_a_case_with_bad_input(app, client, world, form, message):
    login(client, world.user_a.email)
    response = client.post("/cases/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page or "Ikke et gyldig valg" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_pending_users_cannot_create_cases(client, world):
    login(client, world.pending_user_a.email)
    assert client.get("/cases/new").status_code == 403


# --- withdrawing ------------------------------------------------------------------------------
def test_withdrawing_with_a_reason_tells_the_caseworker_why(app, client, world, cases):
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    login(client, world.user_a.email)
    too_long = client.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": "x" * 2001})
    assert too_long.status_code == 400 and "x" * 2001 in too_long.get_data(as_text=True)
    assert _case(app, cases.a_against_b).status == CaseStatus.SUBMITTED
    response = client.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": "Vi ble enige selv."})
    assert response.status_code == 302
    case = _case(app, cases.a_against_b)
    assert (case.status, case.withdrawal_reason, case.withdrawn_by_id) == (
        CaseStatus.WITHDRAWN, "Vi ble enige selv.", world.user_a.id)
    [told] = _inbox(app, person_id=world.caseworker.id, kind="case_withdrawn")
    assert told.params["reason"] == "Vi ble enige selv."
    assert "trukket" in client.get(f"/cases/{cases.a_against_b}").get_data(as_text=True)
    assert client.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": "igjen"}).status_code == 403


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_reason_for_withdrawing_is_optional(app, client, world, cases, reason):
    # «Her kan du også skrive hvorfor du velger å trekke saken»: may, not must.
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    login(client, world.user_a.email)
    form = client.get(f"/cases/{cases.a_against_b}/withdraw").get_data(as_text=True)
    assert "Hvorfor velger du å trekke saken? (valgfritt)" in form
    assert client.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": reason}).status_code == 302
    case = _case(app, cases.a_against_b)
    assert (case.status, case.withdrawal_reason) == (CaseStatus.WITHDRAWN, None)
    [told] = _inbox(app, person_id=world.caseworker.id, kind="case_withdrawn")
    assert told.params["reason"] is None
    assert "Ingen begrunnelse ble gitt." in client.get(f"/cases/{cases.a_against_b}").get_data(as_text=True)
    caseworker = app.test_client()
    login(caseworker, world.caseworker.email)
    message = caseworker.get(f"/inbox/{told.id}").get_data(as_text=True)
    assert "Begrunnelse" in message and "Ingen begrunnelse ble gitt." in message
    short = make_case_for_withdrawal(app, world)
    assert client.post(f"/cases/{short}/withdraw", data={"reason": "ok"}).status_code == 302
    assert _case(app, short).withdrawal_reason == "ok", "a short reason is a reason too"


def make_case_for_withdrawal(app, world) -> int:
    with app.app_context():
        case = make_case("2026-900099", CaseKind.TIP, world.org_a.id,
                         representatives=[(world.user_a.id, world.org_a.id)])
        db.session.commit()
        return case.id


def test_the_counterparty_cannot_withdraw(client, world, cases):
    login(client, world.admin_b.email)
    assert client.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": "Vi vil ikke"}).status_code == 403


@pytest.mark.committing
def test_two_withdrawals_at_once_one_wins(app, world):
    with app.app_context():
        organisation = OrganisationFactory()
        first, second = (MembershipFactory(organisation=organisation, role="administrator") for _ in range(2))
        case_id = make_case("2026-000777", CaseKind.MEDIATION, organisation.id).id
        db.session.commit()
        people = (first.person_id, second.person_id)
    barrier, results = threading.Barrier(2), []

    def withdraw(person_id):
        with app.app_context():
            principal = load_principal(db.session.get(Person, person_id))
            db.session.commit()  # hold no lock while waiting for the other thread
            barrier.wait()
            try:
                results.append(services.withdraw(principal, case_id, f"grunn fra {person_id}").status)
            except Conflict as error:
                results.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=withdraw, args=(person_id,)) for person_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2, results
    assert CaseStatus.WITHDRAWN in results and any(isinstance(r, Conflict) for r in results), results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "case.withdrawn")) == 1


def _withdrawn_meanwhile(app, database, case_id: int, add_something) -> object:
    """Withdraw the case in a transaction held open while ``add_something`` runs in another thread
    and reaches the database; then commit. Returns what ``add_something`` returned or raised."""
    outcome = []

    def run():
        with app.app_context():
            try:
                outcome.append(add_something())
            except Exception as error:  # the test looks at what it was
                outcome.append(error)
            finally:
                db.session.remove()

    with app.app_context(), db.engine.connect() as withdrawal:
        withdrawal.execute(sa.text("UPDATE case_file SET status = 'withdrawn', withdrawn_at = last_activity_at "
                                   "WHERE id = :id"), {"id": case_id})
        thread = threading.Thread(target=run)
        thread.start()
        _until_waiting_for_a_lock(withdrawal, thread)
        withdrawal.commit()
    thread.join(60)
    assert len(outcome) == 1
    return outcome[0]


def _until_waiting_for_a_lock(connection, thread, seconds: float = 10.0) -> None:
    """PostgreSQL: until the other thread's transaction waits for the case's row lock. SQLite has one
    writer at a time (the other thread waits to begin), so there a moment's pause is all it takes."""
    import time

    deadline = time.monotonic() + seconds
    while connection.dialect.name == "postgresql" and time.monotonic() < deadline and thread.is_alive():
        waiting = db.session.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )).scalar()
        db.session.rollback()
        if waiting:
            return
        time.sleep(0.02)
    time.sleep(0.3)


def _upload(principal, case_id, organisation_id):
    import io

    from tests.cases.test_uploads import PDF

    return services.add_document(principal, case_id, io.BytesIO(PDF), "kvittering.pdf", organisation_id)


def _message(principal, case_id, organisation_id):
    return services.send_message(principal, case_id, organisation_id, "Hei", None)


@pytest.mark.committing
@pytest.mark.parametrize(("add", "model"), [(_upload, CaseDocument), (_message, CaseMessage)])
def test_nothing_is_added_to_a_case_withdrawn_while_it_was_on_its_way(app, world, database, add, model):
    """The check sees a withdrawal committed meanwhile (it waits for the case's lock), so neither a
    document nor a message lands on a withdrawn case."""
    with app.app_context():
        organisation = OrganisationFactory()
        person_id = MembershipFactory(organisation=organisation, role="administrator").person_id
        case_id = make_case("2026-000778", CaseKind.MEDIATION, organisation.id).id
        organisation_id = organisation.id
        db.session.commit()

    def add_to_the_case():
        return add(load_principal(db.session.get(Person, person_id)), case_id, organisation_id)

    assert isinstance(_withdrawn_meanwhile(app, database, case_id, add_to_the_case), Forbidden)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
        assert db.session.get(Case, case_id).status == CaseStatus.WITHDRAWN


# --- «Kontakt oss» ----------------------------------------------------------------------------
def test_contact_the_caseworker_and_get_the_reply_in_the_inbox(app, world, cases):
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    party, caseworker, other_side = app.test_client(), app.test_client(), app.test_client()
    login(party, world.user_a.email)
    page = party.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    assert "Kontakt oss" in page and f"Saksbehandler {world.caseworker.name}" in page
    response = party.post(f"/cases/{cases.a_against_b}/messages",
                          data={"recipient": str(world.caseworker.id), "body": "Når får vi svar?"})
    assert response.status_code == 302
    assert _inbox(app, person_id=world.caseworker.id, kind="case_message_received")

    login(caseworker, world.caseworker.email)
    docs = caseworker.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    assert "Når får vi svar?" in docs
    with app.app_context():
        message_id = db.session.scalar(sa.select(CaseMessage.id))
    reply = caseworker.post(f"/cases/{cases.a_against_b}/messages/{message_id}/reply",
                            data={"body": "I løpet av uken."})
    assert reply.status_code == 302
    [news] = _inbox(app, person_id=world.user_a.id, kind="case_reply")
    assert news.link.endswith("/documents")
    assert "I løpet av uken." in party.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)

    login(other_side, world.admin_b.email)
    theirs = other_side.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    assert "Når får vi svar?" not in theirs and "I løpet av uken." not in theirs



@pytest.mark.parametrize("body", ["", "   "])
def test_an_empty_reply_shows_the_error_by_the_message_it_answers(app, world, cases, body):
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    party, caseworker = app.test_client(), app.test_client()
    login(party, world.user_a.email)
    assert party.post(f"/cases/{cases.a_against_b}/messages", data={"body": "Når får vi svar?"}).status_code == 302
    with app.app_context():
        message_id = db.session.scalar(sa.select(CaseMessage.id))
    login(caseworker, world.caseworker.email)
    response = caseworker.post(f"/cases/{cases.a_against_b}/messages/{message_id}/reply", data={"body": body})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Når får vi svar?" in page and "Noe må rettes" in page, "the messages page, not an error page"
    assert f'<p class="field__error" id="reply-{message_id}-error">Dette feltet må fylles ut.</p>' in page
    assert f'aria-describedby="reply-{message_id}-error">{body}</textarea>' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseMessage)) == 1
    missing = caseworker.post(f"/cases/{cases.a_against_b}/messages/999999/reply", data={"body": ""})
    assert missing.status_code == 404


def test_messages_are_possible_until_closed_but_not_after_withdrawal(app, client, world, cases):
    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_closed}/messages", data={"body": "Motparten holder ikke avtalen"}
                       ).status_code == 302
    client.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": "Avklart"})
    assert client.post(f"/cases/{cases.a_against_b}/messages", data={"body": "Hei"}).status_code == 403


@pytest.mark.parametrize("assigned", [False, True])
def test_a_recipient_of_only_spaces_is_no_recipient_chosen(app, client, world, cases, assigned):
    if assigned:
        assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    login(client, world.user_a.email)
    for recipient in (" ", "\t "):
        response = client.post(f"/cases/{cases.a_against_b}/messages", data={"recipient": recipient, "body": "Hei"})
        assert response.status_code == 302, recipient
    with app.app_context():
        recipients = db.session.scalars(sa.select(CaseMessage.recipient_id)).all()
    assert recipients == [world.caseworker.id if assigned else None] * 2


def test_a_recipient_who_is_not_the_caseworker_is_refused(app, client, world, cases):
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    login(client, world.user_a.email)
    for recipient in (str(world.user_b.id), "abc", str(10**30)):
        response = client.post(f"/cases/{cases.a_against_b}/messages", data={"recipient": recipient, "body": "Hei"})
        assert response.status_code == 400, recipient


def test_an_empty_message_is_refused(client, world, cases):
    login(client, world.user_a.email)
    response = client.post(f"/cases/{cases.a_against_b}/messages", data={"body": "  "})
    assert response.status_code == 400


# --- access per case --------------------------------------------------------------------------
def test_an_administrator_gives_and_takes_access_and_it_counts_at_once(app, world, cases):
    admin, user = app.test_client(), app.test_client()
    login(admin, world.admin_a.email)
    login(user, world.user_a.email)
    assert user.get(f"/cases/{cases.a_tip}").status_code == 404
    page = admin.get(f"/cases/{cases.a_tip}").get_data(as_text=True)
    assert "Hvem har tilgang" in page and world.user_a.name in page
    assert admin.post(f"/cases/{cases.a_tip}/access", data={"person": world.user_a.id}).status_code == 302
    assert user.get(f"/cases/{cases.a_tip}").status_code == 200
    assert _inbox(app, person_id=world.user_a.id, kind="case_access_granted")
    with app.app_context():
        representative = db.session.scalar(sa.select(CaseRepresentative.id).where(
            CaseRepresentative.case_id == cases.a_tip, CaseRepresentative.person_id == world.user_a.id))
    assert admin.post(f"/cases/{cases.a_tip}/access/{representative}/remove").status_code == 302
    assert user.get(f"/cases/{cases.a_tip}").status_code == 404
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("case.rep%"))))
    assert actions == ["case.representative_added", "case.representative_removed"]


def test_only_members_of_the_own_side_can_be_given_access(app, client, world, cases):
    login(client, world.admin_a.email)
    assert client.post(f"/cases/{cases.a_tip}/access", data={"person": world.user_b.id}).status_code == 400
    assert client.post(f"/cases/{cases.a_tip}/access", data={"person": world.pending_user_a.id}).status_code == 400


def test_a_person_number_that_is_no_id_is_refused_without_touching_the_database(app, client, world, cases):
    login(client, world.admin_a.email)
    for person in ("99999999999", str(10**30), "abc", " ", "-1"):
        response = client.post(f"/cases/{cases.a_tip}/access", data={"person": person})
        assert response.status_code == 400, person
    with app.app_context():
        assert not db.session.scalar(sa.select(CaseRepresentative.id).where(
            CaseRepresentative.case_id == cases.a_tip, CaseRepresentative.person_id != world.admin_a.id))


def test_a_user_cannot_manage_access_and_the_other_side_cannot_touch_ours(app, client, world, cases):
    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_against_b}/access", data={"person": world.user_a.id}).status_code == 403
    client.post("/logout")
    login(client, world.admin_b.email)
    with app.app_context():
        ours = db.session.scalar(sa.select(CaseRepresentative.id).where(
            CaseRepresentative.case_id == cases.a_against_b, CaseRepresentative.organisation_id == world.org_a.id))
    # The other side's representative answers as a missing one does (another organisation's object).
    assert client.post(f"/cases/{cases.a_against_b}/access/{ours}/remove").status_code == 404
    assert client.post(f"/cases/{cases.a_against_b}/access/999999/remove").status_code == 404
    with app.app_context():
        assert db.session.get(CaseRepresentative, ours) is not None


def test_which_cases_a_user_has(app, client, world, cases):
    from tests.conftest import membership_of

    with app.app_context():
        membership_id = membership_of(world.user_a, world.org_a).id
    login(client, world.admin_a.email)
    page = client.get(f"/organisation/members/{membership_id}/cases").get_data(as_text=True)
    assert "2026-900001" in page and "2026-900005" in page and "2026-900002" not in page
    client.post("/logout")
    login(client, world.admin_b.email)
    assert client.get(f"/organisation/members/{membership_id}/cases").status_code == 404


# --- following --------------------------------------------------------------------------------
def test_following_with_the_own_address_needs_no_confirmation(app, client, world, cases):
    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_against_b}/follow", data={"email": ""}).status_code == 302
    with app.app_context():
        follow = db.session.scalar(sa.select(CaseFollow))
        assert follow.email == world.user_a.email and follow.confirmed_at is not None
    client.post(f"/cases/{cases.a_against_b}/unfollow")
    with app.app_context():
        assert db.session.scalar(sa.select(CaseFollow)) is None


def test_another_address_must_be_confirmed_from_its_mailbox(app, client, world, cases):
    login(client, world.user_a.email)
    client.post(f"/cases/{cases.a_against_b}/follow", data={"email": "kundeservice@example.com"})
    with app.app_context():
        assert db.session.scalar(sa.select(CaseFollow)).confirmed_at is None
    [mail] = outbox(app, "follow_confirmation")
    assert mail.to_address == "kundeservice@example.com"
    link = link_in(mail)
    mailbox = app.test_client()  # whoever reads that mailbox; no login needed
    assert mailbox.get(link).status_code == 200
    assert mailbox.post(link).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(CaseFollow)).confirmed_at is not None
    assert mailbox.post(link).status_code == 404


@pytest.mark.committing
@pytest.mark.parametrize("address", [None, "kundeservice@example.com"])
def test_following_twice_at_once_gives_one_follow(app, database, address):
    with app.app_context():
        organisation = OrganisationFactory()
        person_id = MembershipFactory(organisation=organisation, role="administrator").person_id
        case_id = make_case("2026-000891", CaseKind.MEDIATION, organisation.id).id
        db.session.commit()

    def follow():
        principal = load_principal(db.session.get(Person, person_id))
        db.session.commit()  # hold no lock while waiting for the other thread
        return following.follow(principal, case_id, address).email

    meet = "INSERT INTO case_follow" if database.backend == "postgresql" else None
    results = run_at_once(app, [follow, follow], meet_before=meet)
    with app.app_context():
        email = address or db.session.get(Person, person_id).email
        assert results == [email, email]
        rows = db.session.execute(sa.select(CaseFollow.email, CaseFollow.confirmed_at.is_(None))).all()
    assert rows == [(email, address is not None)]


def test_following_needs_access_to_the_case(client, world, cases):
    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_tip}/follow", data={}).status_code == 404


@pytest.mark.parametrize("address", ["ikke en adresse", "kari@", "a" * 250 + "@example.com"])
def test_following_with_an_invalid_address_shows_the_error_on_the_case_page(app, client, world, cases, address):
    login(client, world.user_a.email)
    response = client.post(f"/cases/{cases.a_against_b}/follow", data={"email": address})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2026-900001" in page and "Følg saken" in page, "the case page itself, not an error page"
    assert "Noe må rettes" in page and 'class="field__error" id="email-error"' in page
    assert f'value="{address}"' in page, "what was written is kept"
    with app.app_context():
        assert db.session.scalar(sa.select(CaseFollow)) is None


def test_following_a_case_one_may_not_see_is_still_a_404_whatever_the_address(client, world, cases):
    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_tip}/follow", data={"email": "ikke en adresse"}).status_code == 404


# --- the regulator ----------------------------------------------------------------------------
def test_caseworkers_filter_all_cases(app, client, world, cases):
    login(client, world.caseworker.email)
    everything = client.get("/regulator/cases").get_data(as_text=True)
    assert all(number in everything for number in ("2026-900001", "2026-900002", "2026-900003"))
    tips = client.get("/regulator/cases?kind=tip").get_data(as_text=True)
    assert "2026-900002" in tips and "2026-900001" not in tips
    closed = client.get("/regulator/cases?status=closed").get_data(as_text=True)
    assert "2026-900004" in closed and "2026-900001" not in closed
    with app.app_context():
        orgnr = db.session.get(Organisation, world.org_b.id).orgnr
    by_org = client.get(f"/regulator/cases?orgnr={orgnr}").get_data(as_text=True)
    assert "2026-900001" in by_org and "2026-900002" not in by_org


@pytest.mark.parametrize("query", ["", "?orgnr=999999999", "?orgnr=310000019&kind=tip"])
def test_the_regulators_list_is_refused_to_business_users_whatever_the_filters(client, world, cases, query):
    """The same answer for a known, an unknown and no organisation number: the page is not theirs."""
    login(client, world.admin_a.email)
    assert client.get(f"/regulator/cases{query}").status_code == 404


def test_caseworkers_change_status_and_assign(app, client, world, cases):
    login(client, world.caseworker.email)
    assert client.post(f"/cases/{cases.a_against_b}/status", data={"status": "in_progress"}).status_code == 302
    assert _case(app, cases.a_against_b).status == CaseStatus.IN_PROGRESS
    assert _inbox(app, organisation_id=world.org_a.id, kind="case_status_changed")
    assert client.post(f"/cases/{cases.a_against_b}/status", data={"status": "closed"}).status_code == 302
    assert _case(app, cases.a_against_b).closed_at is not None
    assert client.post(f"/cases/{cases.a_against_b}/assign",
                       data={"caseworker": str(world.regulator_admin.id)}).status_code == 302
    assert _case(app, cases.a_against_b).caseworker_id == world.regulator_admin.id
    assert _inbox(app, person_id=world.regulator_admin.id, kind="case_assigned")


def _status_news(app, ref) -> tuple[int, list[InboxMessage]]:
    """The person's unread count and the status notices they see in their inbox."""
    from orgsvc.inbox.services import messages, unread_count

    with app.app_context():
        principal = load_principal(db.session.get(Person, ref.id))
        rows, _ = messages(principal)
        return unread_count(principal), [m for m, _ in rows if m.kind == "case_status_changed"]


def test_a_user_representing_the_organisation_is_told_of_a_new_status(app, client, world, cases):
    """user_a represents A in the case but cannot read A's inbox; admin_a, who represents it too,
    reads A's inbox and is told once."""
    user_unread, _ = _status_news(app, world.user_a)
    other_unread, _ = _status_news(app, world.user_b)
    login(client, world.caseworker.email)
    assert client.post(f"/cases/{cases.a_against_b}/status", data={"status": "in_progress"}).status_code == 302

    unread, [notice] = _status_news(app, world.user_a)
    assert unread == user_unread + 1
    assert (notice.recipient_person_id, notice.organisation_id) == (world.user_a.id, world.org_a.id)
    assert notice.link == f"/cases/{cases.a_against_b}" and notice.params["status"] == "in_progress"
    assert len(_status_news(app, world.admin_a)[1]) == 1
    assert _status_news(app, world.user_b) == (other_unread, []), "user_b does not represent B in this case"
    user = app.test_client()
    login(user, world.user_a.email)
    assert "Ny status i sak 2026-900001" in user.get("/inbox/").get_data(as_text=True)


def test_a_withdrawn_case_stays_withdrawn(app, client, world, cases):
    with app.app_context():
        db.session.get(Case, cases.a_tip).status = CaseStatus.WITHDRAWN
        db.session.commit()
    login(client, world.caseworker.email)
    assert client.post(f"/cases/{cases.a_tip}/status", data={"status": "in_progress"}).status_code == 409


def test_parties_cannot_do_the_regulators_work(client, world, cases):
    login(client, world.admin_a.email)
    assert client.post(f"/cases/{cases.a_against_b}/status", data={"status": "closed"}).status_code == 403
    assert client.get("/regulator/cases").status_code == 404


def test_staff_and_people_created_by_factories_exist(app):
    with app.app_context():
        assert StaffFactory() and PersonFactory()


@pytest.mark.parametrize("kind", [CaseKind.TIP, CaseKind.GUIDANCE])
def test_a_business_named_in_a_tip_or_guidance_is_no_party(app, world, kind):
    """The service refuses it whatever the form says, and so does the database."""
    with app.app_context():
        principal = load_principal(db.session.get(Person, world.user_a.id))
        other = db.session.get(Organisation, world.org_b.id)
        with pytest.raises(InvalidInput, match="Bare en meklingssak oppgir virksomheten"):
            services.create_case(principal, world.org_a.id, kind.value, "Tips", "Om B", other)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
        db.session.add(Case(number="2026-999999", kind=kind, title="t", submitter_org_id=world.org_a.id,
                            counterparty_org_id=world.org_b.id))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_refused_case_adds_no_counterparty_from_the_register(app, world):
    """The business is found in the register but added only with a case that is created."""
    from orgsvc.organisations.services import resolve_organisation

    import_sample(app)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))
        principal = load_principal(db.session.get(Person, world.user_a.id))
        with pytest.raises(InvalidInput):
            services.create_case(principal, world.org_a.id, "tip", "Tips", "Om butikken",
                                 resolve_organisation("310000019"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == before
        case = services.create_case(principal, world.org_a.id, "mediation", "Klage", "Om butikken",
                                    resolve_organisation("310000019"))
        assert case.counterparty_org.orgnr == "310000019"


# --- the regulator's log ------------------------------------------------------------------------
def _audit(app, action) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))
        db.session.expunge_all()
        return rows


def _in_the_regulators_log(app, client, action) -> int:
    """How many times the log page names ``action`` (in the language the page is drawn in)."""
    from orgsvc.portal.frame import audit_label

    with app.test_request_context():
        label = audit_label(action)
    return client.get("/regulator/audit").get_data(as_text=True).count(label)


def test_assigning_a_caseworker_is_in_the_regulators_log(app, client, world, cases):
    login(client, world.caseworker.email)
    assert client.post(f"/cases/{cases.a_against_b}/assign",
                       data={"caseworker": str(world.regulator_admin.id)}).status_code == 302
    [event] = _audit(app, "case.assigned")
    assert (event.actor_id, event.subject_person_id, event.organisation_id) == (
        world.caseworker.id, world.regulator_admin.id, world.org_a.id)
    assert (event.object_type, event.object_id) == ("case", str(cases.a_against_b))
    assert _in_the_regulators_log(app, client, "case.assigned") == 1


def test_a_reply_is_in_the_regulators_log_without_its_text(app, client, world, cases):
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    party = app.test_client()
    login(party, world.user_a.email)
    party.post(f"/cases/{cases.a_against_b}/messages", data={"recipient": str(world.caseworker.id), "body": "Svar?"})
    with app.app_context():
        message_id = db.session.scalar(sa.select(CaseMessage.id))
    login(client, world.caseworker.email)
    assert client.post(f"/cases/{cases.a_against_b}/messages/{message_id}/reply",
                       data={"body": "Hemmelig svar"}).status_code == 302
    [event] = _audit(app, "case.replied")
    assert (event.actor_id, event.subject_person_id, event.organisation_id) == (
        world.caseworker.id, world.user_a.id, world.org_a.id)
    assert (event.object_type, event.object_id) == ("case", str(cases.a_against_b))
    assert "Hemmelig svar" not in repr(event.details) and event.reason is None
    assert _in_the_regulators_log(app, client, "case.replied") == 1
