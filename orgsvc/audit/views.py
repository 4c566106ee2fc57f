"""The audit log: an administrator's view of their organisation, the regulator's view of all."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from orgsvc.access import current_principal, guard
from orgsvc.access.conditions import REGULATOR_AUDIT
from orgsvc.audit.services import case_numbers, events
from orgsvc.organisations.context import current_organisation
from orgsvc.organisations.services import by_orgnr
from orgsvc.registry import orgnr as orgnumbers
from orgsvc.web import page_number

bp = Blueprint("audit", __name__)


@bp.get("/organisation/audit")
@login_required
def organisation_log():
    organisation = current_organisation()
    if organisation is None:
        return redirect(url_for("portal.home"))
    principal = current_principal()
    guard(principal, "view_audit", organisation)
    page = page_number()
    rows, has_more = events(principal, organisation.id, page)
    return render_template("audit/log.html", rows=rows, has_more=has_more, page=page, organisation=organisation,
                           case_numbers=case_numbers(rows))


@bp.get("/regulator/audit")
@login_required
def regulator_log():
    principal = current_principal()
    guard(principal, "view", REGULATOR_AUDIT)
    page = page_number()
    typed = request.args.get("orgnr", "").strip()
    organisation = by_orgnr(orgnumbers.normalise(typed)) if typed else None
    rows, has_more = ([], False) if typed and organisation is None else events(
        principal, organisation.id if organisation else None, page)
    return render_template("audit/log.html", rows=rows, has_more=has_more, page=page, organisation=organisation,
                           regulator=True, orgnr=typed, unknown_orgnr=bool(typed) and organisation is None,
                           case_numbers=case_numbers(rows))
