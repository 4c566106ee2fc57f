"""«Velg organisasjon» through HTTP, with CSRF, while Enhetsregisteret cannot answer (refused, too
slow, 5xx, garbage): a plain message, never a 500. Registering itself is in tests/approvals."""

from __future__ import annotations

import re

import pytest

from tests.support import login

DOWN = "Enhetsregisteret svarer ikke akkurat nå"
NOT_CHECKED = "Vi fikk ikke svar fra Enhetsregisteret, så organisasjonsnummeret er ikke kontrollert ennå"


def _shown_problem(page: str) -> str | None:
    """The text of the register problem notice if it is shown (it is always in the page, hidden
    unless the register is down, so the search-as-you-type script can show it too)."""
    notice = re.search(r'<p id="org-results-problem"([^>]*)>([^<]*)</p>', page)
    assert notice, "the notice is in the page"
    return None if "hidden" in notice.group(1) else notice.group(2)


def test_the_notice_is_hidden_while_the_register_answers(app, world, client):
    login(client, world.outsider.email)
    page = client.get("/organisation/choose", query_string={"q": "nordlys"}).get_data(as_text=True)
    assert _shown_problem(page) is None


@pytest.mark.parametrize("query", ["nordlys", "310 000 019"])
def test_the_search_says_the_register_is_down(app, register_outage, world, client, query):
    login(client, world.outsider.email)
    page = client.get("/organisation/choose", query_string={"q": query})
    assert page.status_code == 200
    assert DOWN in (_shown_problem(page.get_data(as_text=True)) or "")

    typed = client.get("/organisation/search", query_string={"q": query}, headers={"Accept": "application/json"})
    assert typed.status_code == 503
    answer = typed.get_json()
    assert answer["unavailable"] is True and answer["results"] == []
    assert DOWN in answer["message"]
    assert register_outage.server_errors == []


def test_i_cannot_find_my_organisation_goes_on_and_says_the_number_is_not_checked(app, register_outage, world,
                                                                                  client):
    login(client, world.outsider.email)
    assert client.get("/organisation/add").status_code == 200
    added = client.post("/organisation/add", data={"orgnr": "310 000 019"})
    assert added.status_code == 302 and added.headers["Location"].endswith("/organisation/join/310000019")
    join_page = client.get(added.headers["Location"])
    assert join_page.status_code == 200
    page = join_page.get_data(as_text=True)
    assert NOT_CHECKED in page
    assert "Den første som registrerer seg for en organisasjon, får rollen administrator" in page
    assert register_outage.server_errors == []

