"""Rejections through HTTP land in the audit log with who, whom, which organisation, when and why, and
the logs show them to those who may see them."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.audit.models import AuditEvent
from orgsvc.db import utcnow
from orgsvc.extensions import db
from tests.conftest import membership_of
from tests.support import login


def _membership_id(app, person, organisation) -> int:
    with app.app_context():
        return membership_of(person, organisation).id


def _decisions(app) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.outcome == "ok")
                                       .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return rows


def _assert_decision(app, action, who, membership_id, window, reason):
    """The one audit row of the decision: who decided about whom in which organisation, on which
    membership, when (within ``window``) and why."""
    actor, subject, organisation = who
    before, after = window
    [event] = _decisions(app)
    assert event.action == action
    assert (event.actor_id, event.subject_person_id, event.organisation_id) == (
        actor.id, subject.id, organisation.id)
    assert (event.object_type, event.object_id) == ("membership", str(membership_id))
    assert before <= event.occurred_at <= after
    assert event.reason == reason


def test_an_administrator_rejecting_a_join_request_is_logged_with_the_reason(app, client, world):
    membership_id = _membership_id(app, world.pending_user_a, world.org_a)
    login(client, world.admin_a.email)
    before = utcnow()
    response = client.post(f"/organisation/members/{membership_id}/reject", data={"reason": "Ukjent for oss"})
    after = utcnow()
    assert response.status_code == 302

    _assert_decision(app, "membership.rejected", (world.admin_a, world.pending_user_a, world.org_a),
                     membership_id, (before, after), "Ukjent for oss")

    log = client.get("/organisation/audit").get_data(as_text=True)
    assert "Forespørsel om å bli bruker avvist" in log
    assert world.admin_a.name in log and world.pending_user_a.name in log and "Ukjent for oss" in log


def test_the_regulator_rejecting_a_first_administrator_is_logged_with_the_reason(app, client, world):
    membership_id = _membership_id(app, world.pending_admin, world.org_pending)
    login(client, world.caseworker.email)
    before = utcnow()
    response = client.post(f"/approvals/{membership_id}/reject",
                           data={"reason": "Står ikke som daglig leder i Enhetsregisteret"})
    after = utcnow()
    assert response.status_code == 302

    _assert_decision(app, "approval.rejected", (world.caseworker, world.pending_admin, world.org_pending),
                     membership_id, (before, after), "Står ikke som daglig leder i Enhetsregisteret")

    log = client.get("/regulator/audit").get_data(as_text=True)
    assert "Avvist som administrator av Forbrukertilsynet" in log
    assert world.caseworker.name in log and world.pending_admin.name in log
    assert "Står ikke som daglig leder i Enhetsregisteret" in log


def test_a_rejection_without_a_reason_is_refused_and_not_logged(app, client, world):
    login(client, world.caseworker.email)
    membership_id = _membership_id(app, world.pending_admin, world.org_pending)
    assert client.post(f"/approvals/{membership_id}/reject", data={"reason": " "}).status_code == 400
    assert _decisions(app) == []
