"""CSRF protection on every state-changing endpoint, and no state change by GET."""

from __future__ import annotations

import re

import pytest

from tests.support import login

# Endpoints that take no session and so have nothing for a forged request to borrow.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a session; the signed token decides.
    "notify.unsubscribe_digest",
}


def _post_rules(app, api=False):
    """Form endpoints (or, with ``api``, the token-authenticated JSON API, which is CSRF-exempt)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in CSRF_EXEMPT:
            continue
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"} and rule.rule.startswith("/api/") == api:
            yield rule


def test_the_exempt_unsubscribe_needs_a_signed_token(app, world):
    client = app.test_client()
    login(client, world.user_a.email)
    assert client.post("/notifications/unsubscribe/forged-token", csrf=False).status_code == 404


def _url(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def test_there_are_post_endpoints_to_check(app):
    assert len(list(_post_rules(app))) >= 10


def test_every_post_without_a_token_is_refused(app, world):
    client = app.test_client()
    login(client, world.admin_a.email)
    for rule in _post_rules(app):
        response = client.post(_url(rule), data={"anything": "x"}, csrf=False)
        assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
    assert client.get("/account").status_code == 200, "the refusals changed nothing about the session"


def test_every_post_without_a_token_is_refused_for_anonymous_visitors_too(app):
    client = app.test_client()
    for rule in _post_rules(app):
        assert client.post(_url(rule), csrf=False).status_code == 400, rule.rule


def test_the_api_takes_no_cookies_so_there_is_nothing_to_forge(app, world):
    """The API is exempt from CSRF because a browser's session gives it no access at all."""
    client = app.test_client()
    login(client, world.caseworker.email)
    rules = list(_post_rules(app, api=True))
    assert rules
    for rule in rules:
        method = next(iter(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}))
        response = client.open(_url(rule), method=method, json={}, csrf=False)
        assert response.status_code == 401, rule.rule


def test_a_token_from_another_session_is_refused(app, world):
    victim, attacker = app.test_client(), app.test_client()
    login(victim, world.user_a.email)
    foreign_token = attacker.csrf_token()
    response = victim.post("/account/sessions/end-others", data={"csrf_token": foreign_token}, csrf=False)
    assert response.status_code == 400
    assert "Skjemaet er utløpt eller ble ikke sendt fra dette nettstedet" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_post_only_endpoints_refuse_get(app, world, method):
    client = app.test_client()
    login(client, world.admin_a.email)
    readable = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    for rule in _post_rules(app):
        if rule.rule in readable:  # the same address also shows a page (e.g. a form)
            continue
        response = client.open(_url(rule), method=method)
        assert response.status_code == 405, rule.rule
        assert "POST" in response.headers["Allow"]
