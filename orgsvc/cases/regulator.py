"""The regulator's case work: all cases with filters, status, assignment, replies, intake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from orgsvc.access import Principal, guard, visible
from orgsvc.access.conditions import CASE_INTAKE, REGULATOR_CASES
from orgsvc.accounts.models import Person
from orgsvc.audit.services import record
from orgsvc.cases.models import Case, CaseKind, CaseMessage, CaseStatus
from orgsvc.cases.services import (
    PAGE_SIZE,
    TITLE_MAX,
    add_event,
    case_link,
    case_number,
    load_case,
    news_of_new_case,
    pending_number,
    status_news_for_parties,
    text,
)
from orgsvc.db import utcnow
from orgsvc.errors import Conflict, InvalidInput, NotFound
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_person
from orgsvc.organisations.models import Organisation
from orgsvc.organisations.services import NewOrganisation, organisations_for
from orgsvc.registry import orgnr as orgnumbers
from orgsvc.staff.models import StaffMember
from orgsvc.transactions import transactional

# Where a case may go from each status. Withdrawn is final; a closed case may be reopened.
TRANSITIONS = {
    CaseStatus.SUBMITTED: {CaseStatus.IN_PROGRESS, CaseStatus.CLOSED},
    CaseStatus.IN_PROGRESS: {CaseStatus.CLOSED},
    CaseStatus.CLOSED: {CaseStatus.IN_PROGRESS},
    CaseStatus.WITHDRAWN: set(),
}


def all_cases(principal: Principal, kind: str | None = None, status: str | None = None,
              organisation_id: int | None = None, caseworker_id: int | None = None, page: int = 1,
              unassigned: bool = False):
    """The regulator's list, newest activity first, with the filters asked for (``unassigned``: the
    cases nobody has taken yet, new ones among them)."""
    guard(principal, "view", REGULATOR_CASES)
    query = (sa.select(Case).options(joinedload(Case.submitter_org), joinedload(Case.counterparty_org),
                                     joinedload(Case.caseworker))
             .where(visible(principal, "case")))
    if kind in set(CaseKind):
        query = query.where(Case.kind == kind)
    if status in set(CaseStatus):
        query = query.where(Case.status == status)
    if organisation_id is not None:
        query = query.where(sa.or_(Case.submitter_org_id == organisation_id,
                                   Case.counterparty_org_id == organisation_id))
    if caseworker_id is not None:
        query = query.where(Case.caseworker_id == caseworker_id)
    if unassigned:
        query = query.where(Case.caseworker_id.is_(None))
    query = query.order_by(Case.last_activity_at.desc(), Case.id.desc()).limit(PAGE_SIZE + 1)
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE)).unique())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def caseworkers() -> list[Person]:
    return list(db.session.scalars(sa.select(Person).join(StaffMember, StaffMember.person_id == Person.id)
                                   .where(StaffMember.is_active.is_(True)).order_by(Person.full_name)))


@transactional
def change_status(principal: Principal, case_id: int, status: str) -> Case:
    case = load_case(principal, case_id, "change_status")
    try:
        new = CaseStatus(status)
    except ValueError as error:
        raise InvalidInput(_l("Choose a status."), field="status") from error
    if new == CaseStatus.WITHDRAWN:  # only a party withdraws its case («Trekk saken»)
        raise InvalidInput(_l("Choose a status."), field="status")
    db.session.refresh(case, with_for_update=True)
    if new == case.status:
        return case
    if new not in TRANSITIONS[case.status]:
        raise Conflict(_l("A case cannot go from this status to the one chosen."))
    old, case.status = case.status, new
    case.closed_at = utcnow() if new == CaseStatus.CLOSED else None
    add_event(case, "status_changed", principal.person_id, old=str(old), new=str(new))
    status_news_for_parties(case)
    record("case.status_changed", actor_id=principal.person_id, organisation_id=case.logged_org_id,
           obj=("case", case.id), details={"from": str(old), "to": str(new), "system": principal.system})
    return case


def _active_caseworker_held(person_id: int) -> bool:
    """Whether the person is active staff, their staff row held (FOR SHARE) to the end of the
    transaction: a deactivation waits, and then hands this case back to the queue with their others."""
    return db.session.scalar(sa.select(StaffMember.person_id).where(
        StaffMember.person_id == person_id, StaffMember.is_active.is_(True)).with_for_update(read=True)) is not None


@transactional
def assign(principal: Principal, case_id: int, caseworker_id: int | None) -> Case:
    case = load_case(principal, case_id, "assign")
    if caseworker_id is not None and not _active_caseworker_held(caseworker_id):
        raise InvalidInput(_l("Choose a caseworker."), field="caseworker")
    case.caseworker_id = caseworker_id
    add_event(case, "caseworker_assigned", principal.person_id, caseworker_id=caseworker_id)
    record("case.assigned", actor_id=principal.person_id, organisation_id=case.logged_org_id,
           subject_person_id=caseworker_id, obj=("case", case.id), details={"caseworker_id": caseworker_id})
    if caseworker_id and caseworker_id != principal.person_id:
        post_to_person(caseworker_id, "case_assigned", link=case_link(case), number=case.number, title=case.title)
    return case


@transactional
def reply(principal: Principal, case_id: int, message_id: int, body: str | None) -> CaseMessage:
    """The caseworker answers a party's message; the answer reaches the sender's inbox."""
    case = load_case(principal, case_id, "reply")
    original = db.session.get(CaseMessage, message_id)
    if original is None or original.case_id != case.id:
        raise NotFound()
    answer = CaseMessage(case_id=case.id, organisation_id=original.organisation_id, sender_id=principal.person_id,
                         recipient_id=original.sender_id, from_regulator=True, in_reply_to_id=original.id,
                         body=text(body, "body", required=True, maximum=5000))
    db.session.add(answer)
    db.session.flush()
    add_event(case, "message_replied", principal.person_id, original.organisation_id, message_id=answer.id)
    # Who answered whom on which case; the message itself stays in the case, not in the log.
    record("case.replied", actor_id=principal.person_id, organisation_id=original.organisation_id,
           subject_person_id=original.sender_id, obj=("case", case.id),
           details={"message_id": answer.id, "in_reply_to": original.id})
    if original.sender_id:
        post_to_person(original.sender_id, "case_reply", organisation_id=original.organisation_id,
                       link=f"{case_link(case)}/documents", number=case.number, title=case.title)
    return answer


@dataclass(frozen=True)
class Intake:
    """An intake request that has passed every check: nothing is written before it has."""

    kind: CaseKind
    title: str
    description: str
    submitter_orgnr: str | None
    submitter_consumer: str | None
    counterparty_orgnr: str | None
    counterparty_consumer: str | None


def check_intake(principal: Principal, kind: str, title: str | None, description: str | None,
                 submitter: tuple[str | None, str | None], counterparty: tuple[str | None, str | None]) -> Intake:
    """Check a case from the regulator's own systems; each side is (organisation number, consumer)."""
    guard(principal, "create", CASE_INTAKE)
    try:
        case_kind = CaseKind(kind)
    except ValueError as error:
        raise InvalidInput(_l("kind must be one of mediation, tip, guidance"), field="kind") from error
    submitter_orgnr, counterparty_orgnr = _orgnr(submitter[0], "submitter"), _orgnr(counterparty[0], "counterparty")
    submitter_consumer = text(submitter[1], "submitter", required=False, maximum=200)
    counterparty_consumer = text(counterparty[1], "counterparty", required=False, maximum=200)
    if submitter_orgnr is None and submitter_consumer is None:
        raise InvalidInput(_l("the case needs a submitter: an organisation or a named consumer"), field="submitter")
    has_counterparty = counterparty_orgnr is not None or counterparty_consumer is not None
    if case_kind == CaseKind.MEDIATION and not has_counterparty:
        raise InvalidInput(_l("a mediation case needs a counterparty"), field="counterparty")
    if case_kind != CaseKind.MEDIATION and has_counterparty:
        raise InvalidInput(_l("only a mediation case has a counterparty; name the business in the description"),
                           field="counterparty")
    return Intake(case_kind, text(title, "title", required=True, maximum=TITLE_MAX),
                  text(description, "description", required=False) or "",
                  submitter_orgnr, submitter_consumer, counterparty_orgnr, counterparty_consumer)


def _orgnr(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return orgnumbers.validate(value)
    except orgnumbers.InvalidOrgnr as error:
        raise InvalidInput(error.message, field=field) from error


@transactional
def intake(principal: Principal, checked: Intake, submitter: Organisation | NewOrganisation | None,
           counterparty: Organisation | NewOrganisation | None,
           remember: Callable[[Case], None] | None = None) -> Case:
    """Create the checked case; its organisations are ``checked``'s numbers as ``resolve_organisation``
    found them, those new to orgsvc added here with the case (all or nothing). ``remember`` (the
    request's idempotency key) is called with the case in the same transaction."""
    guard(principal, "create", CASE_INTAKE)
    submitter, counterparty = organisations_for(submitter, counterparty)
    case = Case(number=pending_number(), kind=checked.kind, status=CaseStatus.SUBMITTED, title=checked.title,
                description=checked.description,
                submitter_org_id=submitter.id if submitter else None, submitter_consumer=checked.submitter_consumer,
                counterparty_org_id=counterparty.id if counterparty else None,
                counterparty_consumer=checked.counterparty_consumer, created_via="api")
    db.session.add(case)
    db.session.flush()
    case.number = case_number(case)
    add_event(case, "created", None)
    news_of_new_case(case)
    record("case.created", actor_id=None, organisation_id=case.logged_org_id,
           obj=("case", case.id), details={"number": case.number, "system": principal.system})
    if remember is not None:
        remember(case)
    return case


def by_number(principal: Principal, number: str, action: str = "view") -> Case:
    case_id = db.session.scalar(sa.select(Case.id).where(Case.number == number))
    if case_id is None:
        raise NotFound()
    return load_case(principal, case_id, action)
