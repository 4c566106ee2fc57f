"""«Godkjenninger»: the regulator's queue of first-time administrators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from orgsvc.access import current_principal
from orgsvc.accounts.forms import ActionForm
from orgsvc.accounts.fresh import fresh_login_required
from orgsvc.approvals import services
from orgsvc.approvals.forms import RejectForm
from orgsvc.errors import InvalidInput
from orgsvc.web import add_error

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


@bp.get("/")
@login_required
def queue():
    items = services.queue(current_principal())
    return render_template("approvals/queue.html", items=items, evidence=services.evidence_text)


def _detail(membership_id, reject_form, status=200):
    item = services.request_detail(current_principal(), membership_id)
    return render_template("approvals/detail.html", item=item, evidence=services.evidence_text,
                           approve_form=ActionForm(formdata=None), reject_form=reject_form), status


@bp.get("/<int:membership_id>")
@login_required
def detail(membership_id):
    return _detail(membership_id, RejectForm(formdata=None))


@bp.post("/<int:membership_id>/approve")
@login_required
@fresh_login_required
def approve(membership_id):
    membership = services.approve(current_principal(), membership_id)
    flash(_("%(name)s is approved as administrator of %(organisation)s.", name=membership.person.full_name,
            organisation=membership.organisation.name), "success")
    return redirect(url_for(".queue"))


@bp.post("/<int:membership_id>/reject")
@login_required
def reject(membership_id):
    form = RejectForm()
    if form.validate_on_submit():
        try:
            membership = services.reject(current_principal(), membership_id, form.reason.data)
        except InvalidInput as error:
            add_error(form, error)
        else:
            flash(_("The registration of %(name)s for %(organisation)s is rejected.", name=membership.person.full_name,
                    organisation=membership.organisation.name), "success")
            return redirect(url_for(".queue"))
    return _detail(membership_id, form, 400)
