"""Intakes at the same moment, committing for real, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.access import Principal
from orgsvc.cases import regulator
from orgsvc.cases.models import Case
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.organisations.services import resolve_organisation
from tests.registry.fixtures import import_sample
from tests.support import run_at_once

pytestmark = pytest.mark.committing


def test_two_intakes_adding_the_same_organisation_at_once_share_it(app, database):
    """Both looked the number up and found it new; both cases are created, with one organisation
    (the second waits for the first's row and takes it, its own transaction still usable)."""
    import_sample(app)
    principal = Principal(person_id=None, system="klageportal")

    def intake():
        checked = regulator.check_intake(principal, "tip", "Tips om butikken", None, ("310000019", None),
                                         (None, None))
        return regulator.intake(principal, checked, resolve_organisation("310000019"), None).submitter_org_id

    # PostgreSQL: both have looked before either inserts. SQLite serialises writers from their BEGIN.
    meet = "INSERT INTO organisation" if database.backend == "postgresql" else None
    results = run_at_once(app, [intake, intake], meet_before=meet)
    assert not [r for r in results if isinstance(r, Exception)], results
    with app.app_context():
        [organisation_id] = db.session.scalars(sa.select(Organisation.id).where(Organisation.orgnr == "310000019"))
        assert results == [organisation_id, organisation_id]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 2
