"""Inbox messages and who has read them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from orgsvc.db import UTCDateTime, utcnow
from orgsvc.extensions import db


class InboxMessage(db.Model):
    """A message to exactly one person or one organisation.

    Messages to an organisation are seen by whoever is its active administrator when reading, so
    a new administrator finds the organisation's history and a removed one loses it.
    """

    __tablename__ = "inbox_message"
    __table_args__ = (
        sa.CheckConstraint(
            "(recipient_person_id IS NULL) <> (recipient_organisation_id IS NULL)", name="one_recipient"
        ),
        sa.Index("ix_inbox_message_person", "recipient_person_id", "created_at"),
        sa.Index("ix_inbox_message_organisation", "recipient_organisation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    recipient_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE")
    )
    # What happened; the text is rendered from kind and params in the reader's language.
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str | None] = mapped_column(sa.String(255))  # a path inside orgsvc, e.g. /organisation/members
    # The organisation the message is about (also for messages to a person).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    membership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("membership.id", ondelete="SET NULL"))


class InboxReadState(db.Model):
    """That a person has read a message. No row: unread (so "mark as unread" deletes it)."""

    __tablename__ = "inbox_read_state"

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inbox_message.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
