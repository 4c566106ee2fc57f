"""Kinds of resources the rules speak of, and their named conditions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

# check(principal, obj, via_org) -> bool ; sql(principal, via_org) -> boolean SQL expression
Check = Callable[[Any, Any, int | None], bool]
ToSql = Callable[[Any, int | None], ColumnElement[bool]]


@dataclass(frozen=True)
class Condition:
    """One named condition: the same rule as a Python check and as a SQL predicate."""

    name: str
    check: Check
    sql: ToSql


@dataclass(frozen=True)
class GlobalResource:
    """A resource that belongs to no organisation (e.g. the regulator's approval queue)."""

    name: str


@dataclass
class ResourceType:
    """A kind of resource: how to find its organisations, and the conditions rules may name.

    ``org_ids(obj)`` gives the organisations an object belongs to (a case has two parties);
    ``in_org(org_id)`` is the SQL saying the same, used to scope an organisation persona's rows.
    """

    name: str
    model: type | None
    org_ids: Callable[[Any], tuple[int, ...]] = lambda obj: ()
    in_org: Callable[[int], ColumnElement[bool]] | None = None
    conditions: dict[str, Condition] = field(default_factory=dict)

    def add(self, name: str, check: Check, sql: ToSql) -> None:
        self.conditions[name] = Condition(name, check, sql)

    def scope(self, via_org: int | None) -> ColumnElement[bool]:
        """Rows an organisation persona may ever see: those of its organisation."""
        if via_org is None:
            return sa.true()
        if self.in_org is None:
            return sa.false()
        return self.in_org(via_org)


class Registry:
    """All resource types, by name and by model class."""

    def __init__(self):
        self.by_name: dict[str, ResourceType] = {}
        self.by_model: dict[type, ResourceType] = {}

    def register(self, resource_type: ResourceType) -> ResourceType:
        self.by_name[resource_type.name] = resource_type
        if resource_type.model is not None:
            self.by_model[resource_type.model] = resource_type
        return resource_type

    def of(self, obj) -> ResourceType:
        if isinstance(obj, GlobalResource):
            return self.by_name[obj.name]
        if isinstance(obj, str):
            return self.by_name[obj]
        return self.by_model[type(obj)]


ALWAYS = Condition("always", lambda principal, obj, via_org: True, lambda principal, via_org: sa.true())
