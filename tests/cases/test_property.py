"""On random worlds - organisations, memberships, cases, representatives - the access layer's list
filter and its detail check agree for every persona, for view, withdraw and upload; and the lists
people actually read («Våre saker», every tab and every page, and the regulator's list) hold
exactly the cases the detail check lets them view, in the documented order, each once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgsvc.access import Principal, load_principal, may, visibility, visible
from orgsvc.accounts.models import Person
from orgsvc.cases import regulator
from orgsvc.cases.models import Case, CaseKind, CaseMessage, CaseRepresentative, CaseStatus
from orgsvc.cases.services import PAGE_SIZE, SORTS, our_cases
from orgsvc.errors import DomainError
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from orgsvc.staff.models import StaffMember, StaffRole

ORGS, PEOPLE = 3, 6
LIVE = [(MemberRole.ADMINISTRATOR, MembershipStatus.ACTIVE), (MemberRole.USER, MembershipStatus.ACTIVE),
        (MemberRole.USER, MembershipStatus.PENDING), (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)]
ENDED = [(MemberRole.USER, MembershipStatus.REMOVED), (MemberRole.ADMINISTRATOR, MembershipStatus.REJECTED)]
# Few distinct moments, so that cases often share their last activity and the order's tie-breaks count.
MOMENTS = [datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(minutes=minutes) for minutes in (0, 1, 2)]
TABS = list(CaseKind)

memberships = st.dictionaries(
    st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, ORGS - 1)), st.sampled_from(LIVE + ENDED), max_size=12)
cases = st.lists(
    st.fixed_dictionaries({
        "kind": st.sampled_from(list(CaseKind)),
        "status": st.sampled_from(list(CaseStatus)),
        "submitter": st.integers(0, ORGS - 1),
        "counterparty": st.one_of(st.none(), st.integers(0, ORGS - 1)),
        "representatives": st.lists(st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, ORGS - 1)), max_size=4),
        "moment": st.integers(0, len(MOMENTS) - 1),
    }),
    min_size=1, max_size=8,
)
# Now and then a crowd of one kind between two organisations: enough cases for a tab to run over
# several pages of the list's real page size, on both sides of the cases.
crowds = st.one_of(st.none(), st.fixed_dictionaries({
    "size": st.integers(PAGE_SIZE - 1, 2 * PAGE_SIZE + 2),
    "kind": st.sampled_from(list(CaseKind)),
    "submitter": st.integers(0, ORGS - 1),
    "counterparty": st.one_of(st.none(), st.integers(0, ORGS - 1)),
    "representative": st.integers(0, PEOPLE - 1),
    "stride": st.integers(1, 3),
}))


def _crowd_plan(crowd) -> list[dict]:
    if crowd is None:
        return []
    statuses = list(CaseStatus)
    plan = []
    for index in range(crowd["size"]):
        representatives = []
        if index % crowd["stride"] == 0:
            representatives.append((crowd["representative"], crowd["submitter"]))
        if crowd["counterparty"] is not None and index % (crowd["stride"] + 1) == 0:
            representatives.append((crowd["representative"], crowd["counterparty"]))
        plan.append({"kind": crowd["kind"], "status": statuses[index % len(statuses)],
                     "submitter": crowd["submitter"], "counterparty": crowd["counterparty"],
                     "representatives": representatives, "moment": (index * 7) % len(MOMENTS)})
    return plan


def _build(app, membership_plan, case_plan):
    organisations = [Organisation(orgnr=f"99{index:07d}", name=f"ORG {index}") for index in range(ORGS)]
    people = [Person(email=f"p{index}@example.com", email_key=f"p{index}@example.com", full_name=f"P {index}")
              for index in range(PEOPLE)]
    staff = Person(email="staff@example.com", email_key="staff@example.com", full_name="Staff")
    staff.staff_role = StaffMember(role=StaffRole.CASEWORKER)
    chief = Person(email="chief@example.com", email_key="chief@example.com", full_name="Chief")
    chief.staff_role = StaffMember(role=StaffRole.REGULATOR_ADMIN)
    db.session.add_all([*organisations, *people, staff, chief])
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
        # Only a mediation has a counterparty (the schema says so); other kinds keep their
        # representation rows of the would-be counterparty, which must then count for nothing.
        counterparty = plan["counterparty"] if plan["kind"] == CaseKind.MEDIATION else None
        case = Case(number=f"2026-{number:06d}", kind=plan["kind"], status=plan["status"], title="t",
                    submitter_org_id=organisations[plan["submitter"]].id,
                    counterparty_org_id=organisations[counterparty].id if counterparty is not None else None,
                    last_activity_at=MOMENTS[plan["moment"]])
        db.session.add(case)
        db.session.flush()
        for person, organisation in set(plan["representatives"]):
            db.session.add(CaseRepresentative(case_id=case.id, person_id=people[person].id,
                                              organisation_id=organisations[organisation].id))
        db.session.add(CaseMessage(case_id=case.id, organisation_id=case.submitter_org_id, body="m"))
    db.session.flush()
    return [*people, staff, chief], [organisation.id for organisation in organisations]


def _principals(persons) -> list[Principal]:
    """Every persona the access layer knows: the random members (administrators, users, pending
    ones, former members), a caseworker, a regulator administrator, the intake API's system
    client and an anonymous visitor."""
    return [*(load_principal(person) for person in persons), Principal(person_id=None, system="intake-test"),
            Principal(person_id=None)]


def _in_documented_order(rows: list[Case], sort: str) -> list[int]:
    """services.SORTS in Python: last activity (newest first, then the newest id), case number
    (highest first), or status (alphabetically by its stored value, then by last activity)."""
    by_activity = sorted(rows, key=lambda case: (case.last_activity_at, case.id), reverse=True)
    if sort == "number":
        return [case.id for case in sorted(rows, key=lambda case: case.number, reverse=True)]
    if sort == "status":
        return [case.id for case in sorted(by_activity, key=lambda case: case.status.value)]
    return [case.id for case in by_activity]


def _every_page(read_page) -> list:
    """The rows of every page, following "more" as the pager's «Neste side» does."""
    rows, page = [], 1
    while True:
        batch, more = read_page(page)
        assert len(batch) <= PAGE_SIZE
        assert batch or page == 1, "the page before promised more, and this one is empty"
        rows += batch
        if not more:
            return rows
        assert len(batch) == PAGE_SIZE, "only the last page may be short"
        page += 1
        assert page < 100, "the pager never ends"


def _counterpart_name(case: Case, organisation_id: int, names: dict[int, str]) -> str:
    other = case.counterparty_org_id if case.submitter_org_id == organisation_id else case.submitter_org_id
    return names.get(other, "")


def _check_our_cases(principal, organisation_ids, all_cases, sort, names) -> set[int]:
    """«Våre saker» for each organisation and tab, against the detail check; returns all it listed."""
    listed_anywhere: set[int] = set()
    for organisation_id in organisation_ids:
        # The detail check as seen from this organisation's list: the person's role in it (and any
        # global role), not what they may through another organisation that is also party.
        grant = principal.grants.get(organisation_id)
        acting_here = dataclasses.replace(principal, grants={organisation_id: grant} if grant else {})
        for kind in TABS:
            rows = _every_page(lambda page, kind=kind, org=organisation_id: our_cases(principal, org, kind, sort, page))
            ids = [row.case.id for row in rows]
            assert len(ids) == len(set(ids)), ("a case listed twice", organisation_id, kind, sort)
            theirs = [case for case in all_cases
                      if case.kind == kind and organisation_id in case.party_org_ids and may(acting_here, "view", case)]
            assert ids == _in_documented_order(theirs, sort), (principal, organisation_id, kind, sort)
            for row in rows:
                assert row.counterpart == _counterpart_name(row.case, organisation_id, names)
            listed_anywhere.update(ids)
    return listed_anywhere


def _check_regulator_list(principal, organisation_ids, all_cases, may_view: set[int]) -> None:
    """The caseworkers' list holds every case they may view (by kind, by organisation); everyone
    else is refused it."""
    if not principal.is_staff:
        with pytest.raises(DomainError):
            regulator.all_cases(principal)
        return
    everything = [case.id for case in _every_page(lambda page: regulator.all_cases(principal, page=page))]
    assert everything == _in_documented_order([c for c in all_cases if c.id in may_view], "activity")
    for kind in TABS:
        listed = _every_page(lambda page, kind=kind: regulator.all_cases(principal, kind=kind.value, page=page))
        assert {case.id for case in listed} == {c.id for c in all_cases if c.kind == kind and c.id in may_view}
    for organisation_id in organisation_ids:
        listed = _every_page(lambda page, org=organisation_id: regulator.all_cases(
            principal, organisation_id=org, page=page))
        assert {case.id for case in listed} == {
            c.id for c in all_cases if organisation_id in c.party_org_ids and c.id in may_view}


def _check_principals_read_with_a_case(persons, all_cases) -> None:
    """A case's page reads whom the person represents in it with their memberships: every decision
    on that case equals the one made by looking the representation up."""
    for person in persons:
        looked_up = load_principal(person)
        for case in all_cases:
            read_with = load_principal(person, case_id=case.id)
            for action in ("view", "withdraw", "upload", "message"):
                assert may(read_with, action, case) == may(looked_up, action, case), (person.id, case.id, action)


def _parametrised(model, access) -> set[int]:
    """The ids the parametrised form of an access condition lists (one statement per shape, shared by
    every principal of that shape: the random worlds give many principals of one shape)."""
    return set(db.session.scalars(sa.select(model.id).where(access.sql), access.params))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(membership_plan=memberships, case_plan=cases, crowd=crowds, sort=st.sampled_from(sorted(SORTS)))
def test_lists_equal_checks_for_every_persona(app, membership_plan, case_plan, crowd, sort):
    with app.test_request_context():
        connection = db.session.connection()
        savepoint = connection.begin_nested()
        try:
            persons, organisation_ids = _build(app, membership_plan, case_plan + _crowd_plan(crowd))
            names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)).all())
            all_cases = list(db.session.scalars(sa.select(Case)))
            all_messages = list(db.session.scalars(sa.select(CaseMessage)))
            for principal in _principals(persons):
                for action in ("view", "withdraw", "upload", "message"):
                    listed = set(db.session.scalars(sa.select(Case.id).where(visible(principal, "case", action))))
                    checked = {case.id for case in all_cases if may(principal, action, case)}
                    assert listed == checked, (principal, action)
                    assert _parametrised(Case, visibility(principal, "case", action)) == checked, (principal, action)
                    for organisation_id in organisation_ids:
                        scoped = visible(principal, "case", action, within_org=organisation_id)
                        assert _parametrised(Case, visibility(principal, "case", action, within_org=organisation_id)) \
                            == set(db.session.scalars(sa.select(Case.id).where(scoped))), (principal, organisation_id)
                listed = set(db.session.scalars(sa.select(CaseMessage.id).where(visible(principal, "case_message"))))
                assert listed == {m.id for m in all_messages if may(principal, "view", m)}
                assert _parametrised(CaseMessage, visibility(principal, "case_message")) == listed

                may_view = {case.id for case in all_cases if may(principal, "view", case)}
                # Every case has an organisation as a party here, so the organisations' lists
                # together are all a person sees: exactly the cases the detail page shows them.
                assert _check_our_cases(principal, organisation_ids, all_cases, sort, names) == may_view, principal
                _check_regulator_list(principal, organisation_ids, all_cases, may_view)
            _check_principals_read_with_a_case(persons, all_cases)
        finally:
            savepoint.rollback()
            db.session.expunge_all()
