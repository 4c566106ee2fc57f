"""Losing PostgreSQL mid-session: every request answers 503 with Retry-After (a page or JSON, never a
crash), nothing is half-written, and once the database is back the same session simply works again."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from bench.faults import CuttableProxy
from orgsvc import create_app
from orgsvc.accounts.models import Person
from orgsvc.api.auth import create_client
from orgsvc.api.views import SPEC
from orgsvc.extensions import db
from tests.deploy.instances import fresh_database
from tests.factories import PersonFactory
from tests.support import CsrfClient, app_config, login

pytestmark = pytest.mark.skipif(
    not os.environ.get("ORGSVC_TEST_POSTGRES_URL"),
    reason="needs PostgreSQL (ORGSVC_TEST_POSTGRES_URL), which CI always provides",
)


@pytest.fixture
def outage(tmp_path):
    """An application whose only way to its PostgreSQL schema runs through a proxy the test can cut."""
    with fresh_database("postgresql", tmp_path) as (seed_app, url):
        target = urlsplit(url)
        proxy = CuttableProxy(target.hostname, target.port or 5432)
        proxied_url = url.replace(f"@{target.netloc.split('@')[-1]}", f"@127.0.0.1:{proxy.port}", 1)
        app = create_app(app_config(proxied_url, tmp_path / "proxied-instance"))
        app.test_client_class = CsrfClient
        with seed_app.app_context():
            person = PersonFactory()
            email, person_id = person.email, person.id
        with app.app_context():
            token = create_client("klageportal")
        try:
            yield app, proxy, seed_app, email, person_id, token
        finally:
            proxy.close()
            with app.app_context():
                db.engine.dispose()


def test_requests_during_an_outage_get_503_and_the_session_survives_it(outage):
    app, proxy, _seed, email, _person_id, _token = outage
    client = app.test_client()
    assert login(client, email).status_code == 302
    assert client.get("/account").status_code == 200

    proxy.cut()
    page = client.get("/account")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "Tjenesten er midlertidig utilgjengelig" in page.get_data(as_text=True)
    assert client.get("/healthz").status_code == 503

    proxy.restore()
    assert client.get("/account").status_code == 200, "logged in as before, no manual step"
    assert client.get("/healthz").status_code == 200


def test_a_write_cut_off_by_the_outage_leaves_nothing_half_written(outage):
    app, proxy, seed_app, email, person_id, _token = outage
    client = app.test_client()
    login(client, email)
    proxy.cut()
    answer = client.post("/language", data={"lang": "en"})
    assert answer.status_code == 503
    proxy.restore()
    with seed_app.app_context():
        assert db.session.get(Person, person_id).locale != "en"
    assert client.post("/language", data={"lang": "en"}).status_code == 302
    with seed_app.app_context():
        assert db.session.scalar(sa.select(Person.locale).where(Person.id == person_id)) == "en"


def test_the_api_answers_an_outage_in_json(outage):
    app, proxy, _seed, _email, _person_id, token = outage
    client = app.test_client()
    proxy.cut()
    answer = client.get("/api/v1/cases/SAK-1", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "unavailable"
    assert answer.headers["Retry-After"] == "5"
    # As the OpenAPI document describes it, so the regulator's systems can rely on it.
    OpenAPI.from_path(SPEC).validate_response(
        MockRequest("http://localhost", "get", "/api/v1/cases/SAK-1"),
        MockResponse(answer.get_data(), answer.status_code, dict(answer.headers), answer.mimetype))


def test_a_connection_lost_after_the_response_is_made_does_not_turn_it_into_a_500(outage):
    """The database restarting between the view and the end of the request: the ROLLBACK that
    ends the session fails, and the finished answer must still go out (found by ``make load``)."""
    app, proxy, _seed, _email, _person_id, _token = outage

    @app.get("/_probe/read-then-lose-the-database")
    def read_then_lose_the_database():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Person))
        proxy.cut()  # the connection the session still holds is dropped here
        return {"persons": count}

    client = app.test_client()
    answer = client.get("/_probe/read-then-lose-the-database")
    assert answer.status_code == 200
    assert answer.get_json()["persons"] == 1
    proxy.restore()
    assert client.get("/healthz").status_code == 200, "the pool replaced the dropped connection"
