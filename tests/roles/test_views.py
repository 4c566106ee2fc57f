"""Member management through HTTP, for each persona, with CSRF."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.audit.models import AuditEvent
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import Membership, MembershipStatus
from tests.conftest import membership_of
from tests.factories import MembershipFactory
from tests.roles.helpers import database_snapshot
from tests.support import login


def _id(app, person, organisation):
    with app.app_context():
        return membership_of(person, organisation).id


def _status(app, membership_id):
    with app.app_context():
        row = db.session.get(Membership, membership_id)
        return row.role, row.status


def test_an_administrator_sees_and_manages_everyone(app, client, world):
    login(client, world.admin_a.email)
    page = client.get("/organisation/members").get_data(as_text=True)
    for person in (world.admin_a, world.user_a, world.pending_user_a):
        assert person.name in page
    assert "Venter på godkjenning" in page and "Endre rolle" in page and "Slett" in page
    assert world.user_b.name not in page


def test_approve_reject_role_and_remove_over_http(app, client, world):
    login(client, world.admin_a.email)
    pending = _id(app, world.pending_user_a, world.org_a)
    assert client.get(f"/organisation/members/{pending}/reject").status_code == 200
    assert client.post(f"/organisation/members/{pending}/reject", data={"reason": ""}).status_code == 400
    assert client.post(f"/organisation/members/{pending}/reject", data={"reason": "Ukjent"}).status_code == 302
    assert _status(app, pending) == ("user", "rejected")

    user = _id(app, world.user_a, world.org_a)
    assert client.post(f"/organisation/members/{user}/role", data={"role": "administrator"}).status_code == 302
    assert _status(app, user) == ("administrator", "active")
    assert client.post(f"/organisation/members/{user}/role", data={"role": "owner"}).status_code == 400
    assert client.post(f"/organisation/members/{user}/remove", data={"reason": "Sluttet"}).status_code == 302
    assert _status(app, user) == ("administrator", "removed")
    history = client.get("/organisation/members").get_data(as_text=True)
    assert "Tidligere brukere og forespørsler" in history and "Sluttet" in history and "Ukjent" in history


def test_a_conflict_is_a_409_with_a_clear_message(app, client, world):
    login(client, world.admin_a.email)
    own = _id(app, world.admin_a, world.org_a)
    response = client.post(f"/organisation/members/{own}/role", data={"role": "user"})
    assert response.status_code == 409
    assert "siste administrator kan ikke gjøres til bruker" in response.get_data(as_text=True)
    leave = client.post("/organisation/leave")
    assert leave.status_code == 409


def test_deciding_twice_is_a_409(app, client, world):
    login(client, world.admin_a.email)
    pending = _id(app, world.pending_user_a, world.org_a)
    assert client.post(f"/organisation/members/{pending}/approve").status_code == 302
    again = client.post(f"/organisation/members/{pending}/approve")
    assert again.status_code == 409
    assert "allerede avgjort" in again.get_data(as_text=True)


def test_a_user_sees_only_themselves_and_cannot_administer(app, client, world):
    login(client, world.user_a.email)
    page = client.get("/organisation/members").get_data(as_text=True)
    assert world.admin_a.name not in page and "Endre rolle" not in page
    pending = _id(app, world.pending_user_a, world.org_a)
    admin = _id(app, world.admin_a, world.org_a)
    own = _id(app, world.user_a, world.org_a)
    assert client.post(f"/organisation/members/{pending}/approve").status_code == 404
    assert client.get(f"/organisation/members/{admin}/remove").status_code == 404
    assert client.post(f"/organisation/members/{own}/role", data={"role": "administrator"}).status_code == 403
    assert _status(app, own) == ("user", "active")


def test_another_organisations_memberships_answer_404_and_change_nothing(app, client, world):
    login(client, world.admin_b.email)
    target = _id(app, world.user_a, world.org_a)
    for method, url, data in [("post", f"/organisation/members/{target}/approve", {}),
                              ("post", f"/organisation/members/{target}/role", {"role": "administrator"}),
                              ("get", f"/organisation/members/{target}/remove", None),
                              ("post", f"/organisation/members/{target}/remove", {}),
                              ("get", f"/organisation/members/{target}/reject", None)]:
        response = getattr(client, method)(url, data=data) if data is not None else client.get(url)
        assert response.status_code == 404, url
    assert _status(app, target) == ("user", "active")
    with app.app_context():
        denied = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
        assert len(denied) == 5 and {e.actor_id for e in denied} == {world.admin_b.id}


def test_a_user_may_leave(app, client, world):
    login(client, world.user_a.email)
    assert client.post("/organisation/leave").status_code == 302
    assert _status(app, _id_any(app, world)) == ("user", "removed")
    assert client.get("/organisation/members").status_code == 302


def _id_any(app, world):
    with app.app_context():
        return db.session.scalar(sa.select(Membership.id).where(Membership.person_id == world.user_a.id))


def test_the_pending_requester_can_withdraw(app, client, world):
    login(client, world.pending_user_a.email)
    page = client.get("/organisation/members").get_data(as_text=True)
    assert "Trekk forespørselen min" in page
    assert client.post("/organisation/leave").status_code == 302


def test_the_organisations_log_for_administrators_and_the_regulators_for_staff(app, world):
    admin, user, staff = app.test_client(), app.test_client(), app.test_client()
    login(admin, world.admin_a.email)
    admin.post(f"/organisation/members/{_id(app, world.pending_user_a, world.org_a)}/approve")
    admin.get("/inbox/999999")  # a refused access, logged but not shown to the organisation
    log = admin.get("/organisation/audit").get_data(as_text=True)
    assert "Godkjent som bruker" in log and world.pending_user_a.name in log
    assert "avvist" not in log
    login(user, world.user_a.email)
    assert user.get("/organisation/audit").status_code == 403
    login(staff, world.caseworker.email)
    everything = staff.get("/regulator/audit").get_data(as_text=True)
    assert "Godkjent som bruker" in everything
    assert "Godkjent som bruker" not in staff.get("/regulator/audit?orgnr=999999999").get_data(as_text=True)


# --- each rule of points 5 and 6 refused through HTTP: status, message, nothing changed -------------
LAST_ADMINISTRATOR_CASES = {
    "remove": (lambda own: (f"/organisation/members/{own}/remove", {"reason": "Slutter"}),
               "Organisasjonens siste administrator kan ikke slettes."),
    "demote": (lambda own: (f"/organisation/members/{own}/role", {"role": "user"}),
               "Organisasjonens siste administrator kan ikke gjøres til bruker. Gjør noen andre til administrator"),
    "leave": (lambda own: ("/organisation/leave", {}),
              "Du er organisasjonens siste administrator og kan ikke forlate den."),
}


@pytest.mark.parametrize("action", sorted(LAST_ADMINISTRATOR_CASES))
def test_the_last_administrator_cannot_be_removed_demoted_or_leave_over_http(app, client, world, action):
    own = _id(app, world.admin_a, world.org_a)
    target, message = LAST_ADMINISTRATOR_CASES[action]
    url, data = target(own)
    login(client, world.admin_a.email)
    before = database_snapshot(app)
    response = client.post(url, data=data)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert database_snapshot(app) == before
    assert _status(app, own) == ("administrator", "active")


def test_nobody_approves_or_rejects_their_own_request_over_http(app, client, world):
    # The administrator of A asks to join B: they see their request in B, but it is B's to decide.
    with app.app_context():
        own_in_b = MembershipFactory(person=db.session.get(Person, world.admin_a.id),
                                     organisation=db.session.get(Organisation, world.org_b.id),
                                     status=MembershipStatus.PENDING).id
    own_in_a = _id(app, world.pending_user_a, world.org_a)
    for person, membership_id in ((world.admin_a, own_in_b), (world.pending_user_a, own_in_a)):
        login(client, person.email)
        before = database_snapshot(app)
        for url, data in ((f"/organisation/members/{membership_id}/approve", {}),
                          (f"/organisation/members/{membership_id}/reject", {"reason": "Meg selv"})):
            response = client.post(url, data=data)
            assert response.status_code == 403, url
            assert "Du har ikke tilgang til å gjøre dette." in response.get_data(as_text=True)
        assert database_snapshot(app) == before
        assert _status(app, membership_id) == ("user", "pending")
        client.post("/logout")


def test_a_user_cannot_administer_other_users_over_http(app, client, world):
    pending = _id(app, world.pending_user_a, world.org_a)
    admin = _id(app, world.admin_a, world.org_a)
    own = _id(app, world.user_a, world.org_a)
    login(client, world.user_a.email)
    before = database_snapshot(app)
    attempts = [
        ("post", f"/organisation/members/{pending}/approve", {}, 404),
        ("get", f"/organisation/members/{pending}/reject", None, 404),
        ("post", f"/organisation/members/{pending}/reject", {"reason": "Ukjent"}, 404),
        ("post", f"/organisation/members/{admin}/role", {"role": "user"}, 404),
        ("get", f"/organisation/members/{admin}/remove", None, 404),
        ("post", f"/organisation/members/{admin}/remove", {"reason": "Ut"}, 404),
        # Their own membership they see, but may neither promote nor remove it (leaving is another route).
        ("post", f"/organisation/members/{own}/role", {"role": "administrator"}, 403),
        ("post", f"/organisation/members/{own}/remove", {}, 403),
    ]
    for method, url, data, expected in attempts:
        response = client.post(url, data=data) if method == "post" else client.get(url)
        assert response.status_code == expected, url
        message = "Vi fant ikke det du lette etter." if expected == 404 else "Du har ikke tilgang til å gjøre dette."
        assert message in response.get_data(as_text=True), url
    assert database_snapshot(app) == before


# --- errors on the page, and actions that cannot succeed not offered ------------------------------
@pytest.mark.parametrize("reason", ["ok", "  ok  "])
def test_a_too_short_removal_reason_is_shown_on_the_page_with_the_input_kept(app, client, world, reason):
    # "ok" is refused by the form, "  ok  " (six characters) by the service once trimmed: either way
    # the same page comes back with the message and what was written, and nobody is removed.
    user = _id(app, world.user_a, world.org_a)
    login(client, world.admin_a.email)
    before = database_snapshot(app)
    response = client.post(f"/organisation/members/{user}/remove", data={"reason": reason})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Begrunnelsen må være mellom 3 og 2000 tegn." in page
    assert f">\r\n{reason}</textarea>" in page or f">{reason}</textarea>" in page
    assert f'action="/organisation/members/{user}/remove"' in page, "the removal page itself, not an error page"
    assert database_snapshot(app) == before


def test_the_last_administrator_is_not_offered_to_change_role_or_leave(app, client, world):
    own = _id(app, world.admin_a, world.org_a)
    login(client, world.admin_a.email)
    page = client.get("/organisation/members").get_data(as_text=True)
    assert f"/organisation/members/{own}/role" not in page and "Forlat organisasjonen" not in page
    assert "Organisasjonens eneste administrator" in page
    assert f"/organisation/members/{_id(app, world.user_a, world.org_a)}/role" in page, "others' roles still change"

    # With a second administrator, both are offered again.
    assert client.post(f"/organisation/members/{_id(app, world.user_a, world.org_a)}/role",
                       data={"role": "administrator"}).status_code == 302
    page = client.get("/organisation/members").get_data(as_text=True)
    assert f"/organisation/members/{own}/role" in page and "Forlat organisasjonen" in page
    assert "Organisasjonens eneste administrator" not in page


# --- leaving and withdrawing one's request are asked first, as «Slett» is -------------------------
@pytest.mark.parametrize(("persona", "button", "heading"), [
    ("user_a", "Forlat organisasjonen", "Forlat "),
    ("pending_user_a", "Trekk forespørselen min", "Trekk forespørselen din til "),
])
def test_leaving_or_withdrawing_asks_for_confirmation_first(app, client, world, persona, button, heading):
    person = getattr(world, persona)
    own = _id(app, person, world.org_a)
    login(client, person.email)
    members = client.get("/organisation/members").get_data(as_text=True)
    # The members page links to the confirmation page; it holds no form that leaves at once.
    assert f'href="/organisation/leave">{button}</a>' in members
    assert 'action="/organisation/leave"' not in members
    before = database_snapshot(app)
    confirm = client.get("/organisation/leave")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and f"{heading}{world.org_a.name}" in page
    assert 'action="/organisation/leave"' in page and button in page and 'href="/organisation/members">Avbryt' in page
    assert database_snapshot(app) == before, "asking changes nothing"
    assert _status(app, own)[1] in ("active", "pending")
    assert client.post("/organisation/leave").status_code == 302
    assert _status(app, own)[1] == "removed"


def test_the_last_administrator_is_told_on_the_leave_page_and_offered_nothing(app, client, world):
    login(client, world.admin_a.email)
    page = client.get("/organisation/leave").get_data(as_text=True)
    assert "Du er organisasjonens siste administrator og kan ikke forlate den." in page
    assert 'action="/organisation/leave"' not in page


def test_the_leave_page_without_an_organisation_goes_home(client, world):
    login(client, world.outsider.email)
    assert client.get("/organisation/leave").headers["Location"] == "/"


@pytest.mark.parametrize(("persona", "explained"), [("pending_user_a", True), ("pending_admin", True),
                                                    ("user_a", False), ("admin_a", False)])
def test_a_person_awaiting_approval_is_told_why_no_users_are_listed(client, world, persona, explained):
    """They see only their own request; an empty «Brukere og roller» table would say nothing."""
    login(client, getattr(world, persona).email)
    page = client.get("/organisation/members").get_data(as_text=True)
    said = "Du ser organisasjonens brukere når forespørselen din er godkjent." in page
    assert said == explained
    assert ('<caption class="visually-hidden">Brukere og roller</caption>' in page) != explained
