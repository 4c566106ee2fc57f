"""Loading ``policies/`` into Casbin, checking the rules make sense, and asking them."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import casbin

from orgsvc.access.principal import PERSONAS
from orgsvc.access.resources import Registry

# pycasbin logs every decision at INFO/WARNING through its own loggers; our access layer logs
# denials itself, with the actor and resource, so keep Casbin's quiet.
logging.getLogger("casbin").setLevel(logging.ERROR)


class PolicyError(RuntimeError):
    """``policies/`` names a persona, resource or condition that does not exist."""


@dataclass(frozen=True)
class Context:
    """What a condition needs to know: who asks, about what, and through which organisation."""

    principal: object
    obj: object
    via_org: int | None


# CPython 3.11's AST constructor keeps its recursion depth in state shared by all threads, so two
# threads parsing at once can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905). A matcher is parsed once per thread; those parses take turns.
_PARSING = threading.Lock()


class _Decider(casbin.Enforcer):
    """An enforcer that parses its matcher once per thread instead of on every decision.

    pycasbin rewrites the matcher's text and runs ``ast.parse`` on it for each ``enforce``, which
    was about half of a decision's cost; our matcher never changes. Evaluating the parsed
    expression stores the request's values on it, so each thread keeps its own.
    """

    def __init__(self, model: str):
        super().__init__(model)
        self._parsed = threading.local()

    def _get_expression(self, expr, functions=None):
        expressions = self._parsed.__dict__
        expression = expressions.get(expr)
        if expression is None:
            # A copy to build it from: pycasbin adds to the shared ``functions`` on a first decision,
            # and building the expression iterates them ("dictionary changed size" in a thread).
            with _PARSING:
                expression = expressions[expr] = super()._get_expression(expr, dict(functions or {}))
        expression.functions = functions
        return expression


class Policy:
    """The Casbin enforcer over our model and rules, plus an index of grants for list filters.

    The rules are code (reviewed files, loaded once per process) and never change at run time;
    role assignments are not in Casbin at all, they are read from the membership table.
    """

    def __init__(self, directory: Path, registry: Registry):
        self.registry = registry
        self.enforcer = casbin.SyncedEnforcer(str(directory / "model.conf"), str(directory / "policy.csv"))
        self.enforcer.add_function("holds", self._holds)
        self._validate()
        self._grants = self._index()
        self._deciders = self._split(directory / "model.conf")

    def _holds(self, resource: str, condition: str, context: Context) -> bool:
        rule = self.registry.by_name[resource].conditions[condition]
        return bool(rule.check(context.principal, context.obj, context.via_org))

    def _validate(self) -> None:
        for persona, resource, action, condition in self.enforcer.get_policy():
            if persona not in PERSONAS:
                raise PolicyError(f"unknown persona {persona!r} in policy rule for {resource}:{action}")
            resource_type = self.registry.by_name.get(resource)
            if resource_type is None:
                raise PolicyError(f"unknown resource {resource!r} in policy")
            if condition not in resource_type.conditions:
                raise PolicyError(f"resource {resource!r} has no condition {condition!r}")
        for child, parent in self.enforcer.get_grouping_policy():
            if child not in PERSONAS or parent not in PERSONAS:
                raise PolicyError(f"unknown persona in inheritance {child!r} -> {parent!r}")

    def _index(self) -> dict[tuple[str, str, str], tuple[str, ...]]:
        """(persona, resource, action) -> conditions, with inherited personas' rules included."""
        grants: dict[tuple[str, str, str], list[str]] = {}
        for persona in PERSONAS:
            for _sub, resource, action, condition in self.enforcer.get_implicit_permissions_for_user(persona):
                conditions = grants.setdefault((persona, resource, action), [])
                if condition not in conditions:
                    conditions.append(condition)
        return {key: tuple(value) for key, value in grants.items()}

    def _split(self, model: Path) -> dict[tuple[str, str], casbin.Enforcer]:
        """One enforcer per (resource, action), with the same model, that pair's rules and every
        inheritance rule.

        Casbin evaluates the matcher once per rule it holds; asked about a case, the whole rule set
        spends most of a decision on rules for other resources and actions. Each enforcer here holds
        only the rules that could match, so the decision is the same, several times faster.
        """
        inheritance = self.enforcer.get_grouping_policy()
        by_pair: dict[tuple[str, str], list[list[str]]] = {}
        for rule in self.enforcer.get_policy():
            by_pair.setdefault((rule[1], rule[2]), []).append(rule)
        deciders = {}
        for pair, rules in by_pair.items():
            decider = _Decider(str(model))
            decider.add_function("holds", self._holds)
            decider.add_policies(rules)
            if inheritance:
                decider.add_grouping_policies(inheritance)
            deciders[pair] = decider
        return deciders

    def allows(self, persona: str, resource: str, action: str, context: Context) -> bool:
        """Casbin's decision for one persona on one object."""
        decider = self._deciders.get((resource, action))
        return decider is not None and decider.enforce(persona, resource, action, context)

    def conditions(self, persona: str, resource: str, action: str) -> tuple[str, ...]:
        """The conditions under which ``persona`` may do ``action`` to ``resource`` (empty: never)."""
        return self._grants.get((persona, resource, action), ())

    def actions(self, resource: str) -> set[str]:
        """Every action the rules mention for ``resource``."""
        return {action for (_persona, res, action) in self._grants if res == resource}


@functools.cache
def load_policy(directory: str) -> Policy:
    """One Policy per process and directory: parsing it per request would cost milliseconds."""
    from orgsvc.access.conditions import registry

    return Policy(Path(directory), registry)
