"""Login sessions kept on the server, so any of them can be ended at once.

The browser's signed cookie carries only a random token; the database keeps its hash. Logging
out, changing the password, being deactivated or ending "other sessions" revokes rows, and a
revoked, expired or idle session is refused on its next request in every process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from orgsvc.accounts.models import LoginSession, Person
from orgsvc.db import utcnow
from orgsvc.extensions import db

# Writing last_seen_at on every request would make every read a write; once a minute is enough
# for an idle timeout counted in minutes.
TOUCH_INTERVAL = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(person: Person, user_agent: str | None) -> str:
    """Create a login session for ``person`` (in the caller's transaction); return its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = timedelta(hours=current_app.config["ORGSVC_SESSION_HOURS"])
    db.session.add(
        LoginSession(
            token_hash=token_hash(token),
            person=person,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    person.current_session_token = token
    return token


# Every request of a signed-in person asks: built once (see orgsvc.db.BuiltStatements).
_BY_TOKEN_HASH = sa.select(LoginSession).where(LoginSession.token_hash == sa.bindparam("token_hash"))


def live_session(token: str | None) -> LoginSession | None:
    """The session for ``token`` if it is still valid, else None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(_BY_TOKEN_HASH, {"token_hash": token_hash(token)})
    if row is None or row.revoked_at is not None or not row.person.is_active:
        return None
    now = utcnow()
    idle_limit = timedelta(minutes=current_app.config["ORGSVC_SESSION_IDLE_MINUTES"])
    if now >= row.expires_at or now - row.last_seen_at >= idle_limit:
        return None
    return row


def load_person(token: str) -> Person | None:
    """Flask-Login's user loader: the person behind a live session token."""
    row = live_session(token)
    if row is None:
        return None
    if utcnow() - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = utcnow()
        db.session.commit()
    person = row.person
    person.current_session_token = token
    return person


def lock_person(person_id: int) -> Person:
    """The person read afresh and locked for the transaction. Opening a session and ending them all
    both take this lock, so a log-in whose password was checked before a reset or a deactivation
    either commits first (and its session is ended with the others) or sees the change and is refused.
    FOR NO KEY UPDATE: rows that merely refer to the person (an inbox message, a case event) need
    not wait for it."""
    return db.session.execute(sa.select(Person).where(Person.id == person_id)
                              .with_for_update(of=Person, key_share=True)
                              .execution_options(populate_existing=True)).scalar_one()


def revoke_all(person_id: int, reason: str, *, keep_token: str | None = None) -> int:
    """End every session of a person, except optionally the one with ``keep_token``."""
    lock_person(person_id)
    statement = sa.update(LoginSession).where(
        LoginSession.person_id == person_id, LoginSession.revoked_at.is_(None)
    )
    if keep_token:
        statement = statement.where(LoginSession.token_hash != token_hash(keep_token))
    result = db.session.execute(statement.values(revoked_at=utcnow(), revoked_reason=reason))
    return result.rowcount


def active_sessions(person_id: int) -> list[LoginSession]:
    """The person's sessions that have not been ended (for the account page)."""
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(LoginSession)
            .where(
                LoginSession.person_id == person_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > now,
            )
            .order_by(LoginSession.last_seen_at.desc())
        )
    )
