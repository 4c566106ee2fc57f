"""The organisation a signed-in person is currently acting for («current organisation»).

The choice is kept in the session but always checked against the live memberships read for this
request, so a removed membership stops being current on the very next request.
"""

from __future__ import annotations

from flask import g, session
from flask_babel import lazy_gettext as _l

from orgsvc.access import current_principal
from orgsvc.access.principal import Grant
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation

SESSION_KEY = "org_id"

# The status shown in the header, in the seed's words.
PERSONA_LABELS = {
    "administrator": _l("administrator"),
    "pending_administrator": _l("unconfirmed administrator"),
    "user": _l("user"),
    "pending_user": _l("unconfirmed user"),
}


def current_grant() -> Grant | None:
    """The live membership the person acts through now, or None."""
    if "current_grant" in g:
        return g.current_grant
    grants = current_principal().grants
    chosen = session.get(SESSION_KEY)
    grant = grants.get(chosen) if isinstance(chosen, int) else None
    if grant is None and grants:
        # Prefer an active membership, then the oldest (lowest id) for a stable choice.
        grant = min(grants.values(), key=lambda gr: (gr.status != "active", gr.membership_id))
    g.current_grant = grant
    return grant


def current_organisation() -> Organisation | None:
    grant = current_grant()
    return db.session.get(Organisation, grant.organisation_id) if grant else None


def switch_to(organisation_id: int) -> bool:
    """Make ``organisation_id`` current if the person holds a live membership there."""
    if organisation_id not in current_principal().grants:
        return False
    session[SESSION_KEY] = organisation_id
    g.pop("current_grant", None)
    return True


def organisations_of_current_person() -> list[tuple[Organisation, Grant]]:
    """The person's organisations with their memberships, for the header's switch."""
    grants = current_principal().grants
    # The principal's query brought the organisations into the session: no round trip here.
    organisations = sorted((db.session.get(Organisation, id_) for id_ in grants), key=_by_name)
    return [(organisation, grants[organisation.id]) for organisation in organisations]


def _by_name(organisation: Organisation) -> tuple[str, int]:
    return organisation.name.casefold(), organisation.id
