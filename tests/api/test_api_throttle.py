"""Refused API authentications are limited per client address (each one is logged and audited)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.audit.models import AuditEvent
from orgsvc.extensions import db

GUESSER = {"REMOTE_ADDR": "198.51.100.66"}
SYSTEM = {"REMOTE_ADDR": "192.0.2.10"}
WRONG = "osv_" + "g" * 43


@pytest.fixture
def budget(app):
    app.config["ORGSVC_API_AUTH_FAILURE_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    return 3


def failures_audited(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "api.authentication_failed"))


def test_past_the_budget_the_address_is_refused_unread_and_unaudited(app, api, budget):
    statuses = [api("GET", "/cases/2026-000001", token_override=WRONG, environ_base=GUESSER).status_code
                for _ in range(budget + 2)]
    assert statuses == [401] * budget + [429, 429]
    assert failures_audited(app) == budget
    refused = api("GET", "/cases/2026-000001", token_override=WRONG, environ_base=GUESSER)
    assert refused.get_json()["error"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


def test_a_right_token_works_from_a_spent_address(app, api, budget):
    """The regulator's system behind the same address (a NAT, a proxy) is not locked out by whoever
    sends wrong or old tokens from there."""
    for _ in range(budget + 1):
        api("GET", "/cases/2026-000001", token_override=WRONG, environ_base=GUESSER)
    assert api("GET", "/cases/2026-000001", environ_base=GUESSER).status_code == 404
    assert api("POST", "/cases", json={}, environ_base=GUESSER, check_request=False).status_code == 400
    assert api("GET", "/cases/2026-000001", token_override=WRONG, environ_base=GUESSER).status_code == 429


def test_requests_without_a_token_count_too(app, api, budget):
    client = app.test_client()
    statuses = [client.get("/api/v1/cases/2026-000001", environ_base=GUESSER).status_code for _ in range(budget + 1)]
    assert statuses == [401] * budget + [429]


def test_another_address_and_good_requests_are_not_held_up(app, api, budget):
    for _ in range(budget + 1):
        api("GET", "/cases/2026-000001", token_override=WRONG, environ_base=GUESSER)
    assert api("GET", "/cases/2026-000001", environ_base=SYSTEM).status_code == 404
    # Good requests do not count: a busy system never reaches the budget.
    statuses = {api("GET", "/cases/2026-000001", environ_base=SYSTEM).status_code for _ in range(budget * 3)}
    assert statuses == {404}
