"""Organisation numbers: normalising, the modulus-11 check, and the messages for bad input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orgsvc.registry.orgnr import InvalidOrgnr, check_digit, format_orgnr, is_valid, normalise, validate

VALID = ["923609016", "974760673", "984851006", "123456785"]
INVALID = ["988077918", "112233445"]


@pytest.mark.parametrize("number", VALID)
def test_brreg_vectors_valid(number):
    assert validate(number) == number


@pytest.mark.parametrize("number", INVALID)
def test_brreg_vectors_invalid(number):
    with pytest.raises(InvalidOrgnr):
        validate(number)


@pytest.mark.parametrize(
    "typed", ["923 609 016", "923.609.016", "923-609-016", "923\u00a0609\u00a0016", " 923609016 ", "923\u202f609 016"]
)
def test_separators_are_removed(typed):
    assert validate(typed) == "923609016"


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [("", "Skriv inn et organisasjonsnummer"), ("92360901", "9 sifre; du skrev 8"),
     ("9236090160", "9 sifre; du skrev 10"), ("92360901x", "bare av sifre"), ("٩٢٣٦٠٩٠١٦", "bare av sifre"),
     ("988077918", "ikke et gyldig organisasjonsnummer")],
)
def test_messages_say_what_is_wrong(app, typed, fragment):
    with app.test_request_context():
        with pytest.raises(InvalidOrgnr) as raised:
            validate(typed)
        assert fragment in str(raised.value.message)


def test_the_worked_example_of_brreg():
    assert check_digit("12345678") == 5


def test_format():
    assert format_orgnr("923609016") == "923 609 016"


def _independent(number: str) -> bool:
    """python-stdnum's formulation: weights 3,2,7,6,5,4,3,2,1 and the sum divisible by 11."""
    return len(number) == 9 and number.isdigit() and sum(
        int(d) * w for d, w in zip(number, (3, 2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0


@given(st.integers(min_value=0, max_value=999_999_999))
def test_agrees_with_an_independent_formula(value):
    number = f"{value:09d}"
    assert is_valid(number) == _independent(number)


@given(st.text(max_size=20))
def test_never_crashes_on_arbitrary_text(text):
    with contextlib.suppress(InvalidOrgnr):
        assert validate(text) == normalise(text)
