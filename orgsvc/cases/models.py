"""Cases and what belongs to them. History is kept: nothing here is deleted by the service."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from orgsvc.accounts.models import email_key
from orgsvc.db import UTCDateTime, str_enum, utcnow
from orgsvc.extensions import db


class CaseKind(enum.StrEnum):
    MEDIATION = "mediation"  # meklingssak
    TIP = "tip"  # innsendt tips
    GUIDANCE = "guidance"  # veiledning


class CaseStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # innsendt
    IN_PROGRESS = "in_progress"  # under behandling
    CLOSED = "closed"  # avsluttet
    WITHDRAWN = "withdrawn"  # trukket


OPEN_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS)
# As in the sister portal: one can write to the caseworker from «innsendt» to «avsluttet».
MESSAGEABLE_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS, CaseStatus.CLOSED)


class Case(db.Model):
    __tablename__ = "case_file"  # "case" is an SQL keyword
    __table_args__ = (
        sa.CheckConstraint("submitter_org_id IS NOT NULL OR submitter_consumer IS NOT NULL", name="has_submitter"),
        # Only a mediation has a counterparty: a business named in a tip or a question for guidance
        # is not a party, and must never see the case (the parties' access follows these columns).
        sa.CheckConstraint("kind = 'mediation' OR (counterparty_org_id IS NULL AND counterparty_consumer IS NULL)",
                           name="counterparty_only_in_mediation"),
        sa.Index("ix_case_submitter_list", "submitter_org_id", "kind", "last_activity_at"),
        sa.Index("ix_case_counterparty_list", "counterparty_org_id", "kind", "last_activity_at"),
        sa.Index("ix_case_kind_status", "kind", "status", "last_activity_at"),
        sa.Index("ix_case_caseworker", "caseworker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, "case_kind"))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "case_status"), default=CaseStatus.SUBMITTED)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # The parties: each an organisation or a named consumer.
    submitter_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="RESTRICT"))
    submitter_consumer: Mapped[str | None] = mapped_column(sa.String(200))
    counterparty_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="RESTRICT"))
    counterparty_consumer: Mapped[str | None] = mapped_column(sa.String(200))
    caseworker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    created_via: Mapped[str] = mapped_column(sa.String(10), default="portal")  # portal | api
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)

    submitter_org = relationship("Organisation", foreign_keys=[submitter_org_id])
    counterparty_org = relationship("Organisation", foreign_keys=[counterparty_org_id])
    caseworker = relationship("Person", foreign_keys=[caseworker_id])

    @property
    def party_org_ids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(i for i in (self.submitter_org_id, self.counterparty_org_id) if i is not None))

    @property
    def logged_org_id(self) -> int | None:
        """The organisation a case's log entries are filed under: the submitting one, or for a
        consumer's complaint the business it is about (so filtering the log by it finds them)."""
        return self.submitter_org_id or self.counterparty_org_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Case {self.number}>"


class CaseRepresentative(db.Model):
    """A person who represents an organisation in a case (what lets a «bruker» see it)."""

    __tablename__ = "case_representative"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "person_id", "organisation_id"),
        sa.Index("ix_case_representative_person", "person_id", "organisation_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", foreign_keys=[person_id])
    case = relationship("Case")


class CaseDocument(db.Model):
    """An uploaded file. Stored under a generated name; the original name is only metadata."""

    __tablename__ = "case_document"
    __table_args__ = (sa.Index("ix_case_document_case", "case_id", "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    original_name: Mapped[str] = mapped_column(sa.String(260))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    uploaded_via: Mapped[str] = mapped_column(sa.String(10), default="portal")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by = relationship("Person")
    case = relationship("Case")


class CaseMessage(db.Model):
    """«Kontakt oss»: a message between one side of a case and the regulator.

    ``organisation_id`` is the side the thread belongs to: only that organisation (and the
    regulator) sees it, as in the sister portal where a message is first seen by its sender only.
    """

    __tablename__ = "case_message"
    __table_args__ = (sa.Index("ix_case_message_case", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    from_regulator: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    in_reply_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_message.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sender = relationship("Person", foreign_keys=[sender_id])
    recipient = relationship("Person", foreign_keys=[recipient_id])
    case = relationship("Case")


class CaseEvent(db.Model):
    """What happened in a case: the history tab, and the daily digest's source."""

    __tablename__ = "case_event"
    __table_args__ = (sa.Index("ix_case_event_case", "case_id", "occurred_at"),
                      sa.Index("ix_case_event_time", "occurred_at"),
                      sa.Index("ix_case_event_digest_batch", "digest_batch"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Set for events that belong to one side only (its messages); None: every party may see it.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    # The digest run that took this event (orgsvc.notify.models.DigestRun); None: not yet taken.
    digest_batch: Mapped[int | None] = mapped_column(sa.Integer)

    actor = relationship("Person")
    case = relationship("Case")


class CaseFollow(db.Model):
    """«Følg»: news of a case to an address of the person's choice (confirmed before use)."""

    __tablename__ = "case_follow"
    __table_args__ = (sa.UniqueConstraint("case_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    # The address as compared (``email_key``), set with ``email``: unsubscribing and closing an
    # account find an address's follows by it. NULL only in rows the release before 0016 wrote while
    # a deploy was under way (``follow.fill_missing_email_keys``); a later revision makes it required.
    email_key: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # When the confirmation link stops working; set with token_hash, cleared with it.
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case")
    person = relationship("Person")

    @validates("email")
    def _keep_email_key(self, _key: str, address: str) -> str:
        self.email_key = email_key(address)
        return address
