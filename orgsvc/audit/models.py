"""Append-only audit events."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orgsvc.db import UTCDateTime, utcnow
from orgsvc.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_org_time", "organisation_id", "occurred_at"),
        sa.Index("ix_audit_event_time", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Persons and organisations are referenced without foreign keys: the log outlives them.
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(16), default="ok")  # ok | denied
    organisation_id: Mapped[int | None] = mapped_column(sa.Integer)
    subject_person_id: Mapped[int | None] = mapped_column(sa.Integer)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    request_id: Mapped[str | None] = mapped_column(sa.String(32))

    actor = relationship("Person", primaryjoin="foreign(AuditEvent.actor_id) == Person.id", viewonly=True)
    organisation = relationship(
        "Organisation", primaryjoin="foreign(AuditEvent.organisation_id) == Organisation.id", viewonly=True
    )
    subject = relationship(
        "Person", primaryjoin="foreign(AuditEvent.subject_person_id) == Person.id", viewonly=True
    )
