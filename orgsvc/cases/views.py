"""«Våre saker» and the case pages, for the parties and for the regulator's caseworkers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from orgsvc.access import current_principal, guard, may, may_via, missing_for
from orgsvc.access.conditions import REGULATOR_CASES
from orgsvc.cases import follow as following
from orgsvc.cases import regulator, services
from orgsvc.cases.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    AccessForm,
    AssignForm,
    CaseForm,
    FollowForm,
    MessageForm,
    ReplyForm,
    StatusForm,
    UploadForm,
    WithdrawForm,
)
from orgsvc.cases.models import CaseKind
from orgsvc.cases.uploads import upload_dir
from orgsvc.errors import Conflict, InvalidInput, NotFound, Unavailable
from orgsvc.i18n import per_render
from orgsvc.organisations.context import current_organisation
from orgsvc.organisations.services import business_from, by_orgnr
from orgsvc.registry import orgnr as orgnumbers
from orgsvc.web import add_error, id_from, page_number

bp = Blueprint("cases", __name__)
TABS = (CaseKind.MEDIATION, CaseKind.TIP, CaseKind.GUIDANCE)


@bp.get("/cases/")
@login_required
def index():
    organisation = current_organisation()
    if organisation is None:
        return redirect(url_for("portal.home"))
    principal = current_principal()
    guard(principal, "view", organisation)
    tab = request.args.get("tab", CaseKind.MEDIATION.value)
    kind = CaseKind(tab) if tab in set(CaseKind) else CaseKind.MEDIATION
    sort, page = request.args.get("sort", "activity"), page_number()
    rows, has_more = services.our_cases(principal, organisation.id, kind, sort, page)
    return render_template("cases/list.html", rows=rows, has_more=has_more, page=page, tab=kind, tabs=TABS,
                           sort=sort, organisation=organisation,
                           can_create=may(principal, "create_case", organisation))


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    organisation = current_organisation()
    if organisation is None:
        return redirect(url_for("portal.home"))
    principal = current_principal()
    guard(principal, "create_case", organisation)
    form = CaseForm()
    if form.validate_on_submit():
        try:
            counterparty, matches = business_from(form.counterparty.data, form.counterparty_choice.data)
            if matches:  # a name was given: the person chooses among the register's matches
                form.counterparty_choice.choices = [(m.orgnr, f"{m.name} ({orgnumbers.format_orgnr(m.orgnr)}"
                                                     f"{', ' + m.place if m.place else ''})") for m in matches]
                return render_template("cases/new.html", form=form, organisation=organisation)
            case = services.create_case(principal, organisation.id, form.kind.data, form.title.data,
                                        form.description.data, counterparty)
        except InvalidInput as error:
            add_error(form, error, "counterparty")
        else:
            flash(_("Case %(number)s is submitted.", number=case.number), "success")
            return redirect(url_for(".show", case_id=case.id))
    status = 400 if form.is_submitted() else 200
    return render_template("cases/new.html", form=form, organisation=organisation), status


def _side(principal, case) -> int | None:
    """The organisation the person acts for in this case: the current one if it is a party."""
    current = current_organisation()
    if current is not None and current.id in case.party_org_ids:
        return current.id
    return next((org for org in case.party_org_ids if org in principal.grants), None)


def _case_context(principal, case) -> dict:
    side = _side(principal, case)
    return {
        "case": case, "side": side, "counterpart": services.counterpart_of(case, side),
        "can": lambda action: may(principal, action, case),
        "manages_access": side is not None and may_via(principal, "manage_access", case, side),
        "is_regulator": may(principal, "change_status", case),
        # Which side a message, a document or a representative is on: the regulator sees both.
        "side_names": {org.id: org.name for org in (case.submitter_org, case.counterparty_org) if org},
    }


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id):
    principal = current_principal(case_id=case_id)
    return _show_page(principal, services.load_case(principal, case_id))


def _show_page(principal, case, follow_form=None, status=200):
    context = _case_context(principal, case)
    side = context["side"]
    access_form = None
    if context["manages_access"]:
        access_form = AccessForm(formdata=None)
        access_form.person.choices = [(p.id, p.full_name) for p in services.candidates_for_access(case, side)]
    follow = following.following(principal, case.id) if context["can"]("follow") else None
    # «Hvem har tilgang»: an administrator sees their own side's (whom they give access), the
    # regulator every side's.
    return render_template(
        "cases/show.html", **context, history=services.history(principal, case),
        representatives=[r for r in services.representatives(case) if side is None or r.organisation_id == side]
        if context["manages_access"] or context["can"]("view_access") else [],
        access_form=access_form, follow=follow, follow_form=follow_form or FollowForm(formdata=None),
        follow_link_expired=follow is not None and following.link_expired(follow),
        status_form=_status_form(case),
        assign_form=_assign_form(case) if context["is_regulator"] else None,
    ), status


def _status_form(case):
    """The statuses the case may go to from its own (none once withdrawn: no form then)."""
    next_statuses = sorted(regulator.TRANSITIONS[case.status], key=list(STATUS_LABELS).index)
    if not next_statuses:
        return None
    form = StatusForm(formdata=None, status=case.status.value)
    form.status.choices = [(str(status), STATUS_LABELS[str(status)]) for status in (case.status, *next_statuses)]
    return form


def _assign_form(case, formdata=None):
    form = AssignForm(formdata=formdata, caseworker=str(case.caseworker_id or ""))
    form.caseworker.choices = [("", _("Nobody"))] + [(str(p.id), p.full_name) for p in regulator.caseworkers()]
    return form


def _message_form(case, formdata=None):
    form = MessageForm(formdata=formdata)
    caseworker = services.assigned_caseworker(case)
    form.recipient.choices = ([(str(caseworker.id), _("Caseworker %(name)s", name=caseworker.full_name))]
                              if caseworker else [("", _("The Consumer Authority's caseworkers"))])
    return form


def _documents_page(principal, case, upload_form=None, message_form=None, status=200, reply_form=None,
                    reply_to=None):
    """The documents and messages page; ``reply_form`` with ``reply_to`` is a refused reply to that message."""
    messages = services.messages(principal, case)
    if reply_to is not None and reply_to not in {message.id for message in messages}:
        raise NotFound()
    return render_template(
        "cases/documents.html", **_case_context(principal, case), documents=services.documents(case),
        messages=messages,
        upload_form=upload_form or UploadForm(formdata=None), message_form=message_form or _message_form(case),
        reply_form=reply_form or ReplyForm(formdata=None), reply_to=reply_to,
    ), status


@bp.get("/cases/<int:case_id>/documents")
@login_required
def documents(case_id):
    principal = current_principal(case_id=case_id)
    return _documents_page(principal, services.load_case(principal, case_id))


@bp.post("/cases/<int:case_id>/documents")
@login_required
def upload(case_id):
    principal = current_principal(case_id=case_id)
    case = services.load_case(principal, case_id, "upload")
    form = UploadForm()
    status = 400
    if form.validate_on_submit():
        try:
            document = services.add_document(principal, case.id, form.file.data.stream, form.file.data.filename,
                                              _side(principal, case))
        except (InvalidInput, Unavailable) as error:
            # A refused file, or a database that could not keep it: either way nothing is stored,
            # and the form is there to try again.
            add_error(form, error, "file")
            status = error.status
        else:
            flash(_("%(name)s is added to the case.", name=document.original_name), "success")
            return redirect(url_for(".documents", case_id=case.id))
    return _documents_page(principal, case, upload_form=form, status=status)


@bp.get("/cases/<int:case_id>/documents/<int:document_id>")
@login_required
def download(case_id, document_id):
    document = services.document(current_principal(case_id=case_id), case_id, document_id)
    return send_from_directory(upload_dir(), document.stored_name, as_attachment=True,
                               download_name=document.original_name, mimetype=document.content_type, max_age=0)


@bp.post("/cases/<int:case_id>/messages")
@login_required
def send_message(case_id):
    principal = current_principal(case_id=case_id)
    case = services.load_case(principal, case_id)
    form = _message_form(case, request.form)
    side = _side(principal, case)
    if side is None:  # no side to write for (the regulator's staff): answered as a missing case is
        raise missing_for(principal, "message", case)
    if form.validate_on_submit():
        try:
            services.send_message(principal, case.id, side, form.body.data,
                                  int(form.recipient.data) if form.recipient.data else None)
        except InvalidInput as error:
            add_error(form, error, "body")
        else:
            flash(_("Your message is sent to the caseworker."), "success")
            return redirect(url_for(".documents", case_id=case.id))
    return _documents_page(principal, case, message_form=form, status=400)


@bp.route("/cases/<int:case_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(case_id):
    principal = current_principal(case_id=case_id)
    case = services.load_case(principal, case_id, "withdraw")
    form = WithdrawForm()
    if form.validate_on_submit():
        services.withdraw(principal, case.id, form.reason.data)
        flash(_("Case %(number)s is withdrawn.", number=case.number), "success")
        return redirect(url_for(".show", case_id=case.id))
    status = 400 if form.is_submitted() else 200
    return render_template("cases/withdraw.html", form=form, case=case), status


@bp.post("/cases/<int:case_id>/access")
@login_required
def add_access(case_id):
    principal = current_principal(case_id=case_id)
    case = services.load_case(principal, case_id)
    side = _side(principal, case)
    if side is None:  # no side to give access on (the regulator's staff): answered as a missing case is
        raise missing_for(principal, "manage_access", case)
    person_id = id_from(request.form.get("person"))
    if person_id is None:
        raise InvalidInput(field="person")
    services.add_representative(principal, case.id, side, person_id)
    flash(_("Access given."), "success")
    return redirect(url_for(".show", case_id=case.id))


@bp.post("/cases/<int:case_id>/access/<int:representative_id>/remove")
@login_required
def remove_access(case_id, representative_id):
    services.remove_representative(current_principal(case_id=case_id), case_id, representative_id)
    flash(_("Access removed."), "success")
    return redirect(url_for(".show", case_id=case_id))


@bp.post("/cases/<int:case_id>/follow")
@login_required
def follow(case_id):
    principal = current_principal(case_id=case_id)
    case = services.load_case(principal, case_id, "follow")
    form = FollowForm()
    if not form.validate_on_submit():
        return _show_page(principal, case, follow_form=form, status=400)
    try:
        row = following.follow(principal, case.id, form.email.data)
    except InvalidInput as error:
        add_error(form, error, "email")
        return _show_page(principal, case, follow_form=form, status=400)
    if row.confirmed_at:
        flash(_("You follow the case. News comes to %(email)s at most once a day.", email=row.email), "success")
    else:
        flash(_("We have sent a link to %(email)s. News goes there once the address is confirmed.",
                email=row.email), "info")
    return redirect(url_for(".show", case_id=case_id))


@bp.post("/cases/<int:case_id>/unfollow")
@login_required
def unfollow(case_id):
    following.unfollow(current_principal(case_id=case_id), case_id)
    flash(_("You no longer follow the case."), "success")
    return redirect(url_for(".show", case_id=case_id))


@bp.route("/follow/confirm/<token>", methods=["GET", "POST"])
def confirm_follow(token):
    row = following.pending_confirmation(token)
    if request.method == "POST":
        following.confirm(token)
        return render_template("cases/follow_confirmed.html", email=row.email)
    return render_template("cases/follow_confirm.html", email=row.email, number=row.case.number)


@bp.get("/organisation/members/<int:membership_id>/cases")
@login_required
def member_cases(membership_id):
    membership, cases = services.cases_of_member(current_principal(), membership_id)
    return render_template("cases/member_cases.html", membership=membership, cases=cases)


# --- the regulator ----------------------------------------------------------------------------
@bp.get("/regulator/cases")
@login_required
def regulator_list():
    principal = current_principal()
    guard(principal, "view", REGULATOR_CASES)  # before anything is looked up for the filters
    orgnr = request.args.get("orgnr", "").strip()
    organisation = by_orgnr(orgnumbers.normalise(orgnr)) if orgnr else None
    mine, unassigned, page = request.args.get("mine") == "1", request.args.get("unassigned") == "1", page_number()
    rows, has_more = ([], False) if orgnr and organisation is None else regulator.all_cases(
        principal, request.args.get("kind"), request.args.get("status"),
        organisation.id if organisation else None, principal.person_id if mine else None, page, unassigned)
    return render_template("cases/regulator_list.html", rows=rows, has_more=has_more, page=page,
                           args=request.args, kinds=TABS, unknown_orgnr=bool(orgnr) and organisation is None)


@bp.post("/cases/<int:case_id>/status")
@login_required
def change_status(case_id):
    form = StatusForm()
    principal = current_principal(case_id=case_id)
    try:
        regulator.change_status(principal, case_id, form.status.data or "")
    except Conflict as refused:  # e.g. changed meanwhile by a colleague: said on the case's own page
        flash(str(refused.message), "error")
        return _show_page(principal, services.load_case(principal, case_id), status=409)
    flash(_("The status is changed."), "success")
    return redirect(url_for(".show", case_id=case_id))


@bp.post("/cases/<int:case_id>/assign")
@login_required
def assign(case_id):
    principal = current_principal(case_id=case_id)
    case = services.load_case(principal, case_id, "assign")
    form = _assign_form(case, request.form)
    if not form.validate_on_submit():
        raise InvalidInput(field="caseworker")
    regulator.assign(principal, case.id, int(form.caseworker.data) if form.caseworker.data else None)
    flash(_("The case is assigned."), "success")
    return redirect(url_for(".show", case_id=case.id))


@bp.post("/cases/<int:case_id>/messages/<int:message_id>/reply")
@login_required
def reply(case_id, message_id):
    principal = current_principal(case_id=case_id)
    case = services.load_case(principal, case_id, "reply")
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            regulator.reply(principal, case.id, message_id, form.body.data)
        except InvalidInput as error:
            add_error(form, error, "body")
        else:
            flash(_("Your reply is sent."), "success")
            return redirect(url_for(".documents", case_id=case.id))
    return _documents_page(principal, case, reply_form=form, reply_to=message_id, status=400)


# --- words for the templates ------------------------------------------------------------------
TAB_LABELS = {CaseKind.MEDIATION: _l("Mediation cases"), CaseKind.TIP: _l("Submitted tips"),
              CaseKind.GUIDANCE: _l("Guidance")}
EVENT_LABELS = {
    "created": _l("Case submitted"),
    "status_changed": _l("Status changed to %(status)s"),
    "document_added": _l("Document added: %(name)s"),
    "message_sent": _l("Message to the caseworker"),
    "message_replied": _l("Reply from the Consumer Authority"),
    "withdrawn": _l("Case withdrawn"),
    "caseworker_assigned": _l("Caseworker assigned"),
}


def tab_label(kind) -> str:
    return str(TAB_LABELS.get(CaseKind(kind), kind))


def kind_label(kind) -> str:
    return str(KIND_LABELS.get(str(kind), kind))


def case_status_label(status) -> str:
    return str(STATUS_LABELS.get(str(status), status))


# The labels are the same on every row of a list: each is translated once per render.
for _label in (tab_label, kind_label, case_status_label):
    bp.add_app_template_global(per_render(_label), _label.__name__)


@bp.app_template_global()
def case_event_label(event) -> str:
    label = EVENT_LABELS.get(event.kind)
    if label is None:
        return event.kind
    details = event.details or {}
    return str(label) % {"status": case_status_label(details.get("new", "")), "name": details.get("name", "")}
