"""``/api/v1``: the case intake API (see openapi.yaml beside this file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from orgsvc.api import idempotency
from orgsvc.api.auth import authenticated_client, client_principal
from orgsvc.cases import regulator, services
from orgsvc.cases.models import Case, CaseDocument
from orgsvc.errors import InvalidInput
from orgsvc.organisations.services import resolve_organisation

bp = Blueprint("api", __name__, url_prefix="/api/v1")
SPEC = Path(__file__).resolve().parent / "openapi.yaml"
# The fields of each JSON request body (the spec's additionalProperties: false): others are refused.
CASE_FIELDS = {"kind", "title", "description", "submitter", "counterparty"}
STATUS_FIELDS = {"status"}


def _party(organisation, consumer):
    if organisation is not None:
        return {"orgnr": organisation.orgnr, "name": organisation.name}
    return {"consumer": consumer} if consumer else None


def _document_json(document: CaseDocument) -> dict:
    return {"id": document.id, "name": document.original_name, "content_type": document.content_type,
            "size": document.size_bytes, "sha256": document.sha256, "uploaded_at": document.uploaded_at.isoformat()}


def _case_json(case: Case) -> dict:
    return {
        "number": case.number, "kind": str(case.kind), "status": str(case.status), "title": case.title,
        "description": case.description,
        "submitter": _party(case.submitter_org, case.submitter_consumer),
        "counterparty": _party(case.counterparty_org, case.counterparty_consumer),
        "caseworker": case.caseworker.full_name if case.caseworker else None,
        "created_at": case.created_at.isoformat(), "last_activity_at": case.last_activity_at.isoformat(),
        "documents": [_document_json(d) for d in services.documents(case)],
    }


def _json_body(fields: set[str]) -> dict:
    """The request's JSON object; a field the spec does not name is refused, not silently dropped."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    unknown = sorted(set(body) - fields)
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
    return body


def _side(body: dict, key: str) -> tuple[str | None, str | None]:
    """A party as (organisation number, consumer); exactly one of them is given."""
    value = body.get(key)
    if value is None:
        return None, None
    if not isinstance(value, dict) or set(value) - {"orgnr", "consumer"}:
        raise InvalidInput(f"{key} must be an object with orgnr or consumer", field=key)
    orgnr, consumer = value.get("orgnr"), value.get("consumer")
    if (orgnr is None) == (consumer is None) or not isinstance(orgnr or consumer, str):
        raise InvalidInput(f"{key} needs exactly one of orgnr and consumer, as a string", field=key)
    return orgnr, consumer


def _organisation(orgnr: str | None):
    """A side's organisation as the register knows it; looked up before, and added with, the case."""
    return resolve_organisation(orgnr) if orgnr else None


@bp.get("/openapi.yaml")
def openapi():
    return Response(SPEC.read_text(encoding="utf-8"), mimetype="application/yaml")


def _request_key(fingerprint: Callable[[], str]) -> idempotency.RequestKey | None:
    """The request's ``Idempotency-Key`` for its client, or None when none was sent."""
    key = idempotency.parse_key(request.headers.get(idempotency.HEADER))
    if key is None:
        return None
    return idempotency.RequestKey(authenticated_client().id, key, fingerprint())


def _created(payload: dict, replayed: bool, location: str | None = None) -> Response:
    """201 with what was created; a replayed answer (the key's earlier request) says so."""
    response = jsonify(payload)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    if replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response


def _intake(principal, body: dict, remember) -> Case:
    for key in ("kind", "title", "description"):
        if body.get(key) is not None and not isinstance(body.get(key), str):
            raise InvalidInput(f"{key} must be a string", field=key)
    # Every check first, then the register lookups (network, no writes); the organisations new to
    # orgsvc are added in intake's transaction, with the case, so a refusal leaves nothing behind.
    checked = regulator.check_intake(principal, body.get("kind") or "", body.get("title"), body.get("description"),
                                     _side(body, "submitter"), _side(body, "counterparty"))
    return regulator.intake(principal, checked, _organisation(checked.submitter_orgnr),
                            _organisation(checked.counterparty_orgnr), remember)


@bp.post("/cases")
def create_case():
    principal = client_principal()
    body = _json_body(CASE_FIELDS)
    key = _request_key(lambda: idempotency.json_fingerprint(request.method, request.path, body))
    case, replayed = idempotency.once(key, Case, lambda remember: _intake(principal, body, remember))
    if replayed:  # read again through the access layer, as GET would
        case = regulator.by_number(principal, case.number)
    return _created(_case_json(case), replayed, f"/api/v1/cases/{case.number}")


@bp.get("/cases/<number>")
def get_case(number):
    return jsonify(_case_json(regulator.by_number(client_principal(), number)))


@bp.post("/cases/<number>/documents")
def add_document(number):
    principal = client_principal()
    case_id = regulator.by_number(principal, number).id
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("send the file as multipart/form-data in the field 'file'", field="file")
    key = _request_key(lambda: idempotency.file_fingerprint(request.method, request.path, upload.filename,
                                                            upload.stream))
    document, replayed = idempotency.once(key, CaseDocument, lambda remember: services.add_document(
        principal, case_id, upload.stream, upload.filename, None, remember))  # may the client upload: asked there
    return _created(_document_json(document), replayed)


@bp.put("/cases/<number>/status")
def set_status(number):
    principal = client_principal()
    case = regulator.by_number(principal, number, "change_status")
    status = _json_body(STATUS_FIELDS).get("status")
    if not isinstance(status, str):
        raise InvalidInput("status must be a string", field="status")
    return jsonify(_case_json(regulator.change_status(principal, case.id, status)))
