"""Creating, listing and deactivating regulator staff (operators only, from the command line)."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.accounts import sessions
from orgsvc.accounts.models import Person, email_key
from orgsvc.accounts.passwords import password_problem, passwords
from orgsvc.accounts.services import STAFF_INVITATION_LIFETIME, find_person, issue_reset_token
from orgsvc.audit.services import record
from orgsvc.cases.models import OPEN_STATUSES, Case
from orgsvc.db import utcnow
from orgsvc.errors import Conflict, InvalidInput, NotFound
from orgsvc.extensions import db
from orgsvc.mail.services import enqueue
from orgsvc.staff.models import StaffMember, StaffRole
from orgsvc.transactions import transactional


@transactional
def add_staff(email: str, full_name: str, role: StaffRole, password: str | None = None) -> Person:
    """Create a staff account. Without a password, e-mail a link to set one."""
    if find_person(email) is not None:
        raise Conflict(f"{email} already has an account; staff accounts are separate from business ones")
    full_name = " ".join(full_name.split())
    if not full_name:
        raise InvalidInput("the name is empty")
    if password is not None:
        problem = password_problem(password, email=email, full_name=full_name)
        if problem:
            raise InvalidInput(problem)
    person = Person(
        email=email.strip(),
        email_key=email_key(email),
        full_name=full_name,
        password_hash=passwords().hash(password) if password else None,
        password_changed_at=utcnow() if password else None,
        locale="nb",
    )
    person.staff_role = StaffMember(role=role)
    db.session.add(person)
    db.session.flush()
    if password is None:
        token = issue_reset_token(person, lifetime=STAFF_INVITATION_LIFETIME)
        enqueue(to=person.email, kind="staff_invitation", template="staff_invitation", locale=person.locale,
                person=person, token=token)
    record("staff.added", actor_id=None, subject_person_id=person.id, details={"role": str(role)})
    return person


def list_staff() -> list[Person]:
    return list(
        db.session.scalars(
            sa.select(Person).join(StaffMember, StaffMember.person_id == Person.id).order_by(Person.full_name)
        )
    )


@transactional
def deactivate_staff(email: str) -> Person:
    """End a staff member's role and account; every session of theirs ends at once."""
    person = find_person(email)
    if person is None or person.staff_role is None:
        raise NotFound(f"no staff member with e-mail {email}")
    person.staff_role.is_active = False
    person.staff_role.deactivated_at = utcnow()
    person.is_active_account = False
    sessions.revoke_all(person.id, "deactivated")
    # Their open cases go back to the shared queue: nobody would read what the parties send them.
    released = db.session.execute(
        sa.update(Case).where(Case.caseworker_id == person.id, Case.status.in_(OPEN_STATUSES))
        .values(caseworker_id=None)
    ).rowcount
    record("staff.deactivated", actor_id=None, subject_person_id=person.id, details={"cases_released": released})
    return person
