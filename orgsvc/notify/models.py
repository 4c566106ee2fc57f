"""Where the daily digest left off for each address."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from orgsvc.db import UTCDateTime, utcnow
from orgsvc.extensions import db


class DigestRun(db.Model):
    """One run of ``orgsvc notify digest``. Each run first seals every committed event that no run
    has taken yet into its batch (``case_event.digest_batch``), then sends from whole batches.

    Why batches and not "events after the last id sent": ids are handed out when a transaction
    inserts, not when it commits, so an event with a lower id can commit after a run has read a
    higher one, and a high-water mark on ids would skip it for good. An event only joins a batch
    once committed (the sealing UPDATE cannot see it before), so it lands in this run or the next.
    """

    __tablename__ = "digest_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestState(db.Model):
    """One row per e-mail address that receives digests: the last batch it was told about, and
    the (Norwegian) day of the last digest, so there is at most one a day."""

    __tablename__ = "digest_state"

    address_key: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    last_batch: Mapped[int | None] = mapped_column(sa.Integer)  # None: never sent to yet
    last_sent_on: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
