"""Every refusal of access leaves one «avvist» row in the audit log (R17), also those answered as if
the thing were missing; a thing that really is missing leaves none. Both answer alike."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.audit.models import AuditEvent
from orgsvc.cases import services
from orgsvc.cases.models import CaseRepresentative
from orgsvc.errors import NotFound
from orgsvc.extensions import db
from tests.support import login, without_csrf_tokens


def _denials(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEvent.actor_id, AuditEvent.action, AuditEvent.organisation_id, AuditEvent.object_type,
                      AuditEvent.object_id).where(AuditEvent.outcome == "denied").order_by(AuditEvent.id))]


def _same_page(refused, missing, refused_url: str, missing_url: str) -> bool:
    """The two answers alike but for the addresses asked and the per-session CSRF tokens."""
    def comparable(response, url):
        page = without_csrf_tokens(response.get_data(as_text=True)).replace(url, "URL")
        return re.sub(r'value="/[^"]*"', 'value=""', page)

    return comparable(refused, refused_url) == comparable(missing, missing_url)


def _refused_and_missing(app, client, refused_url, missing_url, data=None):
    """POST the refused request, check it left exactly one denial, then the missing one, none more."""
    refused = client.post(refused_url, data=data or {})
    denials = _denials(app)
    missing = client.post(missing_url, data=data or {})
    assert refused.status_code == missing.status_code == 404
    assert _denials(app) == denials, "a missing object is no refusal and is not logged as one"
    assert _same_page(refused, missing, refused_url, missing_url)
    return denials


def test_removing_the_other_sides_representative_is_logged(app, client, world, cases, caplog):
    """A's administrator sees the case A has against B, but B's representatives are B's to manage."""
    with app.app_context():
        row = CaseRepresentative(case_id=cases.a_against_b, person_id=world.user_b.id, organisation_id=world.org_b.id)
        db.session.add(row)
        db.session.commit()
        representative_id = row.id
    login(client, world.admin_a.email)
    caplog.set_level(logging.WARNING, logger="orgsvc.access")
    denials = _refused_and_missing(app, client, f"/cases/{cases.a_against_b}/access/{representative_id}/remove",
                                   f"/cases/{cases.a_against_b}/access/999999/remove")
    assert denials == [(world.admin_a.id, "case:manage_access", world.org_b.id, "case", str(cases.a_against_b))]
    assert any("access denied" in message and f"person={world.admin_a.id}" in message
               for message in caplog.messages), caplog.messages
    with app.app_context():
        assert db.session.get(CaseRepresentative, representative_id) is not None


@pytest.mark.parametrize(("path", "action", "data"), [
    ("access", "case:manage_access", "person"),
    ("messages", "case:message", None),
])
def test_the_regulator_acting_as_a_party_is_logged(app, client, world, cases, path, action, data):
    """A caseworker sees every case but is no party to one: giving access or writing as a side is
    refused as if the case were missing."""
    login(client, world.caseworker.email)
    form = {"person": world.user_a.id} if data else {"body": "Hei fra oss"}
    denials = _refused_and_missing(app, client, f"/cases/{cases.a_against_b}/{path}", f"/cases/999999/{path}",
                                   data=form)
    assert denials == [(world.caseworker.id, action, world.org_a.id, "case", str(cases.a_against_b))]


def test_switching_to_an_organisation_one_is_not_connected_to_is_logged(app, client, world):
    login(client, world.user_a.email)
    refused = client.post("/organisation/switch", data={"organisation_id": world.org_b.id})
    denials = _denials(app)
    missing = client.post("/organisation/switch", data={"organisation_id": 999999})
    assert refused.status_code == missing.status_code == 404
    assert _denials(app) == denials == [
        (world.user_a.id, "organisation:view", world.org_b.id, "organisation", str(world.org_b.id))]
    assert _same_page(refused, missing, "/organisation/switch", "/organisation/switch")
    assert client.post("/organisation/switch", data={"organisation_id": world.org_a.id}).status_code == 302


def _message(principal, case_id, organisation_id):
    return services.send_message(principal, case_id, organisation_id, "Hei", None)


def _access(principal, case_id, organisation_id):
    return services.add_representative(principal, case_id, organisation_id, principal.person_id)


@pytest.mark.parametrize("act", [_message, _access], ids=["message", "add_representative"])
@pytest.mark.parametrize("case", ["a_tip", "a_against_b"], ids=["no_party", "the_other_party"])
def test_a_service_asked_to_act_for_a_side_not_ours_refuses_as_missing_and_logs(app, world, cases, act, case):
    """The services take the side to act for; a side that is no party to the case, or the other
    party, answers 404 like a missing case, with the refusal recorded by the error handler."""
    case_id = getattr(cases, case)
    with app.test_request_context():
        principal = load_principal(db.session.get(Person, world.admin_a.id))
        with pytest.raises(NotFound) as refused:
            act(principal, case_id, world.org_b.id)
        response = app.handle_user_exception(refused.value)
        assert response.status_code == 404
    action = "case:message" if act is _message else "case:manage_access"
    assert _denials(app) == [(world.admin_a.id, action, world.org_b.id, "case", str(case_id))]
