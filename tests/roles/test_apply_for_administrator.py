"""Point 5, «nobody is stuck»: a member of an organisation left without an administrator - a pending or an
active user - asks the regulator to become its administrator without leaving first."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from orgsvc.approvals import services as approvals
from orgsvc.audit.models import AuditEvent
from orgsvc.errors import Conflict, NotFound
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.roles import services
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.conftest import Ref, membership_of
from tests.factories import MembershipFactory
from tests.roles.helpers import database_snapshot, memberships_of, messages, organisation, principal
from tests.support import login

APPLY = "/organisation/apply-administrator"


def _without_administrator(world) -> None:
    """A's only administrator is gone (an operator ended the membership): A has no administrator."""
    membership_of(world.admin_a, world.org_a).status = MembershipStatus.REMOVED
    db.session.commit()


# --- the service ----------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["pending_user_a", "user_a"])
def test_a_member_of_an_organisation_without_administrator_applies_through_the_regulator(world, app_ctx, persona):
    person = getattr(world, persona)
    _without_administrator(world)
    old = membership_of(person, world.org_a)
    was = f"user/{old.status}"
    assert services.may_apply_for_administrator(principal(person), world.org_a.id)

    new = services.apply_for_administrator(principal(person), world.org_a.id, "  Jeg er daglig leder.  ")

    assert new.id != old.id and new.replaces_id == old.id  # shown to the regulator with the request
    assert (new.role, new.status, new.request_note) == (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING,
                                                        "Jeg er daglig leder.")
    assert new.register_check is not None and new.register_check.attempts == 1  # the evidence, as for a newcomer
    ended = db.session.get(Membership, old.id)
    assert (ended.status, ended.ended_by_id) == (MembershipStatus.REMOVED, person.id) and ended.ended_at
    assert membership_of(person, world.org_a).id == new.id
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "membership.requested_administrator"))
    assert (event.actor_id, event.subject_person_id, event.organisation_id, event.reason) == (
        person.id, person.id, world.org_a.id, "Jeg er daglig leder.")
    assert event.details == {"replaces_membership": old.id, "was": was}
    # The regulator's queue holds it, and the regulator's approval makes them «administrator».
    assert [item.membership.id for item in approvals.queue(principal(world.caseworker))] == [
        membership_of(world.pending_admin, world.org_pending).id, new.id]
    approvals.approve(principal(world.caseworker), new.id)
    assert (db.session.get(Membership, new.id).status) == MembershipStatus.ACTIVE
    assert services.active_administrators(world.org_a.id) == 1


def test_a_rejected_applicant_leaves_the_organisation_open_again(world, app_ctx):
    _without_administrator(world)
    new = services.apply_for_administrator(principal(world.user_a), world.org_a.id, None)
    approvals.reject(principal(world.caseworker), new.id, "Ikke i Enhetsregisteret")
    assert membership_of(world.user_a, world.org_a) is None  # as the page warned an active user
    assert [m.recipient_person_id for m in messages("organisation_open_again")] == [world.pending_user_a.id]
    # The pending user, told so, may now apply in turn.
    assert services.may_apply_for_administrator(principal(world.pending_user_a), world.org_a.id)
    services.apply_for_administrator(principal(world.pending_user_a), world.org_a.id, None)


def test_a_user_cannot_apply_while_the_organisation_has_an_administrator(world, app_ctx):
    assert not services.may_apply_for_administrator(principal(world.user_a), world.org_a.id)
    with pytest.raises(Conflict, match="allerede en administrator"):
        services.apply_for_administrator(principal(world.user_a), world.org_a.id, None)
    assert membership_of(world.user_a, world.org_a).status == MembershipStatus.ACTIVE


def test_only_one_request_goes_to_the_regulator(world, app_ctx):
    _without_administrator(world)
    services.apply_for_administrator(principal(world.user_a), world.org_a.id, None)
    with pytest.raises(Conflict, match="allerede en administrator"):
        services.apply_for_administrator(principal(world.pending_user_a), world.org_a.id, None)
    assert membership_of(world.pending_user_a, world.org_a).role == MemberRole.USER


def test_an_administrator_or_a_pending_administrator_has_nothing_to_apply_for(world, app_ctx):
    for person, org in ((world.admin_a, world.org_a), (world.pending_admin, world.org_pending)):
        assert not services.may_apply_for_administrator(principal(person), org.id)
        with pytest.raises(Conflict):
            services.apply_for_administrator(principal(person), org.id, None)


def test_a_stranger_to_the_organisation_cannot_apply_for_it(world, app_ctx):
    _without_administrator(world)
    for person in (world.outsider, world.user_b, world.caseworker):
        assert not services.may_apply_for_administrator(principal(person), world.org_a.id)
        with pytest.raises(NotFound):
            services.apply_for_administrator(principal(person), world.org_a.id, None)
    assert len(memberships_of(world.org_a.id)) == 3


# --- through HTTP, with CSRF ----------------------------------------------------------------------
def _header(client) -> str:
    return client.get("/").get_data(as_text=True).split("<main", 1)[0]


def test_a_pending_user_told_the_organisation_is_open_again_applies_and_is_approved(app, world):
    with app.app_context():
        pending_org = organisation(world.org_pending)
        name = pending_org.name
        waiting = MembershipFactory(organisation=pending_org, status=MembershipStatus.PENDING)
        waiting_email, waiting_id, waiting_name = waiting.person.email, waiting.id, waiting.person.full_name
        waiting_person = Ref(waiting.person_id)
        first = membership_of(world.pending_admin, world.org_pending).id
    caseworker, member = app.test_client(), app.test_client()
    login(caseworker, world.caseworker.email)
    login(member, waiting_email)
    assert APPLY not in member.get("/organisation/members").get_data(as_text=True)  # a candidate is waiting
    assert caseworker.post(f"/approvals/{first}/reject", data={"reason": "Ikke daglig leder"}).status_code == 302

    assert f"{name} har ingen godkjent administrator" in member.get("/inbox/").get_data(as_text=True)
    page = member.get("/organisation/members").get_data(as_text=True)
    assert f"{name} har ingen godkjent administrator" in page and f'action="{APPLY}"' in page
    assert "Du må være daglig leder, styreleder, nestleder eller ha prokura i Enhetsregisteret." in page
    assert "organisation&#39;s cases" not in page and "organisasjonens saker" not in page  # no warning: not active
    response = member.post(APPLY, data={"note": "Jeg er styreleder."}, follow_redirects=True)
    assert response.status_code == 200
    assert f"Du er registrert som ubekreftet administrator for {name}." in response.get_data(as_text=True)
    assert ">ubekreftet administrator</span>" in _header(member)

    queue = caseworker.get("/approvals/").get_data(as_text=True)
    assert waiting_name in queue and "ventet på å bli bruker" in queue
    with app.app_context():
        new = membership_of(waiting_person, world.org_pending)
        assert (new.role, new.status, new.request_note) == ("administrator", "pending", "Jeg er styreleder.")
        assert db.session.get(Membership, waiting_id).status == MembershipStatus.REMOVED
        new_id = new.id
    detail = caseworker.get(f"/approvals/{new_id}").get_data(as_text=True)
    assert "Jeg er styreleder." in detail
    assert "Fra en som ventet på å bli godkjent som bruker, med «Søk om å bli administrator»" in detail
    assert caseworker.post(f"/approvals/{new_id}/approve").status_code == 302
    assert ">administrator</span>" in _header(member)
    with app.app_context():
        assert db.session.get(Organisation, world.org_pending.id).status == OrganisationStatus.APPROVED


def test_an_active_user_is_warned_before_applying(app, client, world):
    with app.app_context():
        _without_administrator(world)
    login(client, world.user_a.email)
    client.post("/language", data={"lang": "en"})  # the warning's wording, independent of the catalogue
    page = client.get("/organisation/members").get_data(as_text=True)
    assert f'action="{APPLY}"' in page and "Apply to become administrator" in page
    assert "If your request is rejected, your connection to the organisation ends." in page
    assert client.post(APPLY, data={"note": ""}).status_code == 302
    assert ">unconfirmed administrator</span>" in _header(client)
    with app.app_context():
        new = membership_of(world.user_a, world.org_a)
        assert (new.role, new.status, new.request_note) == ("administrator", "pending", None)


def test_applying_is_refused_while_the_organisation_has_an_administrator(app, client, world):
    login(client, world.user_a.email)
    assert APPLY not in client.get("/organisation/members").get_data(as_text=True)
    before = database_snapshot(app)
    response = client.post(APPLY, data={"note": "Slipp meg inn"})
    assert response.status_code == 409
    assert "Organisasjonen har allerede en administrator" in response.get_data(as_text=True)
    assert database_snapshot(app) == before


def test_applying_needs_the_csrf_token_and_a_note_of_sensible_length(app, client, world):
    with app.app_context():
        _without_administrator(world)
    login(client, world.user_a.email)
    before = database_snapshot(app)
    assert client.post(APPLY, data={"note": "x"}, csrf=False).status_code == 400
    assert client.post(APPLY, data={"note": "x" * (services.NOTE_MAX + 1)}).status_code == 400
    assert database_snapshot(app) == before
    assert re.search(r">bruker</span>", _header(client))


def test_the_regulator_sees_how_each_request_came(app, client, world):
    """A first registration, or a user of an organisation left without an administrator."""
    with app.app_context():
        _without_administrator(world)
        first = membership_of(world.pending_admin, world.org_pending).id
    login(client, world.user_a.email)
    assert client.post(APPLY, data={"note": ""}).status_code == 302
    with app.app_context():
        applied = membership_of(world.user_a, world.org_a)
        new_id, approved_on = applied.id, applied.replaces.decided_at
    caseworker = app.test_client()
    login(caseworker, world.caseworker.email)
    queue = caseworker.get("/approvals/").get_data(as_text=True)
    assert queue.count("var bruker") == 1 and "ventet på å bli bruker" not in queue
    detail = caseworker.get(f"/approvals/{new_id}").get_data(as_text=True)
    assert f"Fra en bruker i organisasjonen (godkjent {approved_on.day}." in detail
    assert "En ny registrering" not in detail
    first_page = caseworker.get(f"/approvals/{first}").get_data(as_text=True)
    assert "En ny registrering: organisasjonen hadde ingen administrator." in first_page
