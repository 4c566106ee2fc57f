"""Closing an account at the same moment as other changes to the same person or to «Følg» rows:
real threads, committing for real. PostgreSQL only: one transaction is held while the other runs,
which SQLite's single writer (the write lock taken at BEGIN) never lets happen. Each would deadlock
(or fail on a row gone) with the locks taken in the other order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts import services as accounts
from orgsvc.accounts.models import Person
from orgsvc.cases import follow as follows
from orgsvc.cases.models import CaseFollow, CaseKind
from orgsvc.extensions import db
from orgsvc.roles.models import MemberRole
from tests.cases.fixtures import make_case
from tests.factories import MembershipFactory, OrganisationFactory
from tests.support import run_held

pytestmark = [pytest.mark.committing, pytest.mark.usefixtures("postgresql_only")]
NEW_PASSWORD = "another long passphrase 123"


def _member(organisation=None):
    organisation = organisation or OrganisationFactory()
    MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR)
    return MembershipFactory(organisation=organisation)


def _close(person_id):
    return lambda: accounts.close_account(load_principal(db.session.get(Person, person_id)),
                                          db.session.get(Person, person_id))


def _closed(app, person_id) -> bool:
    with app.app_context():
        return not db.session.get(Person, person_id).is_active_account


def _no_errors(results) -> None:
    assert not [v for k, v in results.items() if k != "second_waited" and isinstance(v, Exception)], results


def test_closing_an_account_while_its_password_is_reset(app):
    with app.app_context():
        person_id = _member().person_id
        token = accounts.issue_reset_token(db.session.get(Person, person_id))
        db.session.commit()
    results = run_held(app, _close(person_id), lambda: accounts.reset_password(token, NEW_PASSWORD).id,
                       hold_before=("UPDATE person",))
    # The reset waited for the closure and then found its link no longer works.
    assert results["first"] == 1 and isinstance(results["second"], Exception), results
    assert _closed(app, person_id)


def test_closing_an_account_while_its_password_is_changed(app):
    with app.app_context():
        person_id = _member().person_id
        accounts.issue_reset_token(db.session.get(Person, person_id))  # an unused link lying about
        db.session.commit()

    def change():
        return accounts._set_new_password(db.session.get(Person, person_id), "this-session", NEW_PASSWORD)

    results = run_held(app, _close(person_id), change, hold_before=("UPDATE person",))
    _no_errors(results)
    assert _closed(app, person_id)


def test_two_accounts_closing_with_follows_from_before_0016(app):
    """Follows without an address key (the old release's, during a deploy) are filled first, in a
    transaction of their own that skips rows another one holds."""
    with app.app_context():
        first, second = _member(), _member()
        case = make_case("2026-700002", CaseKind.TIP, first.organisation_id)
        for membership in (first, second):
            db.session.add(CaseFollow(case_id=case.id, person_id=membership.person_id,
                                      email=f"x{membership.person_id}@example.com"))
        db.session.flush()
        db.session.execute(sa.update(CaseFollow).values(email_key=None))
        db.session.commit()
        ids = first.person_id, second.person_id
    results = run_held(app, _close(ids[0]), _close(ids[1]), hold_before=("UPDATE case_follow",))
    _no_errors(results)
    assert _closed(app, ids[0]) and _closed(app, ids[1])


def test_closing_an_account_while_someone_unfollows_a_follow_from_before_0016(app):
    with app.app_context():
        closing = _member()
        follower = MembershipFactory(role=MemberRole.ADMINISTRATOR)
        case = make_case("2026-700009", CaseKind.TIP, follower.organisation_id,
                         representatives=[(follower.person_id, follower.organisation_id)])
        db.session.add(CaseFollow(case_id=case.id, person_id=follower.person_id, email="q@example.com"))
        db.session.flush()
        db.session.execute(sa.update(CaseFollow).values(email_key=None))
        db.session.commit()
        ids = closing.person_id, follower.person_id, case.id

    def unfollow():
        return follows.unfollow(load_principal(db.session.get(Person, ids[1])), ids[2])

    results = run_held(app, _close(ids[0]), unfollow, hold_before=("UPDATE case_follow",))
    _no_errors(results)
    assert _closed(app, ids[0])
