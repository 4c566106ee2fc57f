"""On random worlds - organisations, memberships, cases, representatives - the access layer's list
filter and its detail check agree for every persona, for view, withdraw and upload."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgsvc.access import load_principal, may, visible
from orgsvc.accounts.models import Person
from orgsvc.cases.models import Case, CaseKind, CaseMessage, CaseRepresentative, CaseStatus
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from orgsvc.staff.models import StaffMember, StaffRole

ORGS, PEOPLE = 3, 6
LIVE = [(MemberRole.ADMINISTRATOR, MembershipStatus.ACTIVE), (MemberRole.USER, MembershipStatus.ACTIVE),
        (MemberRole.USER, MembershipStatus.PENDING), (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)]
ENDED = [(MemberRole.USER, MembershipStatus.REMOVED), (MemberRole.ADMINISTRATOR, MembershipStatus.REJECTED)]

memberships = st.dictionaries(
    st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, ORGS - 1)), st.sampled_from(LIVE + ENDED), max_size=12)
cases = st.lists(
    st.fixed_dictionaries({
        "kind": st.sampled_from(list(CaseKind)),
        "status": st.sampled_from(list(CaseStatus)),
        "submitter": st.integers(0, ORGS - 1),
        "counterparty": st.one_of(st.none(), st.integers(0, ORGS - 1)),
        "representatives": st.lists(st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, ORGS - 1)), max_size=4),
    }),
    min_size=1, max_size=8,
)


def _build(app, membership_plan, case_plan):
    organisations = [Organisation(orgnr=f"99{index:07d}", name=f"ORG {index}") for index in range(ORGS)]
    people = [Person(email=f"p{index}@example.com", email_key=f"p{index}@example.com", full_name=f"P {index}")
              for index in range(PEOPLE)]
    staff = Person(email="staff@example.com", email_key="staff@example.com", full_name="Staff")
    staff.staff_role = StaffMember(role=StaffRole.CASEWORKER)
    db.session.add_all([*organisations, *people, staff])
    db.session.flush()
    pending_admin_in = set()
    for (person, organisation), (role, status) in membership_plan.items():
        if (role, status) == (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING):
            if organisation in pending_admin_in:  # the schema allows one per organisation
                role = MemberRole.USER
            pending_admin_in.add(organisation)
        db.session.add(Membership(person_id=people[person].id, organisation_id=organisations[organisation].id,
                                  role=role, status=status))
    for number, plan in enumerate(case_plan):
        counterparty = plan["counterparty"]
        case = Case(number=f"2026-{number:06d}", kind=plan["kind"], status=plan["status"], title="t",
                    submitter_org_id=organisations[plan["submitter"]].id,
                    counterparty_org_id=organisations[counterparty].id if counterparty is not None else None)
        db.session.add(case)
        db.session.flush()
        for person, organisation in set(plan["representatives"]):
            db.session.add(CaseRepresentative(case_id=case.id, person_id=people[person].id,
                                              organisation_id=organisations[organisation].id))
        db.session.add(CaseMessage(case_id=case.id, organisation_id=case.submitter_org_id, body="m"))
    db.session.flush()
    return [*people, staff]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(membership_plan=memberships, case_plan=cases)
def test_lists_equal_checks_for_every_persona(app, membership_plan, case_plan):
    with app.test_request_context():
        connection = db.session.connection()
        savepoint = connection.begin_nested()
        try:
            persons = _build(app, membership_plan, case_plan)
            all_cases = list(db.session.scalars(sa.select(Case)))
            all_messages = list(db.session.scalars(sa.select(CaseMessage)))
            for person in persons:
                principal = load_principal(person)
                for action in ("view", "withdraw", "upload", "message"):
                    listed = set(db.session.scalars(sa.select(Case.id).where(visible(principal, "case", action))))
                    checked = {case.id for case in all_cases if may(principal, action, case)}
                    assert listed == checked, (person.full_name, action)
                listed = set(db.session.scalars(sa.select(CaseMessage.id).where(visible(principal, "case_message"))))
                assert listed == {m.id for m in all_messages if may(principal, "view", m)}
        finally:
            savepoint.rollback()
            db.session.expunge_all()
