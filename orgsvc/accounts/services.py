"""Account use cases. Each public function is one transaction; none touches the request."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from orgsvc.access import Principal, guard
from orgsvc.access.conditions import OWN_ACCOUNT
from orgsvc.accounts import sessions
from orgsvc.accounts.models import PasswordResetToken, Person, Registration, email_key
from orgsvc.accounts.passwords import password_problem, passwords
from orgsvc.accounts.throttle import mail_allowed, throttle
from orgsvc.audit.services import record
from orgsvc.cases.follow import fill_missing_email_keys
from orgsvc.cases.models import CaseFollow
from orgsvc.db import utcnow
from orgsvc.errors import Conflict, DomainError, InvalidInput, NotFound, TooManyRequests
from orgsvc.extensions import db
from orgsvc.mail.models import OutboundEmail
from orgsvc.mail.services import enqueue, enqueue_unprepared, fill, preparer
from orgsvc.notify.models import DigestState
from orgsvc.roles.services import leave_everywhere
from orgsvc.transactions import in_transaction, transactional

log = logging.getLogger(__name__)

# Closed accounts keep their row (cases and the log point to it) under an address that cannot exist
# (RFC 2606), so their own address is free to register again.
CLOSED_DOMAIN = "closed.invalid"
REGISTRATION_LIFETIME = timedelta(hours=24)
# How long a registration is kept after its link expired (``purge_registrations``).
REGISTRATION_PURGE_MARGIN = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
STAFF_INVITATION_LIFETIME = timedelta(days=3)


class InvalidCredentials(DomainError):
    """The one answer for an unknown e-mail, a wrong password and an inactive account."""

    status = 401
    code = "invalid_credentials"
    default_message = _l("The e-mail address or the password is wrong.")


@dataclass(frozen=True)
class NewAccount:
    email: str
    full_name: str
    date_of_birth: date
    locale: str = "nb"


def find_person(email: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.email_key == email_key(email)))


def _count_registration(client_address: str) -> None:
    """One client may start only so many registrations (each writes a row and sends an e-mail)."""
    wait = throttle().acquire(current_app.config["ORGSVC_REGISTER_LIMIT_PER_ADDRESS"], "register", client_address)
    if wait is not None:
        raise TooManyRequests(retry_after=wait)


@transactional
def request_registration(account: NewAccount, *, client_address: str) -> None:
    """Start a registration. The answer is the same whether or not the address has an account:
    a new address gets a confirmation link, a known one a reminder that it already has one.
    No password is asked for yet (it is chosen on the confirmation page, by whoever holds the
    mailbox), so neither path does expensive work and the time taken tells nothing either."""
    _count_registration(client_address)
    key = email_key(account.email)
    if not mail_allowed("mail", key):
        return
    existing = find_person(account.email)
    if existing is not None:
        enqueue(to=existing.email, kind="account_exists", template="account_exists",
                locale=existing.locale, person=existing)
        return
    token = secrets.token_urlsafe(32)
    db.session.add(
        Registration(
            token_hash=sessions.token_hash(token),
            email=account.email.strip(),
            email_key=key,
            full_name=" ".join(account.full_name.split()),
            date_of_birth=account.date_of_birth,
            locale=account.locale,
            expires_at=utcnow() + REGISTRATION_LIFETIME,
        )
    )
    enqueue(to=account.email.strip(), kind="confirm_registration", template="confirm_registration",
            locale=account.locale, full_name=account.full_name, token=token)


def pending_registration(token: str) -> Registration:
    """The unconfirmed, unexpired registration for ``token``, or NotFound."""
    row = db.session.scalar(
        sa.select(Registration).where(Registration.token_hash == sessions.token_hash(token or ""))
    )
    if row is None or row.confirmed_at is not None or row.expires_at <= utcnow():
        raise NotFound(_l("The link is not valid any more. Register again to get a new one."))
    return row


@transactional
def confirm_registration(token: str, password: str, user_agent: str | None) -> Person:
    """Create the account from a confirmed registration, with the password chosen by whoever
    followed the link (so it is the mailbox's holder's, never the registrant's), and sign it in."""
    registration = pending_registration(token)
    problem = password_problem(password, email=registration.email, full_name=registration.full_name)
    if problem:
        raise InvalidInput(problem, field="password")
    if find_person(registration.email) is not None:
        raise Conflict(_l("An account with this e-mail address already exists. Log in instead."))
    now = utcnow()
    registration.confirmed_at = now
    person = Person(
        email=registration.email,
        email_key=registration.email_key,
        full_name=registration.full_name,
        date_of_birth=registration.date_of_birth,
        password_hash=passwords().hash(password),
        locale=registration.locale,
        password_changed_at=now,
        last_login_at=now,
    )
    db.session.add(person)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same address confirmed twice at the same moment
        raise Conflict(_l("An account with this e-mail address already exists. Log in instead.")) from error
    record("account.registered", actor_id=person.id, subject_person_id=person.id)
    sessions.open_session(person, user_agent)
    return person


def _login_budgets(key: str, client_address: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The per-account budgets a log-in attempt counts against, strictest first (rule, throttle keys).

    The strict one is per account *and* client address, so a stranger guessing at someone's
    account spends only his own budget and the owner, from elsewhere, still gets in. A looser
    per-account budget brakes guessing spread over many addresses.
    """
    config = current_app.config
    return (
        (config["ORGSVC_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"], ("login-account-address", key, client_address)),
        (config["ORGSVC_LOGIN_LIMIT_PER_ACCOUNT"], ("login-account", key)),
    )


def _address_budget(client_address: str) -> tuple[str, tuple[str, ...]]:
    """The budget of failed attempts from one client address over all accounts (rule, throttle keys).

    It brakes one address trying many accounts, and counts failures only: an office behind one
    NAT address logs in many times a day, and its good log-ins must not lock it out.
    """
    return current_app.config["ORGSVC_LOGIN_LIMIT_PER_ADDRESS"], ("login-address", client_address)


def _too_many_attempts(wait: int) -> TooManyRequests:
    minutes = max(1, (wait + 59) // 60)
    return TooManyRequests(
        _l("Too many failed log-in attempts. Try again in %(minutes)d minutes.", minutes=minutes),
        retry_after=wait,
    )


def _count_login_attempt(key: str, client_address: str) -> None:
    """Count this attempt against the account's budgets before the password is checked, or refuse it.

    Counting happens first and atomically (``Throttle.acquire``): were it done after the slow
    password check, simultaneous guesses would all pass the budget before any was counted.
    The budgets are tried strictest first and the first one spent stops the count, so attempts
    refused for one address do not use up the account's budget for everyone else. The client
    address's budget is only checked here; a failure counts against it (``_count_login_failure``).
    """
    (strict_rule, strict_keys), (account_rule, account_keys) = _login_budgets(key, client_address)
    address_rule, address_keys = _address_budget(client_address)
    wait = throttle().acquire(strict_rule, *strict_keys)
    if wait is None:
        wait = throttle().spent(address_rule, *address_keys)
    if wait is None:
        wait = throttle().acquire(account_rule, *account_keys)
    if wait is not None:
        raise _too_many_attempts(wait)


def _count_login_failure(client_address: str) -> None:
    """Count a wrong password against the client address's budget.

    Counted after the password check, not before it, so that successes cost nothing; the price is
    that simultaneous failures from one address all pass the check before any is counted, so the
    budget may be overshot by as many attempts as are in flight at once (bounded by the workers
    serving requests). The per-account budgets, counted before the check, do not overshoot.
    """
    rule, keys = _address_budget(client_address)
    throttle().acquire(rule, *keys)


def log_in(email: str, password: str, *, client_address: str, user_agent: str | None) -> Person:
    """Check the credentials and open a login session. Attempts are counted and throttled; a
    success forgets the account's count. A failed or refused attempt is logged and kept in the
    audit log (in a transaction of its own: the attempt's own is rolled back)."""
    try:
        return _log_in(email, password, client_address=client_address, user_agent=user_agent)
    except InvalidCredentials:
        _count_login_failure(client_address)
        _record_login_failure(email, client_address, throttled=False)
        raise
    except TooManyRequests:
        _record_login_failure(email, client_address, throttled=True)
        raise


@transactional
def _record_login_failure(email: str, client_address: str, *, throttled: bool) -> None:
    """Audit and log a failed log-in: the account it named (if any) and the client address, never
    the password, nor the address typed for an unknown account (it may be a mistyped password)."""
    person = find_person(email)
    person_id = person.id if person is not None else None
    action = "account.login_throttled" if throttled else "account.login_failed"
    record(action, actor_id=None, subject_person_id=person_id, outcome="denied",
           details={"client_address": client_address, "known_account": person is not None})
    log.warning("%s: person=%s client=%s", action, person_id, client_address)


@transactional
def _log_in(email: str, password: str, *, client_address: str, user_agent: str | None) -> Person:
    key = email_key(email)
    _count_login_attempt(key, client_address)
    person = find_person(email)
    valid = passwords().verify(person.password_hash if person else None, password)
    if not valid or person is None or not person.is_active:
        raise InvalidCredentials()
    checked_hash = person.password_hash
    rehashed = passwords().hash(password) if passwords().needs_rehash(checked_hash) else None
    # The hashing took a while: a reset, a change or a deactivation may have committed meanwhile.
    person = sessions.lock_person(person.id)
    if person.password_hash != checked_hash or not person.is_active:
        raise InvalidCredentials()
    _forget_login_attempts(key, client_address)
    if rehashed is not None:
        person.password_hash = rehashed
    person.last_login_at = utcnow()
    sessions.open_session(person, user_agent)
    return person


def _forget_login_attempts(key: str, client_address: str) -> None:
    """After the right password: the account's counts go; the address's stays (it may hold others')."""
    for rule, keys in _login_budgets(key, client_address):
        throttle().clear(rule, *keys)


def _password_is_right(person: Person, password: str, *, client_address: str) -> bool:
    """Check a signed-in person's password (re-authentication, «Endre passord»): counted, throttled
    and audited as a log-in attempt is, since each is one more way to try passwords.

    Raises TooManyRequests while the budget is spent, even for the right password. Must run outside
    any unit of work: the failure's audit row commits on its own, and an enclosing transaction,
    rolled back by the refusal, would take it along.
    """
    if in_transaction():
        raise RuntimeError("a password check's audit must not join a transaction that its refusal rolls back")
    key = email_key(person.email)
    try:
        _count_login_attempt(key, client_address)
    except TooManyRequests:
        _record_login_failure(person.email, client_address, throttled=True)
        raise
    if not passwords().verify(person.password_hash, password):
        _count_login_failure(client_address)
        _record_login_failure(person.email, client_address, throttled=False)
        return False
    _forget_login_attempts(key, client_address)
    return True


def confirm_password(person: Person, password: str, *, client_address: str) -> None:
    """«Bekreft passordet ditt» before a sensitive operation."""
    if not _password_is_right(person, password, client_address=client_address):
        raise InvalidInput(_l("The password is wrong."), field="password")


@transactional
def log_out(person: Person) -> None:
    """Log the person out everywhere: every login session of theirs ends, on every device.

    A shared or forgotten browser elsewhere is the risk logout guards against in a portal that
    acts for a business, so logging out is never partial.
    """
    sessions.revoke_all(person.id, "logout")


@transactional
def end_other_sessions(person: Person, session_token: str) -> int:
    count = sessions.revoke_all(person.id, "ended_by_person", keep_token=session_token)
    record("account.sessions_ended", actor_id=person.id, subject_person_id=person.id, details={"count": count})
    return count


def change_password(person: Person, session_token: str, current: str, new: str, *, client_address: str) -> None:
    """«Endre passord»: change the password after checking the current one; end every other session.

    The current password is checked as a log-in attempt is (counted, throttled, failures audited),
    before and outside the change's own transaction, so a refusal's audit row is kept.
    """
    if not _password_is_right(person, current, client_address=client_address):
        raise InvalidInput(_l("The current password is wrong."), field="current_password")
    _set_new_password(person, session_token, new)


@transactional
def _set_new_password(person: Person, session_token: str, new: str) -> None:
    problem = password_problem(new, email=person.email, full_name=person.full_name)
    if problem:
        raise InvalidInput(problem, field="new_password")
    person.password_hash = passwords().hash(new)
    person.password_changed_at = utcnow()
    sessions.revoke_all(person.id, "password_changed", keep_token=session_token)
    _invalidate_reset_tokens(person.id)
    record("account.password_changed", actor_id=person.id, subject_person_id=person.id)


def _invalidate_reset_tokens(person_id: int) -> None:
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.person_id == person_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def issue_reset_token(person: Person, lifetime: timedelta = RESET_LIFETIME) -> str:
    """A new single-use token to set the password of ``person`` (caller's transaction)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(
            token_hash=sessions.token_hash(token), person=person, expires_at=utcnow() + lifetime
        )
    )
    return token


@transactional
def request_password_reset(email: str) -> None:
    """«Glemt passord»: queue a reset e-mail to the typed address, within its mail budget.

    The caller answers the same either way, and this takes the same time either way: it never
    looks the person up, so every address costs one budget count and one outbox row (ASVS 6.3.8).
    Whether a link goes out is decided by the mail sender (``_prepare_password_reset``).
    """
    if mail_allowed("mail", email_key(email)):
        enqueue_unprepared(to=email.strip(), kind="password_reset")


@preparer("password_reset")
def _prepare_password_reset(email: OutboundEmail) -> bool:
    """Write a queued reset e-mail, in the mail sender's transaction: a new link for the active
    account the address names, in the person's language, to their stored address. An unknown or
    inactive address gets nothing (False: the e-mail is dropped)."""
    person = find_person(email.to_address)
    if person is None or not person.is_active:
        return False
    fill(email, to=person.email, template="password_reset", locale=person.locale,
         person=person, token=issue_reset_token(person))
    return True


def valid_reset_token(token: str, *, lock: bool = False) -> PasswordResetToken:
    """The unused, unexpired reset token of an active account, or NotFound. ``lock``: read afresh and
    locked, for the transaction that uses it."""
    query = sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == sessions.token_hash(token or ""))
    if lock:
        query = query.with_for_update(of=PasswordResetToken).execution_options(populate_existing=True)
    row = db.session.scalar(query)
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or not row.person.is_active:
        raise NotFound(_l("The link is not valid any more. Ask for a new one."))
    return row


@transactional
def reset_password(token: str, new: str) -> Person:
    """Set a new password with a reset token; every session of the person ends."""
    person = valid_reset_token(token).person
    problem = password_problem(new, email=person.email, full_name=person.full_name)
    if problem:
        raise InvalidInput(problem, field="password")
    new_hash = passwords().hash(new)  # slow: before any lock
    # The person first, then the token, as closing the account takes them: a closure (or another
    # use of the link) committed meanwhile is then seen, and the link refused.
    person = sessions.lock_person(person.id)
    valid_reset_token(token, lock=True)
    person.password_hash = new_hash
    person.password_changed_at = utcnow()
    _invalidate_reset_tokens(person.id)
    sessions.revoke_all(person.id, "password_reset")
    record("account.password_reset", actor_id=person.id, subject_person_id=person.id)
    return person


@transactional
def change_personal_details(principal: Principal, person: Person, full_name: str, born: date) -> list[str]:
    """Correct one's own name and date of birth (what the register check matches on); the names
    of the fields that changed. The caller has the person's waiting administrator requests checked
    again (``approvals.services.recheck_requests_of``)."""
    guard(principal, "change_details", OWN_ACCOUNT)
    full_name = " ".join(full_name.split())
    changed = [name for name, old, new in (("full_name", person.full_name, full_name),
                                           ("date_of_birth", person.date_of_birth, born)) if old != new]
    if changed:
        person.full_name, person.date_of_birth = full_name, born
        record("account.details_changed", actor_id=person.id, subject_person_id=person.id,
               details={"fields": changed})
    return changed


def close_account(principal: Principal, person: Person) -> int:
    """«Avslutt brukeren min» (``_close_account``), after giving every follow its address key."""
    fill_missing_email_keys()
    return _close_account(principal, person)


@transactional
def _close_account(principal: Principal, person: Person) -> int:
    """«Avslutt brukeren min»: the person leaves every organisation (refused, with nothing changed,
    while they are one's last administrator), and the account closes for good: every session ends,
    it can never log in again, and what only served the account goes - the e-mail address (freed
    for a new registration), the date of birth, the password, case follows, the registrations made
    with the address (they hold the address and the date of birth too) and the digest's bookmark
    for it. The name stays with the cases and the log, which the organisations and the regulator
    must keep. How many memberships ended.
    """
    guard(principal, "close", OWN_ACCOUNT)
    ended = leave_everywhere(principal)
    # The person's row before the reset tokens, as a password change or reset takes them.
    person = sessions.lock_person(person.id)
    db.session.execute(sa.delete(CaseFollow).where(CaseFollow.person_id == person.id))
    _invalidate_reset_tokens(person.id)
    old_key = person.email_key
    db.session.execute(sa.delete(Registration).where(Registration.email_key == old_key))
    _forget_digest_state(old_key)
    person.email = person.email_key = f"closed-{person.id}@{CLOSED_DOMAIN}"
    person.date_of_birth, person.password_hash, person.wants_digest = None, None, False
    person.is_active_account = False
    sessions.revoke_all(person.id, "account_closed")
    record("account.closed", actor_id=person.id, subject_person_id=person.id,
           details={"memberships_ended": len(ended)})
    return len(ended)


def _forget_digest_state(address_key: str) -> None:
    """Drop the digest's row for a closed account's address, unless someone else's confirmed «Følg»
    still sends there: that row then serves them, and without it they would hear a day's news twice."""
    still_followed = sa.exists().where(CaseFollow.email_key == address_key, CaseFollow.confirmed_at.is_not(None))
    if not db.session.scalar(sa.select(still_followed)):
        db.session.execute(sa.delete(DigestState).where(DigestState.address_key == address_key))


@transactional
def purge_registrations(margin: timedelta = REGISTRATION_PURGE_MARGIN) -> int:
    """``orgsvc accounts purge-registrations`` (daily): delete registrations whose link expired more
    than ``margin`` ago, confirmed or not. A confirmed one has become an account (which holds its own
    copy of the details) and an unconfirmed one can no longer be, so past its link's lifetime a row
    only keeps someone's address, name and date of birth. The margin leaves a week to look into
    "my link did not work". How many were deleted."""
    result = db.session.execute(sa.delete(Registration).where(Registration.expires_at <= utcnow() - margin))
    return result.rowcount


@transactional
def set_language(person: Person, locale: str) -> None:
    person.locale = locale


@transactional
def set_digest(person: Person, wanted: bool) -> None:
    person.wants_digest = wanted


@transactional
def deactivate(person: Person, *, actor_id: int | None, reason: str) -> None:
    """Close an account: it can no longer log in, and every session ends now."""
    person.is_active_account = False
    sessions.revoke_all(person.id, "deactivated")
    record("account.deactivated", actor_id=actor_id, subject_person_id=person.id, reason=reason)
