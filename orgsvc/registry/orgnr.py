"""Norwegian organisation numbers: nine digits, the last a modulus-11 check digit.

Brønnøysundregistrene: weights 3,2,7,6,5,4,3,2 on the first eight digits; check digit
11 - (sum mod 11), 0 when the remainder is 0; a remainder of 1 gives no valid number.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
# Separators people type or paste: spaces (also non-breaking and thin), dots and dashes.
_SEPARATORS = re.compile(r"[\s\u00a0\u2007\u202f.\-\u2010\u2011\u2012\u2013]")


class InvalidOrgnr(ValueError):
    """Not a valid organisation number; ``message`` says why, for the person who typed it."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def normalise(raw: str) -> str:
    """Remove separators; the result may still be invalid."""
    return _SEPARATORS.sub("", raw or "")


def check_digit(first_eight: str) -> int | None:
    """The check digit for eight digits, or None when no valid number starts with them."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def validate(raw: str) -> str:
    """Return the normalised number, or raise InvalidOrgnr with a message to show."""
    number = normalise(raw)
    if not number:
        raise InvalidOrgnr(_l("Enter an organisation number."))
    if not number.isascii() or not number.isdigit():
        raise InvalidOrgnr(_l("An organisation number has digits only."))
    if len(number) != 9:
        raise InvalidOrgnr(_l("An organisation number has 9 digits; you entered %(count)d.", count=len(number)))
    expected = check_digit(number[:8])
    if expected is None or expected != int(number[8]):
        raise InvalidOrgnr(_l("%(number)s is not a valid organisation number. Check the digits.", number=number))
    return number


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidOrgnr:
        return False
    return True


def format_orgnr(number: str) -> str:
    """The way Brønnøysund writes it: 923 609 016."""
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 9 else number
