"""Persons and the records that authenticate them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orgsvc.db import UTCDateTime, utcnow
from orgsvc.extensions import db


def email_key(email: str) -> str:
    """The form of an e-mail address we compare on: trimmed and case-folded."""
    return email.strip().casefold()


class Person(UserMixin, db.Model):
    """A user account: a business representative or a member of the regulator's staff."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    # Unique case-insensitively: the address as given is kept for display and sending.
    email_key: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # Needed to match the person against Enhetsregisteret's role holders (which carry no id number).
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nb")
    # The daily e-mail of news in the cases the person represents the organisation in.
    wants_digest: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    is_active_account: Mapped[bool] = mapped_column("is_active", sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff_role = relationship("StaffMember", uselist=False, back_populates="person", lazy="joined")

    # Set when the person is loaded for a request: the raw token of the login session in use.
    current_session_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot log in
        return bool(self.is_active_account)

    def get_id(self) -> str | None:
        # Flask-Login "alternative tokens": the session cookie identifies a revocable login
        # session, never the person directly.
        return self.current_session_token

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None and self.staff_role.is_active

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class LoginSession(db.Model):
    """One signed-in browser. Revoking the row ends that session on its next request."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only a hash of the token is stored, so a database leak does not leak live sessions.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(40))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class PasswordResetToken(db.Model):
    """A single-use, short-lived token sent by e-mail to set a new password."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class Registration(db.Model):
    """A registration waiting for its e-mail address to be confirmed.

    The account is created only when the link is followed, and the password is chosen then, by
    whoever holds the mailbox: nobody can pre-register someone else's address with a password of
    their own. (``password_hash`` is left empty; rows from before this rule may still hold one,
    which is never used.)
    """

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    date_of_birth: Mapped[date] = mapped_column(sa.Date)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nb")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
