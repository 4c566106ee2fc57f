"""Normalising names for search and for matching a person against the register's role holders.

Norwegian letters are kept as letters (Møller is not Moller); case, width and spacing are not
significant. For search only, an ASCII spelling is indexed too, so "hjornet" finds «HJØRNET».
"""

from __future__ import annotations

import functools
import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ASCII_SPELLING = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "ð": "d", "þ": "th", "ł": "l"})


def normalise(text: str) -> str:
    """Unicode-normalised (NFKC) and case-folded, with whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def words(text: str) -> list[str]:
    """The words of a name, in order (punctuation and hyphens separate words)."""
    return _WORD.findall(normalise(text))


@functools.lru_cache(maxsize=65536)
def ascii_spelling(word: str) -> str:
    """The word as typed without Norwegian letters or accents: hjørnet -> hjornet, blåbær -> blabaer."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_ASCII_SPELLING))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def index_words(name: str) -> set[str]:
    """Every word under which a name is found: its words, and their ASCII spellings."""
    found = set()
    for word in words(name):
        found.add(word)
        found.add(ascii_spelling(word))
    return {word[:100] for word in found if word}


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (for range scans)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _is_subsequence(shorter: list[str], longer: list[str]) -> bool:
    remaining = iter(longer)
    return all(token in remaining for token in shorter)


def person_names_match(given: str, first: str | None, middle: str | None, last: str | None) -> bool:
    """Whether a typed full name is the register's person: same first and last name, and the
    middle names of one contained, in order, in the other's (middle names are optional)."""
    typed = words(given)
    registered = words(" ".join(part for part in (first, middle, last) if part))
    if not typed or not registered:
        return False
    if len(typed) == 1 or len(registered) == 1:
        return typed == registered
    if typed[0] != registered[0] or typed[-1] != registered[-1]:
        return False
    typed_middle, registered_middle = typed[1:-1], registered[1:-1]
    return _is_subsequence(typed_middle, registered_middle) or _is_subsequence(registered_middle, typed_middle)
