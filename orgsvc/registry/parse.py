"""Reading Enhetsregisteret's JSON (API answers and bulk files alike) into our types.

The shapes are those of ``shared/reference/brreg.md``: fields may be missing, lists may hold nulls,
and the fullmakt service writes dates as DD.MM.YYYY and names as one string.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from orgsvc.registry.types import Entity, EntityStatus, RoleHolder


class MalformedRecord(ValueError):
    """A record lacks what every record of its kind has (e.g. an org number)."""


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


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def entity(data: dict, *, subunit: bool = False) -> Entity:
    """An entity (or sub-unit) from its JSON; deleted when it carries a deletion date."""
    if not isinstance(data, dict):
        raise MalformedRecord("an entity must be a JSON object")
    orgnr = _text(data.get("organisasjonsnummer"))
    if not orgnr:
        raise MalformedRecord("entity without organisasjonsnummer")
    form = data.get("organisasjonsform") or {}
    address = data.get("forretningsadresse") or data.get("beliggenhetsadresse") or data.get("postadresse") or {}
    deleted_on = _iso_date(data.get("slettedato")) or (_iso_date(data.get("nedleggelsesdato")) if subunit else None)
    parent = _text(data.get("overordnetEnhet"))
    return Entity(
        orgnr=orgnr,
        name=_text(data.get("navn")) or orgnr,
        form_code=_text(form.get("kode")) if isinstance(form, dict) else None,
        form_description=_text(form.get("beskrivelse")) if isinstance(form, dict) else None,
        status=EntityStatus.DELETED if deleted_on or data.get("slettedato") else EntityStatus.ACTIVE,
        deleted_on=deleted_on,
        is_subunit=subunit or parent is not None,
        parent_orgnr=parent,
        postal_place=_text(address.get("poststed")) if isinstance(address, dict) else None,
        municipality=_text(address.get("kommune")) if isinstance(address, dict) else None,
    )


def _flag(value) -> bool:
    """fratraadt / avregistrert / erDoed: true means so; false or missing means not."""
    return value is True


def _person_name(person: dict) -> tuple[str | None, str | None, str | None]:
    name = person.get("navn") or {}
    if isinstance(name, str):  # some older payloads carry one string
        return split_full_name(name)
    return _text(name.get("fornavn")), _text(name.get("mellomnavn")), _text(name.get("etternavn"))


def split_full_name(full_name: str) -> tuple[str | None, str | None, str | None]:
    """First, middle and last name from one string ("Jon Erik Almaas" -> Jon / Erik / Almaas)."""
    parts = full_name.split()
    if not parts:
        return None, None, None
    if len(parts) == 1:
        return parts[0], None, None
    return parts[0], " ".join(parts[1:-1]) or None, parts[-1]


def role(data: dict) -> RoleHolder | None:
    """One ``roller[]`` item; None when it names no holder at all."""
    kind_info = data.get("type") or {}
    code = _text(kind_info.get("kode"))
    if not code:
        return None
    description = _text(kind_info.get("beskrivelse")) or code
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
        return RoleHolder(code, description, "entity", name.strip(),
                          holder_orgnr=_text(holder.get("organisasjonsnummer")),
                          resigned=resigned or _flag(holder.get("erSlettet")))
    if isinstance(data.get("bostyrer"), dict):
        trustee = data["bostyrer"]
        return RoleHolder(code, description, "trustee", _text(trustee.get("navn")) or "", resigned=resigned,
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
