"""The list filter and the detail check come from the same rules and must agree, row for row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.access import may, visibility, visible
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.inbox.services import mark_read, post_to_organisation, post_to_person, unread_count
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import Membership
from tests.access.test_decisions import principal_of

PERSONAS = ["anonymous", "outsider", "pending_user_a", "user_a", "admin_a", "admin_b", "pending_admin",
            "caseworker", "regulator_admin"]
LISTS = {
    "organisation": (Organisation, ["view", "manage_members", "view_audit", "join"]),
    "membership": (Membership, ["view", "decide_join", "decide_administrator", "change_role", "remove", "leave"]),
    "inbox_message": (InboxMessage, ["view"]),
}


@pytest.fixture
def messages(app, world):
    with app.app_context():
        post_to_organisation(world.org_a.id, "join_requested", person="X", organisation="A")
        post_to_organisation(world.org_b.id, "join_requested", person="Y", organisation="B")
        post_to_person(world.user_a.id, "join_approved", decider="Z", organisation="A")
        post_to_person(world.caseworker.id, "join_approved", decider="Z", organisation="A")
        db.session.commit()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("resource", sorted(LISTS))
def test_filter_and_check_agree(app, world, messages, persona, resource):
    model, actions = LISTS[resource]
    with app.test_request_context():
        principal = principal_of(world, persona)
        everything = list(db.session.scalars(sa.select(model)))
        assert everything
        for action in actions:
            listed = set(db.session.scalars(sa.select(model.id).where(visible(principal, resource, action))))
            checked = {row.id for row in everything if may(principal, action, row)}
            assert listed == checked, f"{persona} {resource}:{action}"
            # The parametrised form (built once per shape of principal) lists the same rows.
            access = visibility(principal, resource, action)
            parametrised = set(db.session.scalars(sa.select(model.id).where(access.sql), access.params))
            assert parametrised == checked, f"{persona} {resource}:{action}, parametrised"


def test_within_org_narrows_to_one_organisation(app, world):
    with app.test_request_context():
        caseworker = principal_of(world, "caseworker")
        admin = principal_of(world, "admin_a")
        all_for_admin = set(db.session.scalars(sa.select(Membership.id).where(visible(admin, "membership"))))
        scoped = set(db.session.scalars(
            sa.select(Membership.id).where(visible(admin, "membership", within_org=world.org_a.id))))
        assert scoped == all_for_admin
        assert set(db.session.scalars(
            sa.select(Membership.id).where(visible(admin, "membership", within_org=world.org_b.id)))) == set()
        every = set(db.session.scalars(sa.select(Membership.id)))
        assert set(db.session.scalars(sa.select(Membership.id).where(visible(caseworker, "membership")))) == every


def test_a_persona_without_rules_lists_nothing(app, world):
    with app.test_request_context():
        sql = visible(principal_of(world, "anonymous"), "membership")
        assert db.session.scalars(sa.select(Membership.id).where(sql)).all() == []


# --- the parametrised form, built once per shape and run with each principal's values -------------
def test_principals_of_one_shape_share_the_sql_and_each_sees_their_own_rows(app, world, messages):
    with app.test_request_context():
        admin_a, admin_b, user_a = (principal_of(world, name) for name in ("admin_a", "admin_b", "user_a"))
        every = list(db.session.scalars(sa.select(Membership)))

        def listed(access):
            return set(db.session.scalars(sa.select(Membership.id).where(access.sql), access.params))

        of_a, of_b = visibility(admin_a, "membership"), visibility(admin_b, "membership")
        assert of_a.shape == of_b.shape and of_a.sql is of_b.sql
        assert listed(of_a) == {m.id for m in every if may(admin_a, "view", m)}
        assert listed(of_b) == {m.id for m in every if may(admin_b, "view", m)}
        assert listed(of_a) != listed(of_b)
        of_user = visibility(user_a, "membership")
        assert of_user.shape != of_a.shape and of_user.sql is not of_a.sql


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_unread_count_counts_the_messages_the_person_may_see_and_has_not_read(app, world, messages, persona):
    with app.test_request_context():
        principal = principal_of(world, persona)
        visible_messages = [m for m in db.session.scalars(sa.select(InboxMessage)) if may(principal, "view", m)]
        assert unread_count(principal) == len(visible_messages)
        if visible_messages:
            mark_read(principal, visible_messages[0])
            assert unread_count(principal) == len(visible_messages) - 1
