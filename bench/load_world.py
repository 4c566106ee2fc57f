"""The load test's world: many organisations, each with an administrator, users and cases whose
titles and names carry the organisation's marker, so any response can be checked for data that
belongs to another organisation (or, for a user, to a case they do not represent).

Markers: organisation names ``LASTORG 0042 AS``, person names ``Ansatt 3 LASTORG 0042``, seeded
case titles ``Sak LT-0042-007``, cases sent in through the API ``Inntak LT-0042-<8 hex>``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa

from bench.register_data import org_numbers
from orgsvc.accounts.models import Person, email_key
from orgsvc.accounts.passwords import passwords
from orgsvc.api.auth import create_client
from orgsvc.cases.models import Case, CaseDocument, CaseKind, CaseMessage, CaseRepresentative, CaseStatus
from orgsvc.cases.services import case_number, pending_number
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from orgsvc.staff.models import StaffMember, StaffRole
from orgsvc.transactions import transactional

ORG_NAME = re.compile(r"LASTORG (\d{4})")
CASE_MARK = re.compile(r"\bLT-(\d{4})-([0-9a-f]+)\b")


@dataclass
class Persona:
    email: str
    role: str  # administrator | user
    org: str  # the organisation's 4-digit marker
    case_ids: list[int] = field(default_factory=list)  # cases to open (all of the organisation's for admins)
    visible: list[str] = field(default_factory=list)  # case markers a user may see (admins: any of their org)


@dataclass
class LoadWorld:
    password: str
    api_token: str
    orgnrs: dict[str, str]  # marker -> orgnr
    personas: list[Persona]

    def to_json(self) -> dict:
        return asdict(self)


def seeded_title(org: int, number: int) -> str:
    return f"Sak LT-{org:04d}-{number:03d}"


def intake_title(org: str, key: str) -> str:
    return f"Inntak LT-{org}-{key}"


@transactional
def _populate(organisations: int, users: int, cases: int, password: str) -> tuple[list[Persona], dict[str, str]]:
    password_hash = passwords().hash(password)
    caseworker = _person("saksbehandler@last.example", "Siri Saksbehandler", password_hash)
    caseworker.staff_role = StaffMember(role=StaffRole.CASEWORKER)
    personas, orgnrs, numbers = [], {}, org_numbers(start=91000000)
    for index in range(organisations):
        marker = f"{index:04d}"
        organisation = Organisation(orgnr=next(numbers), name=f"LASTORG {marker} AS", form="AS",
                                    status=OrganisationStatus.APPROVED, register_checked_at=utcnow(),
                                    approved_at=utcnow())
        db.session.add(organisation)
        orgnrs[marker] = organisation.orgnr
        admin = _member(organisation, f"admin{marker}@last.example", f"Leder LASTORG {marker}", password_hash,
                        MemberRole.ADMINISTRATOR)
        staff = [_member(organisation, f"user{marker}-{k}@last.example", f"Ansatt {k} LASTORG {marker}",
                         password_hash, MemberRole.USER) for k in range(users)]
        db.session.flush()
        case_rows = [_case(organisation, caseworker, index, number) for number in range(cases)]
        db.session.flush()
        admin_persona = Persona(admin.email, "administrator", marker, [case.id for case in case_rows])
        personas.append(admin_persona)
        for k, person in enumerate(staff):
            mine = [case for number, case in enumerate(case_rows) if number % users == k]
            for case in mine:
                db.session.add(CaseRepresentative(case_id=case.id, person_id=person.id,
                                                  organisation_id=organisation.id))
            personas.append(Persona(person.email, "user", marker, [case.id for case in mine],
                                    [case.title.rsplit("-", 1)[1] for case in mine]))
    return personas, orgnrs


def _person(email: str, name: str, password_hash: str) -> Person:
    person = Person(email=email, email_key=email_key(email), full_name=name, locale="nb",
                    password_hash=password_hash, password_changed_at=utcnow(), is_active_account=True)
    db.session.add(person)
    return person


def _member(organisation: Organisation, email: str, name: str, password_hash: str, role: MemberRole) -> Person:
    person = _person(email, name, password_hash)
    db.session.add(Membership(person=person, organisation=organisation, role=role, status=MembershipStatus.ACTIVE,
                              decided_at=utcnow()))
    return person


def _case(organisation: Organisation, caseworker: Person, index: int, number: int) -> Case:
    case = Case(number=pending_number(), kind=CaseKind.MEDIATION, status=CaseStatus.IN_PROGRESS,
                title=seeded_title(index, number), description="Sak til lasttest.",
                submitter_org_id=organisation.id, counterparty_consumer="Kari Forbruker",
                caseworker_id=caseworker.id, created_via="portal")
    db.session.add(case)
    db.session.flush()
    case.number = case_number(case)
    return case


def build(organisations: int, users: int, cases: int, password: str) -> LoadWorld:
    """Populate the (empty, migrated) database of the current app context."""
    personas, orgnrs = _populate(organisations, users, cases, password)
    token = create_client("lasttest")
    return LoadWorld(password, token, orgnrs, personas)


def stored_writes() -> tuple[set[str], Counter[str]]:
    """Message keys, and how many cases each intake key made, in the database after the run."""
    bodies = db.session.scalars(sa.select(CaseMessage.body).where(CaseMessage.body.like("Melding %"))).all()
    titles = db.session.scalars(sa.select(Case.title).where(Case.title.like("Inntak LT-%"))).all()
    return {body.split()[1] for body in bodies}, Counter(title.rsplit("-", 1)[1] for title in titles)


def documents_named(name: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument)
                             .where(CaseDocument.original_name == name))
