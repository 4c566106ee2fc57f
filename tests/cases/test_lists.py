"""«Våre saker» through the pages: every tab sorted as documented and paged with the real page
size, each case once and none missing, for an administrator and for a user who represents the
organisation in only some cases; and the case page's history."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import format_datetime

from orgsvc.cases.models import CaseKind, CaseStatus
from orgsvc.cases.services import PAGE_SIZE
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from tests.cases.fixtures import assign_caseworker, make_case
from tests.cases.test_uploads import PDF, post_file
from tests.factories import OrganisationFactory
from tests.support import login

STATUS_WORDS = {"submitted": "innsendt", "in_progress": "under behandling", "closed": "avsluttet",
                "withdrawn": "trukket"}
MEDIATIONS = 2 * PAGE_SIZE + 5  # three pages for the administrator; two full ones for the user
UNREPRESENTED = 9  # user_a does not represent A in every ninth of them: 2 * PAGE_SIZE cases left
START = datetime(2026, 2, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Listed:
    """A case as the list should show it: number, subject, counterparty, status, last activity."""

    id: int
    number: str
    title: str
    counterpart: str
    status: CaseStatus
    last_activity_at: datetime

    def cells(self, shown_time: str) -> list[str]:
        return [self.number, self.title, self.counterpart, STATUS_WORDS[self.status.value], shown_time]


@dataclass(frozen=True)
class Crowd:
    admin_sees: list[Listed]
    user_sees: list[Listed]
    others: list[str]  # numbers that must never be on A's mediation tab


@pytest.fixture
def crowd(app, world) -> Crowd:
    """Many mediation cases of A's, on both sides (A submits most, and is the counterparty in
    some), with last activities that often coincide and numbers in no order of their ids; user_a
    represents A in all but every ninth: exactly two pages (a full last page must not promise
    another). Besides them: A's tips and guidance, and B's case against C, none of which belongs
    on A's mediation tab."""
    a, b = world.org_a.id, world.org_b.id
    with app.app_context():
        other = OrganisationFactory()
        names = {a: world.org_a.name, b: world.org_b.name, other.id: other.name}
        admin_sees, user_sees = [], []
        for index in range(MEDIATIONS):
            submitter, counterparty = [(a, b), (a, other.id), (a, b), (b, a)][index % 4]
            represented = index % UNREPRESENTED != 0
            case = make_case(f"2026-8{(index * 17) % MEDIATIONS:05d}", CaseKind.MEDIATION, submitter, counterparty,
                             status=list(CaseStatus)[(index // 2) % 4], title=f"Mekling nr. {index}",
                             representatives=[(world.user_a.id, a)] if represented else [])
            case.last_activity_at = START + timedelta(hours=(index * 7) % 13)
            db.session.flush()
            listed = Listed(case.id, case.number, case.title, names[b if submitter == b else counterparty],
                            case.status, case.last_activity_at)
            admin_sees.append(listed)
            if represented:
                user_sees.append(listed)
        others = [make_case("2026-700001", CaseKind.TIP, a, representatives=[(world.user_a.id, a)]).number,
                  make_case("2026-700002", CaseKind.GUIDANCE, a, representatives=[(world.user_a.id, a)]).number,
                  make_case("2026-700003", CaseKind.MEDIATION, b, other.id).number]
        db.session.commit()
    return Crowd(admin_sees, user_sees, others)


def documented_order(rows: list[Listed], sort: str) -> list[Listed]:
    """orgsvc.cases.services.SORTS: last activity, newest first (then the newest case); case
    number, highest first; status (by its stored value), then last activity as before."""
    by_activity = sorted(rows, key=lambda row: (row.last_activity_at, row.id), reverse=True)
    if sort == "number":
        return sorted(rows, key=lambda row: row.number, reverse=True)
    if sort == "status":
        return sorted(by_activity, key=lambda row: row.status.value)
    return by_activity


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _link(page: str, label: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)">{label}</a>', page)
    return html.unescape(found.group(1)) if found else None


def read_every_page(client, url: str) -> list[list[list[str]]]:
    """The table rows of each page, following «Neste side» from ``url`` to the last page."""
    pages = []
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
        rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []
        pages.append([[_text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows])
        assert (_link(page, "Forrige side") is not None) == (len(pages) > 1), "«Forrige side» from page 2 on"
        url = _link(page, "Neste side")
        assert len(pages) <= MEDIATIONS, "the pager never ends"
    return pages


def _shown_time(app, moment: datetime) -> str:
    """The last activity as the list writes it (bokmål, the service's time zone)."""
    with app.test_request_context():
        return format_datetime(moment, "short")


@pytest.mark.parametrize("sort", ["activity", "number", "status"])
@pytest.mark.parametrize("persona", ["admin_a", "user_a"])
def test_our_cases_are_sorted_and_paged_each_case_once(app, client, world, crowd, persona, sort):
    expected = documented_order(crowd.admin_sees if persona == "admin_a" else crowd.user_sees, sort)
    login(client, getattr(world, persona).email)
    start = "/cases/?tab=mediation" if sort == "activity" else f"/cases/?tab=mediation&sort={sort}"
    pages = read_every_page(client, start)

    assert len(pages) == math.ceil(len(expected) / PAGE_SIZE) > 1
    assert [len(page) for page in pages[:-1]] == [PAGE_SIZE] * (len(pages) - 1), "full pages until the last"
    rows = [row for page in pages for row in page]
    numbers = [row[0] for row in rows]
    assert len(numbers) == len(set(numbers)), "no case twice"
    assert numbers == [case.number for case in expected], "every case, none missing, in the documented order"
    assert rows == [case.cells(_shown_time(app, case.last_activity_at)) for case in expected]
    assert not set(numbers) & set(crowd.others)


def test_a_user_sees_a_strict_part_of_what_the_administrator_sees(crowd):
    # The fixture's promise, which the paging test above relies on.
    user = {case.number for case in crowd.user_sees}
    assert user < {case.number for case in crowd.admin_sees}
    assert len(crowd.user_sees) == 2 * PAGE_SIZE and len(crowd.admin_sees) % PAGE_SIZE != 0


def test_past_the_last_page_there_are_no_cases(client, world, crowd):
    login(client, world.admin_a.email)
    page = client.get("/cases/?tab=mediation&page=99").get_data(as_text=True)
    assert "Ingen saker her." in page and "<tbody>" not in page


def test_the_other_tabs_hold_their_own_kind(client, world, crowd):
    login(client, world.user_a.email)
    [[tip]] = read_every_page(client, "/cases/?tab=tip")
    [[guidance]] = read_every_page(client, "/cases/?tab=guidance")
    assert (tip[0], guidance[0]) == ("2026-700001", "2026-700002")
    assert tip[2] == guidance[2] == "–", "a tip or guidance request has no counterparty"


# --- the case page's history ------------------------------------------------------------------
def _history(client, case_id) -> list[str]:
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="history-heading">(.*?)</section>', page, re.S)
    assert section and "Historikk" in section.group(1)
    items = re.findall(r'<li><span class="result__meta">(.*?)</span>(.*?)</li>', section.group(1), re.S)
    assert len(items) == section.group(1).count("<li>"), "every event with its time"
    return [_text(what) for _when, what in items]


def test_the_case_page_shows_its_history_newest_first(app, world, cases):
    assign_caseworker(app, cases.a_against_b, world.caseworker.id)
    party, caseworker, other_side = app.test_client(), app.test_client(), app.test_client()
    login(party, world.user_a.email)
    login(caseworker, world.caseworker.email)
    login(other_side, world.admin_b.email)
    assert _history(party, cases.a_against_b) == []
    assert post_file(party, cases.a_against_b, "kvittering.pdf", PDF).status_code == 302
    assert party.post(f"/cases/{cases.a_against_b}/messages", data={"body": "Har dere sett kvitteringen?"}
                      ).status_code == 302
    assert caseworker.post(f"/cases/{cases.a_against_b}/status", data={"status": "in_progress"}).status_code == 302

    ours = _history(party, cases.a_against_b)
    assert ours == [
        f"Status endret til under behandling – {world.caseworker.name}",
        f"Melding til saksbehandler – {world.user_a.name}",
        f"Dokument lagt til: kvittering.pdf – {world.user_a.name}",
    ], ours
    # The other side sees what belongs to the whole case, not A's messages with the regulator.
    theirs = _history(other_side, cases.a_against_b)
    assert [line for line in theirs if "Melding" in line] == [] and len(theirs) == 2
    assert len(_history(caseworker, cases.a_against_b)) == 3


# --- the regulator's «Saker» ------------------------------------------------------------------
def test_the_regulators_list_pages_through_the_filtered_cases_keeping_the_filters(app, client, world):
    """More than two pages of the caseworker's own submitted tips of A's, among cases each filter
    leaves out: following «Neste side» lists every one of them once, and every page link keeps
    kind, status, organisation and «bare mine»."""
    a, b = world.org_a.id, world.org_b.id
    with app.app_context():
        orgnr = db.session.get(Organisation, a).orgnr
        expected = set()
        for index in range(2 * PAGE_SIZE + 3):
            case = make_case(f"2026-6{index:05d}", CaseKind.TIP, a)
            case.caseworker_id = world.caseworker.id
            case.last_activity_at = START + timedelta(minutes=index)
            expected.add(case.number)
        left_out = [make_case("2026-500001", CaseKind.MEDIATION, a, b),  # another kind
                    make_case("2026-500002", CaseKind.TIP, a, status=CaseStatus.CLOSED),  # another status
                    make_case("2026-500003", CaseKind.TIP, b),  # another organisation
                    make_case("2026-500004", CaseKind.TIP, a)]  # nobody's, so not mine
        for case in left_out[:3]:
            case.caseworker_id = world.caseworker.id
        db.session.commit()
    login(client, world.caseworker.email)
    url, seen, pages = f"/regulator/cases?kind=tip&status=submitted&orgnr={orgnr}&mine=1", [], 0
    while url is not None:
        page = client.get(url).get_data(as_text=True)
        pages += 1
        seen += re.findall(r">(2026-\d{6})</a>", page)
        pager = re.search(r'<nav class="pager"[^>]*>(.*?)</nav>', page, re.S).group(1)
        for link in map(html.unescape, re.findall(r'href="([^"]+)"', pager)):
            assert all(part in link for part in ("kind=tip", "status=submitted", f"orgnr={orgnr}", "mine=1")), link
        assert (_link(page, "Forrige side") is not None) == (pages > 1), "«Forrige side» from page 2 on"
        url = _link(page, "Neste side")
        assert pages <= 4, "the pager never ends"
    assert pages == 3
    assert len(seen) == len(set(seen)) and set(seen) == expected


@pytest.mark.parametrize(("persona", "explanation"), [
    ("pending_admin", "Du ser organisasjonens saker når Forbrukertilsynet har godkjent deg som administrator."),
    ("pending_user_a", "Du ser sakene du får tilgang til når en administrator i organisasjonen har godkjent deg."),
    ("user_a", "Du ser sakene der du representerer organisasjonen. En administrator i organisasjonen kan gi deg "
               "tilgang til en sak."),
    ("admin_a", None),
])
def test_an_empty_list_says_why_to_those_who_see_only_some_cases_or_none_yet(client, world, persona, explanation):
    """«Ingen saker her.» alone leaves an unconfirmed person or a user wondering where the cases are."""
    login(client, getattr(world, persona).email)
    page = html.unescape(client.get("/cases/?tab=tip").get_data(as_text=True))
    assert "Ingen saker her." in page
    if explanation is None:
        assert 'id="cases-why-empty"' not in page
    else:
        assert explanation in page
