"""E-mails written by the sender: queued without a text, prepared in the sender's own transaction,
then sent, retried and recorded as any other; a crash never prepares one twice nor loses it."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.mail.delivery import CLAIM_LEASE, SENT_BODY_REMOVED, claim_due, deliver_due, prepare
from orgsvc.mail.models import EmailStatus, OutboundEmail
from orgsvc.mail.services import BODY_TO_BE_PREPARED, enqueue_unprepared, fill, preparer
from tests.mail.helpers import Recorder

KIND = "test_prepared"
KARI = type("P", (), {"full_name": "Kari"})()


@preparer(KIND)
def _prepare(email: OutboundEmail) -> bool:
    """Drops «nobody@…», fails the first attempt for «flaky@…»; the token tells the attempt that wrote it."""
    local = email.to_address.split("@")[0]
    if local == "nobody":
        return False
    if local == "flaky" and email.attempts == 1:
        raise RuntimeError("the register did not answer")
    fill(email, to=f"prepared-{email.to_address}", template="password_reset", locale="nb",
         person=KARI, token=f"token-of-attempt-{email.attempts}")
    return True


def _queue(to: str = "kari@example.com") -> int:
    email = enqueue_unprepared(to=to, kind=KIND)
    db.session.commit()
    return email.id


def _row() -> OutboundEmail:
    db.session.expire_all()
    return db.session.scalar(sa.select(OutboundEmail))


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _make_due(**values) -> None:
    db.session.execute(sa.update(OutboundEmail).values(next_attempt_at=utcnow(), **values))
    db.session.commit()


def test_an_unprepared_email_is_written_by_its_preparer_and_sent(app_ctx):
    _queue()
    assert _row().body_text == BODY_TO_BE_PREPARED and _row().status == EmailStatus.PENDING
    backend = Recorder()
    assert deliver_due(backend=backend).sent == 1
    [message] = backend.sent
    assert message["To"] == "prepared-kari@example.com"
    assert message["Subject"] == "Sett nytt passord for Min side"
    assert "token-of-attempt-1" in _text(message)
    assert _row().status == EmailStatus.SENT
    assert deliver_due(backend=backend).sent == 0


def test_an_email_its_preparer_drops_sends_nothing_and_leaves_no_row(app_ctx):
    _queue("nobody@example.com")
    backend = Recorder()
    report = deliver_due(backend=backend)
    assert (report.sent, report.failed, report.dropped) == (0, 0, 1)
    assert backend.sent == [] and _row() is None


def test_a_failure_while_preparing_is_retried_later(app_ctx):
    _queue("flaky@example.com")
    assert deliver_due(backend=Recorder()).failed == 1
    row = _row()
    assert row.status == EmailStatus.PENDING and "the register did not answer" in row.last_error
    assert row.body_text == BODY_TO_BE_PREPARED, "nothing of the failed preparation is kept"
    _make_due()
    backend = Recorder()
    assert deliver_due(backend=backend).sent == 1
    assert "token-of-attempt-2" in _text(backend.sent[0])


def test_an_email_of_a_kind_without_preparer_is_never_sent_as_it_stands(app_ctx):
    enqueue_unprepared(to="kari@example.com", kind="test_nobody_prepares_this")
    db.session.commit()
    backend = Recorder()
    assert deliver_due(backend=backend).failed == 1
    assert backend.sent == [] and "LookupError" in _row().last_error


def test_a_sender_that_died_after_preparing_leaves_the_prepared_email_to_the_next(app_ctx):
    email_id = _queue()
    assert claim_due(10).ids == [email_id]
    assert prepare(email_id)  # the sender dies here, before sending
    assert claim_due(10).ids == [], "a live claim is respected"
    db.session.execute(sa.update(OutboundEmail).values(claimed_at=utcnow() - CLAIM_LEASE - timedelta(seconds=1)))
    db.session.commit()
    backend = Recorder()
    assert deliver_due(backend=backend).sent == 1
    assert "token-of-attempt-1" in _text(backend.sent[0]), "prepared once, not again by the next sender"


def test_a_prepared_email_that_failed_to_send_is_retried_as_it_was(app_ctx):
    _queue()
    assert deliver_due(backend=Recorder(failures=1)).failed == 1
    assert "token-of-attempt-1" in _row().body_text, "the prepared text is kept for the next attempt"
    _make_due()
    backend = Recorder()
    assert deliver_due(backend=backend).sent == 1
    assert "token-of-attempt-1" in _text(backend.sent[0])


def test_a_sent_prepared_email_no_longer_holds_its_link(app_ctx):
    app_ctx.config["ORGSVC_MAIL_KEEP_SENT_BODIES"] = False  # as outside tests
    _queue()
    assert deliver_due(backend=Recorder()).sent == 1
    row = _row()
    assert row.status == EmailStatus.SENT and row.to_address == "prepared-kari@example.com"
    assert row.body_text == SENT_BODY_REMOVED and row.body_html is None
