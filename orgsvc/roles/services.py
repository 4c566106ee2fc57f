"""Membership queries and decisions. Decisions are transactions; queries go through access."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from orgsvc.access import Principal, visible
from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from orgsvc.roles.models import Membership, MembershipStatus

STATUS_ORDER = sa.case(
    {MembershipStatus.PENDING.value: 0, MembershipStatus.ACTIVE.value: 1},
    value=Membership.status,
    else_=2,
)


def members(principal: Principal, organisation_id: int) -> list[Membership]:
    """The memberships of an organisation that ``principal`` may see: pending first, then active,
    then history."""
    query = (
        sa.select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .options(joinedload(Membership.person))
        .where(
            Membership.organisation_id == organisation_id,
            visible(principal, "membership", within_org=organisation_id),
        )
        .order_by(STATUS_ORDER, Person.full_name, Membership.id.desc())
    )
    return list(db.session.scalars(query))
