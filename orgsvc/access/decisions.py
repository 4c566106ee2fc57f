"""The questions the rest of orgsvc asks: may this principal do this, and which rows may it see."""

from __future__ import annotations

import functools
import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.sql.elements import ColumnElement, True_

from orgsvc.access.conditions import registry
from orgsvc.access.policy import Context, Policy
from orgsvc.access.principal import Principal
from orgsvc.access.resources import GlobalResource
from orgsvc.errors import AuthenticationRequired, DomainError, Forbidden, NotFound
from orgsvc.extensions import db

log = logging.getLogger("orgsvc.access")


def _policy() -> Policy:
    return current_app.extensions["orgsvc.policy"]


def may(principal: Principal, action: str, resource) -> bool:
    """Whether ``principal`` may do ``action`` to ``resource`` (a model object or GlobalResource)."""
    resource_type = registry.of(resource)
    obj = None if isinstance(resource, GlobalResource) else resource
    org_ids = resource_type.org_ids(obj) if obj is not None else ()
    policy = _policy()
    for persona, via_org in principal.personas_toward(org_ids):
        # The index comes from the same rules; it only spares Casbin questions it would deny.
        if not policy.conditions(persona, resource_type.name, action):
            continue
        if policy.allows(persona, resource_type.name, action, Context(principal, obj, via_org)):
            return True
    return False


def may_via(principal: Principal, action: str, resource, organisation_id: int | None) -> bool:
    """Whether ``principal`` may do ``action`` acting for ``organisation_id`` in particular (e.g. give
    access to a case on their own organisation's side, not the other party's)."""
    resource_type = registry.of(resource)
    grant = principal.grant_in(organisation_id)
    if grant is None or organisation_id not in resource_type.org_ids(resource):
        return False
    policy = _policy()
    if not policy.conditions(grant.persona, resource_type.name, action):
        return False
    return policy.allows(grant.persona, resource_type.name, action, Context(principal, resource, organisation_id))


def guard_via(principal: Principal, action: str, resource, organisation_id: int | None) -> None:
    """As ``may_via``; acting for an organisation one has no tie to, or for one that is no party to
    the resource, answers as if the thing were missing (e.g. the other party's representative in a
    case both sides can see) - and is recorded as the refusal it is."""
    if may_via(principal, action, resource, organisation_id):
        return
    if principal.is_anonymous:
        raise denial_for(principal, action, resource)
    if principal.grant_in(organisation_id) is None or organisation_id not in registry.of(resource).org_ids(resource):
        raise missing_for(principal, action, resource, organisation_id)
    raise denial_for(principal, action, resource)


def denial_for(principal: Principal, action: str, resource) -> DomainError:
    """The refusal to raise: 404 when the resource is invisible to the principal, else 403.

    An object of another organisation is therefore indistinguishable from a missing one.
    """
    if principal.is_anonymous:
        return AuthenticationRequired()
    visible_to_principal = action != "view" and may(principal, "view", resource)
    return _denied(Forbidden() if visible_to_principal else NotFound(), principal, action, resource)


def missing_for(principal: Principal, action: str, resource, organisation_id: int | None = None) -> DomainError:
    """A refusal that answers exactly as a missing object does (404), whatever the principal may see
    of ``resource``: for acting where they have no standing at all, e.g. for an organisation they
    have no tie to, or as a party when they are none (the regulator's staff). Recorded as a denial,
    naming ``organisation_id`` (the side acted for) when given."""
    if principal.is_anonymous:
        return AuthenticationRequired()
    return _denied(NotFound(), principal, action, resource, organisation_id)


def _denied(error: DomainError, principal: Principal, action: str, resource,
            organisation_id: int | None = None) -> DomainError:
    """Attach the audit row's content to ``error`` (orgsvc.errors writes it) and log the refusal."""
    resource_type = registry.of(resource)
    global_resource = isinstance(resource, GlobalResource)
    object_id = None if global_resource else getattr(resource, "id", None)
    if organisation_id is None and not global_resource:
        organisation_id = next(iter(resource_type.org_ids(resource)), None)
    error.denial = {
        "actor_id": principal.person_id,
        "action": f"{resource_type.name}:{action}",
        "obj": (resource_type.name, object_id),
        "organisation_id": organisation_id,
        "details": {"status": error.status},
    }
    log.warning(
        "access denied: person=%s action=%s resource=%s:%s organisation=%s outcome=%s",
        principal.person_id, action, resource_type.name, object_id, organisation_id, error.status,
    )
    return error


def guard(principal: Principal, action: str, resource) -> None:
    """Raise the right refusal unless ``principal`` may do ``action`` to ``resource``."""
    if not may(principal, action, resource):
        raise denial_for(principal, action, resource)


def load_guarded(principal: Principal, model: type, object_id, action: str = "view"):
    """Fetch ``model`` by id and guard ``action`` on it; missing and invisible both give 404."""
    obj = db.session.get(model, object_id) if object_id is not None else None
    if obj is None:
        raise NotFound()
    guard(principal, action, obj)
    return obj


def visible(
    principal: Principal, resource: str, action: str = "view", within_org: int | None = None, *,
    caller_scoped: bool = False,
) -> ColumnElement[bool]:
    """SQL that is true exactly for the rows ``principal`` may ``action`` (default: see).

    Built from the same rules and conditions as ``may``. ``within_org`` only leaves out the
    principal's personas in other organisations, for lists scoped to one organisation.

    ``caller_scoped`` (with ``within_org``) says the caller's query itself keeps to rows of that
    organisation (e.g. ``Case.submitter_org_id == within_org``), so the organisation's scope is not
    repeated. A repeated scope changes no answer, but written twice with separate parameters it can
    mislead a database's plan (PostgreSQL's generic plan for a prepared statement cannot see that
    the two are the same organisation, and reads all of its rows to sort them).
    """
    if caller_scoped and within_org is None:
        raise ValueError("caller_scoped needs within_org: the organisation the caller keeps to")
    return _access_sql(_policy(), resource, action, caller_scoped, principal, principal.all_personas(within_org))


@dataclass(frozen=True)
class Parametrised:
    """A condition as SQL with named parameters, and their values.

    Equal ``shape`` means equal SQL. A query built around the SQL can be kept and run again with
    other values: building a statement and deriving its cache key costs SQLAlchemy more than the
    database's work for a page of a list, and every page of the portal asks for one. So a shape must
    name its SQL everywhere it is used (the access layer's shapes are tuples that start with the
    policy), and a statement holds one access condition: their parameters share names.
    """

    shape: Hashable
    sql: ColumnElement[bool]
    params: Mapping[str, Any]


def visibility(
    principal: Principal, resource: str, action: str = "view", within_org: int | None = None, *,
    caller_scoped: bool = False,
) -> Parametrised:
    """``visible`` as a parametrised condition: the same SQL for every principal with the same
    personas, with the person and the organisations as parameters (``access_person``,
    ``access_via_0`` ...)."""
    if caller_scoped and within_org is None:
        raise ValueError("caller_scoped needs within_org: the organisation the caller keeps to")
    policy = _policy()
    # Only the personas with rules here make the SQL; in a stable order, so that principals with the
    # same personas share one shape whatever order their memberships were read in.
    personas = sorted(((persona, via_org) for persona, via_org in principal.all_personas(within_org)
                       if policy.conditions(persona, resource, action)),
                      key=lambda pair: (pair[0], pair[1] is not None, pair[1] or 0))
    shape = (policy, resource, action, caller_scoped, principal.person_id is None,
             tuple((persona, via_org is not None) for persona, via_org in personas))
    params: dict[str, Any] = {_PERSON: principal.person_id}
    params.update({f"{_VIA}{index}": via_org for index, (_persona, via_org) in enumerate(personas)
                   if via_org is not None})
    return Parametrised(shape, _visibility_sql(shape), params)


_PERSON, _VIA = "access_person", "access_via_"


@dataclass(frozen=True)
class _Placeholders:
    """Stands in for a principal while building parametrised SQL: conditions read only its person."""

    person_id: sa.BindParameter | None


@functools.lru_cache(maxsize=1024)
def _visibility_sql(shape: tuple) -> ColumnElement[bool]:
    policy, resource, action, caller_scoped, no_person, personas = shape
    placeholders = _Placeholders(None if no_person else sa.bindparam(_PERSON))
    personas = [(persona, sa.bindparam(f"{_VIA}{index}") if has_via else None)
                for index, (persona, has_via) in enumerate(personas)]
    return _access_sql(policy, resource, action, caller_scoped, placeholders, personas)


def _access_sql(policy: Policy, resource: str, action: str, caller_scoped: bool, principal,
                personas: list[tuple[str, Any]]) -> ColumnElement[bool]:
    """The rows each (persona, via organisation) may ``action``, or'ed: the one builder of both
    ``visible`` (values) and ``visibility`` (parameters)."""
    resource_type = registry.by_name[resource]
    clauses = []
    for persona, via_org in personas:
        names = policy.conditions(persona, resource, action)
        if "always" in names:
            # Every row in scope: the persona's other conditions could only add rows it already has.
            # Leaving them out keeps the SQL a plain scope (e.g. "A OR (A AND EXISTS ...)" defeats
            # SQLite's use of the indexes on A), and changes no answer.
            names = ("always",)
        for name in names:
            condition = resource_type.conditions[name].sql(principal, via_org)
            clauses.append(condition if caller_scoped else _both(resource_type.scope(via_org), condition))
    if not clauses:
        return sa.false()
    if any(isinstance(clause, True_) for clause in clauses):
        return sa.true()  # every row; SQLAlchemy would write "x OR true" out in full
    return clauses[0] if len(clauses) == 1 else sa.or_(*clauses)


def _both(first: ColumnElement[bool], second: ColumnElement[bool]) -> ColumnElement[bool]:
    """``first AND second``, a bare true left out: SQLAlchemy writes "true AND true" out in full, and
    an access condition that is simply true should stay one (a caller's query then drops it)."""
    if isinstance(first, True_):
        return second
    if isinstance(second, True_):
        return first
    return sa.and_(first, second)
