"""«Jeg representerer en virksomhet»: «Velg organisasjon», «Jeg finner ikke organisasjonen min», join."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from orgsvc.access import current_principal, guard
from orgsvc.access.conditions import ONBOARDING
from orgsvc.access.principal import forget_current_principal
from orgsvc.errors import InvalidInput
from orgsvc.organisations import services
from orgsvc.organisations.context import PERSONA_LABELS, organisations_of_current_person, switch_to
from orgsvc.organisations.forms import AddOrganisationForm, JoinForm, SearchForm
from orgsvc.registry import orgnr as orgnumbers
from orgsvc.registry.types import RegisterUnavailable
from orgsvc.roles.models import MemberRole
from orgsvc.web import add_error, render_form

bp = Blueprint("organisations", __name__, url_prefix="/organisation")

# Said on the page (templates/organisations/choose.html) and to the search-as-you-type.


def _onboarding():
    principal = current_principal()
    guard(principal, "use", ONBOARDING)
    return principal


@bp.get("/choose")
@login_required
def choose():
    _onboarding()
    form = SearchForm(request.args)
    results, unavailable, hint = [], False, None
    if form.q.data and form.validate():
        try:
            results = services.choices(form.q.data)
        except RegisterUnavailable:
            unavailable = True
        else:
            hint = None if results else services.why_no_match(form.q.data)
    return render_template("organisations/choose.html", form=form, results=results, unavailable=unavailable,
                           searched=bool(form.q.data), hint=hint, main_url=_main_entity_url(hint),
                           connections=_connection_statuses())


@bp.get("/search")
@login_required
def search():
    """The same search as JSON, for the page's search-as-you-type."""
    _onboarding()
    form = SearchForm(request.args)
    if not form.validate():
        return jsonify(results=[], unavailable=False), 400
    try:
        results = services.choices(form.q.data or "")
    except RegisterUnavailable:
        return jsonify(results=[], unavailable=True, message=str(services.REGISTER_DOWN)), 503
    hint = None if results else services.why_no_match(form.q.data or "")
    connections = _connection_statuses()
    return jsonify(unavailable=False, hint=str(hint) if hint else None, main_url=_main_entity_url(hint), results=[
        {"orgnr": c.orgnr, "orgnr_formatted": orgnumbers.format_orgnr(c.orgnr), "name": c.name, "place": c.place,
         "known": c.known, "url": url_for(".join", orgnr=c.orgnr),
         "connection": connections.get(c.orgnr)} for c in results])


def _connections() -> dict:
    """The person's own live memberships by organisation number, as (organisation, grant): such an
    organisation is marked in the results, and its «Registrer meg» says they are connected (or
    waiting) instead of offering a registration that could only be refused."""
    return {organisation.orgnr: (organisation, grant) for organisation, grant in organisations_of_current_person()}


def _connection_statuses() -> dict[str, str]:
    """«active» or «pending» by organisation number, for marking search results."""
    return {orgnr: str(grant.status) for orgnr, (_organisation, grant) in _connections().items()}


def _main_entity_url(hint) -> str | None:
    """Where a sub-unit's number leads instead: «Registrer meg» for its main entity."""
    if isinstance(hint, services.SubunitChosen) and hint.main_orgnr:
        return url_for(".join", orgnr=hint.main_orgnr)
    return None


@bp.route("/add", methods=["GET", "POST"])
@login_required
def add():
    _onboarding()
    form = AddOrganisationForm()
    main_choice = None
    if form.validate_on_submit():
        try:
            number = services.addable(form.orgnr.data)
        except services.SubunitChosen as error:
            add_error(form, error)
            main_choice = error.main_orgnr
        except InvalidInput as error:
            add_error(form, error)
        else:
            return redirect(url_for(".join", orgnr=number))
    return render_form("organisations/add.html", form, main_choice=main_choice)


@bp.route("/join/<orgnr>", methods=["GET", "POST"])
@login_required
def join(orgnr):
    principal = _onboarding()
    target = services.join_target(orgnr)
    form = JoinForm()
    if form.validate_on_submit():
        registration = services.register_person(principal, target.orgnr, form.note.data)
        forget_current_principal()  # the new membership counts from now on
        switch_to(registration.organisation.id)
        _tell_registered(registration)
        return redirect(url_for("portal.home"))
    # Already connected, or waiting: said instead of the form (a POST anyway is refused with 409).
    organisation, grant = _connections().get(target.orgnr, (None, None))
    return render_form("organisations/join.html", form, target=target, organisation=organisation, grant=grant,
                       status_label=PERSONA_LABELS[grant.persona] if grant else None)


def _tell_registered(registration: services.Registration) -> None:
    name = registration.organisation.name
    if registration.membership.role == MemberRole.ADMINISTRATOR:
        flash(_("You are registered as unconfirmed administrator of %(organisation)s. The Consumer Authority "
                "will check your registration, normally by the next working day.", organisation=name), "success")
    else:
        flash(_("You are registered as unconfirmed user of %(organisation)s. An administrator of the "
                "organisation must approve you.", organisation=name), "success")
    if registration.register_check_pending:
        flash(_("We got no answer from the Central Coordinating Register for Legal Entities. Your registration "
                "is saved, and we will check your role again."), "info")
