"""Synthetic Enhetsregisteret bulk files (entities and roles), streamed to disk in the real format.

Used by the import tests (200,000 entities) and the register benchmark (1.1 million). Names mix
Norwegian words with æ, ø and å so search meets the letters real names have.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from orgsvc.registry.orgnr import check_digit

WORDS = ("NORD", "SØR", "ØST", "VEST", "FJELL", "HAV", "SKOG", "BYGG", "ELEKTRO", "DATA", "TRANSPORT", "RØRLEGGER",
         "BAKERI", "KAFÉ", "FRISØR", "TANNLEGE", "REGNSKAP", "EIENDOM", "HOLDING", "INVEST", "MASKIN", "MARINE",
         "SJØMAT", "GÅRD", "BLÅBÆR", "LYS", "KRAFT", "VARME", "SOL", "VIND", "TRE", "STEIN", "GLASS", "MALER",
         "SNEKKER", "TAKST", "KONSULT", "REKLAME", "REISER", "SPORT", "HANDEL", "SERVICE", "TEKNIKK", "SYSTEM",
         "ÅS", "BRU", "DAL", "VIK", "NES", "HAUG", "BERG", "LIA", "MOEN", "STRAND", "ØYA", "FJORD", "ELV", "BÆKKEN")
FIRST = ("Ola", "Kari", "Per", "Anne", "Lars", "Ingrid", "Jon", "Marte", "Bjørn", "Åse", "Håkon", "Sølvi", "Øystein",
         "Siri", "Erik", "Hilde", "Terje", "Mona", "Knut", "Randi", "Geir", "Tone", "Arne", "Liv", "Nils", "Eva")
LAST = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen",
        "Berg", "Haugen", "Hagen", "Johnsen", "Dahl", "Lie", "Bakken", "Solberg", "Strand", "Ødegård", "Sæther",
        "Bråten", "Lunde", "Moe", "Næss", "Aasen", "Fjeld", "Holm", "Lien", "Ås")
FORMS = (("AS", "Aksjeselskap"), ("ENK", "Enkeltpersonforetak"), ("DA", "Selskap med delt ansvar"),
         ("ANS", "Ansvarlig selskap"), ("SA", "Samvirkeforetak"), ("STI", "Stiftelse"))
PLACES = (("0150", "OSLO", "OSLO"), ("5003", "BERGEN", "BERGEN"), ("7011", "TRONDHEIM", "TRONDHEIM"),
          ("9008", "TROMSØ", "TROMSØ"), ("4006", "STAVANGER", "STAVANGER"), ("2609", "LILLEHAMMER", "LILLEHAMMER"),
          ("8006", "BODØ", "BODØ"), ("3015", "DRAMMEN", "DRAMMEN"))


def org_numbers(start: int = 81000000) -> Iterator[str]:
    stem = start
    while True:
        digit = check_digit(str(stem))
        if digit is not None:
            yield f"{stem}{digit}"
        stem += 1


def _name(rng: random.Random, number: int) -> tuple[str, str, str]:
    form, description = FORMS[0] if rng.random() < 0.7 else rng.choice(FORMS)
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
    return f"{words} {number % 9973} {form}", form, description


def _entity(rng: random.Random, orgnr: str, number: int) -> dict:
    name, form, description = _name(rng, number)
    postcode, place, municipality = rng.choice(PLACES)
    return {
        "organisasjonsnummer": orgnr, "navn": name,
        "organisasjonsform": {"kode": form, "beskrivelse": description},
        "forretningsadresse": {"land": "Norge", "landkode": "NO", "postnummer": postcode, "poststed": place,
                               "adresse": [f"Gate {number % 120}", None, ""], "kommune": municipality},
        "registreringsdatoEnhetsregisteret": "2010-01-01", "registrertIMvaregisteret": rng.random() < 0.5,
        "konkurs": False, "underAvvikling": False,
        "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}},
    }


def _person(rng: random.Random, code: str, description: str, order: int) -> dict:
    born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 60 * 365))
    name = {"fornavn": rng.choice(FIRST), "etternavn": rng.choice(LAST)}
    if rng.random() < 0.2:
        name["mellomnavn"] = rng.choice(FIRST)
    return {"type": {"kode": code, "beskrivelse": description},
            "person": {"fodselsdato": born.isoformat(), "navn": name, "erDoed": False},
            "fratraadt": False, "avregistrert": False, "rekkefolge": order}


def _roles(rng: random.Random, orgnr: str) -> dict:
    board = [_person(rng, "LEDE", "Styrets leder", 0)] + [
        _person(rng, "MEDL", "Styremedlem", order) for order in range(1, rng.randint(1, 4))]
    return {"organisasjonsnummer": orgnr, "rollegrupper": [
        {"type": {"kode": "DAGL", "beskrivelse": "Daglig leder"}, "roller": [_person(rng, "DAGL", "Daglig leder", 0)]},
        {"type": {"kode": "STYR", "beskrivelse": "Styre"}, "roller": board},
    ]}


def write_bulk_files(directory: Path, count: int, seed: int = 1) -> tuple[Path, Path]:
    """Write enheter.json.gz and roller.json.gz with ``count`` entities, one record at a time."""
    rng = random.Random(seed)
    entities_path, roles_path = directory / "enheter.json.gz", directory / "roller.json.gz"
    numbers = org_numbers()
    with gzip.open(entities_path, "wt", encoding="utf-8", compresslevel=1) as entities, \
            gzip.open(roles_path, "wt", encoding="utf-8", compresslevel=1) as roles:
        entities.write("[")
        roles.write("[")
        for index in range(count):
            orgnr = next(numbers)
            separator = "," if index else ""
            entities.write(separator + json.dumps(_entity(rng, orgnr, index), ensure_ascii=False))
            roles.write(separator + json.dumps(_roles(rng, orgnr), ensure_ascii=False))
        entities.write("]")
        roles.write("]")
    return entities_path, roles_path
