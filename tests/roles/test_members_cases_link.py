"""«Brukere» links an administrator to the cases each active member has; others get no such link."""

from __future__ import annotations

import re

import pytest

from tests.conftest import membership_of
from tests.support import login


def _case_links(page: str) -> set[str]:
    return set(re.findall(r'href="(/organisation/members/\d+/cases)"', page))


def _cases_url(app, person, organisation) -> str:
    with app.app_context():
        return f"/organisation/members/{membership_of(person, organisation).id}/cases"


def test_an_administrator_sees_a_link_to_each_active_members_cases(app, client, world):
    urls = {_cases_url(app, person, world.org_a) for person in (world.admin_a, world.user_a)}
    login(client, world.admin_a.email)
    page = client.get("/organisation/members").get_data(as_text=True)
    assert _case_links(page) == urls, "active members only: a pending request has no cases"
    for url in urls:
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("viewer", ["user_a", "pending_user_a"])
def test_others_of_the_organisation_get_no_link_to_a_members_cases(client, world, viewer):
    login(client, getattr(world, viewer).email)
    response = client.get("/organisation/members")
    assert response.status_code == 200
    assert _case_links(response.get_data(as_text=True)) == set()
