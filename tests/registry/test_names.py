"""Name normalisation for search and for the representative check."""

from __future__ import annotations

import pytest

from orgsvc.registry.names import ascii_spelling, index_words, person_names_match, prefix_upper_bound, words


def test_words_keep_norwegian_letters():
    assert words("BAKERIET PÅ HJØRNET AS") == ["bakeriet", "på", "hjørnet", "as"]
    assert words("NORD-NORSK SJØMAT AS") == ["nord", "norsk", "sjømat", "as"]


def test_ascii_spellings_are_indexed_too():
    assert ascii_spelling("blåbær") == "blabaer"
    assert ascii_spelling("kafé") == "kafe"
    assert {"hjørnet", "hjornet"} <= index_words("HJØRNET FRISØR")


def test_prefix_bound():
    assert prefix_upper_bound("bak") == "bal"
    assert prefix_upper_bound("bak") > "bakeriet" and prefix_upper_bound("bak") <= "bal"


@pytest.mark.parametrize(
    ("typed", "first", "middle", "last", "match"),
    [
        ("Jon Erik Reinhardsen", "Jon Erik", None, "Reinhardsen", True),
        ("jon reinhardsen", "Jon Erik", None, "Reinhardsen", True),  # middle name left out
        ("Jon Erik Reinhardsen", "Jon", None, "Reinhardsen", True),  # middle name added
        ("Erik Reinhardsen", "Jon Erik", None, "Reinhardsen", False),  # not the first name
        ("Hilde Møllerstad", "Hilde", "M", "Møllerstad", True),
        ("Hilde Mollerstad", "Hilde", None, "Møllerstad", False),  # ø is a letter of its own
        ("ANNE-LISE BERG", "Anne Lise", None, "Berg", True),
        ("Anne Berg Lise", "Anne", "Lise", "Berg", False),
        ("Ola", "Ola", None, "Nordmann", False),
        ("", "Ola", None, "Nordmann", False),
        ("Ola Kristian Nordmann", "Ola", "Petter", "Nordmann", False),  # a different middle name
    ],
)
def test_person_names_match(typed, first, middle, last, match):
    assert person_names_match(typed, first, middle, last) is match
