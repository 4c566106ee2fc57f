"""«Brukere»: the people of the current organisation."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required

from orgsvc.access import current_principal, guard
from orgsvc.organisations.context import current_organisation
from orgsvc.roles import services

bp = Blueprint("roles", __name__, url_prefix="/organisation")


@bp.get("/members")
@login_required
def members():
    organisation = current_organisation()
    if organisation is None:
        return redirect(url_for("portal.home"))
    principal = current_principal()
    guard(principal, "view", organisation)
    return render_template(
        "roles/members.html", organisation=organisation, memberships=services.members(principal, organisation.id)
    )
