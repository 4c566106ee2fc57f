"""``orgsvc demo``: fictional organisations and persons to try the service with.

Nothing here runs unless an operator asks for it, and never in production. Every run gives the
demo accounts new random passwords and prints them, so no known password exists otherwise.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from orgsvc.accounts.models import Person, email_key
from orgsvc.accounts.passwords import passwords
from orgsvc.cases.models import Case, CaseKind, CaseRepresentative, CaseStatus
from orgsvc.cases.services import add_event, case_number, pending_number
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.registry.bulk import finish_import, import_file
from orgsvc.registry.cli import SAMPLE_DIR
from orgsvc.registry.models import RegisterEntity
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from orgsvc.staff.models import StaffMember, StaffRole
from orgsvc.transactions import transactional

# Fictional entities from the sample register (orgsvc/registry/sample), numbers in the 31x range
# Brønnøysund uses for synthetic test data.
DEMO_ORGANISATIONS = {
    "310000019": ("NORDLYS ELEKTRONIKK AS", "AS", OrganisationStatus.APPROVED),
    "310000027": ("BAKERIET PÅ HJØRNET AS", "AS", OrganisationStatus.PENDING),
    "310000035": ("FJELLSPORT ØST AS", "AS", OrganisationStatus.APPROVED),
}


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    born: date | None
    staff: StaffRole | None = None
    orgnr: str | None = None
    role: MemberRole | None = None
    status: MembershipStatus | None = None


DEMO_PEOPLE = (
    DemoPerson("saksbehandler@forbrukertilsynet.example", "Siri Saksbehandler", None, StaffRole.CASEWORKER),
    DemoPerson("leder@forbrukertilsynet.example", "Rune Regulator", None, StaffRole.REGULATOR_ADMIN),
    DemoPerson("ola.nordmann@nordlys.example", "Ola Nordmann", date(1975, 3, 14), None, "310000019",
               MemberRole.ADMINISTRATOR, MembershipStatus.ACTIVE),
    DemoPerson("kari.hansen@nordlys.example", "Kari Hansen", date(1988, 11, 2), None, "310000019",
               MemberRole.USER, MembershipStatus.ACTIVE),
    DemoPerson("per.olsen@nordlys.example", "Per Olsen", date(1993, 6, 21), None, "310000019",
               MemberRole.USER, MembershipStatus.PENDING),
    DemoPerson("ingrid.berg@bakeriet.example", "Ingrid Berg", date(1969, 1, 30), None, "310000027",
               MemberRole.ADMINISTRATOR, MembershipStatus.PENDING),
    DemoPerson("turid.fjell@fjellsport.example", "Turid Fjell", date(1981, 8, 9), None, "310000035",
               MemberRole.ADMINISTRATOR, MembershipStatus.ACTIVE),
    DemoPerson("lars.dahl@example.com", "Lars Dahl", date(1990, 5, 5)),
)


def _organisation(orgnr: str) -> Organisation:
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.orgnr == orgnr))
    if organisation is None:
        name, form, status = DEMO_ORGANISATIONS[orgnr]
        organisation = Organisation(orgnr=orgnr, name=name, form=form, status=status, register_checked_at=utcnow(),
                                    approved_at=utcnow() if status == OrganisationStatus.APPROVED else None)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _person(spec: DemoPerson, password: str) -> Person:
    person = db.session.scalar(sa.select(Person).where(Person.email_key == email_key(spec.email)))
    if person is None:
        person = Person(email=spec.email, email_key=email_key(spec.email), full_name=spec.name,
                        date_of_birth=spec.born, locale="nb")
        if spec.staff:
            person.staff_role = StaffMember(role=spec.staff)
        db.session.add(person)
        db.session.flush()
    person.password_hash = passwords().hash(password)
    person.password_changed_at = utcnow()
    person.is_active_account = True
    return person


def _membership(person: Person, spec: DemoPerson) -> None:
    organisation = _organisation(spec.orgnr)
    exists = db.session.scalar(
        sa.select(Membership).where(Membership.person_id == person.id, Membership.organisation_id == organisation.id)
    )
    if exists is None:
        decided = spec.status == MembershipStatus.ACTIVE
        db.session.add(Membership(person=person, organisation=organisation, role=spec.role, status=spec.status,
                                  decided_at=utcnow() if decided else None))


DEMO_CASES = (
    # kind, title, submitter orgnr or consumer, counterparty orgnr or consumer, status, representatives
    (CaseKind.MEDIATION, "Reklamasjon på levert varmepumpe", "310000019", "310000035", CaseStatus.IN_PROGRESS,
     ("kari.hansen@nordlys.example",)),
    (CaseKind.TIP, "Villedende «gratis frakt»-reklame", "310000019", None, CaseStatus.SUBMITTED, ()),
    (CaseKind.GUIDANCE, "Spørsmål om angrerett ved netthandel", "310000019", None, CaseStatus.CLOSED,
     ("kari.hansen@nordlys.example",)),
    (CaseKind.MEDIATION, "Kunde klager på forsinket levering", "Kari Forbruker", "310000019", CaseStatus.SUBMITTED,
     ()),
)


def _party(value: str | None) -> dict:
    if value is None:
        return {}
    if value.isdigit():
        return {"org_id": _organisation(value).id}
    return {"consumer": value}


def _demo_cases() -> None:
    caseworker_key = email_key(DEMO_PEOPLE[0].email)
    caseworker = db.session.scalar(sa.select(Person).where(Person.email_key == caseworker_key))
    for kind, title, submitter, counterparty, status, representatives in DEMO_CASES:
        if db.session.scalar(sa.select(Case).where(Case.title == title)) is not None:
            continue
        who, against = _party(submitter), _party(counterparty)
        case = Case(number=pending_number(), kind=kind, status=status, title=title,
                    description="Fiktiv sak til demonstrasjon.", submitter_org_id=who.get("org_id"),
                    submitter_consumer=who.get("consumer"), counterparty_org_id=against.get("org_id"),
                    counterparty_consumer=against.get("consumer"), caseworker_id=caseworker.id,
                    created_via="portal" if "org_id" in who else "api")
        db.session.add(case)
        db.session.flush()
        case.number = case_number(case)
        add_event(case, "created", None)
        for email in representatives:
            person = db.session.scalar(sa.select(Person).where(Person.email_key == email))
            db.session.add(CaseRepresentative(case_id=case.id, person_id=person.id, organisation_id=who["org_id"]))


@transactional
def load_demo() -> list[tuple[DemoPerson, str]]:
    """Create (or refresh) the demo world; return each demo person with a fresh password."""
    logins = []
    for orgnr in DEMO_ORGANISATIONS:
        _organisation(orgnr)
    for spec in DEMO_PEOPLE:
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        person = _person(spec, password)
        if spec.orgnr:
            _membership(person, spec)
        logins.append((spec, password))
    db.session.flush()
    _demo_cases()
    return logins


def _check_pending_administrators() -> None:
    """The register check a real registration runs, for the demo's waiting administrators, so the
    regulator's queue shows its evidence (each check in its own transaction, as the service does)."""
    from orgsvc.approvals.models import RegisterCheck
    from orgsvc.approvals.services import run_register_check

    unchecked = db.session.scalars(sa.select(Membership.id).where(
        Membership.role == MemberRole.ADMINISTRATOR, Membership.status == MembershipStatus.PENDING,
        ~sa.exists().where(RegisterCheck.membership_id == Membership.id))).all()
    for membership_id in unchecked:
        run_register_check(membership_id)


@click.command("demo")
@with_appcontext
def demo_command():
    """Create fictional organisations and persons and print their logins."""
    if current_app.config["ORGSVC_ENV"] == "production":
        raise click.ClickException("demo data is never loaded in production")
    if current_app.config["ORGSVC_REGISTRY"] == "local" and db.session.get(RegisterEntity, "310000019") is None:
        click.echo("Importing the sample register (orgsvc/registry/sample) into the local register.")
        for path in sorted(SAMPLE_DIR.glob("*.json")):
            import_file(path)
        finish_import()
    logins = load_demo()
    _check_pending_administrators()
    click.echo("Demo logins (new passwords on every run):")
    for spec, password in logins:
        what = spec.staff.value if spec.staff else (
            f"{spec.role.value}/{spec.status.value} of {DEMO_ORGANISATIONS[spec.orgnr][0]}" if spec.orgnr
            else "no organisation yet")
        click.echo(f"  {spec.email:42} {password}   {spec.name} - {what}")
