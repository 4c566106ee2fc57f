"""The embedded register: our own copy of Enhetsregisteret, kept in the service's database."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.registry import orgnr as orgnumbers
from orgsvc.registry.models import RegisterEntity, RegisterNameWord, RegisterRole
from orgsvc.registry.names import normalise, prefix_upper_bound, words
from orgsvc.registry.types import Entity, EntityStatus, Lookup, LookupStatus, Proceeding, RoleHolder

# Candidates fetched per search before ranking; enough for a page of autocomplete suggestions.
CANDIDATES = 60


def to_entity(row: RegisterEntity) -> Entity:
    return Entity(
        orgnr=row.orgnr, name=row.name, form_code=row.form_code, form_description=row.form_description,
        status=EntityStatus(row.status), deleted_on=row.deleted_on, is_subunit=row.is_subunit,
        parent_orgnr=row.parent_orgnr, postal_place=row.postal_place, municipality=row.municipality,
        proceedings=tuple(Proceeding(code) for code in row.proceedings.split(",")) if row.proceedings else (),
    )


def rank(entities: list[Entity], query: str) -> list[Entity]:
    """Best first: the exact name, names starting with what was typed, then shorter names."""
    typed = normalise(query)
    typed_words = words(query)

    def score(entity: Entity):
        name = normalise(entity.name)
        name_words = words(entity.name)
        starts = name.startswith(typed)
        in_order = name_words[: len(typed_words)] == typed_words
        return (name != typed, not starts, not in_order, len(name_words), name, entity.orgnr)

    return sorted(entities, key=score)


class LocalRegister:
    """``Register`` over the tables filled by ``orgsvc registry import``."""

    name = "local"

    def lookup(self, orgnr: str) -> Lookup:
        number = orgnumbers.validate(orgnr)
        row = db.session.get(RegisterEntity, number)
        if row is None:
            return Lookup(number, LookupStatus.NOT_FOUND)
        found = to_entity(row)
        if found.is_subunit:
            parent = db.session.get(RegisterEntity, found.parent_orgnr) if found.parent_orgnr else None
            return Lookup(number, LookupStatus.SUBUNIT, found, to_entity(parent) if parent else None)
        return Lookup(number, LookupStatus(str(found.status)), found)

    def search(self, query: str, limit: int = 10) -> list[Entity]:
        digits = orgnumbers.normalise(query)
        if digits.isdigit() and len(digits) >= 3:
            return self._by_number_prefix(digits, limit)
        terms = words(query)
        if not terms:
            return []
        orgnrs = self._candidates(terms)
        if not orgnrs:
            return []
        rows = db.session.scalars(sa.select(RegisterEntity).where(RegisterEntity.orgnr.in_(orgnrs)))
        return rank([to_entity(row) for row in rows], query)[:limit]

    def _candidates(self, terms: list[str]) -> list[str]:
        # Scan the index for the longest (most selective) word; every other word must also
        # begin a word of the same name. Only live main entities are indexed.
        anchor = max(terms, key=len)
        query = sa.select(RegisterNameWord.orgnr).where(
            RegisterNameWord.word >= anchor, RegisterNameWord.word < prefix_upper_bound(anchor)
        )
        for term in terms:
            if term != anchor:  # words are letters and digits only: no LIKE wildcards to escape
                query = query.where(RegisterNameWord.all_words.like(f"% {term}%"))
        found = db.session.scalars(query.limit(CANDIDATES * 2)).all()
        return list(dict.fromkeys(found))[:CANDIDATES]

    def _by_number_prefix(self, digits: str, limit: int) -> list[Entity]:
        rows = db.session.scalars(
            sa.select(RegisterEntity)
            .where(
                RegisterEntity.orgnr >= digits,
                RegisterEntity.orgnr < prefix_upper_bound(digits),
                RegisterEntity.is_subunit.is_(False),
                RegisterEntity.status == EntityStatus.ACTIVE,
            )
            .order_by(RegisterEntity.orgnr)
            .limit(limit)
        )
        return [to_entity(row) for row in rows]

    def role_holders(self, orgnr: str) -> list[RoleHolder]:
        """Active holders; the local copy has no second source, so the list is always complete."""
        number = orgnumbers.validate(orgnr)
        rows = db.session.scalars(
            sa.select(RegisterRole)
            .where(RegisterRole.orgnr == number, RegisterRole.resigned.is_(False), RegisterRole.deceased.is_(False))
            .order_by(RegisterRole.id)
        )
        return [
            RoleHolder(row.role_code, row.role_description, row.kind, row.name, row.first_name, row.middle_name,
                       row.last_name, row.birth_date, row.holder_orgnr, row.resigned, row.deceased, row.source)
            for row in rows
        ]
