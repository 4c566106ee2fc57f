"""«Velg organisasjon» and «Jeg finner ikke organisasjonen min» through HTTP: what «Allerede
opprettet hos oss» means, that looking a number up adds nothing, and what a number the search
cannot find is (a sub-unit, deleted, not valid)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, MembershipStatus
from tests.factories import MembershipFactory, OrganisationFactory
from tests.registry.fixtures import import_sample
from tests.support import login

BAKERY, BAKERY_NAME = "310000027", "BAKERIET PÅ HJØRNET AS"
HAIRDRESSER = "310000124"
KNOWN_TAG = "Allerede opprettet hos oss"


@pytest.fixture
def searcher(app, world, client):
    import_sample(app)
    login(client, world.outsider.email)
    return client


def _organisations(app) -> dict[str, str]:
    """The organisations on file from the sample register (the world's own are numbered 91…)."""
    with app.app_context():
        return dict(db.session.execute(sa.select(Organisation.orgnr, Organisation.name)
                                       .where(Organisation.orgnr.like("310%"))).all())


def _on_file(app, orgnr, *, administrator: MembershipStatus | None) -> None:
    with app.app_context():
        organisation = OrganisationFactory(orgnr=orgnr, name="PÅ FIL AS")
        if administrator is not None:
            MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR, status=administrator)
        db.session.commit()


def _tagged(page: str) -> set[str]:
    """The org numbers of the results the page marks «Allerede opprettet hos oss»."""
    items = re.findall(r'<li class="result">(.*?)</li>', page, re.S)
    return {re.search(r"/organisation/join/(\d{9})", item).group(1) for item in items if KNOWN_TAG in item}


@pytest.mark.parametrize(("administrator", "tagged"), [
    (None, False),  # on file only as the other party of a mediation, say
    (MembershipStatus.REJECTED, False),  # its first registrant was turned down: the next is first again
    (MembershipStatus.PENDING, True),  # «ubekreftet administrator»
    (MembershipStatus.ACTIVE, True),
])
def test_already_registered_means_someone_is_registered_for_it(app, searcher, administrator, tagged):
    _on_file(app, BAKERY, administrator=administrator)
    page = searcher.get("/organisation/choose", query_string={"q": "hjornet"}).get_data(as_text=True)
    assert _tagged(page) == ({BAKERY} if tagged else set())
    answer = searcher.get("/organisation/search", query_string={"q": "hjornet"}).get_json()
    assert {r["orgnr"]: r["known"] for r in answer["results"]} == {BAKERY: tagged, HAIRDRESSER: False}


def test_looking_a_number_up_adds_nothing_until_the_person_registers(app, searcher):
    looked_up = searcher.post("/organisation/add", data={"orgnr": "310 000 027"})
    assert looked_up.status_code == 302 and looked_up.headers["Location"] == f"/organisation/join/{BAKERY}"
    join_page = searcher.get(looked_up.headers["Location"]).get_data(as_text=True)
    assert BAKERY_NAME in join_page and "«ubekreftet administrator»" in join_page
    assert f'<form method="post" action="/organisation/join/{BAKERY}"' in join_page
    assert _organisations(app) == {}
    page = searcher.get("/organisation/choose", query_string={"q": "hjornet"}).get_data(as_text=True)
    assert _tagged(page) == set(), "a number only looked up is not «registered with us»"

    assert searcher.post(f"/organisation/join/{BAKERY}", data={"note": ""}).status_code == 302
    assert _organisations(app) == {BAKERY: BAKERY_NAME}
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation.register_checked_at)) is not None
    page = searcher.get("/organisation/choose", query_string={"q": "hjornet"}).get_data(as_text=True)
    assert _tagged(page) == {BAKERY}


def test_a_number_already_on_file_is_looked_up_as_well(app, searcher):
    _on_file(app, BAKERY, administrator=None)
    looked_up = searcher.post("/organisation/add", data={"orgnr": BAKERY})
    assert looked_up.headers["Location"] == f"/organisation/join/{BAKERY}"
    assert _organisations(app) == {BAKERY: "PÅ FIL AS"}


def no_match_shown(page: str) -> bool:
    """Whether the visible «Ingen organisasjoner passet med søket.» is shown (it is always in the
    page, hidden or not, for the search-as-you-type to show)."""
    attributes = re.search(r'<p id="org-results-none"([^>]*)>', page)
    assert attributes, "the place of «none found» is always in the page"
    return "hidden" not in attributes.group(1)


def _hint(page: str) -> tuple[str | None, str | None]:
    """(the shown hint's text, its link to the main entity) — None for what is hidden."""
    block = re.search(r'<div id="org-results-hint"([^>]*)>(.*?)</div>', page, re.S)
    assert block, "the hint's place is always in the page, for the search-as-you-type too"
    if "hidden" in block.group(1):
        return None, None
    text = re.search(r'<p id="org-results-hint-text">([^<]*)</p>', block.group(2)).group(1)
    link = re.search(r'<p id="org-results-hint-link"([^>]*)><a href="([^"]*)"', block.group(2))
    return text, (None if "hidden" in link.group(1) else link.group(2))


@pytest.mark.parametrize(("query", "says", "main_url"), [
    ("310 000 167", "310 000 167 er en underenhet av NORDLYS ELEKTRONIKK AS", "/organisation/join/310000019"),
    ("310000078", "310 000 078 er slettet i Enhetsregisteret", None),
    ("923609016", "Vi fant ingen organisasjon med nummer 923 609 016", None),
    ("123456789", "ikke et gyldig organisasjonsnummer", None),
])
def test_a_whole_number_the_search_cannot_find_says_why(app, searcher, query, says, main_url):
    page = searcher.get("/organisation/choose", query_string={"q": query})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    text, link = _hint(body)
    assert says in text and link == main_url
    assert not no_match_shown(body), "the hint replaces the bare «none found»"

    answer = searcher.get("/organisation/search", query_string={"q": query}).get_json()
    assert answer["results"] == [] and says in answer["hint"] and answer["main_url"] == main_url
    assert _organisations(app) == {}


@pytest.mark.parametrize("query", ["nordlys", "310 000 019", "3100", "ingen slik bedrift"])
def test_no_hint_for_names_partial_numbers_or_what_was_found(searcher, query):
    page = searcher.get("/organisation/choose", query_string={"q": query}).get_data(as_text=True)
    assert _hint(page) == (None, None)
    assert no_match_shown(page) == (query == "ingen slik bedrift")
    assert searcher.get("/organisation/search", query_string={"q": query}).get_json()["hint"] is None
