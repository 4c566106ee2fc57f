"""The one access layer. Every authorization decision and every access-filtered list goes here.

Rules live in ``policies/`` (Casbin); who holds which persona comes from the membership table on
every request; conditions are evaluated on objects for checks and compiled to SQL for lists, so a
list and a detail page can never disagree.
"""

from orgsvc.access.decisions import (
    Parametrised,
    denial_for,
    guard,
    guard_via,
    load_guarded,
    may,
    may_via,
    missing_for,
    visibility,
    visible,
)
from orgsvc.access.principal import Principal, current_principal, load_principal
from orgsvc.access.resources import GlobalResource

__all__ = [
    "GlobalResource",
    "Parametrised",
    "Principal",
    "current_principal",
    "denial_for",
    "guard",
    "guard_via",
    "load_guarded",
    "load_principal",
    "may",
    "may_via",
    "missing_for",
    "visibility",
    "visible",
]
