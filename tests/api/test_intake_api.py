"""The case intake API: token authentication, JSON errors, and every answer valid against
orgsvc/api/openapi.yaml."""

from __future__ import annotations

import io
import json
import logging

import pytest
import sqlalchemy as sa
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from orgsvc.api.auth import create_client, revoke_client
from orgsvc.api.views import SPEC
from orgsvc.audit.models import AuditEvent
from orgsvc.cases.models import Case, CaseDocument
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from tests.cases.test_uploads import MP4, PDF
from tests.registry.fixtures import import_sample

OPENAPI = OpenAPI.from_path(SPEC)


@pytest.fixture
def api(app):
    import_sample(app)
    with app.app_context():
        token = create_client("klageportal")
    client = app.test_client()

    def call(method, path, token_override=None, check_request=True, **kwargs):
        headers = {"Authorization": f"Bearer {token_override or token}"}
        response = client.open(f"/api/v1{path}", method=method, headers=headers, csrf=False, **kwargs)
        sent = response.request
        body = json.dumps(kwargs["json"]).encode() if "json" in kwargs else b""
        openapi_request = MockRequest("http://localhost", method.lower(), sent.path, headers=dict(sent.headers),
                                      data=body, content_type=sent.mimetype or "application/json")
        if check_request and "json" in kwargs:
            OPENAPI.validate_request(openapi_request)
        OPENAPI.validate_response(openapi_request, MockResponse(
            response.get_data(), response.status_code, dict(response.headers), response.mimetype))
        return response

    return call


COMPLAINT = {"kind": "mediation", "title": "Reklamasjon på vaskemaskin", "description": "Maskinen lekker.",
             "submitter": {"consumer": "Kari Forbruker"}, "counterparty": {"orgnr": "310 000 019"}}


def test_create_a_consumer_complaint_against_a_business(app, api):
    response = api("POST", "/cases", json=COMPLAINT)
    assert response.status_code == 201
    body = response.get_json()
    assert body["counterparty"] == {"orgnr": "310000019", "name": "NORDLYS ELEKTRONIKK AS"}
    assert body["submitter"] == {"consumer": "Kari Forbruker"}
    assert body["status"] == "submitted"
    assert response.headers["Location"] == f"/api/v1/cases/{body['number']}"
    assert api("GET", f"/cases/{body['number']}").get_json() == body


def test_the_business_sees_the_case_once_its_people_are_there(app, api, client):
    from tests.factories import MembershipFactory
    from tests.support import login

    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    with app.app_context():
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.orgnr == "310000019"))
        admin = MembershipFactory(organisation=organisation, role="administrator").person.email
    login(client, admin)
    assert number in client.get("/cases/?tab=mediation").get_data(as_text=True)


def test_add_a_document_and_set_the_status(app, api):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    added = api("POST", f"/cases/{number}/documents", data={"file": (io.BytesIO(PDF), "klage.pdf")},
                content_type="multipart/form-data")
    assert added.status_code == 201
    assert added.get_json()["name"] == "klage.pdf" and added.get_json()["size"] == len(PDF)
    updated = api("PUT", f"/cases/{number}/status", json={"status": "in_progress"})
    assert updated.status_code == 200 and updated.get_json()["status"] == "in_progress"
    assert updated.get_json()["documents"][0]["name"] == "klage.pdf"


def test_document_refusals_are_json_and_store_nothing(app, api):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    refused = api("POST", f"/cases/{number}/documents", data={"file": (io.BytesIO(MP4), "film.mp4")},
                  content_type="multipart/form-data")
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_input"
    assert "Videos cannot be added" in refused.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument)) == 0


@pytest.mark.parametrize(("body", "fragment"), [
    ({"kind": "lawsuit", "title": "x", "submitter": {"consumer": "K"}}, "kind must be one of"),
    ({"kind": "tip", "title": "", "submitter": {"consumer": "K"}}, "required"),
    ({"kind": "mediation", "title": "x", "submitter": {"consumer": "K"}}, "needs a counterparty"),
    ({"kind": "tip", "title": "x", "submitter": {"orgnr": "123456789"}}, "not a valid organisation number"),
    ({"kind": "tip", "title": "x", "submitter": {"orgnr": "1", "consumer": "K"}}, "exactly one of"),
    ({"kind": "tip", "title": "x", "submitter": {"orgnr": "310000167"}}, "sub-unit"),
    ({"kind": "tip", "title": "x", "submitter": {"consumer": "K"}, "counterparty": {"orgnr": "310000019"}},
     "only a mediation case has a counterparty"),
    ({"kind": "guidance", "title": "x", "submitter": {"orgnr": "310000019"}, "counterparty": {"consumer": "K"}},
     "only a mediation case has a counterparty"),
    # Refused before any organisation is looked up: the register's businesses are not added for nothing.
    ({"kind": "lawsuit", "title": "x", "submitter": {"orgnr": "310000019"}, "counterparty": {"orgnr": "310000035"}},
     "kind must be one of"),
    ({"kind": "mediation", "title": "", "submitter": {"orgnr": "310000019"}, "counterparty": {"orgnr": "310000035"}},
     "required"),
    ({"kind": "mediation", "title": "x", "submitter": {"orgnr": "310000019"}, "counterparty": {"orgnr": "123456789"}},
     "not a valid organisation number"),
])
def test_bad_input_gets_a_clear_json_error(app, api, body, fragment):
    response = api("POST", "/cases", json=body, check_request=False)
    assert response.status_code == 400
    assert fragment in response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_a_body_that_is_not_json(api):
    response = api("POST", "/cases", data="not json", content_type="application/json", check_request=False)
    assert response.status_code == 400


def test_an_impossible_status_change_is_409(app, api):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    api("PUT", f"/cases/{number}/status", json={"status": "closed"})
    assert api("PUT", f"/cases/{number}/status", json={"status": "submitted"}).status_code == 409


def test_an_unknown_case_is_404(api):
    assert api("GET", "/cases/2026-999999").status_code == 404


@pytest.mark.parametrize("token", ["osv_wrong", "not-even-a-token", ""])
def test_without_a_valid_token_401(api, token):
    response = api("GET", "/cases/2026-000001", token_override=token or " ", check_request=False)
    assert response.status_code == 401
    assert response.get_json()["error"] == "authentication_required"


def test_a_revoked_token_stops_working_at_once(app, api):
    with app.app_context():
        token = create_client("gammel")
        revoke_client("gammel")
    assert api("GET", "/cases/2026-000001", token_override=token, check_request=False).status_code == 401


def test_the_openapi_document_is_served_and_valid(app):
    from openapi_spec_validator import validate
    from openapi_spec_validator.readers import read_from_filename

    spec, _ = read_from_filename(str(SPEC))
    validate(spec)
    response = app.test_client().get("/api/v1/openapi.yaml")
    assert response.status_code == 200 and b"openapi: 3.0.3" in response.data


def test_api_clients_from_the_command_line(runner):
    created = runner.invoke(args=["api", "create-client", "saksbehandlingssystem"])
    assert created.exit_code == 0 and created.output.startswith("osv_")
    assert "saksbehandlingssystem\tactive" in runner.invoke(args=["api", "list-clients"]).output
    assert runner.invoke(args=["api", "revoke-client", "saksbehandlingssystem"]).exit_code == 0
    assert "revoked" in runner.invoke(args=["api", "list-clients"]).output


def test_no_documents_for_a_withdrawn_case(app, api):
    """A withdrawal is final: the intake system may add documents up to «avsluttet», not after «trukket»."""
    from orgsvc.cases.models import CaseStatus

    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    api("PUT", f"/cases/{number}/status", json={"status": "closed"})
    closed = api("POST", f"/cases/{number}/documents", data={"file": (io.BytesIO(PDF), "etterpå.pdf")},
                 content_type="multipart/form-data")
    assert closed.status_code == 201
    with app.app_context():
        db.session.execute(sa.update(Case).where(Case.number == number).values(status=CaseStatus.WITHDRAWN))
        db.session.commit()
    refused = api("POST", f"/cases/{number}/documents", data={"file": (io.BytesIO(PDF), "for sent.pdf")},
                  content_type="multipart/form-data")
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument)) == 1


def _audit_rows(app, action):
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return rows


def test_a_refused_token_is_audited_and_logged_without_the_token(app, api, caplog):
    with app.app_context():
        revoked = create_client("gammel")
        revoke_client("gammel")
    guessed = "osv_" + "g" * 43
    caplog.set_level(logging.DEBUG)
    for token in (guessed, revoked):
        assert api("GET", "/cases/2026-000001", token_override=token, check_request=False).status_code == 401
    unknown, gone = _audit_rows(app, "api.authentication_failed")
    assert (unknown.outcome, unknown.actor_id, unknown.details["reason"]) == ("denied", None, "unknown_token")
    assert (gone.details["reason"], gone.details["client"]) == ("revoked_token", "gammel")
    assert unknown.request_id and unknown.details["path"] == "/api/v1/cases/2026-000001"
    assert "api authentication failed: reason=unknown_token" in caplog.text
    for token in (guessed, revoked):
        assert token not in caplog.text
        assert token not in json.dumps([unknown.details, gone.details])
