"""Who sees and does what in cases, for every persona, through the pages."""

from __future__ import annotations

import pytest

from tests.support import login

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
