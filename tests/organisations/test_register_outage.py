"""«Velg organisasjon» through HTTP, with CSRF, while Enhetsregisteret cannot answer (refused, too
slow, 5xx, garbage): a plain message, never a 500. Registering itself is in tests/approvals."""

from __future__ import annotations

import pytest

from tests.support import login

DOWN = "Enhetsregisteret svarer ikke akkurat nå"
NOT_CHECKED = "Vi fikk ikke svar fra Enhetsregisteret, så organisasjonsnummeret er ikke kontrollert ennå"


@pytest.mark.parametrize("query", ["nordlys", "310 000 019"])
def test_the_search_says_the_register_is_down(app, register_outage, world, client, query):
    login(client, world.outsider.email)
    page = client.get("/organisation/choose", query_string={"q": query})
    assert page.status_code == 200
    assert DOWN in page.get_data(as_text=True)

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
    assert NOT_CHECKED in page and "Du blir organisasjonens første bruker" in page
    assert register_outage.server_errors == []

