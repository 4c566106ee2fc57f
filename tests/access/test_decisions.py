"""The access layer's decisions for every persona, in and outside their own organisation."""

from __future__ import annotations

import sys
import threading

import pytest

from orgsvc.access import denial_for, load_principal, may
from orgsvc.access.policy import Context
from orgsvc.access.principal import ANONYMOUS
from orgsvc.accounts.models import Person
from orgsvc.errors import AuthenticationRequired, Forbidden, NotFound
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from tests.conftest import membership_of

# persona,          action,           object,              allowed
MATRIX = [
    # organisation ---------------------------------------------------------------------------
    ("anonymous",       "view",           "org_a",             False),
    ("anonymous",       "join",           "org_a",             False),
    ("outsider",        "view",           "org_a",             False),
    ("outsider",        "join",           "org_a",             True),
    ("outsider",        "manage_members", "org_a",             False),
    ("pending_user_a",  "view",           "org_a",             True),
    ("pending_user_a",  "view",           "org_b",             False),
    ("pending_user_a",  "manage_members", "org_a",             False),
    ("pending_user_a",  "view_audit",     "org_a",             False),
    ("user_a",          "view",           "org_a",             True),
    ("user_a",          "view",           "org_b",             False),
    ("user_a",          "manage_members", "org_a",             False),
    ("user_a",          "view_audit",     "org_a",             False),
    ("user_a",          "join",           "org_b",             True),
    ("admin_a",         "view",           "org_a",             True),
    ("admin_a",         "view",           "org_b",             False),
    ("admin_a",         "manage_members", "org_a",             True),
    ("admin_a",         "manage_members", "org_b",             False),
    ("admin_a",         "view_audit",     "org_a",             True),
    ("admin_a",         "view_audit",     "org_b",             False),
    ("pending_admin",   "view",           "org_pending",       True),
    ("pending_admin",   "view",           "org_a",             False),
    ("pending_admin",   "manage_members", "org_pending",       False),
    ("pending_admin",   "view_audit",     "org_pending",       False),
    ("caseworker",      "view",           "org_a",             True),
    ("caseworker",      "view",           "org_b",             True),
    ("caseworker",      "manage_members", "org_a",             False),
    ("caseworker",      "view_audit",     "org_b",             True),
    ("caseworker",      "join",           "org_a",             False),
    ("regulator_admin", "view",           "org_a",             True),
    ("regulator_admin", "view_audit",     "org_a",             True),
    ("regulator_admin", "manage_members", "org_a",             False),
    ("user_a",          "create_case",    "org_a",             True),
    ("admin_a",         "create_case",    "org_a",             True),
    ("admin_a",         "create_case",    "org_b",             False),
    ("pending_user_a",  "create_case",    "org_a",             False),
    ("pending_admin",   "create_case",    "org_pending",       False),
    ("outsider",        "create_case",    "org_a",             False),
    ("caseworker",      "create_case",    "org_a",             False),
    # membership -----------------------------------------------------------------------------
    ("anonymous",       "view",           "m_user_a",          False),
    ("outsider",        "view",           "m_user_a",          False),
    ("outsider",        "decide_join",    "m_pending_user_a",  False),
    ("pending_user_a",  "view",           "m_pending_user_a",  True),
    ("pending_user_a",  "view",           "m_user_a",          False),
    ("pending_user_a",  "leave",          "m_pending_user_a",  True),
    ("pending_user_a",  "decide_join",    "m_pending_user_a",  False),
    ("user_a",          "view",           "m_user_a",          True),
    ("user_a",          "view",           "m_admin_a",         False),
    ("user_a",          "view",           "m_user_b",          False),
    ("user_a",          "leave",          "m_user_a",          True),
    ("user_a",          "leave",          "m_pending_user_a",  False),
    ("user_a",          "decide_join",    "m_pending_user_a",  False),
    ("user_a",          "remove",         "m_pending_user_a",  False),
    ("user_a",          "change_role",    "m_user_a",          False),
    ("admin_a",         "view",           "m_user_a",          True),
    ("admin_a",         "view",           "m_pending_user_a",  True),
    ("admin_a",         "view",           "m_user_b",          False),
    ("admin_a",         "decide_join",    "m_pending_user_a",  True),
    ("admin_a",         "decide_join",    "m_admin_a",         False),
    ("admin_a",         "decide_join",    "m_pending_admin",   False),
    ("admin_a",         "decide_join",    "m_user_b",          False),
    ("admin_a",         "change_role",    "m_user_a",          True),
    ("admin_a",         "change_role",    "m_admin_a",         True),
    ("admin_a",         "change_role",    "m_user_b",          False),
    ("admin_a",         "remove",         "m_user_a",          True),
    ("admin_a",         "remove",         "m_user_b",          False),
    ("admin_a",         "leave",          "m_admin_a",         True),
    ("admin_a",         "leave",          "m_user_a",          False),
    ("pending_admin",   "view",           "m_pending_admin",   True),
    ("pending_admin",   "leave",          "m_pending_admin",   True),
    ("pending_admin",   "decide_join",    "m_pending_admin",   False),
    ("pending_admin",   "view",           "m_user_a",          False),
    ("pending_user_a",  "apply_administrator", "m_pending_user_a", True),
    ("user_a",          "apply_administrator", "m_user_a",     True),
    ("user_a",          "apply_administrator", "m_pending_user_a", False),
    ("outsider",        "apply_administrator", "m_user_a",     False),
    ("caseworker",      "apply_administrator", "m_user_a",     False),
    ("caseworker",      "view",           "m_user_b",          True),
    ("caseworker",      "decide_administrator", "m_pending_admin",  True),
    ("caseworker",      "decide_administrator", "m_pending_user_a", False),
    ("caseworker",      "remove",         "m_user_a",          False),
    ("caseworker",      "change_role",    "m_user_a",          False),
    ("regulator_admin", "decide_administrator", "m_pending_admin",  True),
    # Each side decides only its own kind of request: the regulator's approval of a first
    # administrator is not an administrator's to make, nor a join request the regulator's.
    ("admin_a",         "decide_administrator", "m_pending_user_a", False),
    ("admin_a",         "decide_administrator", "m_pending_admin",  False),
    ("caseworker",      "decide_join",    "m_pending_admin",   False),
    ("caseworker",      "decide_join",    "m_pending_user_a",  False),
    ("pending_admin",   "decide_administrator", "m_pending_admin", False),
    ("admin_a",         "view_cases",     "m_user_a",          True),
    ("admin_a",         "view_cases",     "m_user_b",          False),
    ("user_a",          "view_cases",     "m_user_a",          False),
    ("caseworker",      "view_cases",     "m_user_a",          False),
]

MEMBERSHIP_OBJECTS = {
    "m_user_a": ("user_a", "org_a"),
    "m_pending_user_a": ("pending_user_a", "org_a"),
    "m_admin_a": ("admin_a", "org_a"),
    "m_user_b": ("user_b", "org_b"),
    "m_pending_admin": ("pending_admin", "org_pending"),
}


def principal_of(world, persona: str):
    if persona == "anonymous":
        return ANONYMOUS
    return load_principal(db.session.get(Person, getattr(world, persona).id))


def resolve(world, name: str):
    if name in MEMBERSHIP_OBJECTS:
        person, organisation = MEMBERSHIP_OBJECTS[name]
        return membership_of(getattr(world, person), getattr(world, organisation))
    return db.session.get(Organisation, getattr(world, name).id)


@pytest.mark.parametrize(("persona", "action", "obj", "allowed"), MATRIX, ids=lambda v: str(v))
def test_decision(app, world, persona, action, obj, allowed):
    with app.test_request_context():
        assert may(principal_of(world, persona), action, resolve(world, obj)) is allowed


def test_the_matrix_covers_every_rule_in_the_policy(app):
    """Adding a rule to policies/ without a matrix row here fails the suite."""
    policy = app.extensions["orgsvc.policy"]
    granted = {(persona, resource, action) for persona, resource, action, _ in policy.enforcer.get_policy()}
    kinds = {name: ("membership" if name.startswith("m_") else "organisation") for _, _, name, _ in MATRIX}
    tested_allowed = {(PERSONA_OF.get(p, p), kinds[o], a) for p, a, o, ok in MATRIX if ok}
    for persona, resource, action in granted:
        if resource not in {"organisation", "membership"}:
            continue
        assert (persona, resource, action) in tested_allowed, f"no allowed row for {persona} {resource}:{action}"


PERSONA_OF = {
    "outsider": "person",
    "pending_user_a": "pending_user",
    "user_a": "user",
    "admin_a": "administrator",
    "pending_admin": "pending_administrator",
}


@pytest.mark.parametrize(
    ("persona", "action", "obj", "expected"),
    [
        ("admin_a", "decide_join", "m_user_b", NotFound),  # another organisation's object: as if missing
        ("user_a", "decide_join", "m_pending_user_a", NotFound),  # not visible to a user
        ("admin_a", "decide_join", "m_admin_a", Forbidden),  # visible, but not theirs to decide
        ("user_a", "manage_members", "org_a", Forbidden),
        ("user_a", "view", "org_b", NotFound),
        ("anonymous", "view", "org_a", AuthenticationRequired),
    ],
)
def test_refusals_are_404_for_the_invisible_and_403_for_the_visible(app, world, persona, action, obj, expected):
    with app.test_request_context():
        error = denial_for(principal_of(world, persona), action, resolve(world, obj))
        assert isinstance(error, expected)


def test_a_removed_membership_gives_no_role_any_more(app, world):
    with app.test_request_context():
        membership = membership_of(world.admin_a, world.org_a)
        organisation = db.session.get(Organisation, world.org_a.id)
        assert may(principal_of(world, "admin_a"), "manage_members", organisation)
        membership.status = "removed"
        db.session.commit()
        assert not may(principal_of(world, "admin_a"), "manage_members", organisation)
        assert not may(principal_of(world, "admin_a"), "view", organisation)


def test_decisions_asked_from_many_threads_at_once_keep_their_own_answers(app):
    """The policy keeps its parsed matcher per thread: evaluating it stores the question on it."""
    policy = app.extensions["orgsvc.policy"]
    context = Context(ANONYMOUS, None, None)  # the only condition asked, "always", reads neither
    questions = [("administrator", True), ("pending_user", False), ("caseworker", True), ("person", False)]
    wrong: list[tuple[str, bool]] = []
    start = threading.Barrier(len(questions))

    def ask(persona: str, expected: bool) -> None:
        start.wait()
        for _ in range(500):
            if policy.allows(persona, "case", "view", context) is not expected:
                wrong.append((persona, expected))

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, mid-decision too
    try:
        threads = [threading.Thread(target=ask, args=question) for question in questions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    assert wrong == []
