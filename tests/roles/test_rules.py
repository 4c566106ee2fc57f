"""Each membership rule on its own: who becomes what, who may decide, and nobody is stuck."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.audit.models import AuditEvent
from orgsvc.errors import Conflict, Forbidden, InvalidInput, NotFound
from orgsvc.extensions import db
from orgsvc.roles import services
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.conftest import membership_of
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory
from tests.roles.helpers import memberships_of, messages, organisation, principal


@pytest.fixture
def fresh(app_ctx):
    """An organisation nobody has registered for yet, and three persons."""
    return OrganisationFactory(status="pending"), PersonFactory(), PersonFactory(), PersonFactory()


def _ref(obj):
    from tests.conftest import Ref

    return Ref(obj.id)


def test_the_first_registrant_becomes_pending_administrator(fresh):
    org, first, _second, _ = fresh
    membership = services.request_membership(principal(_ref(first)), org, "daglig leder")
    assert (membership.role, membership.status) == (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)
    assert membership.register_check is not None
    assert membership.request_note == "daglig leder"


def test_later_registrants_become_pending_users_and_administrators_are_asked(fresh):
    org, first, second, _ = fresh
    services.request_membership(principal(_ref(first)), org, None)
    membership = services.request_membership(principal(_ref(second)), org, "I handle complaints")
    assert (membership.role, membership.status) == (MemberRole.USER, MembershipStatus.PENDING)
    [message] = messages("join_requested")
    assert message.recipient_organisation_id == org.id and message.params["person"] == second.full_name


def test_asking_twice_is_refused(fresh):
    org, first, *_ = fresh
    services.request_membership(principal(_ref(first)), org, None)
    with pytest.raises(Conflict):
        services.request_membership(principal(_ref(first)), org, None)


def test_a_user_cannot_decide_or_administer(world, app_ctx):
    user = principal(world.user_a)
    pending = membership_of(world.pending_user_a, world.org_a)
    admin_membership = membership_of(world.admin_a, world.org_a)
    with pytest.raises(NotFound):
        services.approve_user(user, pending.id)
    with pytest.raises(NotFound):
        services.remove_member(user, admin_membership.id, None)
    with pytest.raises(NotFound):
        services.change_role(user, admin_membership.id, "user")
    with pytest.raises(Forbidden):
        services.change_role(user, membership_of(world.user_a, world.org_a).id, "administrator")


def test_nobody_approves_their_own_request(world, app_ctx):
    admin = PersonFactory()
    membership = MembershipFactory(person=admin, organisation=organisation(world.org_a), role=MemberRole.ADMINISTRATOR)
    own_request = MembershipFactory(person=admin, organisation=organisation(world.org_b),
                                    status=MembershipStatus.PENDING)
    # The administrator of A asks to join B; they see their request but cannot approve it...
    with pytest.raises(Forbidden):
        services.approve_user(principal(_ref(admin)), own_request.id)
    # ...and an administrator's own pending request in their own organisation is not theirs to decide.
    membership.status = MembershipStatus.PENDING
    membership.role = MemberRole.USER
    db.session.commit()
    MembershipFactory(person=PersonFactory(), organisation=organisation(world.org_a), role=MemberRole.ADMINISTRATOR)
    with pytest.raises(Forbidden):  # they see their own request, but may not decide it
        services.approve_user(principal(_ref(admin)), membership.id)


def test_an_administrator_cannot_decide_a_request_to_become_administrator(world, app_ctx):
    pending_admin = membership_of(world.pending_admin, world.org_pending)
    with pytest.raises(NotFound):
        services.approve_user(principal(world.admin_a), pending_admin.id)


def test_a_decided_request_cannot_be_decided_again(world, app_ctx):
    admin = principal(world.admin_a)
    pending = membership_of(world.pending_user_a, world.org_a)
    services.approve_user(admin, pending.id)
    with pytest.raises(Conflict):
        services.reject_user(admin, pending.id, "too late")
    assert len(messages("join_approved")) == 1
    assert messages("join_rejected") == []


def test_rejecting_needs_a_reason_and_tells_the_requester(world, app_ctx):
    admin = principal(world.admin_a)
    pending = membership_of(world.pending_user_a, world.org_a)
    with pytest.raises(InvalidInput):
        services.reject_user(admin, pending.id, "")
    services.reject_user(admin, pending.id, "Ukjent for oss")
    [message] = messages("join_rejected")
    assert message.recipient_person_id == world.pending_user_a.id and message.params["reason"] == "Ukjent for oss"
    assert db.session.get(Membership, pending.id).status == MembershipStatus.REJECTED


def test_changing_a_role_both_ways(world, app_ctx):
    admin = principal(world.admin_a)
    user_membership = membership_of(world.user_a, world.org_a)
    services.change_role(admin, user_membership.id, "administrator")
    assert db.session.get(Membership, user_membership.id).role == MemberRole.ADMINISTRATOR
    services.change_role(admin, user_membership.id, "user")
    assert db.session.get(Membership, user_membership.id).role == MemberRole.USER
    assert [m.params["role"] for m in messages("role_changed")] == ["administrator", "user"]
    with pytest.raises(InvalidInput):
        services.change_role(admin, user_membership.id, "owner")


def test_the_last_administrator_cannot_be_demoted(world, app_ctx):
    admin = principal(world.admin_a)
    with pytest.raises(Conflict):
        services.change_role(admin, membership_of(world.admin_a, world.org_a).id, "user")


def test_the_last_administrator_cannot_be_removed_or_leave(world, app_ctx):
    admin = principal(world.admin_a)
    own = membership_of(world.admin_a, world.org_a)
    with pytest.raises(Conflict):
        services.remove_member(admin, own.id, None)
    with pytest.raises(Conflict):
        services.leave(admin, world.org_a.id)


def test_with_a_second_administrator_one_may_leave(world, app_ctx):
    admin = principal(world.admin_a)
    services.change_role(admin, membership_of(world.user_a, world.org_a).id, "administrator")
    services.leave(principal(world.admin_a), world.org_a.id)
    assert membership_of(world.admin_a, world.org_a) is None


def test_removal_ends_the_membership_and_keeps_the_history(world, app_ctx):
    admin = principal(world.admin_a)
    membership = membership_of(world.user_a, world.org_a)
    services.remove_member(admin, membership.id, "Sluttet")
    row = db.session.get(Membership, membership.id)
    assert (row.status, row.ended_by_id, row.end_reason) == (MembershipStatus.REMOVED, world.admin_a.id, "Sluttet")
    assert row.ended_at is not None
    [message] = messages("membership_removed")
    assert message.recipient_person_id == world.user_a.id
    with pytest.raises(Conflict):
        services.remove_member(admin, membership.id, None)


def test_a_removed_person_can_ask_again_and_gets_a_new_row(world, app_ctx):
    admin = principal(world.admin_a)
    old = membership_of(world.user_a, world.org_a)
    services.remove_member(admin, old.id, None)
    new = services.request_membership(principal(world.user_a), organisation(world.org_a), None)
    assert new.id != old.id and new.status == MembershipStatus.PENDING
    assert len([m for m in memberships_of(world.org_a.id) if m.person_id == world.user_a.id]) == 2


def test_another_organisations_membership_is_not_found(world, app_ctx):
    admin_b = principal(world.admin_b)
    with pytest.raises(NotFound):
        services.remove_member(admin_b, membership_of(world.user_a, world.org_a).id, None)
    with pytest.raises(NotFound):
        services.approve_user(admin_b, membership_of(world.pending_user_a, world.org_a).id)


def test_rejecting_the_first_administrator_opens_the_organisation_again(fresh):
    from orgsvc.approvals import services as approvals
    from tests.factories import StaffFactory

    org, first, second, third = fresh
    first_membership = services.request_membership(principal(_ref(first)), org, None)
    services.request_membership(principal(_ref(second)), org, None)
    caseworker = principal(_ref(StaffFactory()))
    approvals.reject(caseworker, first_membership.id, "Ikke registrert som daglig leder")
    [told] = messages("organisation_open_again")
    assert told.recipient_person_id == second.id
    again = services.request_membership(principal(_ref(third)), org, None)
    assert (again.role, again.status) == (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)


def test_an_organisation_without_active_administrator_takes_a_new_one_through_the_regulator(world, app_ctx):
    # The only administrator's membership ended (e.g. an operator removed it); nobody is stuck.
    membership_of(world.admin_a, world.org_a).status = MembershipStatus.REMOVED
    db.session.commit()
    newcomer = PersonFactory()
    membership = services.request_membership(principal(_ref(newcomer)), organisation(world.org_a), None)
    assert (membership.role, membership.status) == (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)


def test_a_pending_administrator_who_withdraws_opens_the_organisation_again(fresh):
    org, first, second, _ = fresh
    services.request_membership(principal(_ref(first)), org, None)
    services.request_membership(principal(_ref(second)), org, None)
    services.leave(principal(_ref(first)), org.id)
    assert [m.recipient_person_id for m in messages("organisation_open_again")] == [second.id]


def test_pending_requests_expire_with_a_notice(world, app_ctx):
    from datetime import timedelta

    from orgsvc.db import utcnow

    stale = membership_of(world.pending_user_a, world.org_a)
    stale.requested_at = utcnow() - timedelta(days=31)
    fresh_request = MembershipFactory(organisation=organisation(world.org_b), status=MembershipStatus.PENDING)
    db.session.commit()
    assert services.expire_requests(30) == 1
    assert db.session.get(Membership, stale.id).status == MembershipStatus.EXPIRED
    assert db.session.get(Membership, fresh_request.id).status == MembershipStatus.PENDING
    [notice] = messages("join_expired")
    assert notice.recipient_person_id == world.pending_user_a.id and notice.params["days"] == "30"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "membership.expired"))


def test_every_decision_is_in_the_audit_log(world, app_ctx):
    admin = principal(world.admin_a)
    services.approve_user(admin, membership_of(world.pending_user_a, world.org_a).id)
    services.change_role(admin, membership_of(world.user_a, world.org_a).id, "administrator")
    services.remove_member(admin, membership_of(world.pending_user_a, world.org_a).id, "test")
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["membership.approved", "membership.role_changed", "membership.removed"]
    assert all(e.actor_id == world.admin_a.id and e.organisation_id == world.org_a.id for e in events)
    assert events[1].details == {"from": "user", "to": "administrator"}
    assert events[2].reason == "test" and events[2].subject_person_id == world.pending_user_a.id


def test_rejections_are_in_the_audit_log_with_actor_subject_organisation_time_and_reason(world, app_ctx):
    from orgsvc.approvals import services as approvals
    from orgsvc.db import utcnow

    pending_user = membership_of(world.pending_user_a, world.org_a)
    pending_admin = membership_of(world.pending_admin, world.org_pending)
    before = utcnow()
    services.reject_user(principal(world.admin_a), pending_user.id, "  Ukjent for oss  ")
    approvals.reject(principal(world.caseworker), pending_admin.id, "Ikke daglig leder i Enhetsregisteret")
    after = utcnow()

    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.outcome) for e in events] == [("membership.rejected", "ok"), ("approval.rejected", "ok")]
    user_rejection, admin_rejection = events
    assert (user_rejection.actor_id, user_rejection.subject_person_id, user_rejection.organisation_id) == (
        world.admin_a.id, world.pending_user_a.id, world.org_a.id)
    assert (user_rejection.object_type, user_rejection.object_id) == ("membership", str(pending_user.id))
    assert user_rejection.reason == "Ukjent for oss"  # as the requester was told it
    assert (admin_rejection.actor_id, admin_rejection.subject_person_id, admin_rejection.organisation_id) == (
        world.caseworker.id, world.pending_admin.id, world.org_pending.id)
    assert (admin_rejection.object_type, admin_rejection.object_id) == ("membership", str(pending_admin.id))
    assert admin_rejection.reason == "Ikke daglig leder i Enhetsregisteret"
    assert all(before <= e.occurred_at <= after for e in events)


def test_a_refused_rejection_leaves_no_audit_row(world, app_ctx):
    with pytest.raises(InvalidInput):
        services.reject_user(principal(world.admin_a), membership_of(world.pending_user_a, world.org_a).id, " ")
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.outcome == "ok")).all() == []
