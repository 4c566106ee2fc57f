"""A world of cases on top of the persona world (tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from orgsvc.cases.models import Case, CaseKind, CaseRepresentative, CaseStatus
from orgsvc.db import utcnow
from orgsvc.extensions import db


@dataclass(frozen=True)
class Cases:
    a_against_b: int  # mediation submitted by A against B; user_a represents A
    a_tip: int  # a tip from A; only admin_a represents it
    b_against_a: int  # mediation submitted by B against A; user_b represents B
    a_closed: int  # a closed mediation of A's
    a_guidance: int  # guidance for A, user_a represents A


def make_case(number, kind, submitter, counterparty=None, status=CaseStatus.SUBMITTED, representatives=(),
              title=None) -> Case:
    case = Case(number=number, kind=kind, status=status, title=title or f"Sak {number}", description="Beskrivelse",
                submitter_org_id=submitter, counterparty_org_id=counterparty, last_activity_at=utcnow())
    db.session.add(case)
    db.session.flush()
    for person_id, organisation_id in representatives:
        db.session.add(CaseRepresentative(case_id=case.id, person_id=person_id, organisation_id=organisation_id))
    return case


def assign_caseworker(app, case_id: int, caseworker_id: int) -> None:
    """Give the case to a caseworker of the regulator (committed, as the regulator's page would)."""
    with app.app_context():
        db.session.get(Case, case_id).caseworker_id = caseworker_id
        db.session.commit()


@pytest.fixture
def cases(app, world) -> Cases:
    with app.app_context():
        a, b = world.org_a.id, world.org_b.id
        made = Cases(
            a_against_b=make_case("2026-900001", CaseKind.MEDIATION, a, b,
                                  representatives=[(world.user_a.id, a), (world.admin_a.id, a)]).id,
            a_tip=make_case("2026-900002", CaseKind.TIP, a, representatives=[(world.admin_a.id, a)]).id,
            b_against_a=make_case("2026-900003", CaseKind.MEDIATION, b, a,
                                  representatives=[(world.user_b.id, b)]).id,
            a_closed=make_case("2026-900004", CaseKind.MEDIATION, a, b, status=CaseStatus.CLOSED,
                               representatives=[(world.user_a.id, a)]).id,
            a_guidance=make_case("2026-900005", CaseKind.GUIDANCE, a, representatives=[(world.user_a.id, a)]).id,
        )
        db.session.commit()
        return made
