"""The regulator's «Logg» answers which organisation and which case an entry concerns."""

from __future__ import annotations

import html
import re

from orgsvc.cases.models import Case, CaseKind, CaseStatus
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from tests.support import login


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))) for row in body.split("</tr>")[:-1]]


def test_a_status_change_names_its_case_organisation_and_statuses(app, client, world):
    """A consumer's complaint has no submitting organisation: the entry is filed under the business it
    is about, so filtering by that business finds it."""
    with app.app_context():
        case = Case(number="2026-900077", kind=CaseKind.MEDIATION, status=CaseStatus.SUBMITTED, title="Vaskemaskin",
                    description="Lekker", submitter_consumer="Kari Forbruker", counterparty_org_id=world.org_b.id,
                    last_activity_at=utcnow())
        db.session.add(case)
        db.session.commit()
        case_id = case.id
        orgnr_b = db.session.get(Organisation, world.org_b.id).orgnr
    login(client, world.caseworker.email)
    assert client.post(f"/cases/{case_id}/status", data={"status": "in_progress"}).status_code == 302

    [entry] = [row for row in _rows(client.get("/regulator/audit").get_data(as_text=True)) if "2026-900077" in row]
    assert "innsendt → under behandling" in entry and world.org_b.name in entry
    filtered = client.get(f"/regulator/audit?orgnr={orgnr_b}").get_data(as_text=True)
    assert f'<a href="/cases/{case_id}">2026-900077</a>' in filtered


def test_an_unknown_organisation_number_is_said_to_be_unknown(client, world):
    login(client, world.caseworker.email)
    page = client.get("/regulator/audit?orgnr=999999999").get_data(as_text=True)
    assert "Vi fant ingen organisasjon med nummeret 999999999." in page
    assert "Ingenting er logget ennå." not in page
