"""The regulator's case work at the same moment as a change of staff: real threads, committing for
real. PostgreSQL only: one transaction is held on its read while the other commits, which SQLite's
single writer (the write lock taken at BEGIN) never lets happen."""

from __future__ import annotations

import pytest

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.cases import regulator
from orgsvc.cases.models import Case, CaseKind
from orgsvc.errors import InvalidInput
from orgsvc.extensions import db
from orgsvc.staff.services import deactivate_staff
from tests.cases.fixtures import make_case
from tests.factories import OrganisationFactory, StaffFactory
from tests.support import run_held

pytestmark = pytest.mark.committing


@pytest.fixture
def staff_and_case(app, postgresql_only):
    with app.app_context():
        boss, leaving = StaffFactory(), StaffFactory()
        case_id = make_case("2026-000903", CaseKind.TIP, OrganisationFactory().id).id
        db.session.commit()
        return boss.id, leaving.id, leaving.email, case_id


def _assign(boss_id, case_id, caseworker_id):
    return lambda: regulator.assign(load_principal(db.session.get(Person, boss_id)), case_id,
                                    caseworker_id).caseworker_id


def _caseworker(app, case_id):
    with app.app_context():
        return db.session.get(Case, case_id).caseworker_id


def test_a_case_assigned_as_its_caseworker_leaves_goes_back_to_the_queue(app, staff_and_case):
    boss_id, leaving_id, leaving_email, case_id = staff_and_case
    results = run_held(app, _assign(boss_id, case_id, leaving_id), lambda: deactivate_staff(leaving_email).id,
                       hold_before=("UPDATE case_file",))
    assert (results["first"], results["second"]) == (leaving_id, leaving_id), results
    assert _caseworker(app, case_id) is None  # the deactivation waited for the assignment, then released it


def test_a_case_cannot_be_given_to_someone_deactivated_after_the_page_was_shown(app, staff_and_case):
    boss_id, leaving_id, leaving_email, case_id = staff_and_case
    results = run_held(app, _assign(boss_id, case_id, leaving_id), lambda: deactivate_staff(leaving_email).id,
                       hold_before=lambda sql: sql.startswith("SELECT staff_member") and "FOR SHARE" in sql)
    assert isinstance(results["first"], InvalidInput), results
    assert _caseworker(app, case_id) is None
