"""Clients of the intake API: each holds a revocable token (only its hash is stored)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from orgsvc.db import UTCDateTime, utcnow
from orgsvc.extensions import db


class ApiClient(db.Model):
    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiRequestKey(db.Model):
    """An ``Idempotency-Key`` a client sent with a creating request, and what that request created.

    Written in the transaction that creates the case or document, so the key and what it names
    commit together; a second request with the key finds it and is answered with the same object.
    """

    __tablename__ = "api_request_key"

    client_id: Mapped[int] = mapped_column(sa.ForeignKey("api_client.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    # SHA-256 of what the request asked for: the same key with another request is refused (422).
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_document.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
