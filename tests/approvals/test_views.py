"""The regulator's decisions through HTTP, with CSRF: what the organisation's people see afterwards."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.roles.models import MemberRole, MembershipStatus
from tests.conftest import membership_of, person_ref
from tests.factories import MembershipFactory, PersonFactory
from tests.registry.fixtures import import_sample
from tests.support import login

KONKURS_BYGG = "310000086"


def _header(client) -> str:
    return client.get("/").get_data(as_text=True).split("<main", 1)[0]


def test_rejecting_the_first_administrator_opens_the_organisation_again_and_tells_pending_users(app, world):
    with app.app_context():
        organisation = db.session.get(Organisation, world.org_pending.id)
        orgnr, name = organisation.orgnr, organisation.name
        waiting = MembershipFactory(organisation=organisation, status=MembershipStatus.PENDING)
        waiting_email, waiting_id = waiting.person.email, waiting.id
        first_id = membership_of(world.pending_admin, world.org_pending).id
    caseworker, waiting_user, newcomer = app.test_client(), app.test_client(), app.test_client()
    login(newcomer, world.outsider.email)
    # Its only administrator awaits the regulator: the newcomer would be a user, not the first - and
    # is not told the organisation «already has an administrator».
    join_page = newcomer.get(f"/organisation/join/{orgnr}").get_data(as_text=True)
    assert "Den første som registrerer seg" not in join_page
    assert "Organisasjonen har allerede en administrator" not in join_page

    login(caseworker, world.caseworker.email)
    response = caseworker.post(f"/approvals/{first_id}/reject", data={"reason": "Ikke daglig leder"},
                               follow_redirects=True)
    assert response.status_code == 200
    assert f"Registreringen av {world.pending_admin.name} for {name} er avvist." in response.get_data(as_text=True)

    # The pending user is told the organisation has no approved administrator; their request still waits.
    login(waiting_user, waiting_email)
    assert re.search(r'class="badge">1<', _header(waiting_user))
    inbox = waiting_user.get("/inbox/").get_data(as_text=True)
    assert f"{name} har ingen godkjent administrator" in inbox

    # The organisation is open again: the next registrant becomes «ubekreftet administrator».
    assert "Den første som registrerer seg for en organisasjon, får rollen administrator" in newcomer.get(
        f"/organisation/join/{orgnr}").get_data(as_text=True)
    assert newcomer.post(f"/organisation/join/{orgnr}", data={"note": "Jeg er styreleder."}).status_code == 302
    assert ">ubekreftet administrator</span>" in _header(newcomer)

    with app.app_context():
        assert membership_of(world.pending_admin, world.org_pending) is None
        again = membership_of(world.outsider, world.org_pending)
        assert (again.role, again.status) == (MemberRole.ADMINISTRATOR, MembershipStatus.PENDING)
        assert db.session.get(type(again), waiting_id).status == MembershipStatus.PENDING
        assert db.session.get(Organisation, world.org_pending.id).status == OrganisationStatus.PENDING
    queue = caseworker.get("/approvals/").get_data(as_text=True)
    assert world.outsider.name in queue and world.pending_admin.name not in queue


def _decision_state(app, membership_id):
    from orgsvc.audit.models import AuditEvent
    from orgsvc.inbox.models import InboxMessage
    from orgsvc.roles.models import Membership

    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        return (membership.role, membership.status, membership.decided_by_id,
                db.session.query(AuditEvent).filter(AuditEvent.outcome == "ok").count(),
                db.session.query(InboxMessage).count(),
                db.session.get(Organisation, membership.organisation_id).status)


def test_an_administrator_cannot_make_the_regulators_decision_on_a_join_request(app, client, world):
    """The regulator's routes decide requests to become administrator, nothing else: an
    organisation's administrator may not answer a join request there «as the Consumer Authority»."""
    with app.app_context():
        join_request = membership_of(world.pending_user_a, world.org_a).id
    before = _decision_state(app, join_request)
    login(client, world.admin_a.email)
    assert client.get(f"/approvals/{join_request}").status_code == 403
    assert client.post(f"/approvals/{join_request}/approve").status_code == 403
    assert client.post(f"/approvals/{join_request}/reject", data={"reason": "Ikke ansatt her"}).status_code == 403
    assert _decision_state(app, join_request) == before


def test_a_caseworker_cannot_approve_a_first_administrator_through_the_organisations_page(app, client, world):
    """…and the organisation's route decides join requests only: through it, a caseworker would
    make an administrator without approving the organisation."""
    with app.app_context():
        first = membership_of(world.pending_admin, world.org_pending).id
    before = _decision_state(app, first)
    login(client, world.caseworker.email)
    assert client.post(f"/organisation/members/{first}/approve").status_code == 403
    assert client.post(f"/organisation/members/{first}/reject", data={"reason": "Ikke daglig leder"}
                       ).status_code == 403
    assert _decision_state(app, first) == before


def test_the_queue_shows_the_last_day_to_answer_not_the_midnight_after_it(app, client, world):
    # Asked on Friday 20.11.2026: the answer is due by the end of Monday 23.11, which the service
    # holds as 24.11 00:00 (exclusive); the page says 23.11.2026.
    with app.app_context():
        membership = membership_of(world.pending_admin, world.org_pending)
        membership.requested_at = datetime(2026, 11, 20, 9, tzinfo=UTC)
        db.session.commit()
        membership_id = membership.id
    login(client, world.caseworker.email)
    page = client.get("/approvals/").get_data(as_text=True)
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if world.pending_admin.name in row)
    assert "23.11.2026" in row and "24.11.2026" not in row and "00:00" not in row
    detail = client.get(f"/approvals/{membership_id}").get_data(as_text=True)
    assert "<dt>Svarfrist</dt><dd>23.11.2026" in detail, "the request's own page says it too"


def test_the_regulator_sees_that_the_register_marks_the_organisation_bankrupt(app, world):
    import_sample(app)
    with app.app_context():
        person = person_ref(PersonFactory(full_name="Bjørn Bygg", date_of_birth=date(1960, 10, 10)))
    registrant, caseworker = app.test_client(), app.test_client()
    login(registrant, person.email)
    assert registrant.post(f"/organisation/join/{KONKURS_BYGG}", data={"note": ""}).status_code == 302
    with app.app_context():
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.orgnr == KONKURS_BYGG))
        membership_id = membership_of(person, organisation).id

    login(caseworker, world.caseworker.email)
    warning = "Enhetsregisteret sier at organisasjonen er konkurs."
    queue = caseworker.get("/approvals/").get_data(as_text=True)
    assert f"Ingen rolleinnehaver med dette navnet og denne fødselsdatoen. {warning}" in queue
    assert queue.count(warning) == 1, "only the bankrupt organisation's request carries it"
    assert warning in caseworker.get(f"/approvals/{membership_id}").get_data(as_text=True)
