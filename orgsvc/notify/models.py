"""Where the daily digest left off for each address."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from orgsvc.db import UTCDateTime, utcnow
from orgsvc.extensions import db


class DigestState(db.Model):
    """One row per e-mail address that receives digests: the last event it was told about, and
    the (Norwegian) day of the last digest, so there is at most one a day."""

    __tablename__ = "digest_state"

    address_key: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    last_event_id: Mapped[int | None] = mapped_column(sa.BigInteger)  # None: never sent to yet
    last_sent_on: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
