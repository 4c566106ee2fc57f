"""Who hears of what happens in a case: a caseworker who has left, a withdrawal, and who sees why."""

from __future__ import annotations

import re

import sqlalchemy as sa

from orgsvc.cases.models import Case, CaseStatus
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.organisations.models import Organisation
from orgsvc.staff.services import deactivate_staff
from tests.cases.fixtures import assign_caseworker, make_case
from tests.factories import StaffFactory
from tests.support import login


def _inbox(app, kind: str, *, person_id: int | None = None, organisation_id: int | None = None) -> list:
    with app.app_context():
        return list(db.session.scalars(sa.select(InboxMessage).where(
            InboxMessage.kind == kind, InboxMessage.recipient_person_id == person_id,
            InboxMessage.recipient_organisation_id == organisation_id)))


def _another_caseworker(app) -> int:
    with app.app_context():
        colleague = StaffFactory()
        db.session.commit()
        return colleague.id


def _deactivate(app, email: str) -> None:
    with app.app_context():
        deactivate_staff(email)


def test_a_deactivated_caseworkers_open_cases_go_back_to_every_caseworker(app, client, world, cases):
    """Messages and withdrawals must reach someone who still reads them."""
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    colleague = _another_caseworker(app)
    _deactivate(app, world.caseworker.email)
    with app.app_context():
        assert db.session.get(Case, cases.a_against_b).caseworker_id is None

    login(client, world.user_a.email)
    form = client.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    assert "Forbrukertilsynets saksbehandlere" in form and world.caseworker.name not in form
    assert client.post(f"/cases/{cases.a_against_b}/messages", data={"recipient": "", "body": "Hallo?"}) \
        .status_code == 302
    assert _inbox(app, "case_message_received", person_id=colleague)
    assert not _inbox(app, "case_message_received", person_id=world.caseworker.id)


def test_a_closed_case_keeps_its_caseworker_but_messages_reach_the_active_ones(app, client, world, cases):
    """The history keeps who handled it; a message after closing goes to someone who reads it."""
    assign_caseworker(app, cases.a_closed, world.caseworker.id)
    colleague = _another_caseworker(app)
    _deactivate(app, world.caseworker.email)
    with app.app_context():
        assert db.session.get(Case, cases.a_closed).caseworker_id == world.caseworker.id

    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_closed}/messages", data={"recipient": "", "body": "Et spørsmål"}) \
        .status_code == 302
    assert _inbox(app, "case_message_received", person_id=colleague)
    assert not _inbox(app, "case_message_received", person_id=world.caseworker.id)


def test_a_withdrawal_reaches_both_parties_as_a_new_status(app, client, world, cases):
    """«trukket» is a new status like any other: both organisations' inboxes, and the users who
    represent them in the case."""
    with app.app_context():
        case_id = make_case("2026-900010", "mediation", world.org_a.id, world.org_b.id,
                            representatives=[(world.admin_a.id, world.org_a.id), (world.user_b.id, world.org_b.id)]).id
        db.session.commit()
    login(client, world.admin_a.email)
    assert client.post(f"/cases/{case_id}/withdraw", data={"reason": "Løst med kunden"}).status_code == 302
    for organisation_id in (world.org_a.id, world.org_b.id):
        [news] = _inbox(app, "case_status_changed", organisation_id=organisation_id)
        assert news.params["status"] == CaseStatus.WITHDRAWN
    [told] = _inbox(app, "case_status_changed", person_id=world.user_b.id)
    assert told.params["status"] == CaseStatus.WITHDRAWN


def test_only_the_submitting_side_and_the_regulator_see_why_a_case_was_withdrawn(app, world, cases):
    """The reason is written to the caseworker; the other party sees only that the case was withdrawn."""
    submitter = app.test_client()
    login(submitter, world.user_a.email)
    assert submitter.post(f"/cases/{cases.a_against_b}/withdraw",
                          data={"reason": "Vi fant en løsning med kunden"}).status_code == 302
    for person, sees in ((world.user_a, True), (world.admin_a, True), (world.admin_b, False),
                         (world.caseworker, True)):
        browser = app.test_client()
        login(browser, person.email)
        page = browser.get(f"/cases/{cases.a_against_b}").get_data(as_text=True)
        assert "Saken ble trukket" in page, person
        assert ("Vi fant en løsning med kunden" in page) is sees, person
        assert "Ingen begrunnelse ble gitt." not in page, person


def _status_options(page: str) -> list[str]:
    select = re.search(r'<select[^>]*id="status"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option[^>]*value="([a-z_]+)"', select.group(1)) if select else []


def test_the_caseworker_is_offered_only_the_statuses_a_case_can_go_to(app, client, world, cases):
    """«under behandling» cannot go back to «innsendt», and a withdrawn case goes nowhere; a refused
    change is said on the case's own page."""
    login(client, world.caseworker.email)
    assert client.post(f"/cases/{cases.a_against_b}/status", data={"status": "in_progress"}).status_code == 302
    assert _status_options(client.get(f"/cases/{cases.a_against_b}").get_data(as_text=True)) == \
        ["in_progress", "closed"]
    refused = client.post(f"/cases/{cases.a_against_b}/status", data={"status": "submitted"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "En sak kan ikke gå fra denne statusen til den valgte." in page and "2026-900001" in page
    with app.app_context():
        assert db.session.get(Case, cases.a_against_b).status == CaseStatus.IN_PROGRESS

    party = app.test_client()
    login(party, world.user_b.email)
    assert party.post(f"/cases/{cases.b_against_a}/withdraw", data={"reason": ""}).status_code == 302
    withdrawn = client.get(f"/cases/{cases.b_against_a}").get_data(as_text=True)
    assert _status_options(withdrawn) == [] and 'action="/cases/' + str(cases.b_against_a) + '/status"' not in withdrawn


def test_the_regulators_list_names_each_cases_kind_in_the_singular(client, world, cases):
    """A row is one case: «meklingssak», «tips», «veiledning» - not the tabs' plural names."""
    login(client, world.caseworker.email)
    page = client.get("/regulator/cases").get_data(as_text=True)
    rows = {number: row for number, row in re.findall(r"(2026-90000\d)</a></td>(.*?)</tr>", page, re.S)}
    assert "<td>meklingssak</td>" in rows["2026-900001"]
    assert "<td>tips</td>" in rows["2026-900002"]
    assert "<td>veiledning</td>" in rows["2026-900005"]
    assert "Meklingssaker</td>" not in page


def test_the_caseworkers_notice_of_a_message_leads_to_the_messages(app, client, world, cases):
    """The message and the reply form are under «Dokumenter», not on the case's overview."""
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_against_b}/messages", data={"recipient": "", "body": "Hei"}) \
        .status_code == 302
    [notice] = _inbox(app, "case_message_received", person_id=world.caseworker.id)
    assert notice.link == f"/cases/{cases.a_against_b}/documents"


def test_a_business_named_in_a_new_mediation_is_told_and_the_submitter_is_not(app, client, world):
    """The other party must log in to take part, so its administrators hear of the case in the inbox;
    the organisation that submitted it has no news of its own case."""
    login(client, world.admin_a.email)
    with app.app_context():
        orgnr_b = db.session.get(Organisation, world.org_b.id).orgnr
    response = client.post("/cases/new", data={"kind": "mediation", "title": "Reklamasjon", "description": "Lekker.",
                                               "counterparty": orgnr_b})
    assert response.status_code == 302
    [news] = _inbox(app, "case_opened_against", organisation_id=world.org_b.id)
    assert news.params["party"] == world.org_a.name and news.link.startswith("/cases/")
    assert not _inbox(app, "case_opened_against", organisation_id=world.org_a.id)

    admin_b = app.test_client()
    login(admin_b, world.admin_b.email)
    inbox = admin_b.get("/inbox/").get_data(as_text=True)
    assert f"Ny meklingssak {news.params['number']}" in inbox


def test_the_caseworker_sees_which_side_wrote_and_who_represents_which_side(app, world, cases):
    """Both sides write to the caseworker in a mediation; each sees only its own thread, the
    caseworker both - so the caseworker's pages name the side of each message and representative."""
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    for person in (world.user_a, world.admin_b):
        party = app.test_client()
        login(party, person.email)
        assert party.post(f"/cases/{cases.a_against_b}/messages",
                          data={"recipient": "", "body": f"Fra {person.name}"}).status_code == 302
    caseworker = app.test_client()
    login(caseworker, world.caseworker.email)
    documents = caseworker.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    for person, organisation in ((world.user_a, world.org_a), (world.admin_b, world.org_b)):
        assert re.search(rf"{person.name} til saksbehandleren – på vegne av {organisation.name}</p>", documents)
    page = caseworker.get(f"/cases/{cases.a_against_b}").get_data(as_text=True)
    assert f"{world.user_a.name} ({world.org_a.name})" in page
    assert "I tillegg ser hver organisasjons administratorer saken." in page

    party_page = app.test_client()
    login(party_page, world.user_a.email)
    assert "på vegne av" not in party_page.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)


def test_caseworkers_find_the_cases_nobody_has_taken_and_are_told_of_an_unknown_number(app, client, world,
                                                                                        cases):
    """New cases reach no one in particular: «Bare de uten saksbehandler» is where they are found."""
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    login(client, world.caseworker.email)
    unassigned = client.get("/regulator/cases?unassigned=1").get_data(as_text=True)
    assert "2026-900002" in unassigned and "2026-900001" not in unassigned
    unknown = client.get("/regulator/cases?orgnr=Nordlys").get_data(as_text=True)
    assert "Vi fant ingen organisasjon med nummeret Nordlys." in unknown
