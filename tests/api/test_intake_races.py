"""Intakes at the same moment, committing for real, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from orgsvc.access import Principal
from orgsvc.api import idempotency
from orgsvc.api.auth import create_client
from orgsvc.api.models import ApiClient
from orgsvc.audit.models import AuditEvent
from orgsvc.cases import regulator, services
from orgsvc.cases.models import Case, CaseDocument, CaseKind
from orgsvc.cases.uploads import upload_dir
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.organisations.services import NewOrganisation, resolve_organisation
from tests.cases.test_uploads import PDF
from tests.registry.fixtures import import_sample
from tests.support import run_at_once, run_held

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


def _client_key(app, fingerprint: str) -> idempotency.RequestKey:
    with app.app_context():
        create_client("klageportal")
        client_id = db.session.scalar(sa.select(ApiClient.id).where(ApiClient.name == "klageportal"))
    return idempotency.RequestKey(client_id, "8e03978e-40d5-43e8-bc93-6894a57f9324", fingerprint)


def test_two_intakes_with_one_idempotency_key_at_once_make_one_case(app, database):
    """PostgreSQL: both found the key unused and created a case; the second's key waits for the
    first's transaction, fails on it, and everything the second did is rolled back: one case, one log
    entry, and both answer with it. SQLite runs the two one after the other (each transaction takes
    the write lock at BEGIN), so there the second finds the key and replays: the same outcome."""
    principal = Principal(person_id=None, system="klageportal")
    key = _client_key(app, "a" * 64)

    def intake():
        def create(remember):
            checked = regulator.check_intake(principal, "tip", "Tips om butikken", None, (None, "Kari"), (None, None))
            return regulator.intake(principal, checked, None, None, remember)

        case, replayed = idempotency.once(key, Case, create)
        return case.id, replayed

    meet = "INSERT INTO case_file" if database.backend == "postgresql" else None
    results = run_at_once(app, [intake, intake], meet_before=meet)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0][0] == results[1][0]
    assert sorted(replayed for _, replayed in results) == [False, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "case.created")) == 1


def test_two_uploads_with_one_idempotency_key_at_once_store_one_document(app, database):
    """PostgreSQL: both found the key unused and received the file; the second waits for the case's
    lock, fails on the key, and its file is removed from the disk again. SQLite runs them one after
    the other, and the second replays without storing a file: the same outcome."""
    principal = Principal(person_id=None, system="klageportal")
    key = _client_key(app, "b" * 64)
    with app.app_context():
        checked = regulator.check_intake(principal, "tip", "Tips", None, (None, "Kari"), (None, None))
        case_id = regulator.intake(principal, checked, None, None).id

    def add():
        document, replayed = idempotency.once(key, CaseDocument, lambda remember: services.add_document(
            principal, case_id, io.BytesIO(PDF), "klage.pdf", None, remember))
        return document.id, replayed

    # PostgreSQL: both meet after looking for the key, before reading the case (then one waits for
    # the other's lock on it).
    meet = "SELECT case_file" if database.backend == "postgresql" else None
    results = run_at_once(app, [add, add], meet_before=meet)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0][0] == results[1][0]
    assert sorted(replayed for _, replayed in results) == [False, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument)) == 1
        assert len([path for path in upload_dir().rglob("*") if path.is_file()]) == 1


def test_two_intakes_adding_the_same_two_new_organisations_crosswise_both_succeed(app, postgresql_only):
    """One names X as submitter and Y as counterparty, the other the reverse: both add them in
    organisation-number order, so the second waits for the first instead of deadlocking."""
    x, y = NewOrganisation("910000001", "X AS", "AS", True), NewOrganisation("910000002", "Y AS", "AS", True)
    principal = Principal(person_id=None, system="klageportal")

    def intake(submitter, counterparty):
        checked = regulator.Intake(CaseKind.MEDIATION, "Klage", "", submitter.orgnr, None, counterparty.orgnr, None)
        return lambda: regulator.intake(principal, checked, submitter, counterparty).id

    inserts = {"seen": 0}

    def before_its_second_organisation(statement: str) -> bool:
        if statement.lstrip().startswith("INSERT INTO organisation"):
            inserts["seen"] += 1
            return inserts["seen"] == 2
        return False

    results = run_held(app, intake(x, y), intake(y, x), hold_before=before_its_second_organisation)
    assert isinstance(results["first"], int) and isinstance(results["second"], int), results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 2
