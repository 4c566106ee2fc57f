"""NUL ("\\x00") anywhere in a request is refused at the door with a 400 (PostgreSQL cannot store it,
and no text we take has it), and nothing is written."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import LoginSession
from orgsvc.api.auth import create_client
from orgsvc.cases.models import Case, CaseDocument
from orgsvc.extensions import db
from orgsvc.roles.models import Membership, MembershipStatus
from tests.conftest import membership_of
from tests.registry.fixtures import import_sample
from tests.support import DEFAULT_PASSWORD, login

REFUSED = "Forespørselen inneholder et NUL-tegn"


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_login_with_nul_in_the_address_or_the_password(app, client, world):
    for data in ({"email": "a\x00b@example.com", "password": "x"},
                 {"email": world.admin_a.email, "password": f"{DEFAULT_PASSWORD}\x00"}):
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert REFUSED in response.get_data(as_text=True)
    assert _count(app, LoginSession) == 0


def test_portal_forms_with_nul(app, client, world, cases):
    login(client, world.admin_a.email)
    response = client.post("/cases/new", data={"kind": "tip", "title": "Ti\x00tel", "description": "Hei"})
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    assert _count(app, Case) == 5  # the fixture's cases only
    with app.app_context():
        membership_id = membership_of(world.user_a, world.org_a).id
    response = client.post(f"/organisation/members/{membership_id}/remove", data={"reason": "Slut\x00ter"})
    assert response.status_code == 400
    assert _count(app, Membership, Membership.id == membership_id, Membership.status == MembershipStatus.ACTIVE) == 1
    upload = {"file": (io.BytesIO(b"%PDF-1.4 test"), "kvit\x00tering.pdf")}
    response = client.post(f"/cases/{cases.a_against_b}/documents", data={**upload, "csrf_token": client.csrf_token()},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert _count(app, CaseDocument) == 0


@pytest.mark.parametrize("url", ["/regulator/cases?orgnr=12%0034", "/regulator/cases?k%00=1", "/cases/%00",
                                 "/follow/confirm/ab%00cd", "/api/v1/cases/2026-%00"])
def test_nul_in_the_path_or_the_query(client, world, url):
    login(client, world.caseworker.email)
    assert client.get(url).status_code == 400


def test_nul_in_a_header(client, world):
    login(client, world.admin_a.email)
    assert client.get("/cases/", headers={"User-Agent": "Mozilla\x00"}).status_code == 400


def test_the_api_answers_nul_in_its_json_error_format(app):
    import_sample(app)
    with app.app_context():
        token = create_client("klageportal")
    client = app.test_client()
    complaint = {"kind": "mediation", "title": "T", "description": "D", "submitter": {"consumer": "Kari"},
                 "counterparty": {"orgnr": "310 000 019"}}
    for body in ({**complaint, "title": "a\x00b"}, {**complaint, "submitter": {"consumer": ["Kari\x00"]}},
                 {**complaint, "extra\x00": 1}):
        response = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"}, csrf=False)
        assert response.status_code == 400
        assert response.get_json() == {"error": "invalid_input",  # the API speaks English
                                       "message": "The request contains a NUL character, which is not allowed."}
    assert _count(app, Case) == 0
