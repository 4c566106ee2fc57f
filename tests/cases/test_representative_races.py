"""Giving a member access to a case while another administrator removes the member: real threads,
each with its own connection and transaction, committing for real, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import threading
import time

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.cases import services
from orgsvc.cases.models import Case, CaseDocument, CaseKind, CaseRepresentative
from orgsvc.cases.uploads import upload_dir
from orgsvc.errors import Forbidden, InvalidInput, NotFound
from orgsvc.extensions import db
from orgsvc.roles import services as roles
from orgsvc.roles.models import LIVE_STATUSES, MemberRole, Membership
from tests.cases.fixtures import make_case
from tests.cases.test_uploads import PDF
from tests.factories import MembershipFactory, OrganisationFactory
from tests.support import run_at_once, run_held, run_in_own_context

pytestmark = pytest.mark.committing


def _as(person_id):
    principal = load_principal(db.session.get(Person, person_id))
    db.session.commit()  # hold no transaction (SQLite: no write lock) before the call under test
    return principal


def _until_done_or_waiting_for_a_lock(thread: threading.Thread, backend_pids: dict, seconds: float = 10.0) -> None:
    """Until ``thread`` has finished or (PostgreSQL) its connection waits for a lock. SQLite has one
    writer at a time (the other thread waits to begin), so there a moment's pause is all it takes."""
    if db.engine.dialect.name != "postgresql":
        thread.join(0.3)
        return
    deadline = time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < deadline:
        pid = backend_pids.get(thread.name)
        waiting = pid is not None and db.session.scalar(sa.text(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
        db.session.rollback()
        if waiting:
            return
        time.sleep(0.02)


def test_access_given_while_the_member_is_removed_does_not_outlive_the_membership(app):
    """The giver has checked that the person is an active member and is about to write the access
    when another administrator removes the person (which ends their access to every case). Whatever
    the order the database lets them finish in, no access survives the membership."""
    with app.app_context():
        organisation = OrganisationFactory()
        giver, remover = (MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR)
                          for _ in range(2))
        member = MembershipFactory(organisation=organisation)
        case_id = make_case("2026-000779", CaseKind.MEDIATION, organisation.id).id
        db.session.commit()
        ids = {"giver": giver.person_id, "remover": remover.person_id, "member": member.person_id,
               "membership": member.id, "organisation": organisation.id}

    at_insert, go_on = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    backend_pids: dict[str, int] = {}

    def hold_the_giver_before_it_writes(_conn, cursor, statement, *_args):
        name = threading.current_thread().name
        if hasattr(cursor.connection, "info"):  # psycopg: which server process runs the thread's statements
            backend_pids[name] = cursor.connection.info.backend_pid
        if name == "giver" and statement.lstrip().startswith(
                "INSERT INTO case_representative"):
            at_insert.set()
            go_on.wait(30)

    def run(name, call):
        run_in_own_context(app, call, results, name)

    def give():
        return services.add_representative(_as(ids["giver"]), case_id, ids["organisation"], ids["member"]).id

    def remove():
        return roles.remove_member(_as(ids["remover"]), ids["membership"], None).status

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", hold_the_giver_before_it_writes)
    try:
        giving = threading.Thread(target=run, args=("giver", give), name="giver")
        giving.start()
        removing = threading.Thread(target=run, args=("remover", remove), name="remover")
        if at_insert.wait(30):  # the giver has read the membership as active; now the removal runs
            removing.start()
            with app.app_context():
                _until_done_or_waiting_for_a_lock(removing, backend_pids)
        else:  # refused before writing (the removal was first): let it run all the same
            removing.start()
        go_on.set()
        giving.join(60)
        removing.join(60)
    finally:
        go_on.set()
        sa.event.remove(engine, "before_cursor_execute", hold_the_giver_before_it_writes)

    assert set(results) == {"giver", "remover"}, results
    assert not isinstance(results["remover"], Exception), results
    assert isinstance(results["giver"], int | InvalidInput), results
    with app.app_context():
        status = db.session.get(Membership, ids["membership"]).status
        left = db.session.scalars(sa.select(CaseRepresentative.id).where(
            CaseRepresentative.person_id == ids["member"])).all()
    assert status not in LIVE_STATUSES
    assert left == [], "a representation survives for a member whose membership ended"


# --- a member removed while creating or withdrawing a case (PostgreSQL: held on a stale read) -----
@pytest.fixture
def member_and_admin(app, postgresql_only):
    with app.app_context():
        organisation = OrganisationFactory()
        admin = MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR)
        member = MembershipFactory(organisation=organisation)
        db.session.commit()
        return admin.person_id, member.person_id, member.id, organisation.id


def _removal(admin_id, membership_id):
    return lambda: roles.remove_member(load_principal(db.session.get(Person, admin_id)), membership_id, None).status


def _creation(member_id, organisation_id):
    return lambda: services.create_case(load_principal(db.session.get(Person, member_id)), organisation_id, "tip",
                                        "Tips", "Noe er galt").id


def _representations(app, person_id) -> list[int]:
    with app.app_context():
        return db.session.scalars(sa.select(CaseRepresentative.case_id)
                                  .where(CaseRepresentative.person_id == person_id)).all()


def test_a_case_created_while_its_creator_is_removed_loses_their_access_with_the_rest(app, member_and_admin):
    admin_id, member_id, membership_id, organisation_id = member_and_admin
    results = run_held(app, _creation(member_id, organisation_id), _removal(admin_id, membership_id),
                       hold_before=("INSERT INTO case_file",))
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    assert _representations(app, member_id) == []  # the removal waited for the case, then ended its access


def test_a_case_from_a_member_removed_after_the_request_began_is_refused(app, member_and_admin):
    admin_id, member_id, membership_id, organisation_id = member_and_admin
    results = run_held(app, _creation(member_id, organisation_id), _removal(admin_id, membership_id),
                       hold_before=lambda sql: "FOR SHARE" in sql)
    assert isinstance(results["first"], (NotFound, Forbidden)), results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def _representation(app, member_id, organisation_id) -> tuple[int, int]:
    with app.app_context():
        case_id = make_case("2026-000906", CaseKind.MEDIATION, organisation_id, OrganisationFactory().id,
                            representatives=[(member_id, organisation_id)]).id
        db.session.commit()
        representative_id = db.session.scalar(sa.select(CaseRepresentative.id).where(
            CaseRepresentative.case_id == case_id))
        return case_id, representative_id


def _upload(member_id, case_id, organisation_id):
    return lambda: services.add_document(load_principal(db.session.get(Person, member_id)), case_id,
                                         io.BytesIO(PDF), "kvittering.pdf", organisation_id).id


def _access_taken(admin_id, case_id, representative_id):
    return lambda: services.remove_representative(load_principal(db.session.get(Person, admin_id)), case_id,
                                                  representative_id)


def test_a_withdrawal_by_a_member_removed_after_the_request_began_is_refused(app, member_and_admin):
    admin_id, member_id, membership_id, organisation_id = member_and_admin
    case_id, _representative_id = _representation(app, member_id, organisation_id)

    def withdraw():
        return services.withdraw(load_principal(db.session.get(Person, member_id)), case_id, None)

    results = run_held(app, withdraw, _removal(admin_id, membership_id), hold_before=lambda sql: "FOR SHARE" in sql)
    assert isinstance(results["first"], (NotFound, Forbidden)), results
    with app.app_context():
        assert db.session.get(Case, case_id).status == "submitted"


def test_a_document_from_a_member_removed_after_the_request_began_is_refused(app, member_and_admin):
    admin_id, member_id, membership_id, organisation_id = member_and_admin
    case_id, _representative_id = _representation(app, member_id, organisation_id)
    results = run_held(app, _upload(member_id, case_id, organisation_id), _removal(admin_id, membership_id),
                       hold_before=lambda sql: "FOR SHARE" in sql)
    assert isinstance(results["first"], (NotFound, Forbidden)), results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument)) == 0
        assert [p for p in upload_dir().rglob("*") if p.is_file()] == []


def test_a_document_from_a_member_whose_access_was_taken_before_it_was_checked_is_refused(app, member_and_admin):
    admin_id, member_id, _membership_id, organisation_id = member_and_admin
    case_id, representative_id = _representation(app, member_id, organisation_id)
    results = run_held(app, _upload(member_id, case_id, organisation_id),
                       _access_taken(admin_id, case_id, representative_id),
                       hold_before=lambda sql: "FOR SHARE" in sql)
    assert isinstance(results["first"], (NotFound, Forbidden)), results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument)) == 0


def test_access_taken_away_while_a_document_is_being_added_waits_for_it(app, member_and_admin):
    """The document was checked and is being written: the access ends after it, not under it."""
    admin_id, member_id, _membership_id, organisation_id = member_and_admin
    case_id, representative_id = _representation(app, member_id, organisation_id)
    results = run_held(app, _upload(member_id, case_id, organisation_id),
                       _access_taken(admin_id, case_id, representative_id),
                       hold_before=("INSERT INTO case_document",))
    assert results["second_waited"] is True, results
    assert isinstance(results["first"], int) and results["second"] is None, results


def test_two_administrators_taking_the_same_access_away_at_once(app, member_and_admin):
    admin_id, member_id, _membership_id, organisation_id = member_and_admin
    case_id, representative_id = _representation(app, member_id, organisation_id)
    results = run_at_once(app, [_access_taken(admin_id, case_id, representative_id)] * 2,
                          meet_before="SELECT case_representative")
    assert sorted(type(result).__name__ for result in results) == ["NoneType", "NotFound"], results
