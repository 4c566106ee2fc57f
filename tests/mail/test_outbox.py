"""The outbox: e-mails commit with their cause, are claimed, sent, retried and finally given up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.mail.delivery import BACKOFF, CLAIM_LEASE, Claims, build_message, claim_due, deliver_due, record_outcome
from orgsvc.mail.models import EmailStatus, OutboundEmail
from orgsvc.mail.services import enqueue
from orgsvc.transactions import transactional
from tests.mail.helpers import Recorder


def _enqueue(to="kari@example.com"):
    return enqueue(to=to, kind="password_reset", template="password_reset", locale="nb",
                   person=type("P", (), {"full_name": "Kari"})(), token="tok")


@transactional
def _enqueue_then_fail():
    _enqueue()
    raise RuntimeError("the cause of the e-mail failed")


def test_an_email_is_only_queued_if_its_cause_commits(app_ctx):
    with pytest.raises(RuntimeError):
        _enqueue_then_fail()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0


def test_delivery_sends_once_and_records_it(app_ctx):
    _enqueue()
    db.session.commit()
    backend = Recorder()
    assert deliver_due(backend=backend).sent == 1
    assert deliver_due(backend=backend).sent == 0
    [message] = backend.sent
    assert message["Subject"] == "Sett nytt passord for Min side"
    assert message["Message-ID"] and message["Date"]
    assert message.get_body(("plain",)).get_content().startswith("Hei Kari,")
    assert message.get_body(("html",)) is not None
    row = db.session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.SENT and row.sent_at is not None


def test_a_failure_is_retried_later_with_backoff(app_ctx):
    _enqueue()
    db.session.commit()
    report = deliver_due(backend=Recorder(failures=1))
    assert (report.sent, report.failed) == (0, 1)
    row = db.session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.PENDING and "smtp down" in row.last_error
    assert row.next_attempt_at > utcnow() + BACKOFF[0] - timedelta(seconds=5)
    assert deliver_due(backend=Recorder()).sent == 0, "not due yet"
    row.next_attempt_at = utcnow()
    db.session.commit()
    assert deliver_due(backend=Recorder()).sent == 1


def test_repeated_failure_ends_as_dead(app_ctx):
    _enqueue()
    db.session.commit()
    for _ in range(len(BACKOFF) + 1):
        db.session.execute(sa.update(OutboundEmail).values(next_attempt_at=utcnow()))
        db.session.commit()
        deliver_due(backend=Recorder(failures=100))
    row = db.session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.DEAD
    assert row.attempts == len(BACKOFF) + 1


def test_a_claim_left_by_a_crashed_sender_is_taken_over_after_its_lease(app_ctx):
    _enqueue()
    db.session.commit()
    assert len(claim_due(10).ids) == 1  # the sender crashes right after claiming
    assert claim_due(10).ids == [], "a live claim is respected"
    db.session.execute(sa.update(OutboundEmail).values(claimed_at=utcnow() - CLAIM_LEASE - timedelta(seconds=1)))
    db.session.commit()
    assert deliver_due(backend=Recorder()).sent == 1


def _taken_over() -> tuple:
    """A sender claims a message, stalls past its lease, and another sender claims it again."""
    _enqueue()
    db.session.commit()
    claimed = claim_due(10)
    stalled = Claims(claimed.ids, utcnow() - CLAIM_LEASE - timedelta(seconds=1))  # as if claimed that long ago
    db.session.execute(sa.update(OutboundEmail).values(claimed_at=stalled.at))
    db.session.commit()
    return stalled, claim_due(10)


def test_a_stalled_senders_failure_does_not_set_back_a_message_another_sender_has(app_ctx):
    stalled, current = _taken_over()
    assert current.ids == stalled.ids
    assert record_outcome(stalled.ids[0], "SMTPServerDisconnected: timed out", stalled.at) is None
    row = db.session.scalar(sa.select(OutboundEmail))
    assert (row.status, row.last_error) == (EmailStatus.SENDING, None), "still the current sender's"
    assert record_outcome(current.ids[0], None, current.at) == EmailStatus.SENT


def test_a_stalled_sender_that_did_send_is_believed_and_the_later_failure_is_not(app_ctx):
    stalled, current = _taken_over()
    assert record_outcome(stalled.ids[0], None, stalled.at) == EmailStatus.SENT
    assert record_outcome(current.ids[0], "SMTPServerDisconnected: timed out", current.at) is None
    assert db.session.scalar(sa.select(OutboundEmail)).status == EmailStatus.SENT


def test_the_message_id_is_stable_across_attempts(app_ctx):
    email = _enqueue()
    db.session.commit()
    first = build_message(email, "Min side <noreply@example.com>")["Message-ID"]
    second = build_message(email, "Min side <noreply@example.com>")["Message-ID"]
    assert first == second == email.message_id


def _stored_text(row: OutboundEmail) -> str:
    return f"{row.body_text} {row.body_html} {row.extra_headers}"


def test_a_sent_email_no_longer_holds_its_one_time_link(app_ctx):
    app_ctx.config["ORGSVC_MAIL_KEEP_SENT_BODIES"] = False  # as outside tests
    token = "live-reset-token-0123456789"
    enqueue(to="kari@example.com", kind="password_reset", template="password_reset", locale="nb",
            person=type("P", (), {"full_name": "Kari"})(), token=token)
    db.session.commit()
    assert deliver_due(backend=Recorder(failures=1)).failed == 1
    row = db.session.scalar(sa.select(OutboundEmail))
    assert token in row.body_text, "an e-mail not yet sent keeps its body for the next attempt"

    row.next_attempt_at = utcnow()
    db.session.commit()
    backend = Recorder()
    assert deliver_due(backend=backend).sent == 1
    assert token in backend.sent[0].get_body(("plain",)).get_content()
    db.session.expire_all()
    row = db.session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.SENT and row.subject == "Sett nytt passord for Min side"
    assert token not in _stored_text(row)
