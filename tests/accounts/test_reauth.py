"""Fresh authentication for sensitive operations (security.md «Reauth», ASVS 3.7.1): a session that
is not fresh is asked for the password again before it may grant the administrator role or approve
an administrator, and nothing changes until it is given."""

from __future__ import annotations

import time

import pytest

from orgsvc.extensions import db
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.conftest import membership_of
from tests.support import DEFAULT_PASSWORD as PASSWORD
from tests.support import login


def _stale(client, how: str) -> None:
    with client.session_transaction() as session:
        if how == "non-fresh":  # as Flask-Login's session protection marks a changed client
            session["_fresh"] = False
        else:  # the password was given longer ago than ORGSVC_REAUTH_MINUTES
            session["password_given_at"] = int(time.time()) - 16 * 60


def _role(app, membership_id):
    with app.app_context():
        return db.session.get(Membership, membership_id).role


@pytest.mark.parametrize("how", ["non-fresh", "too-old"])
def test_a_stale_session_must_give_the_password_before_making_an_administrator(app, client, world, how):
    with app.app_context():
        member = membership_of(world.user_a, world.org_a).id
    login(client, world.admin_a.email)
    _stale(client, how)
    members_page = "http://localhost/organisation/members"
    refused = client.post(f"/organisation/members/{member}/role", data={"role": "administrator"},
                          headers={"Referer": members_page})
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/reauthenticate?next=/organisation/members"
    assert _role(app, member) == MemberRole.USER

    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Bekreft passordet ditt" in page
    wrong = client.post("/reauthenticate", data={"password": "not the password", "next": "/organisation/members"})
    assert wrong.status_code == 401 and "Passordet er feil" in wrong.get_data(as_text=True)
    assert client.post(f"/organisation/members/{member}/role", data={"role": "administrator"}).status_code == 302
    assert _role(app, member) == MemberRole.USER  # still refused: a wrong password freshens nothing

    confirmed = client.post("/reauthenticate", data={"password": PASSWORD, "next": "/organisation/members"})
    assert (confirmed.status_code, confirmed.headers["Location"]) == (302, "/organisation/members")
    assert client.post(f"/organisation/members/{member}/role", data={"role": "administrator"}).status_code == 302
    assert _role(app, member) == MemberRole.ADMINISTRATOR


def test_a_stale_caseworker_session_must_give_the_password_before_approving(app, client, world):
    with app.app_context():
        first = membership_of(world.pending_admin, world.org_pending).id
    login(client, world.caseworker.email)
    _stale(client, "non-fresh")
    assert client.post(f"/approvals/{first}/approve").headers["Location"].startswith("/reauthenticate")
    with app.app_context():
        assert db.session.get(Membership, first).status == MembershipStatus.PENDING
    assert client.post("/reauthenticate", data={"password": PASSWORD}).status_code == 302
    assert client.post(f"/approvals/{first}/approve").status_code == 302
    with app.app_context():
        assert db.session.get(Membership, first).status == MembershipStatus.ACTIVE


def test_a_fresh_login_needs_no_second_password(app, client, world):
    with app.app_context():
        member = membership_of(world.user_a, world.org_a).id
    login(client, world.admin_a.email)
    assert client.post(f"/organisation/members/{member}/role", data={"role": "administrator"}).status_code == 302
    assert _role(app, member) == MemberRole.ADMINISTRATOR


def test_the_way_back_is_only_ever_a_page_of_ours(client, world):
    login(client, world.admin_a.email)
    _stale(client, "non-fresh")
    refused = client.post("/organisation/members/1/role", data={"role": "administrator"},
                          headers={"Referer": "https://evil.example/organisation/members"})
    assert refused.headers["Location"] == "/reauthenticate"
    confirmed = client.post("/reauthenticate", data={"password": PASSWORD, "next": "https://evil.example/"})
    assert confirmed.headers["Location"] == "/"


def test_guessing_the_password_there_is_throttled_as_logging_in_is(client, world):
    login(client, world.admin_a.email)
    statuses = [client.post("/reauthenticate", data={"password": f"wrong {n}"}).status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
