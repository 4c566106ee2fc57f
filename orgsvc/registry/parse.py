"""Reading Enhetsregisteret's JSON (API answers and bulk files alike) into our types.

The shapes are those of ``shared/reference/brreg.md``: fields may be missing, lists may hold nulls,
and the fullmakt service writes dates as DD.MM.YYYY and names as one string.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from orgsvc.registry import orgnr as orgnumbers
from orgsvc.registry.models import RegisterEntity, RegisterRole
from orgsvc.registry.types import Entity, EntityStatus, Proceeding, RoleHolder


class MalformedRecord(ValueError):
    """A record lacks what every record of its kind has (e.g. a valid org number), or holds what
    the local register cannot keep (a code longer than its column)."""


# What the local register's columns hold: longer texts are cut to fit, longer codes are refused.
NAME_MAX = RegisterEntity.name.type.length
FORM_CODE_MAX = RegisterEntity.form_code.type.length
FORM_DESCRIPTION_MAX = RegisterEntity.form_description.type.length
PLACE_MAX = RegisterEntity.postal_place.type.length
ROLE_CODE_MAX = RegisterRole.role_code.type.length
ROLE_DESCRIPTION_MAX = RegisterRole.role_description.type.length
PERSON_NAME_MAX = RegisterRole.first_name.type.length
# The entity's flags for proceedings, as /enheter and the bulk file name them.
PROCEEDING_FLAGS = {"konkurs": Proceeding.BANKRUPTCY, "underAvvikling": Proceeding.WINDING_UP,
                    "underTvangsavviklingEllerTvangsopplosning": Proceeding.COMPULSORY_DISSOLUTION}


def _iso_date(value) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _dotted_date(value) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%d.%m.%Y").date()
    except ValueError:
        return _iso_date(value)


def _text(value, maximum: int | None = None) -> str | None:
    """A stripped, non-empty text (cut to ``maximum`` characters), else None. NUL is dropped: no
    register text has it, and PostgreSQL cannot store it."""
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()[:maximum].strip()
    return value or None


def orgnr_of(value, what: str = "record") -> str:
    """The record's org number (separators removed), or MalformedRecord when it is none or invalid."""
    number = _text(value)
    if not number:
        raise MalformedRecord(f"{what} without organisasjonsnummer")
    try:
        return orgnumbers.validate(number)
    except orgnumbers.InvalidOrgnr as error:
        raise MalformedRecord(f"{what} with an invalid organisasjonsnummer: {number[:20]!r}") from error


def _orgnr_or_none(value) -> str | None:
    try:
        return orgnr_of(value)
    except MalformedRecord:
        return None


def _code(value, maximum: int, what: str) -> str | None:
    code = _text(value)
    if code is not None and len(code) > maximum:
        raise MalformedRecord(f"{what} longer than {maximum} characters: {code[:20]!r}")
    return code


def entity(data: dict, *, subunit: bool = False) -> Entity:
    """An entity (or sub-unit) from its JSON; deleted when it carries a deletion date."""
    if not isinstance(data, dict):
        raise MalformedRecord("an entity must be a JSON object")
    orgnr = orgnr_of(data.get("organisasjonsnummer"), "entity")
    form = data.get("organisasjonsform")
    form = form if isinstance(form, dict) else {}
    address = data.get("forretningsadresse") or data.get("beliggenhetsadresse") or data.get("postadresse")
    address = address if isinstance(address, dict) else {}
    deleted_on = _iso_date(data.get("slettedato")) or (_iso_date(data.get("nedleggelsesdato")) if subunit else None)
    parent = orgnr_of(data["overordnetEnhet"], "sub-unit's main entity") if _text(data.get("overordnetEnhet")) else None
    return Entity(
        orgnr=orgnr,
        name=_text(data.get("navn"), NAME_MAX) or orgnr,
        form_code=_code(form.get("kode"), FORM_CODE_MAX, "organisasjonsform code"),
        form_description=_text(form.get("beskrivelse"), FORM_DESCRIPTION_MAX),
        status=EntityStatus.DELETED if deleted_on or data.get("slettedato") else EntityStatus.ACTIVE,
        deleted_on=deleted_on,
        is_subunit=subunit or parent is not None,
        parent_orgnr=parent,
        postal_place=_text(address.get("poststed"), PLACE_MAX),
        municipality=_text(address.get("kommune"), PLACE_MAX),
        proceedings=_proceedings(data),
    )


def _proceedings(data: dict) -> tuple[Proceeding, ...]:
    # Nearly every entity has none: one pass over the three flags decides that, as the bulk import's
    # million records would otherwise each build a tuple of nothing the long way.
    if not (data.get("konkurs") or data.get("underAvvikling") or data.get("underTvangsavviklingEllerTvangsopplosning")):
        return ()
    return tuple(proceeding for flag, proceeding in PROCEEDING_FLAGS.items() if data.get(flag) is True)


def _flag(value) -> bool:
    """fratraadt / avregistrert / erDoed: true means so; false or missing means not."""
    return value is True


def _person_name(person: dict) -> tuple[str | None, str | None, str | None]:
    name = person.get("navn") or {}
    if isinstance(name, str):  # some older payloads carry one string
        first, middle, last = split_full_name(name)
    else:
        first, middle, last = name.get("fornavn"), name.get("mellomnavn"), name.get("etternavn")
    return _text(first, PERSON_NAME_MAX), _text(middle, PERSON_NAME_MAX), _text(last, PERSON_NAME_MAX)


def split_full_name(full_name: str) -> tuple[str | None, str | None, str | None]:
    """First, middle and last name from one string ("Jon Erik Almaas" -> Jon / Erik / Almaas)."""
    parts = full_name.split()
    if not parts:
        return None, None, None
    if len(parts) == 1:
        return parts[0], None, None
    return parts[0], " ".join(parts[1:-1]) or None, parts[-1]


def role(data: dict) -> RoleHolder | None:
    """One ``roller[]`` item; None when it names no holder at all, or no role we could keep (a code
    longer than any of the register's). A holder entity's invalid org number is left out."""
    kind_info = data.get("type") or {}
    code = _text(kind_info.get("kode"))
    if not code or len(code) > ROLE_CODE_MAX:
        return None
    description = _text(kind_info.get("beskrivelse"), ROLE_DESCRIPTION_MAX) or code
    resigned = _flag(data.get("fratraadt")) or _flag(data.get("avregistrert"))
    if isinstance(data.get("person"), dict):
        person = data["person"]
        first, middle, last = _person_name(person)
        return RoleHolder(code, description, "person", " ".join(p for p in (first, middle, last) if p),
                          first, middle, last, _iso_date(person.get("fodselsdato")), None, resigned,
                          _flag(person.get("erDoed")))
    if isinstance(data.get("enhet"), dict):
        holder = data["enhet"]
        names = holder.get("navn")
        name = " ".join(n for n in names if isinstance(n, str)) if isinstance(names, list) else _text(names) or ""
        return RoleHolder(code, description, "entity", _text(name, NAME_MAX) or "",
                          holder_orgnr=_orgnr_or_none(holder.get("organisasjonsnummer")),
                          resigned=resigned or _flag(holder.get("erSlettet")))
    if isinstance(data.get("bostyrer"), dict):
        trustee = data["bostyrer"]
        return RoleHolder(code, description, "trustee", _text(trustee.get("navn"), NAME_MAX) or "", resigned=resigned,
                          deceased=_flag(trustee.get("erDoed")))
    return None


def roles(rollegrupper: Iterable) -> list[RoleHolder]:
    """Every holder in a ``rollegrupper`` list (the /roller answer or a roles bulk-file item)."""
    holders = []
    for group in rollegrupper or ():
        if not isinstance(group, dict):
            continue
        for item in group.get("roller") or ():
            if isinstance(item, dict) and (holder := role(item)) is not None:
                holders.append(holder)
    return holders


PROKURA_CODES = {"PROK", "POFE", "POHV"}


def _person_role_items(node) -> Iterator[dict]:
    """Every {fodselsdato, navn, rolle} object anywhere in a fullmakt answer."""
    if isinstance(node, dict):
        if {"navn", "rolle"} <= node.keys():
            yield node
        for value in node.values():
            yield from _person_role_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _person_role_items(value)


def prokura_holders(data: dict) -> list[RoleHolder]:
    """Prokura holders from the fullmakt service (dates DD.MM.YYYY, names one string)."""
    holders, seen = [], set()
    for item in _person_role_items(data):
        rolle = item.get("rolle") or {}
        code = _text(rolle.get("kode"))
        name = _text(item.get("navn"))
        if code not in PROKURA_CODES or not name:
            continue
        born = _dotted_date(item.get("fodselsdato"))
        key = (code, name, born)
        if key in seen:
            continue
        seen.add(key)
        first, middle, last = split_full_name(name)
        description = _text(rolle.get("tekstforklaring")) or _text(rolle.get("beskrivelse")) or code
        holders.append(RoleHolder(code, description, "person", name, first, middle, last, born, source="fullmakt"))
    return holders
