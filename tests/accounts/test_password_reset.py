"""Password reset by an e-mailed, single-use, short-lived token; no account enumeration."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from orgsvc.accounts.models import PasswordResetToken
from orgsvc.db import utcnow
from orgsvc.extensions import db
from tests.accounts.helpers import link_in, outbox
from tests.support import DEFAULT_PASSWORD, login, without_csrf_tokens

NEW = "mitt nye lange passord"


def _reset(client, link, password=NEW, confirm=None):
    return client.post(link, data={"password": password, "password_confirm": confirm or password})


def test_known_and_unknown_addresses_get_the_same_answer(app, client, world):
    known = client.post("/password/forgot", data={"email": world.user_a.email})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.com"})
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    first = without_csrf_tokens(client.get(known.headers["Location"]).get_data(as_text=True))
    second = without_csrf_tokens(client.get(unknown.headers["Location"]).get_data(as_text=True))
    assert first == second
    assert [e.to_address for e in outbox(app, "password_reset")] == [world.user_a.email]


def test_the_link_sets_a_new_password_and_ends_every_session(app, client, world):
    other_browser = app.test_client()
    login(other_browser, world.user_a.email)
    client.post("/password/forgot", data={"email": world.user_a.email})
    [email] = outbox(app, "password_reset")
    assert email.subject == "Sett nytt passord for Min side"
    link = link_in(email)
    assert client.get(link).status_code == 200
    response = _reset(client, link)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert other_browser.get("/account").status_code == 302
    assert login(app.test_client(), world.user_a.email, DEFAULT_PASSWORD).status_code == 401
    assert login(app.test_client(), world.user_a.email, NEW).status_code == 302
    assert client.get(link).status_code == 404, "the link works once"


def test_a_weak_password_is_refused_and_the_link_still_works(app, client, world):
    client.post("/password/forgot", data={"email": world.user_a.email})
    link = link_in(outbox(app, "password_reset")[0])
    response = _reset(client, link, "kort", "kort")
    assert response.status_code == 400
    assert _reset(client, link).status_code == 302


def test_an_expired_link_is_refused(app, client, world):
    client.post("/password/forgot", data={"email": world.user_a.email})
    link = link_in(outbox(app, "password_reset")[0])
    with app.app_context():
        db.session.execute(sa.update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 404
    assert _reset(client, link).status_code == 404
    assert login(app.test_client(), world.user_a.email, NEW).status_code == 401


def test_a_password_change_voids_outstanding_links(app, client, world):
    client.post("/password/forgot", data={"email": world.user_a.email})
    link = link_in(outbox(app, "password_reset")[0])
    signed_in = app.test_client()
    login(signed_in, world.user_a.email)
    signed_in.post("/account/password", data={
        "current_password": DEFAULT_PASSWORD, "new_password": NEW, "new_password_confirm": NEW})
    assert client.get(link).status_code == 404


def test_reset_mails_to_one_address_are_limited(app, client, world):
    for _ in range(7):
        client.post("/password/forgot", data={"email": world.user_a.email})
    assert len(outbox(app, "password_reset")) == 5


def test_the_email_goes_out_through_the_outbox(app, client, world):
    client.post("/password/forgot", data={"email": world.user_a.email})
    [email] = outbox(app, "password_reset")
    assert email.status == "sent", "the development default delivers right after the request (to the log)"
    assert email.message_id.startswith("<") and email.message_id.endswith(">")
