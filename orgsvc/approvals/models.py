"""The register evidence behind a request to become an organisation's administrator."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orgsvc.db import UTCDateTime, str_enum, utcnow
from orgsvc.extensions import db
from orgsvc.registry.check import Outcome


class RegisterCheck(db.Model):
    """What Enhetsregisteret said about the requester (kept with the request, shown to the regulator).

    A check the register could not answer stays ``pending`` and is retried by
    ``orgsvc registry recheck``; the request itself is never lost.
    """

    __tablename__ = "register_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey("membership.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "register_check_outcome"), default=Outcome.PENDING)
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    role_code: Mapped[str | None] = mapped_column(sa.String(10))
    role_description: Mapped[str | None] = mapped_column(sa.String(200))
    register_name: Mapped[str | None] = mapped_column(sa.String(500))
    other_roles: Mapped[list | None] = mapped_column(sa.JSON)
    entity_status: Mapped[str | None] = mapped_column(sa.String(20))
    # What the register said the organisation is under (types.Proceeding values): konkurs and the like.
    entity_proceedings: Mapped[list | None] = mapped_column(sa.JSON)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership = relationship("Membership", backref=sa.orm.backref("register_check", uselist=False))
