"""The regulator's approval of first-time administrators, and the register check behind it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from orgsvc.access import Principal, guard, load_guarded, visible
from orgsvc.access.conditions import APPROVAL_QUEUE
from orgsvc.accounts.models import Person
from orgsvc.approvals.models import RegisterCheck
from orgsvc.audit.services import record
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_organisation
from orgsvc.notify.notices import email_person, tell_person
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.organisations.services import confirm_from_register
from orgsvc.registry.check import Eligibility, Outcome, Reason, check_representative
from orgsvc.registry.service import register
from orgsvc.registry.types import Proceeding, RegisterUnavailable
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from orgsvc.roles.services import clean_reason, decide_pending, locked_membership, message_names, notify_open_again
from orgsvc.transactions import transactional

log = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")


# --- working days (the seed promises an answer by the next working day) ------------------------
def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays.Norway(years=day.year, include_sundays=False)


def answer_due(requested_at: datetime) -> datetime:
    """The end of the next working day after the request, in Norwegian time."""
    day = requested_at.astimezone(OSLO).date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=OSLO)


def is_overdue(requested_at: datetime, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= answer_due(requested_at)


# --- the queue --------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueItem:
    membership: Membership
    check: RegisterCheck | None
    due: datetime
    overdue: bool


def queue(principal: Principal) -> list[QueueItem]:
    """Requests to become administrator that the principal may decide, oldest first."""
    guard(principal, "view", APPROVAL_QUEUE)
    rows = db.session.scalars(
        sa.select(Membership)
        .options(joinedload(Membership.person), joinedload(Membership.organisation),
                 joinedload(Membership.register_check), joinedload(Membership.replaces))
        .where(Membership.role == MemberRole.ADMINISTRATOR, Membership.status == MembershipStatus.PENDING,
               visible(principal, "membership", "decide_administrator"))
        .order_by(Membership.requested_at, Membership.id)
    ).unique()
    now = utcnow()
    return [QueueItem(m, m.register_check, answer_due(m.requested_at), is_overdue(m.requested_at, now)) for m in rows]


def waiting_count(principal: Principal) -> int:
    """How many requests the principal may decide are waiting (0 for those who decide none)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(
            Membership.role == MemberRole.ADMINISTRATOR, Membership.status == MembershipStatus.PENDING,
            visible(principal, "membership", "decide_administrator"))
    ) or 0


def request_detail(principal: Principal, membership_id: int) -> QueueItem:
    membership = load_guarded(principal, Membership, membership_id, "decide_administrator")
    return QueueItem(membership, membership.register_check, answer_due(membership.requested_at),
                     is_overdue(membership.requested_at))


# --- the register check -----------------------------------------------------------------------
@transactional
def _store_check(membership_id: int, answer: Eligibility, checked: tuple[str, date | None]) -> None:
    """Keep the register's answer as the request's evidence - unless the person has corrected the
    name or date of birth it was asked with since: a check of the old details that finishes late
    must not overwrite the check of the new ones (``recheck_requests_of``). The evidence row is
    locked first, so of two checks the one that stores last has read the details last."""
    check = db.session.scalar(sa.select(RegisterCheck).where(RegisterCheck.membership_id == membership_id)
                              .with_for_update().execution_options(populate_existing=True))
    person = db.session.scalar(sa.select(Person).join(Membership, Membership.person_id == Person.id)
                               .where(Membership.id == membership_id).execution_options(populate_existing=True))
    if person is not None and (person.full_name, person.date_of_birth) != checked:
        log.info("register check of request %s: asked with details since corrected, not stored", membership_id)
        return
    if check is None:
        check = RegisterCheck(membership_id=membership_id)
        db.session.add(check)
    check.attempts = (check.attempts or 0) + 1
    check.outcome, check.reason, check.checked_at = answer.outcome, str(answer.reason), answer.checked_at
    check.role_code, check.role_description = answer.role_code, answer.role_description
    check.register_name, check.other_roles = answer.register_name, list(answer.other_roles) or None
    check.entity_status, check.entity_proceedings = answer.entity_status, list(answer.proceedings) or None


def run_register_check(membership_id: int) -> Eligibility:
    """Check the requester against Enhetsregisteret and keep the evidence with the request.

    The register is asked outside any transaction (it may be slow); when it cannot answer the
    evidence stays ``pending`` and ``orgsvc registry recheck`` tries again.
    """
    membership = db.session.get(Membership, membership_id)
    organisation, person = membership.organisation, membership.person
    orgnr, name, born = organisation.orgnr, person.full_name, person.date_of_birth
    unconfirmed = organisation.register_checked_at is None
    db.session.commit()  # end the read; nothing is held while the register answers
    try:
        if unconfirmed:
            confirm_from_register(organisation)
    except RegisterUnavailable:  # no use asking again at once (a slow register costs a timeout each time)
        answer = Eligibility(Outcome.PENDING, Reason.REGISTER_UNAVAILABLE, utcnow())
    else:
        answer = check_representative(register(), orgnr, name, born)
    _store_check(membership_id, answer, (name, born))
    return answer


def recheck_requests_of(person_id: int) -> int:
    """Check the person's waiting administrator requests again, with their name and date of birth
    as they are now (after a correction); how many were checked."""
    ids = list(db.session.scalars(
        sa.select(Membership.id).where(Membership.person_id == person_id, Membership.role == MemberRole.ADMINISTRATOR,
                                       Membership.status == MembershipStatus.PENDING).order_by(Membership.id)))
    for membership_id in ids:
        run_register_check(membership_id)
    return len(ids)


def recheck_pending(limit: int = 500) -> dict[str, int]:
    """Retry every pending check of a request that is still waiting (``orgsvc registry recheck``)."""
    ids = list(db.session.scalars(
        sa.select(RegisterCheck.membership_id).join(Membership, Membership.id == RegisterCheck.membership_id)
        .where(RegisterCheck.outcome == Outcome.PENDING, Membership.status == MembershipStatus.PENDING)
        .order_by(RegisterCheck.id).limit(limit)))
    counts = {str(outcome): 0 for outcome in Outcome}
    for membership_id in ids:
        counts[str(run_register_check(membership_id).outcome)] += 1
    return counts


# --- decisions --------------------------------------------------------------------------------
@transactional
def approve(principal: Principal, membership_id: int) -> Membership:
    """The regulator approves a first administrator: «administrator», and the organisation approved."""
    membership = locked_membership(principal, membership_id, "decide_administrator")
    organisation = membership.organisation
    decide_pending(membership, MembershipStatus.ACTIVE, principal.person_id, None)
    if organisation.status != OrganisationStatus.APPROVED:
        organisation.status, organisation.approved_at = OrganisationStatus.APPROVED, utcnow()
    names = message_names(membership)
    # The organisation gets the message (as the source says); the new administrator reads it there,
    # so their own copy is the e-mail alone (an inbox copy too would be the same message twice).
    post_to_organisation(organisation.id, "admin_approved", link="/organisation/members",
                         membership_id=membership.id, **names)
    email_person(membership.person_id, "admin_approved", link="/", **names)
    record("approval.approved", actor_id=principal.person_id, organisation_id=organisation.id,
           subject_person_id=membership.person_id, obj=("membership", membership.id))
    return membership


@transactional
def reject(principal: Principal, membership_id: int, reason: str | None) -> Membership:
    """The regulator rejects a first administrator, with a reason; the organisation is open again."""
    reason = clean_reason(reason, required=True)
    membership = locked_membership(principal, membership_id, "decide_administrator")
    organisation = membership.organisation
    decide_pending(membership, MembershipStatus.REJECTED, principal.person_id, reason)
    names = message_names(membership)
    post_to_organisation(organisation.id, "admin_rejected", membership_id=membership.id, reason=reason, **names)
    tell_person(membership.person_id, "admin_rejected", organisation_id=organisation.id,
                membership_id=membership.id, reason=reason, **names)
    notify_open_again(organisation)
    record("approval.rejected", actor_id=principal.person_id, organisation_id=organisation.id,
           subject_person_id=membership.person_id, obj=("membership", membership.id), reason=reason)
    return membership


def organisation_unconfirmed(organisation: Organisation) -> bool:
    return organisation.register_checked_at is None


REASON_LABELS = {
    "role_found": _l("Registered as %(role)s"),
    "other_roles_only": _l("Registered only with other roles: %(others)s"),
    "not_a_role_holder": _l("No role holder with this name and date of birth"),
    "entity_not_active": _l("The organisation is not an active main entity in the register (%(status)s)"),
    "no_birth_date": _l("The person's date of birth is unknown"),
    "register_unavailable": _l("The register could not answer; the check is pending"),
}


PROCEEDING_LABELS = {
    Proceeding.BANKRUPTCY: _l("bankrupt"),
    Proceeding.WINDING_UP: _l("being wound up"),
    Proceeding.COMPULSORY_DISSOLUTION: _l("under compulsory winding-up or dissolution"),
}


def evidence_text(check: RegisterCheck | None) -> str:
    """The register evidence in the reader's language."""
    if check is None or check.reason is None:
        return str(_l("Not checked yet"))
    label = REASON_LABELS.get(check.reason)
    if label is None:
        return check.reason
    text = str(label) % {"role": f"{check.role_description} ({check.role_code})",
                         "others": ", ".join(check.other_roles or []), "status": check.entity_status or "-"}
    return f"{text}. {proceedings_text(check)}" if check.entity_proceedings else text


def proceedings_text(check: RegisterCheck) -> str:
    """«Enhetsregisteret sier at organisasjonen er konkurs.»: its officers may no longer speak for it."""
    names = [str(PROCEEDING_LABELS.get(code, code)) for code in check.entity_proceedings or []]
    return str(_l("The register says the organisation is %(proceedings)s.", proceedings=", ".join(names)))
