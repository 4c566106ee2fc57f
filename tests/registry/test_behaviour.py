"""The register's behaviour, identical for the real API (through the stand-in) and the local copy."""

from __future__ import annotations

from datetime import date

import pytest

from orgsvc.registry.check import Outcome, Reason, check_representative
from orgsvc.registry.orgnr import InvalidOrgnr
from orgsvc.registry.types import EntityStatus, LookupStatus, Proceeding

NORDLYS, BAKERIET, SOLSIKKE, DELETED, KONKURS, MOLLA, SUBUNIT = (
    "310000019", "310000027", "310000051", "310000078", "310000086", "310000094", "310000167")
NOT_IN_REGISTER = "923609016"


def test_an_active_main_entity(register):
    found = register.lookup("310 000 019")
    assert found.status == LookupStatus.ACTIVE
    assert found.entity.name == "NORDLYS ELEKTRONIKK AS"
    assert found.entity.form_code == "AS"
    assert found.entity.is_live_main_entity
    assert found.as_json() == {"orgnr": NORDLYS, "name": "NORDLYS ELEKTRONIKK AS", "status": "active"}


def test_a_deleted_entity_is_reported_deleted(register):
    found = register.lookup(DELETED)
    assert found.status == LookupStatus.DELETED
    assert found.entity.deleted_on == date(2023, 3, 9)
    assert not found.entity.is_live_main_entity


def test_a_subunit_names_its_main_entity(register):
    found = register.lookup(SUBUNIT)
    assert found.status == LookupStatus.SUBUNIT
    assert found.entity.parent_orgnr == NORDLYS
    assert found.main.name == "NORDLYS ELEKTRONIKK AS"
    assert found.as_json()["main_orgnr"] == NORDLYS


def test_an_unknown_number(register):
    found = register.lookup(NOT_IN_REGISTER)
    assert found.status == LookupStatus.NOT_FOUND
    assert found.entity is None


@pytest.mark.parametrize("typed", ["310000018", "12345", "31000001x", ""])
def test_an_invalid_number_is_refused_before_asking(register, typed, brreg_server):
    with pytest.raises(InvalidOrgnr):
        register.lookup(typed)
    assert brreg_server.log == []


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("nordlys", "NORDLYS ELEKTRONIKK AS"),
        ("NORDLYS kaf", "NORDLYS KAFÉ AS"),
        ("bakeriet", "BAKERIET PÅ HJØRNET AS"),
        ("hjørnet", None),
        ("blåbær", "BLÅBÆR OG TYTTEBÆR HANDEL AS"),
        ("østlandets", "ØSTLANDETS TAKSERING AS"),
        ("åsgård", "ÅSGÅRD GÅRDSBUTIKK DA"),
    ],
)
def test_name_search_finds_names_with_norwegian_letters(register, query, expected_first):
    hits = register.search(query)
    assert hits, query
    if expected_first:
        assert hits[0].name == expected_first
    assert all(hit.status == EntityStatus.ACTIVE and not hit.is_subunit for hit in hits)


def test_search_finds_all_matching_names_and_no_deleted_ones(register):
    names = {hit.name for hit in register.search("handel")}
    assert "BLÅBÆR OG TYTTEBÆR HANDEL AS" in names
    assert "GAMMEL HANDEL AS" not in names


def test_search_with_no_match_is_empty(register):
    assert register.search("finnesikke") == []


def test_search_by_full_org_number(register):
    [hit] = register.search("310 000 019")
    assert hit.name == "NORDLYS ELEKTRONIKK AS"


def test_role_holders_are_the_active_ones_of_every_kind(register):
    holders = register.role_holders(NORDLYS)
    kinds = {(h.role_code, h.kind) for h in holders}
    assert ("DAGL", "person") in kinds
    assert ("LEDE", "person") in kinds
    assert ("REVI", "entity") in kinds
    names = {h.name for h in holders}
    assert "REVISJON ØST AS" in names
    assert "Astrid Marie Nordmann" in names
    assert "Per Olsen" not in names, "a resigned board member is not an active holder"


def test_a_trustee_and_resigned_leaders_of_a_bankrupt_company(register):
    holders = register.role_holders(KONKURS)
    assert [(h.role_code, h.kind, h.name) for h in holders] == [("BOBE", "trustee", "Advokat Ada Bostyrer")]


def test_a_deceased_person_is_not_an_active_holder(register):
    assert register.role_holders(MOLLA) == []


def test_prokura_holders_are_listed(register):
    holders = register.role_holders(SOLSIKKE)
    prokura = [h for h in holders if h.role_code == "POHV"]
    assert len(prokura) == 1
    assert prokura[0].birth_date == date(1984, 9, 15)
    assert (prokura[0].first_name, prokura[0].last_name) == ("Mona", "Solberg")


@pytest.mark.parametrize(
    ("orgnr", "name", "born", "outcome", "role"),
    [
        (NORDLYS, "Ola Nordmann", date(1975, 3, 14), Outcome.ELIGIBLE, "DAGL"),
        (NORDLYS, "  ola   NORDMANN ", date(1975, 3, 14), Outcome.ELIGIBLE, "DAGL"),
        (NORDLYS, "Astrid Nordmann", date(1950, 7, 1), Outcome.ELIGIBLE, "LEDE"),  # middle name left out
        (NORDLYS, "Astrid Marie Nordmann", date(1950, 7, 1), Outcome.ELIGIBLE, "LEDE"),
        (NORDLYS, "Ola Nordmann", date(1975, 3, 15), Outcome.NOT_ELIGIBLE, None),  # another birth date
        (NORDLYS, "Kari Hansen", date(1988, 11, 2), Outcome.NOT_ELIGIBLE, None),  # only a board member
        (NORDLYS, "Per Olsen", date(1993, 6, 21), Outcome.NOT_ELIGIBLE, None),  # resigned
        (BAKERIET, "Håkon Ødegård", date(1972, 12, 24), Outcome.ELIGIBLE, "NEST"),  # flags missing = active
        (BAKERIET, "Hakon Odegard", date(1972, 12, 24), Outcome.NOT_ELIGIBLE, None),  # letters are kept
        (BAKERIET, "Ingrid Berg", date(1969, 1, 30), Outcome.ELIGIBLE, "DAGL"),  # DAGL before LEDE
        (SOLSIKKE, "Mona Solberg", date(1984, 9, 15), Outcome.ELIGIBLE, "POHV"),  # prokura
        (MOLLA, "Sverre Møller", date(1940, 1, 1), Outcome.NOT_ELIGIBLE, None),  # deceased
        (KONKURS, "Bjørn Bygg", date(1960, 10, 10), Outcome.NOT_ELIGIBLE, None),  # fratrådt and avregistrert
        (DELETED, "Anyone", date(1970, 1, 1), Outcome.NOT_ELIGIBLE, None),  # the entity is deleted
    ],
)
def test_the_representative_check(register, orgnr, name, born, outcome, role):
    answer = check_representative(register, orgnr, name, born)
    assert answer.outcome == outcome, answer.reason_text
    assert answer.role_code == role
    if role:
        assert answer.role_description
        assert answer.register_name


def test_other_roles_only_is_explained(register):
    answer = check_representative(register, NORDLYS, "Kari Hansen", date(1988, 11, 2))
    assert answer.reason == Reason.OTHER_ROLES_ONLY
    assert answer.other_roles == ("MEDL (Styremedlem)",)
    assert "MEDL" in answer.as_json()["reason"]
    assert answer.as_json()["eligible"] is False and answer.as_json()["role"] is None


def test_the_evidence_names_the_register_spelling_and_the_time(register):
    answer = check_representative(register, NORDLYS, "astrid nordmann", date(1950, 7, 1))
    as_json = answer.as_json()
    assert as_json["role"] == {"code": "LEDE", "description": "Styrets leder"}
    assert as_json["register_name"] == "Astrid Marie Nordmann"
    assert as_json["checked_at"].endswith("+00:00")


def test_the_proceedings_an_entity_is_marked_with(register):
    assert register.lookup(KONKURS).entity.proceedings == (Proceeding.BANKRUPTCY,)
    assert register.lookup(NORDLYS).entity.proceedings == ()


def test_the_evidence_carries_the_proceedings_whatever_the_answer(register):
    answer = check_representative(register, KONKURS, "Bjørn Bygg", date(1960, 10, 10))
    assert (answer.outcome, answer.proceedings) == (Outcome.NOT_ELIGIBLE, ("bankruptcy",))
    assert answer.as_json()["proceedings"] == ["bankruptcy"]
    assert "the register marks the organisation: bankruptcy" in answer.reason_text
    plain = check_representative(register, NORDLYS, "Ola Nordmann", date(1975, 3, 14))
    assert plain.proceedings == () and plain.as_json()["proceedings"] == []
    assert "marks the organisation" not in plain.reason_text
