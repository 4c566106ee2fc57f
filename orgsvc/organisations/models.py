"""The organisation as orgsvc knows it (a copy of its register identity plus our own status)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from orgsvc.db import UTCDateTime, str_enum, utcnow
from orgsvc.extensions import db


class OrganisationStatus(enum.StrEnum):
    PENDING = "pending"  # no administrator approved by the regulator yet
    APPROVED = "approved"  # the regulator has approved an administrator
    CLOSED = "closed"  # deleted or removed in the register; kept for its history


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    orgnr: Mapped[str] = mapped_column(sa.String(9), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    form: Mapped[str | None] = mapped_column(sa.String(10))  # organisasjonsform code, e.g. AS
    status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus, "organisation_status"), default=OrganisationStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When Enhetsregisteret last confirmed the organisation (a live main entity). None: added while
    # the register could not answer; `orgsvc registry recheck` confirms it later.
    register_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Organisation {self.orgnr}>"
