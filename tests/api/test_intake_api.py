"""The case intake API: token authentication, JSON errors, and every answer valid against
orgsvc/api/openapi.yaml."""

from __future__ import annotations

import io
import json
import logging

import pytest
import sqlalchemy as sa

from orgsvc.api.auth import create_client, revoke_client
from orgsvc.api.views import SPEC
from orgsvc.audit.models import AuditEvent
from orgsvc.cases.models import Case, CaseDocument
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from tests.cases.test_uploads import MP4, PDF

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


# --- one request, one transaction ---------------------------------------------------------------
def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_refused_two_sided_intake_adds_neither_organisation(app, api):
    """The submitter is found in the register, the counterparty is a sub-unit: nothing is stored."""
    before = _count(app, Organisation)
    response = api("POST", "/cases", json={"kind": "mediation", "title": "Reklamasjon",
                                           "submitter": {"orgnr": "310000019"}, "counterparty": {"orgnr": "310000167"}})
    assert response.status_code == 400 and "sub-unit" in response.get_json()["message"]
    assert _count(app, Organisation) == before
    assert _count(app, Case) == 0


def test_a_two_sided_intake_adds_both_organisations_with_the_case(app, api):
    response = api("POST", "/cases", json={"kind": "mediation", "title": "Reklamasjon",
                                           "submitter": {"orgnr": "310000019"}, "counterparty": {"orgnr": "310000035"}})
    assert response.status_code == 201
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert (case.submitter_org.orgnr, case.counterparty_org.orgnr) == ("310000019", "310000035")
        assert case.submitter_org.register_checked_at is not None
    assert _count(app, Organisation) == 2


# --- the upload limit only for a valid token -----------------------------------------------------
def _large_file(size: int) -> dict:
    """A multipart body built in memory (a body refused unread leaves no temporary file open)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(PDF + b"0" * size), filename="stor.pdf")})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize("token", [None, "osv_wrong"])
def test_a_large_upload_without_a_valid_token_is_refused_unread(app, api, token):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    app.config["ORGSVC_UPLOAD_MAX_MB"] = 4  # the body would fit an upload, but not the small request limit
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = app.test_client().post(f"/api/v1/cases/{number}/documents", headers=headers, csrf=False,
                                      **_large_file(3 * 1024 * 1024))
    assert response.status_code == 413 and response.get_json()["error"] == "http_413"
    assert _count(app, CaseDocument) == 0


def test_a_large_upload_with_a_valid_token_goes_to_the_upload_rules(app, api):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    app.config["ORGSVC_UPLOAD_MAX_MB"] = 2.5  # the body fits the request limit; the file is too large
    refused = api("POST", f"/cases/{number}/documents", **_large_file(3 * 1024 * 1024))
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_input"
    app.config["ORGSVC_UPLOAD_MAX_MB"] = 4
    added = api("POST", f"/cases/{number}/documents", **_large_file(3 * 1024 * 1024))
    assert added.status_code == 201 and added.get_json()["size"] == len(PDF) + 3 * 1024 * 1024


def test_the_token_is_looked_up_once_per_request(app, api, database):
    """The upload limit and the view ask the same question; the database is asked once."""
    from tests.support import statements_run

    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    with statements_run(database.engine) as statements:
        assert api("POST", f"/cases/{number}/documents", data={"file": (io.BytesIO(PDF), "klage.pdf")},
                   content_type="multipart/form-data").status_code == 201
    assert sum("FROM api_client" in statement for statement in statements) == 1


# --- RFC 6750 challenges --------------------------------------------------------------------------
def test_a_request_without_a_token_is_told_how_to_authenticate(app, api):
    response = app.test_client().get("/api/v1/cases/2026-000001")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="orgsvc"'


@pytest.mark.parametrize("token", ["osv_wrong", "not-even-a-token", "revoked"])
def test_a_refused_token_is_answered_invalid_token(app, api, token):
    if token == "revoked":
        with app.app_context():
            token = create_client("gammel")
            revoke_client("gammel")
    response = api("GET", "/cases/2026-000001", token_override=token, check_request=False)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="orgsvc", error="invalid_token"'


def test_the_portal_asks_no_bearer_token(app):
    response = app.test_client().get("/cases/", headers={"Accept": "application/json"})
    assert response.status_code == 401 and "WWW-Authenticate" not in response.headers


# --- what the spec says, the service does --------------------------------------------------------
@pytest.mark.parametrize("extra", [{"priority": "high"}, {"priority": "high", "caseworker": "Siri"}])
def test_a_case_with_fields_the_spec_does_not_name_is_refused(app, api, extra):
    response = api("POST", "/cases", json={**COMPLAINT, **extra}, check_request=False)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_input"
    for name in extra:
        assert name in response.get_json()["message"]
    assert _count(app, Case) == 0 and _count(app, Organisation) == 0


def test_a_status_with_fields_the_spec_does_not_name_is_refused(app, api):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    response = api("PUT", f"/cases/{number}/status", json={"status": "closed", "reason": "x"}, check_request=False)
    assert response.status_code == 400 and "reason" in response.get_json()["message"]
    assert api("GET", f"/cases/{number}").get_json()["status"] == "submitted"


def test_withdrawn_is_no_status_to_set(app, api):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    response = api("PUT", f"/cases/{number}/status", json={"status": "withdrawn"}, check_request=False)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_input"
    assert api("GET", f"/cases/{number}").get_json()["status"] == "submitted"


@pytest.mark.parametrize(("method", "path"), [("POST", "/cases"), ("PUT", "/cases/{number}/status")])
def test_a_json_body_over_the_request_limit_is_413(app, api, method, path):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    huge = {**COMPLAINT, "status": "closed", "description": "x" * 3 * 1024 * 1024}
    response = api(method, path.format(number=number), json=huge, check_request=False)
    assert response.status_code == 413 and response.get_json()["error"] == "http_413"
    assert _count(app, Case) == 1


def test_every_path_answers_405_to_a_method_it_does_not_have(app, api):
    """Described once in the spec (a response for operations that do not exist), checked for every path."""
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    from openapi_spec_validator.readers import read_from_filename

    spec, _ = read_from_filename(str(SPEC))
    assert "MethodNotAllowed" in spec["components"]["responses"]
    for path, item in spec["paths"].items():
        methods = {m.upper() for m in item if m in ("get", "put", "post", "delete", "patch")}
        refused = next(m for m in ("DELETE", "PATCH", "PUT", "POST") if m not in methods)
        response = app.test_client().open(f"/api/v1{path.format(number=number)}", method=refused, csrf=False)
        assert response.status_code == 405, path
        assert set(response.get_json()) == {"error", "message"}
        assert methods <= set(response.headers["Allow"].split(", ")), path


# --- the regulator's log ---------------------------------------------------------------------------
def test_a_document_from_the_api_is_in_the_regulators_log(app, api, world):
    from orgsvc.portal.frame import audit_label
    from tests.support import login

    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    document_id = api("POST", f"/cases/{number}/documents", data={"file": (io.BytesIO(PDF), "klage.pdf")},
                      content_type="multipart/form-data").get_json()["id"]
    [added] = _audit_rows(app, "case.document_added")
    assert (added.actor_id, added.object_type, added.details) == (
        None, "case", {"document_id": document_id, "system": "klageportal"})
    client = app.test_client()
    login(client, world.caseworker.email)
    with app.test_request_context():
        label = audit_label("case.document_added")
    assert client.get("/regulator/audit").get_data(as_text=True).count(label) == 1


def test_the_fields_taken_are_the_fields_the_spec_names():
    from openapi_spec_validator.readers import read_from_filename

    from orgsvc.api.views import CASE_FIELDS, STATUS_FIELDS

    spec, _ = read_from_filename(str(SPEC))
    assert set(spec["components"]["schemas"]["CaseCreate"]["properties"]) == CASE_FIELDS
    status_body = spec["paths"]["/cases/{number}/status"]["put"]["requestBody"]["content"]["application/json"]
    assert set(status_body["schema"]["properties"]) == STATUS_FIELDS


def test_the_business_a_complaint_is_about_is_told_in_its_inbox(app, api):
    """«… for å delta i en innsendt meklingssak som motpart»: its administrators learn of it at once."""
    from orgsvc.inbox.models import InboxMessage

    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    with app.app_context():
        nordlys = db.session.scalar(sa.select(Organisation).where(Organisation.orgnr == "310000019"))
        [news] = db.session.scalars(sa.select(InboxMessage).where(InboxMessage.recipient_organisation_id == nordlys.id))
        assert (news.kind, news.params["number"], news.params["party"]) == ("case_opened_against", number,
                                                                           "Kari Forbruker")
