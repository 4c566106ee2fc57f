"""Who is asking: the person, their staff role and their live memberships, read per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from flask import g, has_request_context
from flask_login import current_user

from orgsvc.cases.models import CaseRepresentative
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import LIVE_STATUSES, MemberRole, Membership, MembershipStatus

# The persona a membership gives in its organisation (see policies/policy.csv).
MEMBERSHIP_PERSONAS = {
    (MemberRole.ADMINISTRATOR, MembershipStatus.ACTIVE): "administrator",
    (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING): "pending_administrator",
    (MemberRole.USER, MembershipStatus.ACTIVE): "user",
    (MemberRole.USER, MembershipStatus.PENDING): "pending_user",
}
GLOBAL_PERSONAS = ("anonymous", "person", "caseworker", "regulator_admin", "intake_system")
PERSONAS = GLOBAL_PERSONAS + tuple(MEMBERSHIP_PERSONAS.values())


@dataclass(frozen=True)
class Grant:
    """A live membership as the access layer sees it."""

    membership_id: int
    organisation_id: int
    role: MemberRole
    status: MembershipStatus

    @property
    def persona(self) -> str:
        return MEMBERSHIP_PERSONAS[(self.role, self.status)]


@dataclass(frozen=True)
class Principal:
    """The asking party for one request. Immutable: reload it after changing memberships."""

    person_id: int | None
    staff_role: str | None = None
    grants: dict[int, Grant] = field(default_factory=dict)
    # An API client of the regulator's own systems (no person): its name, for the audit log.
    system: str | None = None
    # For the case named when loading (a case page's): the organisations the person represents in
    # it, read with the grants. Other cases are looked up when a condition asks.
    representing: Mapping[int, frozenset[int]] = field(default_factory=dict)

    @property
    def is_anonymous(self) -> bool:
        return self.person_id is None and self.system is None

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None

    @property
    def global_personas(self) -> tuple[str, ...]:
        if self.system:
            return ("intake_system",)
        if self.is_anonymous:
            return ("anonymous",)
        if self.staff_role:
            return (self.staff_role,)
        return ("person",)

    def grant_in(self, organisation_id: int | None) -> Grant | None:
        return self.grants.get(organisation_id) if organisation_id is not None else None

    def personas_toward(self, organisation_ids) -> list[tuple[str, int | None]]:
        """(persona, via organisation) pairs that apply to a resource of ``organisation_ids``."""
        pairs: list[tuple[str, int | None]] = [(persona, None) for persona in self.global_personas]
        for organisation_id in organisation_ids:
            grant = self.grants.get(organisation_id)
            if grant is not None:
                pairs.append((grant.persona, organisation_id))
        return pairs

    def all_personas(self, within_org: int | None = None) -> list[tuple[str, int | None]]:
        """Every (persona, via organisation) pair, optionally only those through ``within_org``."""
        organisation_ids = self.grants.keys() if within_org is None else [within_org]
        return self.personas_toward(organisation_ids)


ANONYMOUS = Principal(person_id=None)


# Every request and every detail check reads the grants. Built once, and of the table's columns
# (plain rows, no ORM) where no objects are wanted: SQLAlchemy's cost of building a statement,
# deriving its cache key and running the ORM is several times the database's cost of answering it.
_MEMBERSHIP = Membership.__table__.c
_REPRESENTATION = CaseRepresentative.__table__.c


@cache
def _grants_query(*, with_organisations: bool, for_case: bool) -> sa.Select:
    """The live grants; with their organisations (for the page header), and with whether the person
    represents each grant's organisation in one case (for that case's page: its checks then need
    no second round trip)."""
    query = sa.select(_MEMBERSHIP.id, _MEMBERSHIP.organisation_id, _MEMBERSHIP.role, _MEMBERSHIP.status).where(
        _MEMBERSHIP.person_id == sa.bindparam("person_id"), _MEMBERSHIP.status.in_(LIVE_STATUSES))
    if for_case:
        query = query.add_columns(sa.exists().where(
            _REPRESENTATION.case_id == sa.bindparam("case_id"), _REPRESENTATION.person_id == _MEMBERSHIP.person_id,
            _REPRESENTATION.organisation_id == _MEMBERSHIP.organisation_id).label("represents"))
    if with_organisations:
        query = query.add_columns(Organisation).join(Organisation, Organisation.id == _MEMBERSHIP.organisation_id)
    return query


def load_principal(person, *, case_id: int | None = None) -> Principal:
    """Read the person's live memberships and staff role from the database (the source of truth);
    with ``case_id``, also whom they represent in that case, in the same query."""
    return _load(person, with_organisations=False, case_id=case_id)[0]


def _load(person, *, with_organisations: bool, case_id: int | None = None) -> tuple[Principal, list[Organisation]]:
    """The principal and, if asked, the organisations of its memberships in the same query: every
    page's header names them, and held for the request they stay in the session's identity map,
    where ``db.session.get`` finds them without another round trip."""
    if person is None or not getattr(person, "is_authenticated", False):
        return ANONYMOUS, []
    query = _grants_query(with_organisations=with_organisations, for_case=case_id is not None)
    rows = db.session.execute(query, {"person_id": person.id, "case_id": case_id}).all()
    grants = {row.organisation_id: Grant(row.id, row.organisation_id, row.role, row.status) for row in rows}
    representing = {} if case_id is None else {
        case_id: frozenset(row.organisation_id for row in rows if row.represents)}
    staff = person.staff_role
    staff_role = str(staff.role) if staff is not None and staff.is_active else None
    principal = Principal(person_id=person.id, staff_role=staff_role, grants=grants, representing=representing)
    return principal, [row.Organisation for row in rows] if with_organisations else []


def reloaded(principal: Principal) -> Principal:
    """The same person's principal read again: for checks repeated under a lock, when a
    concurrent change may have taken a role away since the request began."""
    if principal.person_id is None:  # a visitor, or the regulator's systems (no memberships)
        return principal
    from orgsvc.accounts.models import Person

    return load_principal(db.session.get(Person, principal.person_id))


def current_principal(*, case_id: int | None = None) -> Principal:
    """The principal of the current request, loaded once per request. A case's page names the
    case, so that the first load also reads whom the person represents in it."""
    if not has_request_context():
        raise RuntimeError("current_principal() needs a request; services take a Principal argument")
    principal = g.get("principal")
    if principal is None:
        # The session's identity map holds objects weakly: the request keeps the organisations.
        principal, g.principal_organisations = _load(current_user, with_organisations=True, case_id=case_id)
        g.principal = principal
    return principal


def forget_current_principal() -> None:
    """Drop the cached principal (after this request changed the person's memberships)."""
    g.pop("principal", None)
    g.pop("principal_organisations", None)
    g.pop("current_grant", None)
