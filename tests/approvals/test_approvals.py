"""The regulator's queue: order, age, overdue by working days, decisions, and pending checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.approvals import services
from orgsvc.approvals.models import RegisterCheck
from orgsvc.db import utcnow
from orgsvc.errors import Conflict, NotFound
from orgsvc.extensions import db
from orgsvc.inbox.services import unread_count
from orgsvc.mail.models import OutboundEmail
from orgsvc.organisations.models import Organisation, OrganisationStatus
from orgsvc.organisations.services import ensure_organisation
from orgsvc.registry.brreg import BrregRegister
from orgsvc.roles.models import MembershipStatus
from orgsvc.roles.services import request_membership
from tests.conftest import Ref, membership_of, person_ref
from tests.factories import PersonFactory
from tests.roles.helpers import messages, principal
from tests.support import login


def oslo(year, month, day, hour=12):
    return datetime(year, month, day, hour, tzinfo=UTC) - timedelta(hours=1)


@pytest.mark.parametrize(
    ("requested", "due_day"),
    [
        (oslo(2026, 11, 18), date(2026, 11, 19)),  # Wednesday -> Thursday
        (oslo(2026, 11, 20), date(2026, 11, 23)),  # Friday -> Monday
        (oslo(2026, 11, 21), date(2026, 11, 23)),  # Saturday -> Monday
        (oslo(2026, 5, 16), date(2026, 5, 18)),  # Saturday before 17 May (a Sunday) -> Monday 18 May
        (oslo(2026, 12, 23), date(2026, 12, 24)),  # Christmas Eve is not a public holiday
        (oslo(2026, 12, 24), date(2026, 12, 28)),  # 25 and 26 December are; 27 is a Sunday
        (oslo(2026, 4, 1), date(2026, 4, 7)),  # Maundy Thursday, Good Friday and Easter Monday are holidays
    ],
)
def test_the_answer_is_due_by_the_end_of_the_next_working_day(requested, due_day):
    due = services.answer_due(requested)
    assert due.date() - timedelta(days=1) == due_day
    assert due.hour == 0


def test_overdue_after_the_next_working_day():
    friday = oslo(2026, 11, 20)
    assert not services.is_overdue(friday, oslo(2026, 11, 23, 22))
    assert services.is_overdue(friday, oslo(2026, 11, 24, 9))


def test_the_queue_is_oldest_first_with_evidence(world, app_ctx):
    first = membership_of(world.pending_admin, world.org_pending)
    first.requested_at = utcnow() - timedelta(days=5)
    other_org = Organisation(orgnr="310000027", name="BAKERIET PÅ HJØRNET AS", status=OrganisationStatus.PENDING)
    db.session.add(other_org)
    db.session.commit()
    newcomer = PersonFactory()
    request_membership(principal(Ref(newcomer.id)), other_org, None)
    items = services.queue(principal(world.caseworker))
    assert items[0].membership.id == first.id
    assert items[0].overdue and not items[1].overdue
    assert items[1].check is not None


def test_only_staff_see_the_queue(world, app_ctx):
    for persona in (world.admin_a, world.user_a, world.outsider):
        with pytest.raises(NotFound):
            services.queue(principal(persona))


def test_approval_makes_an_administrator_and_approves_the_organisation(world, app_ctx):
    membership = membership_of(world.pending_admin, world.org_pending)
    services.approve(principal(world.caseworker), membership.id)
    assert membership.status == MembershipStatus.ACTIVE and membership.decided_by_id == world.caseworker.id
    organisation = db.session.get(Organisation, world.org_pending.id)
    assert organisation.status == OrganisationStatus.APPROVED and organisation.approved_at
    # The organisation's inbox has the message, which the new administrator reads there: once, not
    # twice (no copy of their own); they are also told by e-mail.
    kinds = [(m.kind, m.recipient_person_id, m.recipient_organisation_id) for m in messages()]
    assert kinds == [("admin_approved", None, world.org_pending.id)]
    assert unread_count(principal(world.pending_admin)) == 1
    [mail] = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == "notice:admin_approved"))
    assert mail.to_address == db.session.get(Person, world.pending_admin.id).email


def test_a_decided_request_is_not_decided_twice(world, app_ctx):
    membership = membership_of(world.pending_admin, world.org_pending)
    services.approve(principal(world.caseworker), membership.id)
    with pytest.raises(Conflict):
        services.reject(principal(world.regulator_admin), membership.id, "Not a leader")
    assert len(messages()) == 1


def test_administrators_cannot_use_the_regulator_path(world, app_ctx):
    membership = membership_of(world.pending_admin, world.org_pending)
    with pytest.raises(NotFound):
        services.approve(principal(world.admin_a), membership.id)


@pytest.fixture
def dead_register(app):
    """The brreg client pointed at a port where nothing answers."""
    app.extensions["orgsvc.registry"] = BrregRegister("http://127.0.0.1:9/api", "http://127.0.0.1:9/fullmakt",
                                                      connect_timeout=0.2, read_timeout=0.2, retries=0)


def _register_check(app, person, orgnr):
    with app.app_context():
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.orgnr == orgnr))
        membership = membership_of(person, organisation)
        check = db.session.scalar(sa.select(RegisterCheck).where(RegisterCheck.membership_id == membership.id))
        return ((organisation.name, organisation.register_checked_at is not None),
                (membership.role, membership.status), (check.outcome, check.reason, check.role_code, check.attempts))


def test_a_register_outage_keeps_the_registration_as_pending(app, register_outage, world, client):
    """Registering through HTTP while the register cannot answer (refused, too slow, 5xx, garbage):
    the registration is kept with its check pending, the person is told so plainly, the regulator's
    queue shows the pending check, no request answers 500; the recheck completes it later."""
    with app.app_context():
        person = person_ref(PersonFactory(full_name="Ola Nordmann", date_of_birth=date(1975, 3, 14)))
    login(client, person.email)
    join_page = client.get("/organisation/join/310000019")
    assert join_page.status_code == 200
    assert "Vi fikk ikke svar fra Enhetsregisteret" in join_page.get_data(as_text=True)

    registered = client.post("/organisation/join/310000019", data={"note": ""}, follow_redirects=True)
    assert registered.status_code == 200
    page = registered.get_data(as_text=True)
    assert "Du er registrert som ubekreftet administrator for 310 000 019" in page
    assert "Vi fikk ikke svar fra Enhetsregisteret. Registreringen din er lagret, og vi sjekker rollen din på nytt" \
        in page
    assert _register_check(app, person, "310000019") == (
        ("310 000 019", False), ("administrator", "pending"), ("pending", "register_unavailable", None, 1))

    caseworker = app.test_client()
    login(caseworker, world.caseworker.email)
    queue_page = caseworker.get("/approvals/")
    assert queue_page.status_code == 200
    assert "Registeret kunne ikke svare; kontrollen venter" in queue_page.get_data(as_text=True)
    assert register_outage.server_errors == []

    register_outage.end()
    with app.app_context():
        assert services.recheck_pending() == {"eligible": 1, "not_eligible": 0, "pending": 0}
    assert _register_check(app, person, "310000019") == (
        ("NORDLYS ELEKTRONIKK AS", True), ("administrator", "pending"), ("eligible", "role_found", "DAGL", 2))
    assert "Registrert som Daglig leder (DAGL)" in caseworker.get("/approvals/").get_data(as_text=True)


def test_recheck_command_reports_and_exits_non_zero_while_pending(app, dead_register, runner):
    with app.app_context():
        request_membership(principal(Ref(PersonFactory().id)), ensure_organisation("310000019"), None)
    result = runner.invoke(args=["registry", "recheck"])
    assert result.exit_code == 3
    assert "pending: 1" in result.stdout
