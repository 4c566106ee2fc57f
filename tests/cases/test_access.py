"""Who sees and does what in cases, for every persona, through the pages."""

from __future__ import annotations

import dataclasses

import pytest

from orgsvc.access import load_principal, may
from orgsvc.accounts.models import Person
from orgsvc.cases.models import Case
from orgsvc.extensions import db
from tests.support import login, statements_run

CASE_ACTIONS = ("view", "withdraw", "upload", "message", "follow", "manage_access", "change_status")

VIEW_MATRIX = [
    # persona,          case,          status
    ("admin_a",         "a_against_b", 200),
    ("admin_a",         "a_tip",       200),
    ("admin_a",         "b_against_a", 200),  # A is the counterparty: its administrator sees it
    ("user_a",          "a_against_b", 200),  # represents A in it
    ("user_a",          "a_tip",       404),  # does not represent A in it
    ("user_a",          "b_against_a", 404),
    ("pending_user_a",  "a_against_b", 404),
    ("admin_b",         "a_against_b", 200),
    ("admin_b",         "a_tip",       404),
    ("user_b",          "a_against_b", 404),
    ("user_b",          "b_against_a", 200),
    ("outsider",        "a_against_b", 404),
    ("pending_admin",   "a_against_b", 404),
    ("caseworker",      "a_tip",       200),
    ("regulator_admin", "b_against_a", 200),
]


@pytest.mark.parametrize(("persona", "case", "status"), VIEW_MATRIX)
def test_who_sees_a_case(client, world, cases, persona, case, status):
    login(client, getattr(world, persona).email)
    case_id = getattr(cases, case)
    assert client.get(f"/cases/{case_id}").status_code == status
    assert client.get(f"/cases/{case_id}/documents").status_code == status


def test_a_user_without_representation_gets_404_for_the_documents_too(app, client, world, cases):
    from tests.cases.test_uploads import PDF, upload_pdf

    document_id = upload_pdf(app, world.admin_a, cases.a_tip, kind_ok=False)
    url = f"/cases/{cases.a_tip}/documents/{document_id}"
    login(client, world.user_a.email)  # a member of A, but not representing A in the tip
    assert client.get(f"/cases/{cases.a_tip}/documents").status_code == 404
    refused = client.get(url)
    assert refused.status_code == 404 and refused.data != PDF
    client.post("/logout")
    login(client, world.admin_a.email)  # A's administrator sees every case of A: the same URL works
    allowed = client.get(url)
    try:
        assert allowed.status_code == 200 and allowed.data == PDF
        assert allowed.headers["Content-Disposition"].startswith("attachment;")
    finally:
        allowed.close()


def test_the_lists_show_exactly_what_may_be_seen(client, world, cases):
    login(client, world.user_a.email)
    mediation = client.get("/cases/?tab=mediation").get_data(as_text=True)
    assert "2026-900001" in mediation and "2026-900004" in mediation
    assert "2026-900003" not in mediation
    assert "2026-900002" not in client.get("/cases/?tab=tip").get_data(as_text=True)
    assert "2026-900005" in client.get("/cases/?tab=guidance").get_data(as_text=True)
    client.post("/logout")
    login(client, world.admin_a.email)
    mediation = client.get("/cases/?tab=mediation").get_data(as_text=True)
    assert all(number in mediation for number in ("2026-900001", "2026-900003", "2026-900004"))
    assert "2026-900002" in client.get("/cases/?tab=tip").get_data(as_text=True)


def test_the_list_shows_the_counterparty_from_our_side(client, world, cases):
    login(client, world.admin_a.email)
    page = client.get("/cases/?tab=mediation").get_data(as_text=True)
    assert page.count(world.org_b.name) >= 2


@pytest.mark.parametrize(
    ("persona", "case", "status"),
    [("admin_a", "a_against_b", 200), ("user_a", "a_against_b", 200), ("admin_b", "a_against_b", 403),
     ("user_b", "b_against_a", 200), ("admin_a", "b_against_a", 403), ("admin_a", "a_closed", 403),
     ("user_a", "a_tip", 404), ("caseworker", "a_against_b", 403)],
)
def test_only_the_submitting_side_may_withdraw_an_open_case(client, world, cases, persona, case, status):
    login(client, getattr(world, persona).email)
    assert client.get(f"/cases/{getattr(cases, case)}/withdraw").status_code == status


def test_a_case_page_reads_the_representation_with_the_memberships(client, world, cases, database):
    """A user's case page asks whether they represent their organisation in the case as part of
    reading their memberships, not in a round trip of its own, however many checks the page makes."""
    login(client, world.user_a.email)
    client.get("/cases/")  # the first request after logging in may touch the session's last_seen_at
    for case, status in ((cases.a_against_b, 200), (cases.a_tip, 404)):
        with statements_run(database.engine) as statements:
            assert client.get(f"/cases/{case}").status_code == status
        grants = [s for s in statements if s.startswith("SELECT membership.id")]
        assert len(grants) == 1 and "case_representative" in grants[0], statements
        # (The page's lists, such as the history, carry the representation in their own SQL.)
        lookups = [s for s in statements if s.startswith("SELECT EXISTS") and "case_representative" in s]
        assert lookups == [], lookups


@pytest.mark.parametrize(("persona", "case"), [(persona, case) for persona, case, _status in VIEW_MATRIX])
def test_a_principal_read_with_a_case_decides_as_one_read_without(app, world, cases, persona, case):
    """The representation read with the grants answers exactly as the lookup does, for the named
    case and (by looking up) for every other case, for every action on a case."""
    with app.test_request_context():
        person = db.session.get(Person, getattr(world, persona).id)
        named = getattr(cases, case)
        with_case, without = load_principal(person, case_id=named), load_principal(person)
        for other in (getattr(cases, field.name) for field in dataclasses.fields(cases)):
            target = db.session.get(Case, other)
            for action in CASE_ACTIONS:
                assert may(with_case, action, target) == may(without, action, target), (other, action)
        assert set(with_case.representing) == {named}


def _represents(app, person, organisation) -> list[int]:
    import sqlalchemy as sa

    from orgsvc.cases.models import CaseRepresentative

    with app.app_context():
        return list(db.session.scalars(sa.select(CaseRepresentative.case_id).where(
            CaseRepresentative.person_id == person.id, CaseRepresentative.organisation_id == organisation.id)))


@pytest.mark.parametrize("how", ["removed", "left"])
def test_case_access_ends_with_the_membership_and_does_not_come_back_on_rejoining(app, world, cases, how):
    """Representation belongs to the membership: a member removed (or who left) and approved again
    later starts with no cases, and «Hvem har tilgang» no longer lists them meanwhile."""
    from orgsvc.organisations.models import Organisation
    from orgsvc.roles import services as roles
    from tests.conftest import membership_of

    admin, user = app.test_client(), app.test_client()
    login(admin, world.admin_a.email)
    login(user, world.user_a.email)
    assert admin.post(f"/cases/{cases.a_tip}/access", data={"person": world.user_a.id}).status_code == 302
    assert user.get(f"/cases/{cases.a_tip}").status_code == 200
    assert cases.a_against_b in _represents(app, world.user_a, world.org_a)
    with app.app_context():
        membership_id = membership_of(world.user_a, world.org_a).id
    if how == "removed":
        removed = admin.post(f"/organisation/members/{membership_id}/remove", data={"reason": "Sluttet"})
        assert removed.status_code == 302
    else:
        assert user.post("/organisation/leave").status_code == 302
    assert _represents(app, world.user_a, world.org_a) == []
    who_has_access = admin.get(f"/cases/{cases.a_tip}").get_data(as_text=True).split("Hvem har tilgang")[1]
    assert world.user_a.name not in who_has_access

    with app.app_context():
        again = roles.request_membership(load_principal(db.session.get(Person, world.user_a.id)),
                                         db.session.get(Organisation, world.org_a.id), "Tilbake")
    assert admin.post(f"/organisation/members/{again.id}/approve").status_code == 302
    for case in (cases.a_tip, cases.a_against_b):
        assert user.get(f"/cases/{case}").status_code == 404


def _who_has_access(client, case_id) -> str:
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    return page.split("Hvem har tilgang")[1].split("</section>")[0] if "Hvem har tilgang" in page else ""


@pytest.mark.parametrize(("persona", "view_access", "sides"), [
    ("caseworker", True, {"a", "b"}), ("regulator_admin", True, {"a", "b"}),  # the regulator: every side's
    ("admin_a", False, {"a"}), ("admin_b", False, {"b"}),  # an administrator: their own side's (manage_access)
    ("user_a", False, set()),
])
def test_who_sees_who_has_access_to_a_case(app, client, world, cases, persona, view_access, sides):
    """«Hvem har tilgang» is an access decision (it names the people representing each side), taken
    by the policy: ``view_access`` for the regulator, ``manage_access`` for a side's administrator."""
    from orgsvc.cases.models import CaseRepresentative

    with app.app_context():
        db.session.add(CaseRepresentative(case_id=cases.a_against_b, person_id=world.user_b.id,
                                          organisation_id=world.org_b.id))
        db.session.commit()
    with app.test_request_context():
        principal = load_principal(db.session.get(Person, getattr(world, persona).id))
        assert may(principal, "view_access", db.session.get(Case, cases.a_against_b)) is view_access
    login(client, getattr(world, persona).email)
    listed = _who_has_access(client, cases.a_against_b)
    assert {side for side, person in (("a", world.user_a), ("b", world.user_b)) if person.name in listed} == sides
