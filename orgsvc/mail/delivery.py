"""Delivering the outbox: claim due rows, send each, record the outcome, retry with backoff."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from flask import current_app

from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.mail.models import EmailStatus, OutboundEmail
from orgsvc.mail.services import needs_preparing, preparer_for
from orgsvc.transactions import transactional

log = logging.getLogger("orgsvc.mail")

# Waits between attempts; after the last one the message is dead and left for an operator.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=6), timedelta(hours=12))
# A claim older than this belongs to a sender that died; the row may be tried again.
CLAIM_LEASE = timedelta(minutes=10)
# What a sent e-mail's body becomes in the outbox (the column may not be empty).
SENT_BODY_REMOVED = "(delivered; body removed)"


def build_message(row: OutboundEmail, sender: str) -> EmailMessage:
    """The RFC 5322 message for an outbox row."""
    if needs_preparing(row):
        raise RuntimeError(f"e-mail {row.id} has not been prepared")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    for name, value in (row.extra_headers or {}).items():
        message[name] = value
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


class LogBackend:
    """Development default: the whole message goes to the log, nothing leaves the machine."""

    def send(self, message: EmailMessage) -> None:
        log.info("e-mail (not sent, log backend):\n%s", message.as_string())


class FileBackend:
    """Writes each message as an .eml file, e.g. into the instance folder."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("/", "_")
        (self.directory / f"{name}.eml").write_bytes(bytes(message))


class SmtpBackend:
    """Delivery over SMTP: ``smtp://[user:password@]host[:port][?starttls=true]`` or ``smtps://``
    (TLS from the start). Certificates are verified (against ``ORGSVC_SMTP_CA_FILE`` if given)."""

    def __init__(self, url: str, timeout: float = 20.0, ca_file: str | None = None):
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("ORGSVC_SMTP_URL must look like smtp://user:password@host:587?starttls=true")
        self.implicit_tls = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, parts.port or (465 if self.implicit_tls else 25)
        self.username, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["false"])[0].lower() in {"1", "true", "yes"}
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=ca_file)

    def send(self, message: EmailMessage) -> None:
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls:
                client.starttls(context=self.context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)


def backend_for(app):
    """SMTP when ``ORGSVC_SMTP_URL`` is set; otherwise .eml files in the instance folder (or the log)."""
    if app.config.get("ORGSVC_SMTP_URL"):
        return SmtpBackend(app.config["ORGSVC_SMTP_URL"], app.config["ORGSVC_SMTP_TIMEOUT"],
                           app.config.get("ORGSVC_SMTP_CA_FILE"))
    name = app.config["ORGSVC_MAIL_BACKEND"]
    if name == "log":
        return LogBackend()
    if name == "file":
        return FileBackend(Path(app.instance_path) / "mail")
    raise RuntimeError(f"unknown ORGSVC_MAIL_BACKEND {name!r}")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    dropped: int = 0  # unprepared e-mails their preparer decided not to send


@dataclass(frozen=True)
class Claims:
    """The messages one sender has claimed, and when: its outcomes are stored only while the claim
    is still the one on the row."""

    ids: list[int]
    at: datetime


@transactional
def claim_due(limit: int) -> Claims:
    """Mark up to ``limit`` due messages as being sent by us."""
    now = utcnow()
    due = sa.or_(
        sa.and_(OutboundEmail.status == EmailStatus.PENDING, OutboundEmail.next_attempt_at <= now),
        sa.and_(OutboundEmail.status == EmailStatus.SENDING, OutboundEmail.claimed_at < now - CLAIM_LEASE),
    )
    query = sa.select(OutboundEmail).where(due).order_by(OutboundEmail.id).limit(limit)
    rows = db.session.scalars(query.with_for_update(skip_locked=True)).all()
    for row in rows:
        row.status = EmailStatus.SENDING
        row.claimed_at = now
        row.attempts += 1
    return Claims([row.id for row in rows], now)


@transactional
def record_outcome(email_id: int, error: str | None, claimed_at: datetime) -> EmailStatus | None:
    """Store the result of one attempt: sent, or retried later, or dead after the last try.

    A sender whose claim ran out (it stalled past the lease) and was taken over stores only that it
    sent the message: its failure must not set back a row another sender is now sending."""
    row = db.session.get(OutboundEmail, email_id, with_for_update=True, populate_existing=True)
    if row is None:
        return None
    still_ours = row.status == EmailStatus.SENDING and row.claimed_at == claimed_at
    if not still_ours and (error is not None or row.status == EmailStatus.SENT):
        log.warning("e-mail %s: our claim ran out and another sender has it; our outcome is not stored", email_id)
        return None
    if error is None:
        row.status, row.sent_at, row.last_error = EmailStatus.SENT, utcnow(), None
        if not current_app.config["ORGSVC_MAIL_KEEP_SENT_BODIES"]:
            _remove_body(row)
    elif row.attempts > len(BACKOFF):
        row.status, row.last_error = EmailStatus.DEAD, error
    else:
        row.status, row.last_error = EmailStatus.PENDING, error
        row.next_attempt_at = utcnow() + BACKOFF[row.attempts - 1]
    row.claimed_at = None
    return row.status


@transactional
def prepare(email_id: int) -> bool:
    """Have a claimed, unprepared e-mail written by its kind's preparer, in a transaction of its own:
    what the preparer stores with it (a reset token, say) commits with the text, or neither does.
    False when the preparer drops it (the row goes; nothing is sent).

    The row is locked and checked again: one prepared already (by an attempt that then failed to send,
    or a sender that died after preparing) is sent as it is, never prepared twice.
    """
    row = db.session.get(OutboundEmail, email_id, with_for_update=True, populate_existing=True)
    if row is None:
        return False
    if not needs_preparing(row):
        return True
    if preparer_for(row.kind)(row):
        return True
    db.session.delete(row)
    return False


def _remove_body(row: OutboundEmail) -> None:
    """Once sent, a body's links (reset, registration, confirmation, unsubscribe) are no longer ours to
    keep: a backup or a support query of the outbox must not yield usable tokens. Address, subject,
    kind and dates stay for support; a row that is not sent keeps its body for the next attempt."""
    row.body_text, row.body_html, row.extra_headers = SENT_BODY_REMOVED, None, None


def deliver_due(limit: int = 100, backend=None) -> DeliveryReport:
    """Send what is due now. Safe to run in several processes at once (rows are claimed)."""
    backend = backend or backend_for(current_app)
    sender = current_app.config["ORGSVC_MAIL_FROM"]
    report = DeliveryReport()
    claims = claim_due(limit)
    for email_id in claims.ids:
        try:
            row = db.session.get(OutboundEmail, email_id)
            if row is None or (needs_preparing(row) and not prepare(email_id)):
                report.dropped += 1
                continue
            backend.send(build_message(row, sender))
            error = None
        except Exception as exc:  # any transport (or preparing) failure is retried, never lost
            log.warning("delivery of e-mail %s failed: %s", email_id, exc)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        status = record_outcome(email_id, error, claims.at)
        report.sent += status == EmailStatus.SENT
        report.failed += status == EmailStatus.PENDING
        report.dead += status == EmailStatus.DEAD
    return report
