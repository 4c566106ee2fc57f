"""Memberships: asking to join, and administrators deciding, changing roles and removing people.

Every decision is one transaction that also writes its inbox messages and audit row. Rules that
depend on the organisation's other members (the first registrant, the last administrator) run
under a lock on the organisation's row, so concurrent requests cannot break them.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from orgsvc.access import Principal, guard, load_guarded, may, visible
from orgsvc.access.principal import Grant, reloaded
from orgsvc.accounts.models import Person
from orgsvc.audit.services import record
from orgsvc.cases.models import CaseRepresentative
from orgsvc.db import utcnow
from orgsvc.errors import Conflict, InvalidInput, NotFound
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_person
from orgsvc.notify.notices import tell_administrators, tell_person
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import LIVE_STATUSES, MemberRole, Membership, MembershipStatus
from orgsvc.transactions import transactional

NOTE_MAX = 2000
REASON_MIN, REASON_MAX = 3, 2000
MEMBERS_LINK = "/organisation/members"

STATUS_ORDER = sa.case(
    {MembershipStatus.PENDING.value: 0, MembershipStatus.ACTIVE.value: 1},
    value=Membership.status,
    else_=2,
)


# --- reading ----------------------------------------------------------------------------------
def members(principal: Principal, organisation_id: int) -> list[Membership]:
    """The organisation's memberships the principal may see: pending, active, then history."""
    query = (
        sa.select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .options(joinedload(Membership.person), joinedload(Membership.decided_by), joinedload(Membership.ended_by))
        .where(
            Membership.organisation_id == organisation_id,
            visible(principal, "membership", within_org=organisation_id),
        )
        .order_by(STATUS_ORDER, Person.full_name, Membership.id.desc())
    )
    return list(db.session.scalars(query).unique())


# --- locking and shared rules -----------------------------------------------------------------
def lock_organisation(organisation_id: int) -> Organisation:
    """Take the organisation's row lock for the rest of the transaction (SQLite: the write lock,
    taken when the transaction began). FOR NO KEY UPDATE: it excludes every other change to the
    organisation's people, and ``held_sides``' FOR SHARE, but not the key check of a row that merely
    refers to the organisation (a case, an inbox message), so those never wait for it."""
    return db.session.execute(
        sa.select(Organisation).where(Organisation.id == organisation_id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)
    ).scalar_one()


def held_sides(principal: Principal, organisation_ids) -> Principal:
    """The principal read again with the organisations it acts through held (FOR SHARE, in id
    order): a removal or a role change, which locks its organisation for update, either waits for
    this transaction (and then finds what it added) or has committed and is seen here.

    For case work: taken before any case row (the order ``add_representative`` keeps: organisation,
    then case), so two such transactions cannot wait for each other. Staff and the regulator's
    systems act through no organisation."""
    if not principal.grants:
        return principal
    for organisation_id in sorted({i for i in organisation_ids if i is not None} & principal.grants.keys()):
        db.session.execute(sa.select(Organisation.id).where(Organisation.id == organisation_id)
                           .with_for_update(read=True))
    return reloaded(principal)


def locked_membership(principal: Principal, membership_id: int, action: str) -> Membership:
    """Load and guard a membership, lock its organisation, and guard again under the lock.

    The first check answers strangers at once (404/403). The second closes the gap between check
    and act: a role taken away by a concurrent request counts before anything changes.
    """
    membership = load_guarded(principal, Membership, membership_id, action)
    lock_organisation(membership.organisation_id)
    # And the row itself, against the expiry job, which locks only rows. FOR NO KEY UPDATE (as
    # the expiry's): inbox messages naming the membership need not wait for either.
    db.session.refresh(membership, with_for_update={"key_share": True})
    guard(reloaded(principal), action, membership)
    return membership


def _count(organisation_id: int, role: MemberRole, statuses) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(
            Membership.organisation_id == organisation_id, Membership.role == role, Membership.status.in_(statuses))
    )


def active_administrators(organisation_id: int) -> int:
    return _count(organisation_id, MemberRole.ADMINISTRATOR, [MembershipStatus.ACTIVE])


def would_be_first(organisation_id: int) -> bool:
    """Whether a registrant now would become the first (pending) administrator. A forecast for the
    page; the decision itself is taken under the organisation's lock."""
    return _count(organisation_id, MemberRole.ADMINISTRATOR, LIVE_STATUSES) == 0


def is_last_administrator(membership: Membership) -> bool:
    """The organisation's only active administrator: can be neither demoted, removed nor leave."""
    return membership.role == MemberRole.ADMINISTRATOR and membership.status == MembershipStatus.ACTIVE \
        and active_administrators(membership.organisation_id) <= 1


def _require_not_last_administrator(membership: Membership, message) -> None:
    if is_last_administrator(membership):
        raise Conflict(message)


def clean_reason(reason: str | None, required: bool) -> str | None:
    text = (reason or "").strip()
    if not text:
        if required:
            raise InvalidInput(_l("Write a reason; the person is told it."), field="reason")
        return None
    if len(text) < REASON_MIN or len(text) > REASON_MAX:
        raise InvalidInput(_l("The reason must be between %(min)d and %(max)d characters.",
                              min=REASON_MIN, max=REASON_MAX), field="reason")
    return text


def decide_pending(membership: Membership, status: MembershipStatus, actor_id: int, reason: str | None) -> None:
    """Move a pending membership to ``status`` exactly once: of two concurrent decisions, the
    second finds it no longer pending and is refused."""
    result = db.session.execute(
        sa.update(Membership)
        .where(Membership.id == membership.id, Membership.status == MembershipStatus.PENDING)
        .values(status=status, decided_by_id=actor_id, decided_at=utcnow(), decision_reason=reason)
    )
    if result.rowcount != 1:
        raise Conflict(_l("This request has already been decided by someone else."))
    db.session.refresh(membership)


def message_names(membership: Membership, actor_id: int | None = None) -> dict:
    """The names an inbox message about ``membership`` is written with."""
    names = {"person": membership.person.full_name, "organisation": membership.organisation.name}
    if actor_id is not None:
        names["decider"] = db.session.get(Person, actor_id).full_name
    return names


def notify_open_again(organisation: Organisation) -> None:
    """The would-be first administrator is gone: tell those waiting to become users, with a link to
    «Brukere», where they may apply to become administrator themselves (registering again would
    refuse them: they are connected already)."""
    waiting = db.session.scalars(
        sa.select(Membership).where(Membership.organisation_id == organisation.id, Membership.role == MemberRole.USER,
                                    Membership.status == MembershipStatus.PENDING))
    for membership in waiting:
        post_to_person(membership.person_id, "organisation_open_again", organisation_id=organisation.id,
                       membership_id=membership.id, link=MEMBERS_LINK, organisation=organisation.name)


# --- asking to join ---------------------------------------------------------------------------
@transactional
def _join(person_id: int, organisation_id: int, note: str | None) -> Membership:
    organisation = lock_organisation(organisation_id)
    live = db.session.scalar(sa.select(Membership).where(
        Membership.person_id == person_id, Membership.organisation_id == organisation_id,
        Membership.status.in_(LIVE_STATUSES)))
    if live is not None:
        raise Conflict(_l("You are already connected to %(organisation)s, or your request is waiting.",
                          organisation=organisation.name))
    # No administrator, active or awaiting the regulator: this registrant is the first.
    first = _count(organisation_id, MemberRole.ADMINISTRATOR, LIVE_STATUSES) == 0
    membership = Membership(person_id=person_id, organisation_id=organisation_id, request_note=note,
                            role=MemberRole.ADMINISTRATOR if first else MemberRole.USER,
                            status=MembershipStatus.PENDING)
    db.session.add(membership)
    db.session.flush()
    if first:
        from orgsvc.approvals.models import RegisterCheck

        db.session.add(RegisterCheck(membership_id=membership.id))
        record("membership.requested_administrator", actor_id=person_id, organisation_id=organisation_id,
               subject_person_id=person_id, obj=("membership", membership.id), reason=note)
    else:
        tell_administrators(organisation_id, "join_requested", link=MEMBERS_LINK, membership_id=membership.id,
                            **message_names(membership))
        record("membership.requested", actor_id=person_id, organisation_id=organisation_id,
               subject_person_id=person_id, obj=("membership", membership.id), reason=note)
    return membership


def request_membership(principal: Principal, organisation: Organisation, note: str | None) -> Membership:
    """«Jeg representerer en virksomhet»: connect the principal to ``organisation``.

    The first registrant of an organisation becomes «ubekreftet administrator» and goes to the
    regulator with the register's evidence; later ones become «ubekreftet bruker» and the
    organisation's administrators are asked.
    """
    guard(principal, "join", organisation)
    note = (note or "").strip()[:NOTE_MAX] or None
    try:
        membership = _join(principal.person_id, organisation.id, note)
    except IntegrityError:
        # The database's backstop fired (another first registrant won): join as a user.
        membership = _join(principal.person_id, organisation.id, note)
    if membership.role == MemberRole.ADMINISTRATOR:
        from orgsvc.approvals.services import run_register_check

        run_register_check(membership.id)
    return membership


# --- a member asking the regulator to become administrator -------------------------------------
def may_apply_for_administrator(principal: Principal, organisation_id: int) -> bool:
    """Whether the principal, a user (pending or active) of an organisation that has no administrator,
    neither active nor awaiting the regulator, may ask to become it. A forecast for the page; the
    decision itself is taken under the organisation's lock."""
    grant = principal.grant_in(organisation_id)
    if grant is None or grant.role != MemberRole.USER:
        return False
    return may(principal, "apply_administrator", db.session.get(Membership, grant.membership_id)) and (
        would_be_first(organisation_id))


@transactional
def _apply_for_administrator(principal: Principal, organisation_id: int, note: str | None) -> Membership:
    grant = principal.grant_in(organisation_id)
    if grant is None:
        raise NotFound()
    current = locked_membership(principal, grant.membership_id, "apply_administrator")
    organisation = current.organisation
    if current.status not in LIVE_STATUSES or current.role != MemberRole.USER:
        raise Conflict(_l("You are already connected to %(organisation)s, or your request is waiting.",
                          organisation=organisation.name))
    if _count(organisation_id, MemberRole.ADMINISTRATOR, LIVE_STATUSES):
        raise Conflict(_l("The organisation already has an administrator"))
    # The user's tie ends (kept as history) and the request to become administrator is a new row,
    # exactly as a first registrant's: the regulator's queue, the register check, the same decisions.
    was = f"{current.role}/{current.status}"
    _end(current, principal.person_id, None)
    db.session.flush()  # the old tie is no longer live before the new one is
    membership = Membership(person_id=principal.person_id, organisation_id=organisation_id, request_note=note,
                            role=MemberRole.ADMINISTRATOR, status=MembershipStatus.PENDING, replaces_id=current.id)
    db.session.add(membership)
    db.session.flush()
    from orgsvc.approvals.models import RegisterCheck

    db.session.add(RegisterCheck(membership_id=membership.id))
    record("membership.requested_administrator", actor_id=principal.person_id, organisation_id=organisation_id,
           subject_person_id=principal.person_id, obj=("membership", membership.id), reason=note,
           details={"replaces_membership": current.id, "was": was})
    return membership


def apply_for_administrator(principal: Principal, organisation_id: int, note: str | None) -> Membership:
    """Point 5, «nobody is stuck»: a user (pending or active) of an organisation left without an
    administrator asks the regulator to become it, without leaving first. They become «ubekreftet
    administrator» with the register's evidence, as a first registrant does."""
    note = (note or "").strip()[:NOTE_MAX] or None
    membership = _apply_for_administrator(principal, organisation_id, note)
    from orgsvc.approvals.services import run_register_check

    run_register_check(membership.id)
    return membership


# --- administrators deciding ------------------------------------------------------------------
@transactional
def approve_user(principal: Principal, membership_id: int) -> Membership:
    membership = locked_membership(principal, membership_id, "decide_join")
    decide_pending(membership, MembershipStatus.ACTIVE, principal.person_id, None)
    tell_person(membership.person_id, "join_approved", organisation_id=membership.organisation_id,
                membership_id=membership.id, link="/", **message_names(membership, principal.person_id))
    record("membership.approved", actor_id=principal.person_id, organisation_id=membership.organisation_id,
           subject_person_id=membership.person_id, obj=("membership", membership.id))
    return membership


@transactional
def reject_user(principal: Principal, membership_id: int, reason: str | None) -> Membership:
    reason = clean_reason(reason, required=True)
    membership = locked_membership(principal, membership_id, "decide_join")
    decide_pending(membership, MembershipStatus.REJECTED, principal.person_id, reason)
    tell_person(membership.person_id, "join_rejected", organisation_id=membership.organisation_id,
                membership_id=membership.id, reason=reason, **message_names(membership, principal.person_id))
    record("membership.rejected", actor_id=principal.person_id, organisation_id=membership.organisation_id,
           subject_person_id=membership.person_id, obj=("membership", membership.id), reason=reason)
    return membership


@transactional
def change_role(principal: Principal, membership_id: int, role: str) -> Membership:
    try:
        new_role = MemberRole(role)
    except ValueError as error:
        raise InvalidInput(_l("Choose administrator or user."), field="role") from error
    membership = locked_membership(principal, membership_id, "change_role")
    if membership.status != MembershipStatus.ACTIVE:
        raise Conflict(_l("Only an active member's role can be changed."))
    if membership.role == new_role:
        return membership
    _require_not_last_administrator(membership, _l("The organisation's last administrator cannot be made a user. "
                                                   "Make someone else administrator first."))
    old_role = membership.role
    membership.role = new_role
    post_to_person(membership.person_id, "role_changed", organisation_id=membership.organisation_id,
                   membership_id=membership.id, role=str(new_role), **message_names(membership, principal.person_id))
    record("membership.role_changed", actor_id=principal.person_id, organisation_id=membership.organisation_id,
           subject_person_id=membership.person_id, obj=("membership", membership.id),
           details={"from": str(old_role), "to": str(new_role)})
    return membership


def _end(membership: Membership, actor_id: int, reason: str | None, status=MembershipStatus.REMOVED) -> int:
    """End the membership and the person's access to the organisation's cases; how many cases.

    Representation belongs to the membership: were the person approved again later, access given
    in the old one must not come back unasked."""
    membership.status = status
    membership.ended_by_id, membership.ended_at, membership.end_reason = actor_id, utcnow(), reason
    ended = db.session.execute(sa.delete(CaseRepresentative).where(
        CaseRepresentative.person_id == membership.person_id,
        CaseRepresentative.organisation_id == membership.organisation_id))
    return ended.rowcount


@transactional
def remove_member(principal: Principal, membership_id: int, reason: str | None) -> Membership:
    """End someone's membership; their access ends on their next request; the row stays as history."""
    reason = clean_reason(reason, required=False)
    membership = locked_membership(principal, membership_id, "remove")
    organisation = membership.organisation
    if membership.status not in LIVE_STATUSES:
        raise Conflict(_l("This membership has already ended."))
    _require_not_last_administrator(membership, _l("The organisation's last administrator cannot be removed."))
    was_pending_admin = membership.role == MemberRole.ADMINISTRATOR and membership.status == MembershipStatus.PENDING
    cases_left = _end(membership, principal.person_id, reason)
    if was_pending_admin:
        notify_open_again(organisation)
    post_to_person(membership.person_id, "membership_removed", organisation_id=membership.organisation_id,
                   membership_id=membership.id, reason=reason, **message_names(membership, principal.person_id))
    record("membership.removed", actor_id=principal.person_id, organisation_id=membership.organisation_id,
           subject_person_id=membership.person_id, obj=("membership", membership.id), reason=reason,
           details={"case_access_ended": cases_left})
    return membership


@transactional
def leave(principal: Principal, organisation_id: int) -> Membership:
    """The person ends their own membership (or withdraws their pending request)."""
    grant = principal.grant_in(organisation_id)
    if grant is None:
        raise NotFound()
    membership = locked_membership(principal, grant.membership_id, "leave")
    _require_not_last_administrator(membership, _l("You are the organisation's last administrator and cannot leave. "
                                                   "Make someone else administrator first."))
    _leave(principal, membership)
    return membership


def _own_grants(principal: Principal) -> list[Grant]:
    """The principal's live memberships in organisation order, so closing locks organisations in one order."""
    return sorted(principal.grants.values(), key=lambda grant: grant.organisation_id)


def live_memberships(principal: Principal) -> list[Membership]:
    """The principal's own live memberships (as leaving them would take), by organisation."""
    return [load_guarded(principal, Membership, grant.membership_id, "leave") for grant in _own_grants(principal)]


def leave_everywhere(principal: Principal) -> list[Membership]:
    """End every live membership of the principal (their account is closing): all of them, or -
    where they are an organisation's last administrator - none. Runs in the caller's transaction."""
    memberships = [locked_membership(principal, grant.membership_id, "leave") for grant in _own_grants(principal)]
    last = [membership.organisation.name for membership in memberships if is_last_administrator(membership)]
    if last:
        raise Conflict(_l("You are the last administrator of %(organisations)s. Make someone else administrator "
                          "first.", organisations=", ".join(last)))
    for membership in memberships:
        _leave(principal, membership)
    return memberships


def _leave(principal: Principal, membership: Membership) -> None:
    if membership.status not in LIVE_STATUSES:
        raise Conflict(_l("This membership has already ended."))
    was_pending_admin = membership.role == MemberRole.ADMINISTRATOR and membership.status == MembershipStatus.PENDING
    cases_left = _end(membership, principal.person_id, None)
    if was_pending_admin:
        notify_open_again(membership.organisation)
    record("membership.left", actor_id=principal.person_id, organisation_id=membership.organisation_id,
           subject_person_id=principal.person_id, obj=("membership", membership.id),
           details={"case_access_ended": cases_left})


@transactional
def expire_requests(days: int) -> int:
    """Pending requests to become a user that nobody decided within ``days`` days expire."""
    cutoff = utcnow() - timedelta(days=days)
    stale = list(db.session.scalars(
        sa.select(Membership).options(joinedload(Membership.organisation)).where(
            Membership.role == MemberRole.USER, Membership.status == MembershipStatus.PENDING,
            Membership.requested_at < cutoff).with_for_update(of=Membership, skip_locked=True, key_share=True)))
    for membership in stale:
        membership.status = MembershipStatus.EXPIRED
        membership.ended_at, membership.end_reason = utcnow(), f"no decision within {days} days"
        post_to_person(membership.person_id, "join_expired", organisation_id=membership.organisation_id,
                       membership_id=membership.id, organisation=membership.organisation.name, days=str(days))
        record("membership.expired", actor_id=None, organisation_id=membership.organisation_id,
               subject_person_id=membership.person_id, obj=("membership", membership.id),
               reason=f"no decision within {days} days")
    return len(stale)
