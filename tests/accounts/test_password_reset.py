"""Password reset by an e-mailed, single-use, short-lived token; no account enumeration."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from orgsvc.accounts.models import PasswordResetToken
from orgsvc.accounts.services import request_password_reset
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.mail.delivery import CLAIM_LEASE, claim_due, deliver_due, prepare
from orgsvc.mail.models import OutboundEmail
from orgsvc.mail.services import BODY_TO_BE_PREPARED
from tests.accounts.helpers import link_in, outbox
from tests.factories import PersonFactory
from tests.mail.helpers import Recorder
from tests.support import DEFAULT_PASSWORD, login, statements_run, without_csrf_tokens

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


def _tokens() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken))


def test_the_request_does_the_same_work_for_known_unknown_and_inactive_addresses(app, world, database):
    """Neither the answer nor the time may tell whether an address has an account (ASVS 6.3.8): the
    request never looks the person up and writes the same one row; the mail sender does the rest.
    (Called as the view calls it; outside a request nothing is delivered inline.)"""
    with app.app_context():
        inactive = PersonFactory(is_active_account=False).email
        addresses = [world.user_a.email, "nobody@example.com", inactive]
        runs = []
        for address in addresses:
            with statements_run(database.engine) as statements:
                request_password_reset(address)
            runs.append(statements)
        assert runs[0] == runs[1] == runs[2], runs
        assert not [s for s in runs[0] if re.search(r"\bperson\b", s)], runs[0]
        rows = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
        assert [(row.kind, row.to_address, row.body_text) for row in rows] == [
            ("password_reset", address, BODY_TO_BE_PREPARED) for address in addresses]
        assert _tokens() == 0, "the token is the sender's to issue"


def test_the_sender_mails_a_working_link_to_a_known_address_only(app, client, world):
    with app.app_context():
        inactive = PersonFactory(is_active_account=False).email
        for address in (world.user_a.email.upper(), "nobody@example.com", inactive):
            request_password_reset(address)
        backend = Recorder()
        report = deliver_due(backend=backend)
        assert (report.sent, report.failed, report.dropped) == (1, 0, 2)
        assert [message["To"] for message in backend.sent] == [world.user_a.email], "the stored address"
        assert _tokens() == 1
    [email] = outbox(app)
    assert email.to_address == world.user_a.email and email.status == "sent"
    assert email.subject == "Sett nytt passord for Min side"
    link = link_in(email)
    assert link in backend.sent[0].get_body(("plain",)).get_content()
    assert _reset(client, link).status_code == 302
    assert login(app.test_client(), world.user_a.email, NEW).status_code == 302


def test_a_sender_that_dies_after_preparing_sends_the_same_link_later(app, client, world):
    with app.app_context():
        request_password_reset(world.user_a.email)
        [email_id] = claim_due(10).ids
        assert _tokens() == 0
        assert prepare(email_id) and _tokens() == 1  # the sender dies here, before sending
        db.session.execute(sa.update(OutboundEmail).values(claimed_at=utcnow() - CLAIM_LEASE - timedelta(seconds=1)))
        db.session.commit()
        backend = Recorder(failures=1)
        assert deliver_due(backend=backend).failed == 1
        db.session.execute(sa.update(OutboundEmail).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert deliver_due(backend=backend).sent == 1
        assert _tokens() == 1, "one link, however many attempts"
    link = link_in(outbox(app, "password_reset")[0])
    assert link in backend.sent[0].get_body(("plain",)).get_content()
    assert _reset(client, link).status_code == 302

