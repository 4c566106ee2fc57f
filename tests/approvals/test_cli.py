"""``orgsvc approvals expire`` as cron runs it: through Flask's CLI runner, option parsing included."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from orgsvc.audit.models import AuditEvent
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.roles.models import Membership, MembershipStatus
from tests.conftest import membership_of
from tests.factories import MembershipFactory
from tests.roles.helpers import messages, organisation
from tests.support import login


def _age(app, membership_id: int, days: int) -> None:
    with app.app_context():
        db.session.get(Membership, membership_id).requested_at = utcnow() - timedelta(days=days)
        db.session.commit()


def _status(app, membership_id: int) -> MembershipStatus:
    with app.app_context():
        return db.session.get(Membership, membership_id).status


def _expiries(app) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "membership.expired")))
        db.session.expunge_all()
        return rows


@pytest.fixture
def requests(app, world):
    """A stale request to join A, a fresh one to join B, and a stale request to become administrator."""
    with app.app_context():
        stale = membership_of(world.pending_user_a, world.org_a).id
        fresh = MembershipFactory(organisation=organisation(world.org_b), status=MembershipStatus.PENDING).id
        administrator = membership_of(world.pending_admin, world.org_pending).id
    _age(app, stale, 31)
    _age(app, fresh, 29)
    _age(app, administrator, 31)
    return {"stale": stale, "fresh": fresh, "administrator": administrator}


def test_expire_ends_old_join_requests_tells_the_requester_and_logs_it(app, world, runner, requests):
    before = utcnow()
    result = runner.invoke(args=["approvals", "expire", "--days", "30"])
    after = utcnow()

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 request(s) older than 30 days expired."
    assert _status(app, requests["stale"]) == MembershipStatus.EXPIRED
    assert _status(app, requests["fresh"]) == MembershipStatus.PENDING
    # A request to become administrator waits for the regulator; it never expires here.
    assert _status(app, requests["administrator"]) == MembershipStatus.PENDING
    with app.app_context():
        row = db.session.get(Membership, requests["stale"])
        assert row.ended_at is not None and before <= row.ended_at <= after
        assert row.end_reason == "no decision within 30 days"

    [event] = _expiries(app)
    assert event.actor_id is None  # the system, not a person
    assert event.subject_person_id == world.pending_user_a.id
    assert event.organisation_id == world.org_a.id
    assert (event.object_type, event.object_id) == ("membership", str(requests["stale"]))
    assert before <= event.occurred_at <= after
    assert event.reason == "no decision within 30 days"
    assert event.outcome == "ok"

    # The requester finds the notice in their inbox, unread, in Norwegian.
    client = app.test_client()
    login(client, world.pending_user_a.email)
    assert re.search(r'class="badge">1<', client.get("/").get_data(as_text=True))
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert f"Forespørselen din om å bli med i {world.org_a.name} har utløpt" in inbox
    link = re.search(r'href="(/inbox/\d+)"', inbox).group(1)
    body = client.get(link).get_data(as_text=True)
    assert f"bli bruker for {world.org_a.name} innen 30" in body and "Du kan spørre på nytt." in body


def test_a_second_run_expires_nothing_more(app, runner, requests):
    first = runner.invoke(args=["approvals", "expire", "--days", "30"])
    assert first.exit_code == 0 and first.output.startswith("1 request(s)")
    second = runner.invoke(args=["approvals", "expire", "--days", "30"])
    assert second.exit_code == 0, second.output
    assert second.output.strip() == "0 request(s) older than 30 days expired."
    assert len(_expiries(app)) == 1
    with app.app_context():
        assert len(messages("join_expired")) == 1
    assert _status(app, requests["fresh"]) == MembershipStatus.PENDING


def test_without_days_the_configured_period_applies(app, runner, requests):
    app.config["ORGSVC_JOIN_REQUEST_DAYS"] = 28
    result = runner.invoke(args=["approvals", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 request(s) older than 28 days expired."
    assert _status(app, requests["fresh"]) == MembershipStatus.EXPIRED
    assert {e.reason for e in _expiries(app)} == {"no decision within 28 days"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "0"], "Error: Invalid value for --days: must be at least 1"),
        (["--days", "-5"], "Error: Invalid value for --days: must be at least 1"),
        (["--days", "thirty"], "Invalid value for '--days': 'thirty' is not a valid integer."),
        (["--days", "1.5"], "Invalid value for '--days': '1.5' is not a valid integer."),
        (["--days"], "Option '--days' requires an argument."),
    ],
)
def test_a_bad_days_value_is_refused_and_changes_nothing(app, runner, requests, arguments, message):
    result = runner.invoke(args=["approvals", "expire", *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "expired." not in result.output
    assert _status(app, requests["stale"]) == MembershipStatus.PENDING
    assert _expiries(app) == []
    with app.app_context():
        assert messages("join_expired") == []


def test_a_configured_period_below_one_day_is_refused(app, runner, requests):
    app.config["ORGSVC_JOIN_REQUEST_DAYS"] = 0
    result = runner.invoke(args=["approvals", "expire"])
    assert result.exit_code == 2
    assert "must be at least 1" in result.output
    assert _status(app, requests["stale"]) == MembershipStatus.PENDING
