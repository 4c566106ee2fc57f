"""«Brukere»: the people of the current organisation, and what administrators do with them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from orgsvc.access import current_principal, guard, load_guarded, may
from orgsvc.access.principal import forget_current_principal
from orgsvc.accounts.fresh import fresh_login_required
from orgsvc.errors import InvalidInput, NotFound
from orgsvc.organisations.context import current_organisation
from orgsvc.roles import services
from orgsvc.roles.forms import ApplyForm, RejectForm, RemoveForm, RoleForm
from orgsvc.roles.models import Membership
from orgsvc.web import add_error

bp = Blueprint("roles", __name__, url_prefix="/organisation")


def _back():
    return redirect(url_for(".members"))


@bp.get("/members")
@login_required
def members():
    organisation = current_organisation()
    if organisation is None:
        return redirect(url_for("portal.home"))
    principal = current_principal()
    guard(principal, "view", organisation)
    rows = services.members(principal, organisation.id)
    applies = services.may_apply_for_administrator(principal, organisation.id)
    return render_template(
        "roles/members.html", organisation=organisation, memberships=rows,
        can=lambda action, membership: may(principal, action, membership),
        manages=may(principal, "manage_members", organisation), role_form=RoleForm,
        apply_form=ApplyForm(formdata=None) if applies else None, grant=principal.grant_in(organisation.id),
        # The last active administrator can be neither demoted nor leave: the page does not offer it.
        sole_administrator=services.active_administrators(organisation.id) <= 1,
    )


@bp.post("/apply-administrator")
@login_required
def apply_administrator():
    organisation = current_organisation()
    if organisation is None:
        return redirect(url_for("portal.home"))
    form = ApplyForm()
    if not form.validate_on_submit():
        raise InvalidInput(field="note")
    services.apply_for_administrator(current_principal(), organisation.id, form.note.data)
    forget_current_principal()  # the new membership counts from now on
    flash(_("You are registered as unconfirmed administrator of %(organisation)s. The Consumer Authority "
            "will check your registration, normally by the next working day.", organisation=organisation.name),
          "success")
    return _back()


@bp.post("/members/<int:membership_id>/approve")
@login_required
def approve(membership_id):
    membership = services.approve_user(current_principal(), membership_id)
    flash(_("%(name)s is now a user.", name=membership.person.full_name), "success")
    return _back()


@bp.route("/members/<int:membership_id>/reject", methods=["GET", "POST"])
@login_required
def reject(membership_id):
    principal = current_principal()
    membership = load_guarded(principal, Membership, membership_id, "decide_join")
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject_user(principal, membership_id, form.reason.data)
        except InvalidInput as error:
            add_error(form, error)
        else:
            flash(_("The request from %(name)s is rejected.", name=membership.person.full_name), "success")
            return _back()
    status = 400 if form.is_submitted() else 200
    return render_template("roles/reject.html", form=form, membership=membership), status


@bp.post("/members/<int:membership_id>/role")
@login_required
@fresh_login_required
def change_role(membership_id):
    form = RoleForm()
    if not form.validate_on_submit():
        raise InvalidInput(field="role")
    membership = services.change_role(current_principal(), membership_id, form.role.data)
    flash(_("The role of %(name)s is changed.", name=membership.person.full_name), "success")
    return _back()


@bp.route("/members/<int:membership_id>/remove", methods=["GET", "POST"])
@login_required
def remove(membership_id):
    principal = current_principal()
    membership = load_guarded(principal, Membership, membership_id, "remove")
    form = RemoveForm()
    if form.validate_on_submit():
        try:
            services.remove_member(principal, membership_id, form.reason.data)
        except InvalidInput as error:
            add_error(form, error)
        else:
            flash(_("%(name)s no longer has access to the organisation.", name=membership.person.full_name),
                  "success")
            return _back()
    status = 400 if form.is_submitted() else 200
    return render_template("roles/remove.html", form=form, membership=membership), status


@bp.route("/leave", methods=["GET", "POST"])
@login_required
def leave():
    """Leaving the organisation, or withdrawing one's own request to join: asked first, done on POST."""
    organisation = current_organisation()
    if organisation is None:
        return redirect(url_for("portal.home"))
    principal = current_principal()
    if request.method == "POST":
        services.leave(principal, organisation.id)
        flash(_("You are no longer connected to %(organisation)s.", organisation=organisation.name), "success")
        return redirect(url_for("portal.home"))
    grant = principal.grant_in(organisation.id)
    if grant is None:
        raise NotFound()
    membership = load_guarded(principal, Membership, grant.membership_id, "leave")
    return render_template("roles/leave.html", organisation=organisation, membership=membership,
                           last_administrator=services.is_last_administrator(membership))
