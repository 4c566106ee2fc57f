"""The regulator's own people. Never self-registered."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orgsvc.db import UTCDateTime, str_enum, utcnow
from orgsvc.extensions import db


class StaffRole(enum.StrEnum):
    CASEWORKER = "caseworker"
    REGULATOR_ADMIN = "regulator_admin"


class StaffMember(db.Model):
    """Marks a person as regulator staff. Deactivated rows are kept for the record."""

    __tablename__ = "staff_member"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole, "staff_role"))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("Person", back_populates="staff_role")
