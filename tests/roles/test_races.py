"""Concurrent requests cannot break an invariant: real threads, each with its own connection and
transaction, committing for real, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.approvals import services as approvals
from orgsvc.errors import Conflict, DomainError
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.roles import services
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory, StaffFactory
from tests.support import run_at_once, run_held

pytestmark = pytest.mark.committing


def _as(person_id):
    return load_principal(db.session.get(Person, person_id))


def test_twenty_simultaneous_first_registrations_give_one_pending_administrator(app):
    with app.app_context():
        organisation_id = OrganisationFactory(status="pending").id
        people = [PersonFactory().id for _ in range(20)]

    def register(person_id):
        return lambda: services.request_membership(_as(person_id), db.session.get(Organisation, organisation_id),
                                                   None).role

    results = run_at_once(app, [register(person_id) for person_id in people])
    assert not [r for r in results if isinstance(r, Exception)], results
    with app.app_context():
        rows = db.session.execute(sa.select(Membership.role, Membership.status).where(
            Membership.organisation_id == organisation_id)).all()
    assert sorted(rows) == sorted([(MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)]
                                  + [(MemberRole.USER, MembershipStatus.PENDING)] * 19)


def test_users_applying_to_become_administrator_at_once_give_one_applicant(app):
    """An organisation left without an administrator: five of its users apply at the same moment;
    one becomes «ubekreftet administrator», the others are told someone already has."""
    with app.app_context():
        organisation = OrganisationFactory()
        users = [MembershipFactory(organisation=organisation).person_id for _ in range(5)]  # active users
        organisation_id = organisation.id

    def apply(person_id):
        return lambda: services.apply_for_administrator(_as(person_id), organisation_id, None).role

    results = run_at_once(app, [apply(person_id) for person_id in users])
    assert results.count(MemberRole.ADMINISTRATOR) == 1, results
    assert all(isinstance(r, DomainError) for r in results if r != MemberRole.ADMINISTRATOR), results
    with app.app_context():
        live = db.session.execute(sa.select(Membership.role, Membership.status).where(
            Membership.organisation_id == organisation_id,
            Membership.status.in_([MembershipStatus.PENDING, MembershipStatus.ACTIVE]))).all()
    assert sorted(live) == sorted([(MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)]
                                  + [(MemberRole.USER, MembershipStatus.ACTIVE)] * 4)


@pytest.mark.parametrize("action", ["demote", "remove"])
def test_two_administrators_acting_on_each_other_leave_one(app, action):
    with app.app_context():
        organisation = OrganisationFactory()
        first = MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR)
        second = MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR)
        ids = (first.person_id, first.id, second.person_id, second.id, organisation.id)
    first_person, first_membership, second_person, second_membership, organisation_id = ids

    def act(actor, target):
        if action == "demote":
            return lambda: services.change_role(_as(actor), target, "user").id
        return lambda: services.remove_member(_as(actor), target, None).id

    results = run_at_once(app, [act(first_person, second_membership), act(second_person, first_membership)])
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(refusals) == 1, results
    assert isinstance(refusals[0], Conflict | type(refusals[0]))
    with app.app_context():
        active_admins = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
            Membership.organisation_id == organisation_id, Membership.role == MemberRole.ADMINISTRATOR,
            Membership.status == MembershipStatus.ACTIVE))
    assert active_admins == 1


def test_approve_and_reject_at_the_same_moment_one_wins(app):
    with app.app_context():
        organisation = OrganisationFactory(status="pending")
        request = MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR,
                                    status=MembershipStatus.PENDING)
        first, second = StaffFactory().id, StaffFactory().id
        membership_id = request.id

    results = run_at_once(app, [
        lambda: approvals.approve(_as(first), membership_id).status,
        lambda: approvals.reject(_as(second), membership_id, "Ikke daglig leder").status,
    ])
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict)
    with app.app_context():
        status = db.session.get(Membership, membership_id).status
        query = sa.select(InboxMessage.kind).where(InboxMessage.membership_id == membership_id)
        kinds = list(db.session.scalars(query))
    assert status == winners[0]
    # Only the winner's messages: an approval to the organisation (the new administrator reads it
    # there), a rejection to the organisation and to the person (no longer a member).
    expected = {MembershipStatus.ACTIVE: ["admin_approved"], MembershipStatus.REJECTED: ["admin_rejected"] * 2}
    assert kinds == expected[status], kinds


def test_a_demoted_administrator_cannot_act_with_the_rights_they_had_when_they_started(app):
    """Three administrators: A demotes B while B demotes C. Whatever the order, B never acts
    after losing the role."""
    with app.app_context():
        organisation = OrganisationFactory()
        a, b, c = (MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR) for _ in range(3))
        ids = {"a": a.person_id, "b": b.person_id, "b_m": b.id, "c_m": c.id}
        stale_b = _as(ids["b"])  # B's request started while B was an administrator

    results = run_at_once(app, [
        lambda: services.change_role(_as(ids["a"]), ids["b_m"], "user").id,
        lambda: services.change_role(stale_b, ids["c_m"], "user").id,
    ])
    with app.app_context():
        roles = {m.id: m.role for m in db.session.scalars(sa.select(Membership))}
    if isinstance(results[1], Exception):
        assert roles[ids["c_m"]] == MemberRole.ADMINISTRATOR
    else:  # B acted first, while still an administrator; then A demoted B
        assert roles[ids["b_m"]] == MemberRole.USER


class PastItsTime(NamedTuple):
    admin_person_id: int
    admin_membership_id: int
    request_id: int
    requester_id: int


def _a_request_past_its_time(app, *, administrator_waiting: bool = False) -> PastItsTime:
    """An organisation with a request to join that nobody decided for 30 days; its administrator is
    active, or (``administrator_waiting``) awaiting the regulator."""
    with app.app_context():
        organisation = OrganisationFactory(
            status=OrganisationStatus.PENDING if administrator_waiting else OrganisationStatus.APPROVED)
        admin = MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR,
                                  status=MembershipStatus.PENDING if administrator_waiting else MembershipStatus.ACTIVE)
        waiting = MembershipFactory(organisation=organisation, status=MembershipStatus.PENDING)
        waiting.requested_at = waiting.requested_at - timedelta(days=30)
        db.session.commit()
        return PastItsTime(admin.person_id, admin.id, waiting.id, waiting.person_id)


def _removal(admin_id: int, membership_id: int):
    return lambda: services.remove_member(load_principal(db.session.get(Person, admin_id)), membership_id,
                                          None).status


def test_a_request_expiring_while_an_administrator_removes_it_ends_once(app, postgresql_only):
    """The expiry job locks the request's row and ends it; the removal, waiting for that row, finds it
    ended and says so: one end, one message, one log entry."""
    world = _a_request_past_its_time(app)
    membership_id, person_id = world.request_id, world.requester_id
    results = run_held(app, lambda: services.expire_requests(14), _removal(world.admin_person_id, membership_id),
                       hold_before=("UPDATE membership",))
    assert results["first"] == 1 and isinstance(results["second"], Conflict), results
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.EXPIRED
        told = db.session.scalars(sa.select(InboxMessage.kind).where(InboxMessage.recipient_person_id == person_id))
        assert list(told) == ["join_expired"]


def test_a_request_removed_while_the_expiry_job_runs_is_left_to_the_removal(app, postgresql_only):
    """The removal holds the request's row; the expiry job, which skips rows held by others, leaves it."""
    world = _a_request_past_its_time(app)
    membership_id = world.request_id
    results = run_held(app, _removal(world.admin_person_id, membership_id), lambda: services.expire_requests(14),
                       hold_before=("UPDATE membership",))
    assert (results["first"], results["second"]) == (MembershipStatus.REMOVED, 0), results
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.REMOVED


def test_the_expiry_job_holding_old_requests_does_not_hold_up_the_regulators_decision(app, postgresql_only):
    """Rejecting an organisation's administrator tells its waiting users (inbox rows that name their
    requests) while the expiry job holds some of those requests: naming a row does not wait for it."""
    candidate_id = _a_request_past_its_time(app, administrator_waiting=True).admin_membership_id
    with app.app_context():
        caseworker_id = StaffFactory().id

    def reject():
        return approvals.reject(load_principal(db.session.get(Person, caseworker_id)), candidate_id,
                                "Ikke i Enhetsregisteret").status

    results = run_held(app, lambda: services.expire_requests(14), reject, hold_before=("UPDATE membership",))
    assert results["second_waited"] is False, results
    assert (results["first"], results["second"]) == (1, MembershipStatus.REJECTED), results
