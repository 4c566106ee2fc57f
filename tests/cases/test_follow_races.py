"""«Følg» changed twice at once: an address nobody confirmed must never end up confirmed. PostgreSQL
only: one transaction is held on its stale read while the other commits, which SQLite's single
writer (the write lock taken at BEGIN) never lets happen."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.accounts.sessions import token_hash
from orgsvc.cases import follow as follows
from orgsvc.cases.models import CaseFollow, CaseKind
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.roles.models import MemberRole
from tests.cases.fixtures import make_case
from tests.factories import MembershipFactory, OrganisationFactory
from tests.support import run_held

pytestmark = pytest.mark.committing
VICTIM = "victim@example.org"


@pytest.fixture
def follower(app, postgresql_only):
    with app.app_context():
        organisation = OrganisationFactory()
        membership = MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR)
        case_id = make_case("2026-000901", CaseKind.TIP, organisation.id).id
        db.session.commit()
        return membership.person_id, membership.person.email, case_id


def _follow(person_id, case_id, address):
    return lambda: follows.follow(load_principal(db.session.get(Person, person_id)), case_id, address).id


def _waiting_for_its_link(app, person_id, case_id) -> str:
    """A follow to another address, its confirmation link sent: the link's token."""
    token = secrets.token_urlsafe(16)
    with app.app_context():
        db.session.add(CaseFollow(case_id=case_id, person_id=person_id, email="mine@example.org",
                                  token_hash=token_hash(token), token_expires_at=utcnow() + timedelta(hours=1)))
        db.session.commit()
    return token


def _row(app, case_id):
    with app.app_context():
        row = db.session.scalar(sa.select(CaseFollow).where(CaseFollow.case_id == case_id))
        return row.email, row.confirmed_at is not None, row.token_hash is not None


def test_following_with_another_address_while_the_own_one_is_chosen(app, follower):
    person_id, own, case_id = follower
    with app.app_context():  # an earlier «Følg» to another address, waiting for its confirmation
        follows.follow(load_principal(db.session.get(Person, person_id)), case_id, "first@example.org")
    results = run_held(app, _follow(person_id, case_id, VICTIM), _follow(person_id, case_id, None),
                       hold_before=("UPDATE case_follow",))
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    # The own address came second: it is what counts, confirmed at once; the victim's is not.
    assert _row(app, case_id) == (own, True, False)


def test_a_confirmation_link_while_another_address_is_chosen(app, follower):
    person_id, _own, case_id = follower
    token = _waiting_for_its_link(app, person_id, case_id)
    results = run_held(app, lambda: follows.confirm(token).id, _follow(person_id, case_id, VICTIM),
                       hold_before=("UPDATE case_follow",))
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    # The link confirmed the address it was sent to; the new address waits for its own link.
    assert _row(app, case_id) == (VICTIM, False, True)


def test_an_old_link_after_another_address_was_chosen_finds_nothing(app, follower):
    person_id, _own, case_id = follower
    token = _waiting_for_its_link(app, person_id, case_id)
    # The new address is chosen (held before writing, its lock taken) while the old link is followed.
    results = run_held(app, _follow(person_id, case_id, VICTIM), lambda: follows.confirm(token).id,
                       hold_before=("UPDATE case_follow",))
    assert isinstance(results["second"], Exception), results  # the link no longer names this follow
    assert _row(app, case_id) == (VICTIM, False, True)
