"""Enforcement over HTTP: revocation on the next request, denials logged, fail closed, bad policies."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from orgsvc.access.conditions import registry
from orgsvc.access.policy import Policy, PolicyError
from orgsvc.audit.models import AuditEvent
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_organisation
from orgsvc.paths import resource_dir
from tests.conftest import membership_of
from tests.support import login, without_csrf_tokens


def _org_message(app, world):
    with app.app_context():
        message = post_to_organisation(world.org_a.id, "join_requested", person="Per", organisation="A")
        db.session.commit()
        return message.id


def test_a_removed_member_is_refused_on_the_very_next_request(app, client, world):
    message_id = _org_message(app, world)
    login(client, world.admin_a.email)
    members = client.get("/organisation/members")
    assert members.status_code == 200 and world.user_a.name in members.get_data(as_text=True)
    assert client.get(f"/inbox/{message_id}").status_code == 200

    with app.app_context():  # another process, or another administrator, ends the membership
        membership_of(world.admin_a, world.org_a).status = "removed"
        db.session.commit()

    assert client.get(f"/inbox/{message_id}").status_code == 404
    assert client.get("/organisation/members").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert world.org_a.name not in home


def test_a_granted_role_is_honoured_at_once(app, client, world):
    login(client, world.user_a.email)
    assert world.pending_user_a.name not in client.get("/organisation/members").get_data(as_text=True)
    with app.app_context():
        membership_of(world.user_a, world.org_a).role = "administrator"
        db.session.commit()
    assert world.pending_user_a.name in client.get("/organisation/members").get_data(as_text=True)


def test_a_user_sees_only_their_own_membership(client, world):
    login(client, world.user_a.email)
    page = client.get("/organisation/members").get_data(as_text=True)
    assert world.user_a.name in page
    assert world.admin_a.name not in page


def test_a_denial_is_written_to_the_audit_log(app, client, world):
    message_id = _org_message(app, world)
    login(client, world.user_a.email)
    assert client.get(f"/inbox/{message_id}").status_code == 404
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.outcome == "denied"))
        assert event.actor_id == world.user_a.id
        assert event.action == "inbox_message:view"
        assert (event.object_type, event.object_id) == ("inbox_message", str(message_id))
        assert event.organisation_id == world.org_a.id
        assert event.request_id


def test_a_missing_object_and_a_foreign_one_look_the_same(app, client, world):
    message_id = _org_message(app, world)
    login(client, world.admin_b.email)
    foreign = client.get(f"/inbox/{message_id}")
    missing = client.get("/inbox/999999")
    assert foreign.status_code == missing.status_code == 404
    foreign_page = without_csrf_tokens(foreign.get_data(as_text=True)).replace(f"/inbox/{message_id}", "/inbox/N")
    missing_page = without_csrf_tokens(missing.get_data(as_text=True)).replace("/inbox/999999", "/inbox/N")
    assert foreign_page == missing_page


def test_the_layer_fails_closed_when_a_condition_breaks(app, client, world, monkeypatch):
    message_id = _org_message(app, world)
    login(client, world.admin_a.email)
    condition = registry.by_name["inbox_message"].conditions["always"]

    def broken(*_):
        raise RuntimeError("condition exploded")

    monkeypatch.setitem(registry.by_name["inbox_message"].conditions, "always",
                        type(condition)("always", broken, condition.sql))
    response = client.get(f"/inbox/{message_id}")
    assert response.status_code == 500
    assert "condition exploded" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("p, administrator, organisation, view, no_such_condition", "no condition"),
        ("p, superuser, organisation, view, always", "unknown persona"),
        ("p, administrator, spaceship, view, always", "unknown resource"),
        ("g, administrator, emperor", "unknown persona"),
    ],
)
def test_a_policy_naming_unknown_things_is_refused_at_load(tmp_path, rule, message):
    shutil.copy(resource_dir("policies") / "model.conf", tmp_path / "model.conf")
    text = (resource_dir("policies") / "policy.csv").read_text()
    (tmp_path / "policy.csv").write_text(text + "\n" + rule + "\n")
    with pytest.raises(PolicyError, match=message):
        Policy(tmp_path, registry)
