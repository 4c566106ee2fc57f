"""The immediate e-mails: registration outcome, join requests to administrators, decisions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.approvals import services as approvals
from orgsvc.extensions import db
from orgsvc.mail.models import OutboundEmail
from orgsvc.roles import services as roles
from tests.conftest import Ref, membership_of
from tests.factories import MembershipFactory, PersonFactory
from tests.roles.helpers import organisation, principal


def _mails(kind=None):
    query = sa.select(OutboundEmail).order_by(OutboundEmail.id)
    if kind:
        query = query.where(OutboundEmail.kind == kind)
    return list(db.session.scalars(query))


def test_approval_of_a_registration_is_mailed(world, app_ctx):
    approvals.approve(principal(world.caseworker), membership_of(world.pending_admin, world.org_pending).id)
    [mail] = _mails("notice:admin_approved")
    assert mail.to_address == world.pending_admin.email
    assert mail.subject.startswith("Godkjent som administrator for")


def test_rejection_of_a_registration_is_mailed_with_its_reason(world, app_ctx):
    approvals.reject(principal(world.caseworker), membership_of(world.pending_admin, world.org_pending).id,
                     "Du står ikke i Enhetsregisteret.")
    [mail] = _mails("notice:admin_rejected")
    assert mail.to_address == world.pending_admin.email
    assert "Begrunnelse: Du står ikke i Enhetsregisteret." in mail.body_text


def test_a_join_request_is_mailed_to_every_active_administrator(world, app_ctx):
    second_admin = MembershipFactory(organisation=organisation(world.org_a), role="administrator").person
    MembershipFactory(organisation=organisation(world.org_a), role="administrator", status="pending")
    newcomer = PersonFactory()
    roles.request_membership(principal(Ref(newcomer.id)), organisation(world.org_a), "Ny i kundeservice")
    recipients = sorted(mail.to_address for mail in _mails("notice:join_requested"))
    assert recipients == sorted([world.admin_a.email, second_admin.email])


def test_the_decision_on_a_join_request_is_mailed_to_the_requester(world, app_ctx):
    admin = principal(world.admin_a)
    roles.reject_user(admin, membership_of(world.pending_user_a, world.org_a).id, "Ukjent person")
    [mail] = _mails("notice:join_rejected")
    assert mail.to_address == world.pending_user_a.email and "Ukjent person" in mail.body_text


def test_notices_are_in_the_recipients_language(world, app_ctx):
    db.session.get(Person, world.pending_user_a.id).locale = "en"
    db.session.commit()
    roles.approve_user(principal(world.admin_a), membership_of(world.pending_user_a, world.org_a).id)
    [mail] = _mails("notice:join_approved")
    assert mail.subject.startswith("You are now a user of")
    assert "You can read the message in your inbox" in mail.body_text


def test_a_decision_and_its_mail_are_one_transaction(world, app_ctx, monkeypatch):
    from orgsvc.notify import notices

    def broken(*_args, **_kwargs):
        raise RuntimeError("the mail could not be written")

    monkeypatch.setattr(notices, "_email", broken)
    pending = membership_of(world.pending_user_a, world.org_a)
    with pytest.raises(RuntimeError):
        roles.approve_user(principal(world.admin_a), pending.id)
    db.session.expire_all()
    assert membership_of(world.pending_user_a, world.org_a).status == "pending"
    assert _mails() == []
