"""The daily digest: at most one e-mail a day per address, listing what is new in the cases the
person represents their organisation in, or follows (to their own or a confirmed address).

What goes into a digest is decided by the access layer at the time of sending: a person who lost
access to a case stops getting its news, and one side's messages never reach the other side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from orgsvc.access import load_principal, visible
from orgsvc.accounts.models import Person, email_key
from orgsvc.cases.follow import fill_missing_email_keys
from orgsvc.cases.models import Case, CaseEvent, CaseFollow, CaseRepresentative
from orgsvc.db import insert_if_absent, utcnow
from orgsvc.extensions import db
from orgsvc.mail.services import enqueue
from orgsvc.notify.models import DigestRun, DigestState
from orgsvc.transactions import transactional

OSLO = ZoneInfo("Europe/Oslo")
# What counts as news: documents, messages, status changes (and a case's start and withdrawal).
NEWS = ("created", "document_added", "message_sent", "message_replied", "status_changed", "withdrawn")
SEALING_LOCK = 0x6F72_6764  # PostgreSQL advisory lock key for sealing digest batches ("orgd")


@dataclass
class Recipient:
    address: str
    cases_by_person: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


@dataclass
class DigestReport:
    sent: int = 0
    skipped_today: int = 0
    nothing_new: int = 0


def _recipients() -> dict[str, Recipient]:
    """Every address with the cases each person behind it gets news of."""
    recipients: dict[str, Recipient] = {}

    def add(address: str, person_id: int, case_id: int) -> None:
        recipient = recipients.setdefault(email_key(address), Recipient(address))
        recipient.cases_by_person[person_id].add(case_id)

    represented = db.session.execute(
        sa.select(Person.email, Person.id, CaseRepresentative.case_id)
        .join(CaseRepresentative, CaseRepresentative.person_id == Person.id)
        .where(Person.wants_digest.is_(True), Person.is_active_account.is_(True)))
    for address, person_id, case_id in represented:
        add(address, person_id, case_id)
    followed = db.session.execute(
        sa.select(CaseFollow.email, CaseFollow.person_id, CaseFollow.case_id)
        .join(Person, Person.id == CaseFollow.person_id)
        .where(CaseFollow.confirmed_at.is_not(None), Person.is_active_account.is_(True)))
    for address, person_id, case_id in followed:
        add(address, person_id, case_id)
    return recipients


def _news(recipient: Recipient, after_batch: int | None, batch: int, since) -> dict[Case, list[CaseEvent]]:
    """The events of batches after ``after_batch`` up to ``batch`` (for a first digest: of the last
    day) that each person behind the address may see in their cases."""
    news: dict[int, list[CaseEvent]] = defaultdict(list)
    seen: set[int] = set()
    for person_id, case_ids in recipient.cases_by_person.items():
        principal = load_principal(db.session.get(Person, person_id))
        query = (sa.select(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
                 .where(CaseEvent.case_id.in_(case_ids), CaseEvent.digest_batch <= batch,
                        CaseEvent.kind.in_(NEWS), visible(principal, "case"), visible(principal, "case_event"))
                 .order_by(CaseEvent.case_id, CaseEvent.id))
        query = query.where(CaseEvent.digest_batch > after_batch) if after_batch is not None else query.where(
            CaseEvent.occurred_at >= since)
        for event in db.session.scalars(query):
            if event.id not in seen:
                seen.add(event.id)
                news[event.case_id].append(event)
    return {db.session.get(Case, case_id): events for case_id, events in news.items()}


def _unsubscribe_signer() -> URLSafeSerializer:
    """Signs with the current secret key and also accepts the old ones (``SECRET_KEY_FALLBACKS``):
    an unsubscribe link in a digest sent before a key rotation must go on working."""
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    return URLSafeSerializer([*fallbacks, current_app.secret_key], salt="digest-unsubscribe")


def unsubscribe_token(address_key: str) -> str:
    return _unsubscribe_signer().dumps(address_key)


def address_from_token(token: str) -> str | None:
    try:
        return _unsubscribe_signer().loads(token)
    except BadSignature:
        return None


@transactional
def _send_one(key: str, recipient: Recipient, batch: int, today, now) -> bool:
    # Created if new and locked: two runs at once (two schedulers) take each address in turn, and
    # the second sees what the first did; an address whose account closed meanwhile has no row.
    insert_if_absent(db.session, DigestState, ("address_key",), address_key=key, last_batch=None, updated_at=now)
    state = db.session.scalar(sa.select(DigestState).where(DigestState.address_key == key)
                              .with_for_update().execution_options(populate_existing=True))
    if state is None or state.last_sent_on == today:
        return False
    if state.last_batch is not None and state.last_batch >= batch:
        return False  # a later run has already told this address about this batch, and more
    news = _news(recipient, state.last_batch, batch, now - timedelta(days=1))
    state.last_batch, state.updated_at = batch, now
    if not news:
        return False
    person = db.session.get(Person, next(iter(recipient.cases_by_person)))
    base = current_app.config["ORGSVC_BASE_URL"].rstrip("/")
    unsubscribe = f"{base}/notifications/unsubscribe/{unsubscribe_token(key)}"
    enqueue(to=recipient.address, kind="digest", template="digest", locale=person.locale,
            dedupe_key=f"digest:{key}:{today.isoformat()}", news=sorted(news.items(), key=lambda item: item[0].number),
            day=today, unsubscribe=unsubscribe,
            extra_headers={"List-Unsubscribe": f"<{unsubscribe}>",
                           "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    state.last_sent_on = today
    return True


@transactional
def _seal_batch(now) -> int:
    """Take every committed event no run has taken yet into a new batch; its number.

    Runs seal one at a time (PostgreSQL: a transaction-level advisory lock; SQLite has one writer),
    so batches commit in the order of their numbers: an event sealed into a lower batch after a
    higher one had been sent would otherwise never be sent."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(SEALING_LOCK)))
    run = DigestRun(started_at=now)
    db.session.add(run)
    db.session.flush()
    db.session.execute(sa.update(CaseEvent).where(CaseEvent.digest_batch.is_(None)).values(digest_batch=run.id))
    return run.id


def run_digest(now=None) -> DigestReport:
    """``orgsvc notify digest``: one digest per address and day, each in its own transaction."""
    now = now or utcnow()
    today = now.astimezone(OSLO).date()
    batch = _seal_batch(now)
    report = DigestReport()
    for key, recipient in sorted(_recipients().items()):
        state = db.session.get(DigestState, key)
        if state is not None and state.last_sent_on == today:
            report.skipped_today += 1
            continue
        if _send_one(key, recipient, batch, today, now):
            report.sent += 1
        else:
            report.nothing_new += 1
    return report


def unsubscribe(address_key: str) -> None:
    """No more digests to this address: its follows end, and its person's digest is switched off."""
    fill_missing_email_keys()
    _unsubscribe(address_key)


@transactional
def _unsubscribe(address_key: str) -> None:
    db.session.execute(sa.delete(CaseFollow).where(CaseFollow.email_key == address_key))
    for person in db.session.scalars(sa.select(Person).where(Person.email_key == address_key)):
        person.wants_digest = False
