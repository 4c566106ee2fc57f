"""Numbers in addresses, queries and forms (orgsvc/web.py): out of range is a 404 or a clamped page,
never a database error."""

from __future__ import annotations

import re
import tempfile

import pytest
from werkzeug.exceptions import NotFound

from orgsvc import create_app
from orgsvc.web import ID_MAX, id_from
from tests.support import app_config, login

BEYOND = (ID_MAX + 1, 2**63, 10**30)  # past PostgreSQL's INTEGER, past SQLite's, past both


def _int_routes() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as instance:
        rules = list(create_app(app_config("sqlite://", instance)).url_map.iter_rules())
    found = []
    for rule in rules:
        if "<int:" not in rule.rule:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return sorted(found)


INT_ROUTES = _int_routes()


def test_every_int_route_is_found_and_bounded(app):
    assert len(INT_ROUTES) >= 20  # the cases', inbox's, members' and approvals' pages and actions
    adapter = app.url_map.bind("localhost")
    assert adapter.match(f"/cases/{ID_MAX}") == ("cases.show", {"case_id": ID_MAX})
    with pytest.raises(NotFound):
        adapter.match(f"/cases/{ID_MAX + 1}")


@pytest.mark.parametrize(("method", "rule"), INT_ROUTES, ids=[f"{m} {r}" for m, r in INT_ROUTES])
def test_an_id_beyond_the_database_range_is_not_found(app, world, method, rule):
    """Each persona that gets as far as the database for this route (a party or the regulator)."""
    for person in (world.admin_a, world.caseworker):
        client = app.test_client()
        login(client, person.email)
        for number in BEYOND:
            url = re.sub(r"<int:[a-z_]+>", str(number), rule)
            data = {"csrf_token": client.csrf_token()} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 404, (person.email, url, response.status_code)


@pytest.mark.parametrize("url", ["/cases/", "/cases/?tab=tip", "/inbox/", "/organisation/audit"])
@pytest.mark.parametrize("page", ["1000000000000000000", str(10**30), "abc", "-3", "0"])
def test_a_page_number_out_of_range_is_clamped(client, world, cases, url, page):
    login(client, world.admin_a.email)
    response = client.get(f"{url}{'&' if '?' in url else '?'}page={page}")
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/regulator/cases", "/regulator/audit", "/inbox/"])
def test_a_page_number_out_of_range_is_clamped_for_the_regulator(client, world, cases, url):
    login(client, world.caseworker.email)
    for page in ("1000000000000000000", str(10**30)):
        assert client.get(f"{url}?page={page}").status_code == 200


def test_form_ids_are_numbers_in_range_or_none():
    assert id_from("42") == 42 and id_from(" 42 ") == 42 and id_from(ID_MAX) == ID_MAX
    for value in (None, "", " ", "abc", "0", "-1", str(ID_MAX + 1), "9" * 5000, "4.5"):
        assert id_from(value) is None, value
