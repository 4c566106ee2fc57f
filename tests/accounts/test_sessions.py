"""Revocable sessions: password change, "log out elsewhere", deactivation, idle and absolute expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from orgsvc.accounts import services
from orgsvc.accounts.models import LoginSession, Person
from orgsvc.audit.models import AuditEvent
from orgsvc.db import utcnow
from orgsvc.extensions import db
from tests.support import DEFAULT_PASSWORD, login

NEW_PASSWORD = "et helt nytt passord 42"


def _change_password(client, current=DEFAULT_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "new_password_confirm": confirm or new})


def test_a_password_change_ends_every_other_session(app, world):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, world.user_a.email)
    login(phone, world.user_a.email)
    response = _change_password(laptop)
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200, "the browser that changed it stays in"
    refused = phone.get("/account")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    fresh = app.test_client()
    assert login(fresh, world.user_a.email, DEFAULT_PASSWORD).status_code == 401
    assert login(fresh, world.user_a.email, NEW_PASSWORD).status_code == 302


def test_a_wrong_current_password_changes_nothing(app, client, world):
    login(client, world.user_a.email)
    response = _change_password(client, current="not my password")
    assert response.status_code == 400
    assert "Det nåværende passordet er feil." in response.get_data(as_text=True)
    assert login(app.test_client(), world.user_a.email, DEFAULT_PASSWORD).status_code == 302


def test_a_weak_new_password_is_refused(client, world):
    login(client, world.user_a.email)
    response = _change_password(client, new="kort", confirm="kort")
    assert response.status_code == 400
    assert "minst 12 tegn" in response.get_data(as_text=True)


def test_log_out_on_all_other_devices(app, world):
    laptop, phone, tablet = app.test_client(), app.test_client(), app.test_client()
    for browser in (laptop, phone, tablet):
        login(browser, world.user_a.email)
    response = laptop.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert tablet.get("/account").status_code == 302


def test_the_account_page_lists_the_sessions(app, world):
    laptop = app.test_client()
    login(laptop, world.user_a.email)
    login(app.test_client(), world.user_a.email)
    page = laptop.get("/account").get_data(as_text=True)
    assert page.count("<tr>") == 3  # header plus two sessions
    assert "denne nettleseren" in page


def test_deactivation_ends_the_sessions_at_once(app, client, world):
    login(client, world.user_a.email)
    with app.app_context():
        services.deactivate(db.session.get(Person, world.user_a.id), actor_id=None, reason="left the company")
    assert client.get("/account").status_code == 302


def test_an_idle_session_expires(app, client, world):
    login(client, world.user_a.email)
    with app.app_context():
        idle = timedelta(minutes=app.config["ORGSVC_SESSION_IDLE_MINUTES"] + 1)
        db.session.execute(sa.update(LoginSession).values(last_seen_at=utcnow() - idle))
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_even_when_used(app, client, world):
    login(client, world.user_a.email)
    with app.app_context():
        db.session.execute(sa.update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_activity_keeps_a_session_alive(app, client, world):
    login(client, world.user_a.email)
    with app.app_context():
        db.session.execute(sa.update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=30)))
        db.session.commit()
    assert client.get("/account").status_code == 200
    with app.app_context():
        seen = db.session.scalar(sa.select(LoginSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)


def test_only_a_hash_of_the_session_token_is_stored(app, client, world):
    login(client, world.user_a.email)
    cookie = client.get_cookie("orgsvc_session").value
    with app.app_context():
        stored = db.session.scalar(sa.select(LoginSession.token_hash))
    assert len(stored) == 64
    assert stored not in cookie


def _password_audit(app, person_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.like("account.login%"), AuditEvent.subject_person_id == person_id)
            .order_by(AuditEvent.id)))


def test_guessing_the_current_password_is_throttled_and_audited_as_logging_in_is(app, client, world):
    login(client, world.user_a.email)
    for number in range(5):
        assert _change_password(client, current=f"wrong guess {number}").status_code == 400
    throttled = _change_password(client)  # the right password, while the budget is spent
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    page = throttled.get_data(as_text=True)
    assert "For mange mislykkede innlogginger" in page and 'name="current_password"' in page
    assert _password_audit(app, world.user_a.id) == ["account.login_failed"] * 5 + ["account.login_throttled"]
    elsewhere = app.test_client()
    response = elsewhere.post("/login", data={"email": world.user_a.email, "password": NEW_PASSWORD},
                              environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 401, "the password was not changed"


def test_wrong_current_passwords_spend_the_log_in_budget(client, world):
    for number in range(3):
        assert login(client, world.user_a.email, f"wrong guess {number}").status_code == 401
    assert login(client, world.user_a.email).status_code == 302  # clears the account's counts
    for number in range(5):
        _change_password(client, current=f"wrong guess {number}")
    client.post("/logout")
    assert login(client, world.user_a.email).status_code == 429


@pytest.mark.parametrize("passphrase", [
    "blåbærsyltetøy på søndag, " * 2 + "og vafler" + "!" * 5,  # 64 characters, non-ASCII
    ("æøå blåbær " * 24)[:256],  # the longest accepted, over 300 bytes in UTF-8: beyond bcrypt's 72
    "a" * 100 + " mellomrom og\ttabulator " + "🙂" * 20,
])
def test_long_and_non_ascii_passphrases_are_kept_whole(app, world, passphrase):
    """A passphrase is hashed as typed, every character of it: a login with it works, and one with
    its last character changed does not (nothing is cut or normalised away)."""
    client = app.test_client()
    login(client, world.user_a.email)
    assert _change_password(client, new=passphrase).status_code == 302
    fresh = app.test_client()
    assert login(fresh, world.user_a.email, passphrase[:-1] + "x").status_code == 401
    assert login(fresh, world.user_a.email, passphrase).status_code == 302
