"""The outbox: each e-mail is a row before it is a message on the wire."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from orgsvc.db import UTCDateTime, str_enum, utcnow
from orgsvc.extensions import db


class EmailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (another) delivery attempt
    SENDING = "sending"  # claimed by a sender; a crash leaves it here until the claim lapses
    SENT = "sent"
    DEAD = "dead"  # gave up after repeated failures; operators see these


class OutboundEmail(db.Model):
    __tablename__ = "outbound_email"
    __table_args__ = (sa.Index("ix_outbound_email_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(40))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    extra_headers: Mapped[dict | None] = mapped_column(sa.JSON)
    # Fixed at enqueue time, so a retried message is recognisably the same message.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # Set for messages that must exist at most once (e.g. one digest per address and day).
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    status: Mapped[EmailStatus] = mapped_column(str_enum(EmailStatus, "email_status"), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
