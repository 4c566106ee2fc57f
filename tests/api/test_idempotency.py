"""``Idempotency-Key`` on the intake API: a request sent again with its key creates nothing new."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from orgsvc.api import idempotency
from orgsvc.api.auth import create_client
from orgsvc.api.models import ApiRequestKey
from orgsvc.audit.models import AuditEvent
from orgsvc.cases.models import Case, CaseDocument, CaseStatus
from orgsvc.cases.uploads import upload_dir
from orgsvc.db import utcnow
from orgsvc.errors import InvalidInput
from orgsvc.extensions import db
from tests.api.test_intake_api import COMPLAINT
from tests.cases.test_uploads import PDF

KEY = {"Idempotency-Key": "8e03978e-40d5-43e8-bc93-6894a57f9324"}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored_files(app) -> list:
    with app.app_context():
        return [path for path in upload_dir().rglob("*") if path.is_file()]


def upload(api, number, content=PDF, name="klage.pdf", headers=KEY):
    return api("POST", f"/cases/{number}/documents", data={"file": (io.BytesIO(content), name)},
               content_type="multipart/form-data", headers=headers)


def test_the_same_request_with_its_key_answers_with_the_first_case(app, api):
    first = api("POST", "/cases", json=COMPLAINT, headers=KEY)
    again = api("POST", "/cases", json=COMPLAINT, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["number"] == first.get_json()["number"]
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, Case) == 1
    with app.app_context():  # nothing happened the second time: one history of the creation
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "case.created")) == 1


def test_a_replay_shows_the_case_as_it_is_now(app, api):
    number = api("POST", "/cases", json=COMPLAINT, headers=KEY).get_json()["number"]
    api("PUT", f"/cases/{number}/status", json={"status": "in_progress"})
    assert api("POST", "/cases", json=COMPLAINT, headers=KEY).get_json()["status"] == "in_progress"


def test_without_a_key_every_request_is_a_new_case(app, api):
    api("POST", "/cases", json=COMPLAINT)
    api("POST", "/cases", json=COMPLAINT)
    assert count(app, Case) == 2


def test_the_same_json_spaced_and_ordered_otherwise_is_the_same_request(app, api):
    first = api("POST", "/cases", json=COMPLAINT, headers=KEY)
    reordered = json.dumps(dict(reversed(list(COMPLAINT.items()))), indent=2)
    again = api("POST", "/cases", data=reordered, content_type="application/json", headers=KEY, check_request=False)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["number"] == first.get_json()["number"]


def test_the_key_with_another_request_is_refused_and_nothing_is_made(app, api):
    api("POST", "/cases", json=COMPLAINT, headers=KEY)
    other = api("POST", "/cases", json={**COMPLAINT, "title": "Noe annet"}, headers=KEY)
    assert other.status_code == 422
    assert other.get_json()["error"] == "idempotency_key_reused"
    assert count(app, Case) == 1


def test_a_key_is_the_clients_own(app, api):
    with app.app_context():
        other_token = create_client("tilsynssystem")
    mine = api("POST", "/cases", json=COMPLAINT, headers=KEY)
    theirs = api("POST", "/cases", json=COMPLAINT, headers=KEY, token_override=other_token)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["number"] != mine.get_json()["number"]
    assert count(app, Case) == 2


def test_a_refused_request_leaves_its_key_unused(app, api):
    refused = api("POST", "/cases", json={**COMPLAINT, "kind": "lawsuit"}, headers=KEY, check_request=False)
    assert refused.status_code == 400
    corrected = api("POST", "/cases", json=COMPLAINT, headers=KEY)
    assert corrected.status_code == 201 and "Idempotent-Replayed" not in corrected.headers
    assert count(app, Case) == 1


def test_a_quoted_key_is_the_bare_key(app, api):
    api("POST", "/cases", json=COMPLAINT, headers=KEY)
    quoted = api("POST", "/cases", json=COMPLAINT, headers={"Idempotency-Key": f'"{KEY["Idempotency-Key"]}"'})
    assert quoted.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "nøkkel", "two words", '""'])
def test_a_malformed_key_is_400_and_nothing_is_made(app, api, key):
    response = api("POST", "/cases", json=COMPLAINT, headers={"Idempotency-Key": key}, check_request=False)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_input"
    assert "Idempotency-Key" in response.get_json()["message"]
    assert count(app, Case) == 0


@pytest.mark.parametrize("key", ["a", "x" * 255, "~!#$%&'*+-.^_`|"])
def test_keys_at_the_limits_are_taken(key):
    assert idempotency.parse_key(key) == key


def test_parse_key_refuses_control_characters():
    with pytest.raises(InvalidInput):
        idempotency.parse_key("abc\x7f")


def test_the_same_document_with_its_key_is_stored_once(app, api):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    first = upload(api, number)
    again = upload(api, number)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(app, CaseDocument) == 1
    assert len(stored_files(app)) == 1


@pytest.mark.parametrize(("content", "name"), [(PDF + b"%another\n", "klage.pdf"), (PDF, "annen.pdf")])
def test_the_key_with_another_file_is_refused(app, api, content, name):
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    upload(api, number)
    other = upload(api, number, content, name)
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"
    assert count(app, CaseDocument) == 1
    assert len(stored_files(app)) == 1


def test_a_documents_key_on_another_case_is_another_request(app, api):
    first_case = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    second_case = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    upload(api, first_case)
    assert upload(api, second_case).status_code == 422
    assert count(app, CaseDocument) == 1


def test_a_cases_key_cannot_be_replayed_as_a_document(app, api):
    number = api("POST", "/cases", json=COMPLAINT, headers=KEY).get_json()["number"]
    assert upload(api, number).status_code == 422
    assert count(app, CaseDocument) == 0


def test_a_document_replay_after_withdrawal_still_answers(app, api):
    """The replay reads what was stored; it does not ask to upload again (a withdrawn case keeps its
    documents, and the client that lost the answer must learn that its file arrived)."""
    number = api("POST", "/cases", json=COMPLAINT).get_json()["number"]
    first = upload(api, number)
    with app.app_context():  # the consumer's side withdrew it on Min side meanwhile
        db.session.scalar(sa.select(Case).where(Case.number == number)).status = CaseStatus.WITHDRAWN
        db.session.commit()
    assert upload(api, number, headers={"Idempotency-Key": "another"}).status_code == 403
    again = upload(api, number)
    assert again.status_code == 201 and again.get_json() == first.get_json()


def test_purge_deletes_keys_older_than_a_day(app, api):
    api("POST", "/cases", json=COMPLAINT, headers=KEY)
    api("POST", "/cases", json=COMPLAINT, headers={"Idempotency-Key": "newer"})
    with app.app_context():
        old = db.session.scalar(sa.select(ApiRequestKey).where(ApiRequestKey.key == KEY["Idempotency-Key"]))
        old.created_at = utcnow() - idempotency.RETENTION - timedelta(minutes=1)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["api", "purge-request-keys"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 request keys" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(ApiRequestKey.key)).all() == ["newer"]
    # The purged key is free again: the same request now makes a new case.
    assert "Idempotent-Replayed" not in api("POST", "/cases", json=COMPLAINT, headers=KEY).headers
    assert count(app, Case) == 3
