"""Mass assignment: extra fields such as org_id, role, status or is_admin posted to any form change
nothing they should not. Forms bind only their own fields; services decide the rest."""

from __future__ import annotations

import io

import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.cases.models import Case, CaseDocument, CaseFollow, CaseMessage
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import Membership
from orgsvc.staff.models import StaffMember
from tests.accounts.helpers import link_in, outbox, password_form, registration_form
from tests.cases.test_uploads import PDF
from tests.conftest import membership_of
from tests.support import DEFAULT_PASSWORD, login


def probes(world) -> dict:
    """Fields a tampering client might add to any form."""
    return {"org_id": world.org_b.id, "organisation_id": world.org_b.id, "role": "administrator",
            "status": "active", "is_admin": "1", "is_staff": "1", "staff_role": "regulator_admin",
            "person_id": world.admin_b.id, "submitter_org_id": world.org_b.id, "caseworker_id": world.caseworker.id,
            "decided_by_id": world.admin_b.id, "from_regulator": "1", "uploaded_by_id": world.admin_b.id,
            "withdrawn_by_id": world.admin_b.id, "email_key": "admin@example.com", "wants_digest": "1"}


def _staff_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(StaffMember))


def test_registration_ignores_roles_and_organisations(app, client, world):
    staff_before = _staff_rows(app)
    client.post("/register", data={**registration_form(email="ny@example.com"), **probes(world)})
    client.post(link_in(outbox(app, "confirm_registration")[0]), data={**password_form(), **probes(world)})
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.email_key == "ny@example.com"))
        assert person.staff_role is None
        assert db.session.scalar(sa.select(Membership).where(Membership.person_id == person.id)) is None
    assert _staff_rows(app) == staff_before


def test_joining_cannot_pick_a_role_or_skip_approval(app, client, world):
    login(client, world.outsider.email)
    with app.app_context():
        orgnr = db.session.get(Organisation, world.org_b.id).orgnr
    client.post(f"/organisation/join/{orgnr}", data={"note": "", **probes(world)})
    with app.app_context():
        membership = membership_of(world.outsider, world.org_b)
        assert (membership.role, membership.status) == ("user", "pending")


def test_account_forms_cannot_grant_anything(app, client, world):
    login(client, world.user_a.email)
    client.post("/account/password", data={"current_password": DEFAULT_PASSWORD, "new_password": "nytt langt passord",
                                           "new_password_confirm": "nytt langt passord", **probes(world)})
    client.post("/account/digest", data=probes(world))
    client.post("/language", data={"lang": "en", **probes(world)})
    with app.app_context():
        person = db.session.get(Person, world.user_a.id)
        assert person.staff_role is None and person.email_key == world.user_a.email
        assert membership_of(world.user_a, world.org_a).role == "user"
        assert membership_of(world.user_a, world.org_b) is None


def test_a_new_case_belongs_to_the_own_organisation_and_starts_submitted(app, client, world):
    login(client, world.user_a.email)
    client.post("/cases/new", data={"kind": "tip", "title": "Tips", "description": "Om reklame", **probes(world),
                                    "counterparty_org_id": world.org_b.id})
    with app.app_context():
        case = db.session.scalar(sa.select(Case))
        assert (case.submitter_org_id, case.status, case.caseworker_id, case.counterparty_org_id) == (
            world.org_a.id, "submitted", None, None)


def test_case_forms_keep_the_actor_and_the_side(app, client, world, cases):
    login(client, world.user_a.email)
    client.post(f"/cases/{cases.a_against_b}/follow", data={"email": "", **probes(world)})
    client.post(f"/cases/{cases.a_against_b}/messages", data={"body": "Hei", **probes(world)})
    client.post(f"/cases/{cases.a_against_b}/documents", content_type="multipart/form-data",
                data={"file": (io.BytesIO(PDF), "k.pdf"), **probes(world)})
    client.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": "Avklart", **probes(world)})
    with app.app_context():
        follow = db.session.scalar(sa.select(CaseFollow))
        message = db.session.scalar(sa.select(CaseMessage))
        document = db.session.scalar(sa.select(CaseDocument))
        case = db.session.get(Case, cases.a_against_b)
        assert follow.person_id == world.user_a.id
        assert (message.organisation_id, message.from_regulator, message.sender_id) == (
            world.org_a.id, False, world.user_a.id)
        assert (document.uploaded_by_id, document.organisation_id) == (world.user_a.id, world.org_a.id)
        assert (case.status, case.withdrawn_by_id, case.submitter_org_id) == ("withdrawn", world.user_a.id,
                                                                              world.org_a.id)


def test_member_management_changes_only_what_it_is_for(app, client, world):
    login(client, world.admin_a.email)
    with app.app_context():
        user = membership_of(world.user_a, world.org_a).id
        pending = membership_of(world.pending_user_a, world.org_a).id
    client.post(f"/organisation/members/{user}/role", data={**probes(world), "role": "administrator",
                                                            "status": "removed"})
    client.post(f"/organisation/members/{pending}/reject", data={"reason": "Ukjent", **probes(world)})
    with app.app_context():
        changed = db.session.get(Membership, user)
        rejected = db.session.get(Membership, pending)
        assert (changed.role, changed.status, changed.organisation_id) == ("administrator", "active", world.org_a.id)
        assert (rejected.status, rejected.decided_by_id) == ("rejected", world.admin_a.id)
