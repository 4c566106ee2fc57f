"""A register check of old details that finishes after the check of the corrected ones: the
evidence kept is the newer one. Real threads, committing for real."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts import services as accounts
from orgsvc.accounts.models import Person
from orgsvc.approvals import services as approvals
from orgsvc.approvals.models import RegisterCheck
from orgsvc.extensions import db
from orgsvc.roles.models import MemberRole, MembershipStatus
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory
from tests.registry.fixtures import import_sample
from tests.support import run_held

pytestmark = pytest.mark.committing
NORDLYS = "310000019"


def test_a_late_check_of_a_corrected_name_does_not_overwrite_the_new_evidence(app, database):
    import_sample(app)
    with app.app_context():
        ola = PersonFactory(full_name="Ola Nordman", date_of_birth=date(1975, 3, 14))  # the typo
        request = MembershipFactory(person=ola, organisation=OrganisationFactory(orgnr=NORDLYS),
                                    role=MemberRole.ADMINISTRATOR, status=MembershipStatus.PENDING)
        db.session.add(RegisterCheck(membership_id=request.id))
        db.session.commit()
        person_id, membership_id = ola.id, request.id

    def correct_and_check_again():
        person = db.session.get(Person, person_id)
        accounts.change_personal_details(load_principal(person), person, "Ola Nordmann", date(1975, 3, 14))
        return approvals.recheck_requests_of(person_id)

    # The old details' check has its answer and is about to store it when the correction comes.
    results = run_held(app, lambda: str(approvals.run_register_check(membership_id).outcome),
                       correct_and_check_again, hold_before=("SELECT register_check",))
    assert (results["first"], results["second"]) == ("not_eligible", 1), results
    with app.app_context():
        kept = db.session.scalar(sa.select(RegisterCheck).where(RegisterCheck.membership_id == membership_id))
        assert (kept.outcome, kept.reason, kept.role_code) == ("eligible", "role_found", "DAGL")
