"""The start page and the organisation switch."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from orgsvc.access import current_principal, missing_for
from orgsvc.approvals.services import waiting_count
from orgsvc.errors import NotFound
from orgsvc.extensions import db
from orgsvc.organisations.context import current_grant, current_organisation, switch_to
from orgsvc.organisations.models import Organisation
from orgsvc.security import safe_next
from orgsvc.web import id_from

bp = Blueprint("portal", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("portal/welcome.html")
    principal = current_principal()
    if principal.is_staff:
        return render_template("portal/staff_home.html", waiting=waiting_count(principal))
    return render_template(
        "portal/home.html", organisation=current_organisation(), grant=current_grant()
    )


@bp.post("/organisation/switch")
@login_required
def switch_organisation():
    organisation_id = id_from(request.form.get("organisation_id"))
    if organisation_id is None:
        abort(400)
    if not switch_to(organisation_id):
        # Not one of the person's organisations: refused (and logged), answered as a missing one is.
        organisation = db.session.get(Organisation, organisation_id)
        raise NotFound() if organisation is None else missing_for(current_principal(), "view", organisation)
    return redirect(safe_next(request.form.get("next"), url_for(".home")))


@bp.get("/healthz")
def health():
    """For load balancers: the process answers and reaches its database."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
