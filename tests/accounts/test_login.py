"""Logging in and out: one answer for every failure, throttling, fixation, safe `next`."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from orgsvc.accounts import services
from orgsvc.accounts.models import Person
from orgsvc.audit.models import AuditEvent
from orgsvc.extensions import db
from tests.support import DEFAULT_PASSWORD, login, without_csrf_tokens


def test_a_person_logs_in_and_sees_min_side(client, world):
    response = login(client, world.admin_a.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert world.admin_a.name in page
    assert world.org_a.name in page
    assert "administrator" in page


def test_the_address_is_matched_case_insensitively(client, world):
    assert login(client, world.user_a.email.upper()).status_code == 302


def test_unknown_address_and_wrong_password_get_the_same_answer(client, world):
    unknown = login(client, "nobody@example.com", "whatever password")
    wrong = login(client, world.user_a.email, "the wrong password")
    assert unknown.status_code == wrong.status_code == 401
    unknown_page = without_csrf_tokens(unknown.get_data(as_text=True)).replace("nobody@example.com", "ADDRESS")
    wrong_page = without_csrf_tokens(wrong.get_data(as_text=True)).replace(world.user_a.email, "ADDRESS")
    assert unknown_page == wrong_page
    assert unknown.headers.get("Set-Cookie") is None or "orgsvc_session" in unknown.headers["Set-Cookie"]
    assert "E-postadressen eller passordet er feil." in wrong.get_data(as_text=True)


def test_an_inactive_account_gets_the_same_answer(app, client, world):
    with app.app_context():
        person = db.session.get(Person, world.user_a.id)
        services.deactivate(person, actor_id=None, reason="test")
    response = login(client, world.user_a.email)
    assert response.status_code == 401
    assert "E-postadressen eller passordet er feil." in response.get_data(as_text=True)


def test_repeated_failures_are_throttled_for_that_account(client, world):
    for _ in range(5):
        assert login(client, world.user_a.email, "wrong password!").status_code == 401
    throttled = login(client, world.user_a.email, DEFAULT_PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert "For mange mislykkede innlogginger" in throttled.get_data(as_text=True)
    assert login(client, world.admin_a.email).status_code == 302, "other accounts are not locked"


def test_unknown_addresses_are_throttled_alike(client):
    for _ in range(5):
        login(client, "nobody@example.com", "wrong password!")
    assert login(client, "nobody@example.com", "wrong password!").status_code == 429


def test_one_client_address_is_throttled_across_accounts(app, client, world):
    app.config["ORGSVC_LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for number in range(3):
        login(client, f"guess{number}@example.com", "wrong password!")
    assert login(client, world.user_a.email).status_code == 429


def test_successful_logins_from_one_address_do_not_spend_its_budget(app, world):
    app.config["ORGSVC_LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    people = [world.user_a, world.admin_a, world.admin_b, world.user_a, world.admin_a, world.admin_b]
    assert [login(app.test_client(), person.email).status_code for person in people] == [302] * 6, \
        "an office behind one address is not locked out by its own log-ins"


def test_failures_from_one_address_over_many_accounts_are_still_throttled(app, client, world):
    app.config["ORGSVC_LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for person in (world.user_a, world.admin_a, world.admin_b, world.user_a):
        assert login(app.test_client(), person.email).status_code == 302
    statuses = [login(client, email, "wrong password!").status_code
                for email in (world.user_a.email, "guess1@example.com", world.admin_b.email, "guess2@example.com")]
    assert statuses == [401, 401, 401, 429]
    assert login(client, world.admin_a.email).status_code == 429, "a right password does not pass either"


def test_a_success_resets_the_account_counter(client, world):
    for _ in range(4):
        login(client, world.user_a.email, "wrong password!")
    assert login(client, world.user_a.email).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert login(client, world.user_a.email, "wrong password!").status_code == 401


def test_a_session_key_planted_before_login_is_gone_after_it(app, client, world):
    with client.session_transaction() as session:
        session["org_id"] = world.org_b.id
        session["planted"] = "value"
        raw_token_before = session.setdefault("csrf_token", "planted-token")
    login(client, world.user_a.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("org_id") != world.org_b.id
        assert session.get("csrf_token") != raw_token_before


def test_the_language_choice_survives_login(client, world):
    client.post("/language", data={"lang": "en"})
    login(client, world.user_a.email)
    assert "My page" in client.get("/").get_data(as_text=True)


def test_a_cookie_captured_before_logout_is_refused_after_it(client, world):
    login(client, world.user_a.email)
    captured = client.get_cookie("orgsvc_session").value
    assert client.get("/account").status_code == 200
    assert client.post("/logout").status_code == 302
    client.set_cookie("orgsvc_session", captured)
    replay = client.get("/account")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")


def test_logout_needs_post(client, world):
    login(client, world.user_a.email)
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_logout_ends_every_session_of_the_person(app, world):
    laptop, phone, other_person = app.test_client(), app.test_client(), app.test_client()
    login(laptop, world.user_a.email)
    login(phone, world.user_a.email)
    login(other_person, world.admin_a.email)
    response = laptop.post("/logout", follow_redirects=True)
    assert "Du er logget ut på alle enheter." in response.get_data(as_text=True)
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302
    assert other_person.get("/account").status_code == 200


def test_pages_behind_login_send_anonymous_visitors_to_login_and_back(client, world):
    response = client.get("/inbox/?page=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/inbox/?page%3D1"
    back = client.post(
        "/login", data={"email": world.user_a.email, "password": DEFAULT_PASSWORD, "next": "/inbox/?page=1"}
    )
    assert back.headers["Location"] == "/inbox/?page=1"


# Open-redirect vectors: Django's and warehouse's lists, plus the ones security.md names.
BAD_NEXT = [
    "http://example.com",
    "http:///example.com",
    "https://example.com",
    "ftp://exampel.com",
    r"\\example.com",
    r"\\\example.com",
    r"/\\/example.com",
    r"\\//example.com",
    r"/\/example.com",
    r"\/example.com",
    r"/\example.com",
    "http:/\\//example.com",
    "http:\\/example.com",
    "http:/\\example.com",
    'javascript:alert("XSS")',
    "\njavascript:alert(x)",
    "\x08//example.com",
    "\n",
    "//example.com",
    "///example.com",
    "/\t/example.com",
    "/%09/example.com",
    " //example.com",
    "//example.com/inbox/",
    "https:example.com",
    "/no-such-page",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_next_never_leaves_the_site(client, world, target):
    response = client.post(
        "/login", data={"email": world.user_a.email, "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/organisation/members", "/inbox/?page=2", "/account"])
def test_next_keeps_our_own_paths(client, world, target):
    response = client.post(
        "/login", data={"email": world.user_a.email, "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response.headers["Location"] == target


def test_next_from_the_query_string_is_checked_too(client, world):
    page = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    assert 'value="https://evil.example/"' in page  # kept in the form, but...
    response = client.post("/login?next=https://evil.example/", data={
        "email": world.user_a.email, "password": DEFAULT_PASSWORD, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


STRANGER = {"REMOTE_ADDR": "198.51.100.66"}
OWNER = {"REMOTE_ADDR": "192.0.2.10"}


def login_from(client, environ, email, password=DEFAULT_PASSWORD):
    return client.post("/login", data={"email": email, "password": password}, environ_base=environ)


def test_a_stranger_spending_the_budget_does_not_lock_the_owner_out(app, world):
    stranger, owner = app.test_client(), app.test_client()
    for number in range(5):
        assert login_from(stranger, STRANGER, world.user_a.email, f"guess {number}!").status_code == 401
    assert login_from(stranger, STRANGER, world.user_a.email, DEFAULT_PASSWORD).status_code == 429
    assert login_from(owner, OWNER, world.user_a.email).status_code == 302
    assert login_from(stranger, STRANGER, world.user_a.email, "guess 6!").status_code == 429, \
        "the stranger's budget is not reset by the owner's success"


def test_guessing_one_account_from_many_addresses_meets_the_account_brake(app, world):
    app.config["ORGSVC_LOGIN_LIMIT_PER_ACCOUNT"] = "7 per 15 minutes"
    client = app.test_client()
    statuses = [login_from(client, {"REMOTE_ADDR": f"203.0.113.{n // 3}"}, world.user_a.email, "wrong guess!")
                .status_code for n in range(9)]
    assert statuses == [401] * 7 + [429] * 2
    assert login_from(client, OWNER, world.user_a.email).status_code == 429


def test_refusals_from_one_address_do_not_spend_the_account_brake(app, world):
    app.config["ORGSVC_LOGIN_LIMIT_PER_ACCOUNT"] = "7 per 15 minutes"
    stranger = app.test_client()
    for number in range(20):
        login_from(stranger, STRANGER, world.user_a.email, f"guess {number}!")
    assert login_from(app.test_client(), OWNER, world.user_a.email).status_code == 302


def _login_audit(app) -> list[tuple]:
    with app.app_context():
        return [(e.action, e.outcome, e.actor_id, e.subject_person_id, e.details) for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("account.login%")).order_by(AuditEvent.id))]


def test_failed_and_refused_logins_are_audited_and_logged_without_the_password(app, client, world, caplog):
    caplog.set_level(logging.DEBUG)
    login(client, "nobody@example.com", "secret guess one")
    for number in range(5):
        login(client, world.user_a.email, f"secret guess {number}!")
    assert login(client, world.user_a.email, DEFAULT_PASSWORD).status_code == 429
    known = {"client_address": "127.0.0.1", "known_account": True}
    assert _login_audit(app) == [
        ("account.login_failed", "denied", None, None, {"client_address": "127.0.0.1", "known_account": False}),
        *[("account.login_failed", "denied", None, world.user_a.id, known)] * 5,
        ("account.login_throttled", "denied", None, world.user_a.id, known),
    ]
    assert f"account.login_failed: person={world.user_a.id} client=127.0.0.1" in caplog.text
    assert f"account.login_throttled: person={world.user_a.id}" in caplog.text
    assert "secret guess" not in caplog.text and DEFAULT_PASSWORD not in caplog.text
    assert "nobody@example.com" not in caplog.text


def test_a_successful_login_leaves_no_failure_behind(app, client, world):
    assert login(client, world.user_a.email).status_code == 302
    assert _login_audit(app) == []
