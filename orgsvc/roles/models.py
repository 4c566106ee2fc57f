"""Memberships are the single source of truth for who holds which role in which organisation."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orgsvc.db import UTCDateTime, str_enum, utcnow
from orgsvc.extensions import db


class MemberRole(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    USER = "user"


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the regulator (administrator) or an administrator (user)
    ACTIVE = "active"
    REJECTED = "rejected"
    REMOVED = "removed"  # ended by an administrator, or left by the person
    EXPIRED = "expired"  # a pending request nobody decided in time


LIVE_STATUSES = (MembershipStatus.PENDING, MembershipStatus.ACTIVE)
_LIVE_SQL = "status IN ('pending', 'active')"
_PENDING_ADMIN_SQL = "role = 'administrator' AND status = 'pending'"


class Membership(db.Model):
    """A person's tie to an organisation. Ended ties stay as history; a new request is a new row."""

    __tablename__ = "membership"
    __table_args__ = (
        # At most one live (pending or active) membership per person and organisation.
        sa.Index(
            "uq_membership_live",
            "person_id",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text(_LIVE_SQL),
            postgresql_where=sa.text(_LIVE_SQL),
        ),
        # At most one administrator awaiting the regulator per organisation: the database's
        # backstop for "the first registrant becomes administrator" under concurrency.
        sa.Index(
            "uq_membership_pending_admin",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text(_PENDING_ADMIN_SQL),
            postgresql_where=sa.text(_PENDING_ADMIN_SQL),
        ),
        sa.Index("ix_membership_org_status_role", "organisation_id", "status", "role"),
        sa.Index("ix_membership_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole, "member_role"))
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status"), default=MembershipStatus.PENDING
    )
    request_note: Mapped[str | None] = mapped_column(sa.Text)  # why the person asks (shown to the approver)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.Text)
    # A user's «Søk om å bli administrator» ends their user tie and asks anew: the tie it replaced,
    # shown to the regulator with the request.
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))

    person = relationship("Person", foreign_keys=[person_id])
    replaces = relationship("Membership", remote_side=[id])
    organisation = relationship("Organisation")
    decided_by = relationship("Person", foreign_keys=[decided_by_id])
    ended_by = relationship("Person", foreign_keys=[ended_by_id])

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Membership {self.person_id}@{self.organisation_id} {self.role}/{self.status}>"
