"""What the register tells us, independent of where it came from (the API or our local copy)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


class EntityStatus(enum.StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"  # slettet: 200 with slettedato
    REMOVED = "removed"  # fjernet av juridiske årsaker: 410


class LookupStatus(enum.StrEnum):
    """The answer to "what is this org number?", as ``orgsvc registry lookup --json`` reports it."""

    ACTIVE = "active"
    DELETED = "deleted"
    REMOVED = "removed"
    SUBUNIT = "subunit"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


# Roles that make a person eligible to be an organisation's first administrator.
REPRESENTATIVE_ROLES = ("DAGL", "LEDE", "NEST", "PROK", "POFE", "POHV")


class Proceeding(enum.StrEnum):
    """A proceeding the register marks a live entity with (``konkurs``, ``underAvvikling``,
    ``underTvangsavviklingEllerTvangsopplosning``): its officers may no longer speak for it."""

    BANKRUPTCY = "bankruptcy"
    WINDING_UP = "winding_up"
    COMPULSORY_DISSOLUTION = "compulsory_dissolution"


class RegisterUnavailable(Exception):
    """The register could not answer (timeout, 5xx, malformed reply); try again later."""


@dataclass(frozen=True)
class Entity:
    orgnr: str
    name: str
    form_code: str | None = None
    form_description: str | None = None
    status: EntityStatus = EntityStatus.ACTIVE
    deleted_on: date | None = None
    is_subunit: bool = False
    parent_orgnr: str | None = None
    postal_place: str | None = None
    municipality: str | None = None
    proceedings: tuple[Proceeding, ...] = ()

    @property
    def is_live_main_entity(self) -> bool:
        return self.status == EntityStatus.ACTIVE and not self.is_subunit


@dataclass(frozen=True)
class Lookup:
    """The register's answer for one org number; ``main`` names the main entity of a sub-unit."""

    orgnr: str
    status: LookupStatus
    entity: Entity | None = None
    main: Entity | None = None

    def as_json(self) -> dict:
        data = {"orgnr": self.orgnr, "name": self.entity.name if self.entity else None, "status": str(self.status)}
        if self.status == LookupStatus.SUBUNIT and self.entity and self.entity.parent_orgnr:
            data["main_orgnr"] = self.entity.parent_orgnr
        return data


@dataclass(frozen=True)
class RoleHolder:
    """One holder of one role in an entity (a person, an organisation, or a bankruptcy trustee)."""

    role_code: str
    role_description: str
    kind: str  # person | entity | trustee
    name: str
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    holder_orgnr: str | None = None
    resigned: bool = False  # fratraadt or avregistrert
    deceased: bool = False
    source: str = "roller"  # roller | fullmakt

    @property
    def active(self) -> bool:
        return not self.resigned and not self.deceased


@dataclass
class SearchHit:
    entity: Entity
    known: bool = False  # the organisation already exists in orgsvc
    score: tuple = field(default=(), compare=False)


class Register(Protocol):
    """The one interface the rest of orgsvc uses, whichever register is configured."""

    def lookup(self, orgnr: str) -> Lookup: ...

    def search(self, query: str, limit: int = 10) -> list[Entity]: ...

    def role_holders(self, orgnr: str) -> list[RoleHolder]: ...
