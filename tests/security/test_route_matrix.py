"""Every route, for every persona, in their own organisation, another one, or none: the answer the
access matrix (route_matrix.py) says, with real login and CSRF. Refused requests change nothing,
and another organisation's object answers exactly like a missing one."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from orgsvc.cases.models import Case, CaseDocument, CaseKind, CaseMessage, CaseRepresentative
from orgsvc.cases.uploads import receive
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_organisation
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, MembershipStatus
from tests.accounts.helpers import registration_form
from tests.cases.test_uploads import PDF
from tests.conftest import membership_of
from tests.factories import MembershipFactory
from tests.security.route_matrix import HOME, LOGIN, MATRIX, PERSONAS, PUBLIC_ALLOW_LIST
from tests.support import DEFAULT_PASSWORD, login, without_csrf_tokens

PERSONA_REFS = {"person": "outsider", "pu": "pending_user_a", "u": "user_a", "pa": "pending_admin", "a": "admin_a",
                "cw": "caseworker", "ra": "regulator_admin"}
# Tables a refused request may touch: the audit log records the refusal, sessions their last use.
VOLATILE = {"audit_event", "login_session", "alembic_version"}


@dataclass
class Objects:
    organisation: int
    orgnr: str
    pending_membership: int
    active_membership: int
    pending_admin_membership: int
    case: int
    document: int
    message: int
    representative: int
    inbox_message: int
    access_candidate: int


def _case(organisation_id: int, representative_id: int | None, number: str, app) -> tuple[int, int, int, int]:
    case = Case(number=number, kind=CaseKind.MEDIATION, title=f"Sak {number}", description="d",
                submitter_org_id=organisation_id, counterparty_consumer="Ola Forbruker")
    db.session.add(case)
    db.session.flush()
    representative = 0
    if representative_id is not None:
        row = CaseRepresentative(case_id=case.id, person_id=representative_id, organisation_id=organisation_id)
        db.session.add(row)
        db.session.flush()
        representative = row.id
    stored = receive(io.BytesIO(PDF), "kvittering.pdf")
    document = CaseDocument(case_id=case.id, original_name="kvittering.pdf", stored_name=stored.stored_name,
                            content_type="application/pdf", size_bytes=stored.size_bytes, sha256=stored.sha256)
    message = CaseMessage(case_id=case.id, organisation_id=organisation_id, body="Hei")
    db.session.add_all([document, message])
    db.session.flush()
    return case.id, document.id, message.id, representative


@pytest.fixture
def scenario(app, world):
    """Objects of organisation A (the personas' own), B (nobody's) and P (the pending administrator's)."""
    with app.test_request_context():
        org_b = db.session.get(Organisation, world.org_b.id)
        b_pending = MembershipFactory(organisation=org_b, status=MembershipStatus.PENDING)
        b_pending_admin = MembershipFactory(organisation=org_b, role=MemberRole.ADMINISTRATOR,
                                            status=MembershipStatus.PENDING)
        p_membership = membership_of(world.pending_admin, world.org_pending).id
        objects = {}
        for key, org, pending, active, pending_admin, representative in (
            ("a", world.org_a, membership_of(world.pending_user_a, world.org_a).id,
             membership_of(world.user_a, world.org_a).id, p_membership, world.user_a.id),
            ("b", world.org_b, b_pending.id, membership_of(world.user_b, world.org_b).id, b_pending_admin.id,
             world.user_b.id),
            ("p", world.org_pending, p_membership, p_membership, p_membership, None),
        ):
            case, document, message, rep = _case(org.id, representative, f"2026-8000{len(objects)}1", app)
            inbox = post_to_organisation(org.id, "join_requested", person="X", organisation="Y")
            db.session.flush()
            objects[key] = Objects(org.id, db.session.get(Organisation, org.id).orgnr, pending, active, pending_admin,
                                   case, document, message, rep, inbox.id, world.admin_a.id)
        db.session.commit()
        return objects


def _target(row, persona, scenario) -> Objects | None:
    if row.scope == "same":
        return scenario[HOME.get(persona, "a")]  # anonymous visitors try organisation A's objects
    if row.scope == "other":
        return scenario["b"]
    return None


URLS = {
    "portal.home": lambda o: "/", "portal.health": lambda o: "/healthz",
    "accounts.login": lambda o: "/login", "accounts.register": lambda o: "/register",
    "accounts.registration_sent": lambda o: "/register/sent",
    "accounts.confirm_registration": lambda o: "/register/confirm/" + "x" * 43,
    "accounts.forgot_password": lambda o: "/password/forgot", "accounts.reset_sent": lambda o: "/password/sent",
    "accounts.reset_password": lambda o: "/password/reset/" + "x" * 43,
    "accounts.choose_language": lambda o: "/language", "accounts.account": lambda o: "/account",
    "accounts.change_password": lambda o: "/account/password", "accounts.change_digest": lambda o: "/account/digest",
    "accounts.change_details": lambda o: "/account/details", "accounts.close_account": lambda o: "/account/close",
    "accounts.end_other_sessions": lambda o: "/account/sessions/end-others", "accounts.logout": lambda o: "/logout",
    "accounts.reauthenticate": lambda o: "/reauthenticate",
    "cases.confirm_follow": lambda o: "/follow/confirm/" + "x" * 43,
    "notify.unsubscribe_digest": lambda o: "/notifications/unsubscribe/forged",
    "inbox.index": lambda o: "/inbox/", "api.openapi": lambda o: "/api/v1/openapi.yaml",
    "api.create_case": lambda o: "/api/v1/cases", "api.get_case": lambda o: "/api/v1/cases/2026-800011",
    "api.add_document": lambda o: "/api/v1/cases/2026-800011/documents",
    "api.set_status": lambda o: "/api/v1/cases/2026-800011/status",
    "organisations.choose": lambda o: "/organisation/choose",
    "organisations.search": lambda o: "/organisation/search?q=ab",
    "organisations.add": lambda o: "/organisation/add", "organisations.join": lambda o: f"/organisation/join/{o.orgnr}",
    "portal.switch_organisation": lambda o: "/organisation/switch",
    "roles.members": lambda o: "/organisation/members", "roles.leave": lambda o: "/organisation/leave",
    "roles.apply_administrator": lambda o: "/organisation/apply-administrator",
    "roles.approve": lambda o: f"/organisation/members/{o.pending_membership}/approve",
    "roles.reject": lambda o: f"/organisation/members/{o.pending_membership}/reject",
    "roles.change_role": lambda o: f"/organisation/members/{o.active_membership}/role",
    "roles.remove": lambda o: f"/organisation/members/{o.active_membership}/remove",
    "cases.member_cases": lambda o: f"/organisation/members/{o.active_membership}/cases",
    "audit.organisation_log": lambda o: "/organisation/audit", "audit.regulator_log": lambda o: "/regulator/audit",
    "approvals.queue": lambda o: "/approvals/",
    "approvals.detail": lambda o: f"/approvals/{o.pending_admin_membership}",
    "approvals.approve": lambda o: f"/approvals/{o.pending_admin_membership}/approve",
    "approvals.reject": lambda o: f"/approvals/{o.pending_admin_membership}/reject",
    "inbox.show": lambda o: f"/inbox/{o.inbox_message}", "inbox.mark_read": lambda o: f"/inbox/{o.inbox_message}/read",
    "inbox.mark_unread": lambda o: f"/inbox/{o.inbox_message}/unread",
    "inbox.open_link": lambda o: f"/inbox/{o.inbox_message}/open",
    "cases.index": lambda o: "/cases/", "cases.new": lambda o: "/cases/new",
    "cases.regulator_list": lambda o: "/regulator/cases",
    "cases.show": lambda o: f"/cases/{o.case}", "cases.documents": lambda o: f"/cases/{o.case}/documents",
    "cases.download": lambda o: f"/cases/{o.case}/documents/{o.document}",
    "cases.upload": lambda o: f"/cases/{o.case}/documents", "cases.withdraw": lambda o: f"/cases/{o.case}/withdraw",
    "cases.send_message": lambda o: f"/cases/{o.case}/messages",
    "cases.follow": lambda o: f"/cases/{o.case}/follow", "cases.unfollow": lambda o: f"/cases/{o.case}/unfollow",
    "cases.add_access": lambda o: f"/cases/{o.case}/access",
    "cases.remove_access": lambda o: f"/cases/{o.case}/access/{o.representative}/remove",
    "cases.change_status": lambda o: f"/cases/{o.case}/status", "cases.assign": lambda o: f"/cases/{o.case}/assign",
    "cases.reply": lambda o: f"/cases/{o.case}/messages/{o.message}/reply",
}
MISSING = {  # the same route for an object that does not exist
    "roles.approve": "/organisation/members/999999/approve", "roles.reject": "/organisation/members/999999/reject",
    "roles.change_role": "/organisation/members/999999/role", "roles.remove": "/organisation/members/999999/remove",
    "cases.member_cases": "/organisation/members/999999/cases", "approvals.detail": "/approvals/999999",
    "inbox.show": "/inbox/999999", "cases.show": "/cases/999999", "cases.documents": "/cases/999999/documents",
    "cases.download": "/cases/999999/documents/999999", "cases.withdraw": "/cases/999999/withdraw",
}


def _data(endpoint: str, objects: Objects | None, world, client) -> dict | None:
    forms = {
        "accounts.register": lambda: registration_form(email="ny.person@example.com"),
        "accounts.forgot_password": lambda: {"email": "hvem@example.com"},
        "accounts.choose_language": lambda: {"lang": "en"},
        "accounts.change_password": lambda: {"current_password": DEFAULT_PASSWORD,
                                             "new_password": "et nytt og langt passord",
                                             "new_password_confirm": "et nytt og langt passord"},
        "accounts.change_details": lambda: {"full_name": "Rettet Navn", "date_of_birth": "1975-03-14"},
        "accounts.close_account": lambda: {"confirm": "y"},
        "accounts.reset_password": lambda: {"password": "et nytt og langt passord",
                                            "password_confirm": "et nytt og langt passord"},
        "organisations.add": lambda: {"orgnr": objects.orgnr},
        "organisations.join": lambda: {"note": "Jeg jobber her"},
        "portal.switch_organisation": lambda: {"organisation_id": objects.organisation},
        "roles.reject": lambda: {"reason": "Ukjent for oss"},
        "roles.change_role": lambda: {"role": "administrator"},
        "roles.remove": lambda: {"reason": "Sluttet"},
        "approvals.reject": lambda: {"reason": "Ikke daglig leder"},
        "cases.new": lambda: {"kind": "tip", "title": "Tips", "description": "Om villedende reklame"},
        "cases.upload": lambda: {"file": (io.BytesIO(PDF), "kvittering.pdf")},
        "cases.withdraw": lambda: {"reason": "Vi ble enige"},
        "cases.send_message": lambda: {"body": "Når får vi svar?"},
        "cases.follow": lambda: {"email": ""},
        "cases.add_access": lambda: {"person": objects.access_candidate},
        "cases.change_status": lambda: {"status": "in_progress"},
        "cases.assign": lambda: {"caseworker": str(world.caseworker.id)},
        "cases.reply": lambda: {"body": "Svar fra oss"},
    }
    return forms[endpoint]() if endpoint in forms else {}


def _snapshot() -> str:
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name in VOLATILE:
            continue
        for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _cases():
    for row in MATRIX:
        for persona in PERSONAS:
            if persona in row.expected:
                yield pytest.param(row, persona, id=f"{row.endpoint}-{row.method}-{row.scope}-{persona}")


@pytest.mark.parametrize(("row", "persona"), list(_cases()))
def test_route_answers_as_the_matrix_says(app, world, scenario, row, persona):
    expected = row.expected[persona]
    objects = _target(row, persona, scenario)
    url = URLS[row.endpoint](objects)
    client = app.test_client()
    if persona != "anon":
        assert login(client, getattr(world, PERSONA_REFS[persona]).email).status_code == 302
    with app.app_context():
        before = _snapshot()
    kwargs = {}
    if row.method in {"POST", "PUT"}:
        data = _data(row.endpoint, objects, world, client)
        kwargs = {"data": data}
        if row.endpoint == "cases.upload":
            kwargs["content_type"] = "multipart/form-data"
    send = client.post if row.method == "POST" else (lambda *a, **k: client.open(*a, method=row.method, **k))
    response = send(url, **kwargs)
    try:
        if expected == LOGIN:
            assert response.status_code == 302 and response.headers["Location"].startswith("/login"), (
                response.status_code, response.headers.get("Location"))
        else:
            assert response.status_code == expected, response.get_data(as_text=True)[:500]
        refused = expected == LOGIN or expected >= 400
        if refused:
            with app.app_context():
                assert _snapshot() == before, "a refused request changed the database"
        if expected == 404 and row.scope == "other" and row.endpoint in MISSING and row.method == "GET":
            missing = client.get(MISSING[row.endpoint])
            assert missing.status_code == 404
            assert _comparable(missing.get_data(as_text=True)) == _comparable(response.get_data(as_text=True))
    finally:
        response.close()


def _comparable(page: str) -> str:
    """A page without what differs between two requests anyway: CSRF tokens and the form's own path."""
    return re.sub(r'value="/[^"]*"', 'value=""', without_csrf_tokens(page))


def test_every_route_is_in_the_matrix(app):
    covered = {(row.endpoint, row.method) for row in MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ALLOW_LIST:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert missing == [], "routes without a row in tests/security/route_matrix.py"


def test_the_matrix_names_only_real_routes(app):
    real = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods}
    assert {(row.endpoint, row.method) for row in MATRIX} <= real
