"""«Følg»: following a case with an e-mail address of one's choice.

An address other than the account's own must be confirmed by a link sent to it before any news
goes there, so nobody can subscribe someone else's mailbox.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from orgsvc.access import Principal
from orgsvc.accounts.models import Person, email_key
from orgsvc.accounts.sessions import token_hash
from orgsvc.accounts.throttle import mail_wait
from orgsvc.cases.models import CaseFollow
from orgsvc.cases.services import load_case
from orgsvc.db import insert_if_absent, utcnow
from orgsvc.errors import InvalidInput, NotFound, TooManyRequests
from orgsvc.extensions import db
from orgsvc.mail.services import enqueue
from orgsvc.transactions import transactional

# How long a «Følg» confirmation link works: long enough for a shared mailbox that is read on working
# days only to be read over a weekend, short enough that an old e-mail found later subscribes nothing.
CONFIRMATION_LIFETIME = timedelta(hours=72)


def following(principal: Principal, case_id: int, *, lock: bool = False) -> CaseFollow | None:
    """The principal's follow of the case. ``lock``: read afresh and locked for the transaction, for
    a change: the ORM writes only the columns it changed, so a change made on a stale read could
    keep a confirmation given meanwhile to another address."""
    query = sa.select(CaseFollow).where(CaseFollow.case_id == case_id, CaseFollow.person_id == principal.person_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


@transactional
def follow(principal: Principal, case_id: int, address: str | None) -> CaseFollow:
    case = load_case(principal, case_id, "follow")
    person = db.session.get(Person, principal.person_id)
    address = (address or "").strip() or person.email
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidInput(_l("Enter a valid e-mail address."), field="email") from error
    own_address = email_key(address) == person.email_key
    if not own_address:
        _count_confirmation_mail(person, address)
    # The row if new (an insert that does nothing when it exists, also when two «Følg» come at once),
    # then read afresh and locked for the change.
    insert_if_absent(db.session, CaseFollow, ("case_id", "person_id"), case_id=case.id, person_id=person.id,
                     email=address, email_key=email_key(address))
    row = following(principal, case.id, lock=True)
    row.email = address
    if own_address:
        row.confirmed_at, row.token_hash, row.token_expires_at = utcnow(), None, None
    else:
        token = secrets.token_urlsafe(32)
        row.confirmed_at, row.token_hash = None, token_hash(token)
        row.token_expires_at = utcnow() + CONFIRMATION_LIFETIME
        enqueue(to=address, kind="follow_confirmation", template="follow_confirmation", locale=person.locale,
                person=person, case=case, token=token)
    db.session.add(row)
    return row


def _count_confirmation_mail(person: Person, address: str) -> None:
    """Each «Følg» to another address mails it a link: limit them per person and per address, so the
    form cannot flood a mailbox (the address's budget is the one every form that mails it shares).
    The person's is counted first: once spent, it stops them spending the address's too."""
    if (wait := mail_wait("follow-mail", str(person.id))) is not None:
        raise TooManyRequests(_l("You have asked for too many confirmation e-mails. Try again later."),
                              retry_after=wait)
    if (wait := mail_wait("mail", email_key(address))) is not None:
        raise TooManyRequests(_l("Too many e-mails have been sent to this address. Try again later."),
                              retry_after=wait)


@transactional
def fill_missing_email_keys() -> None:
    """Give follows written without ``email_key`` (by the release before migration 0016, while a
    deploy replaced its instances) their key. Its own short transaction, run before the units that
    look addresses up; rows another transaction holds are skipped (it is filling or deleting them),
    so two of these never wait for each other."""
    rows = db.session.scalars(sa.select(CaseFollow).where(CaseFollow.email_key.is_(None)).order_by(CaseFollow.id)
                              .with_for_update(skip_locked=True))
    for row in rows:
        row.email_key = email_key(row.email)


@transactional
def unfollow(principal: Principal, case_id: int) -> None:
    load_case(principal, case_id)
    db.session.execute(sa.delete(CaseFollow).where(CaseFollow.case_id == case_id,
                                                   CaseFollow.person_id == principal.person_id))


def link_expired(row: CaseFollow) -> bool:
    """A follow still waiting whose link no longer works: expired, or without an expiry (issued
    before links expired: its age is unknown). The case page then offers «Følg» again."""
    return row.confirmed_at is None and (row.token_expires_at is None or row.token_expires_at <= utcnow())


def pending_confirmation(token: str, *, lock: bool = False) -> CaseFollow:
    """The follow waiting for confirmation with ``token``, or NotFound. An expired link is answered as an
    unknown one. ``lock``: locked for the transaction that confirms it, and read again once a change
    made meanwhile (a new address, a new link) has committed - the old link then finds nothing."""
    query = sa.select(CaseFollow).where(CaseFollow.token_hash == token_hash(token or ""))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = db.session.scalar(query)
    if row is None or link_expired(row):
        raise NotFound(_l("The link is not valid any more."))
    return row


@transactional
def confirm(token: str) -> CaseFollow:
    row = pending_confirmation(token, lock=True)
    row.confirmed_at, row.token_hash, row.token_expires_at = utcnow(), None, None
    return row
