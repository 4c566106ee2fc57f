"""Account pages: register, confirm, log in and out, account settings, password reset."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from orgsvc.access import current_principal, guard, may
from orgsvc.access.conditions import OWN_ACCOUNT
from orgsvc.accounts import services, sessions
from orgsvc.accounts.forms import (
    ActionForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    CloseAccountForm,
    ConfirmPasswordForm,
    DigestForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PersonalDetailsForm,
    RegistrationForm,
    ResetPasswordForm,
)
from orgsvc.accounts.fresh import fresh_login_required, password_given
from orgsvc.approvals import services as approvals
from orgsvc.errors import Conflict, InvalidInput, TooManyRequests
from orgsvc.i18n import current_language
from orgsvc.roles.services import is_last_administrator, live_memberships
from orgsvc.security import safe_next
from orgsvc.web import add_error, client_address, render_form, user_agent

bp = Blueprint("accounts", __name__)


def _start_browser_session(person) -> None:
    """New session contents at login: nothing planted before it survives, except the language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
        if language != person.locale:  # the latest explicit choice wins and is remembered
            services.set_language(person, language)
    session.permanent = True
    login_user(person)
    password_given()


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        account = services.NewAccount(form.email.data, form.full_name.data, form.date_of_birth.data,
                                      current_language())
        services.request_registration(account, client_address=client_address())
        return redirect(url_for(".registration_sent"))
    return render_form("accounts/register.html", form)


@bp.get("/register/sent")
def registration_sent():
    return render_template("accounts/registration_sent.html")


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token):
    registration = services.pending_registration(token)
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            person = services.confirm_registration(token, form.password.data, user_agent())
        except InvalidInput as error:
            add_error(form, error)
            return render_form("accounts/confirm.html", form, registration=registration)
        _start_browser_session(person)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("portal.home"))
    return render_form("accounts/confirm.html", form, registration=registration)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    destination = safe_next(form.next.data, url_for("portal.home"))
    if current_user.is_authenticated:
        return redirect(destination)
    if not form.validate_on_submit():
        return render_form("accounts/login.html", form)
    try:
        person = services.log_in(form.email.data, form.password.data,
                                 client_address=client_address(), user_agent=user_agent())
    except (services.InvalidCredentials, TooManyRequests) as error:
        return _refused_password("accounts/login.html", form, error)
    _start_browser_session(person)
    return redirect(destination)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
def reauthenticate():
    """«Bekreft passordet ditt»: a sensitive operation asked for a fresh password (see fresh.py)."""
    form = ConfirmPasswordForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_form("accounts/reauthenticate.html", form)
    try:
        services.confirm_password(current_user, form.password.data, client_address=client_address())
    except (InvalidInput, TooManyRequests) as error:
        return _refused_password("accounts/reauthenticate.html", form, error)
    password_given()
    return redirect(safe_next(form.next.data, url_for("portal.home")))


def _refused_password(template: str, form, error):
    """The form again with the refusal: 401 for a wrong password, 429 with Retry-After when throttled."""
    add_error(form, error)
    page, _status = render_form(template, form)
    if isinstance(error, TooManyRequests):
        return page, 429, {"Retry-After": str(error.retry_after)}
    return page, 401


@bp.post("/logout")
@login_required
def logout():
    services.log_out(current_user)
    logout_user()
    session.clear()
    flash(_("You are logged out on all devices."), "info")
    return redirect(url_for(".login"))


@bp.get("/account")
@login_required
def account():
    return _account_page(ChangePasswordForm(formdata=None))


def _account_page(password_form, status=200, details_form=None):
    if details_form is None and may(current_principal(), "change_details", OWN_ACCOUNT):
        details_form = PersonalDetailsForm(formdata=None, obj=current_user)
    return render_template(
        "accounts/account.html",
        details_form=details_form,
        may_close=may(current_principal(), "close", OWN_ACCOUNT),
        # The digest is news of the cases one represents an organisation in: not for the regulator's staff.
        may_choose_digest=may(current_principal(), "choose_digest", OWN_ACCOUNT),
        password_form=password_form,
        sessions_form=ActionForm(formdata=None),
        digest_form=DigestForm(formdata=None, wants_digest=current_user.wants_digest),
        language_form=LanguageForm(formdata=None, lang=current_language(), next=url_for(".account")),
        login_sessions=sessions.active_sessions(current_user.id),
        current_token_hash=sessions.token_hash(current_user.current_session_token or ""),
    ), status


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, current_user.current_session_token,
                                     form.current_password.data, form.new_password.data,
                                     client_address=client_address())
        except TooManyRequests as error:
            add_error(form, error)
            page, _status = _account_page(form)
            return page, 429, {"Retry-After": str(error.retry_after)}
        except InvalidInput as error:
            add_error(form, error)
            return _account_page(form, 400)
        flash(_("Your password is changed. You have been logged out everywhere else."), "success")
        return redirect(url_for(".account"))
    return _account_page(form, 400)


@bp.post("/account/details")
@login_required
@fresh_login_required
def change_details():
    form = PersonalDetailsForm()
    if not form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), 400, details_form=form)
    changed = services.change_personal_details(current_principal(), current_user, form.full_name.data,
                                               form.date_of_birth.data)
    if not changed:
        flash(_("Nothing was changed."), "info")
    elif approvals.recheck_requests_of(current_user.id):
        flash(_("Your details are saved, and your registration as administrator is checked again against the "
                "Central Coordinating Register for Legal Entities."), "success")
    else:
        flash(_("Your details are saved."), "success")
    return redirect(url_for(".account"))


@bp.route("/account/close", methods=["GET", "POST"])
@login_required
@fresh_login_required
def close_account():
    """«Avslutt brukeren min»: what it ends is shown first; done on a confirmed POST."""
    principal = current_principal()
    guard(principal, "close", OWN_ACCOUNT)
    form, status = CloseAccountForm(), None
    if form.validate_on_submit():
        try:
            services.close_account(principal, current_user)
        except Conflict as error:  # made the last administrator somewhere since the page was shown
            add_error(form, error)
            status = error.status
        else:
            logout_user()
            session.clear()
            flash(_("Your user account is closed."), "success")
            return redirect(url_for(".login"))
    memberships = live_memberships(principal)
    return render_form("accounts/close.html", form, status, memberships=memberships,
                       last_administrator_of=[m.organisation.name for m in memberships if is_last_administrator(m)])


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    count = services.end_other_sessions(current_user, current_user.current_session_token)
    flash(_("Logged out on %(count)d other devices.", count=count), "success")
    return redirect(url_for(".account"))


@bp.post("/account/digest")
@login_required
def change_digest():
    guard(current_principal(), "choose_digest", OWN_ACCOUNT)
    form = DigestForm()
    services.set_digest(current_user, bool(form.wants_digest.data))
    flash(_("Your choice is saved."), "success")
    return redirect(url_for(".account"))


@bp.post("/language")
def choose_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            services.set_language(current_user, form.lang.data)
    return redirect(safe_next(form.next.data, url_for("portal.home")))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return redirect(url_for(".reset_sent"))
    return render_form("accounts/forgot.html", form)


@bp.get("/password/sent")
def reset_sent():
    return render_template("accounts/reset_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    services.valid_reset_token(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except InvalidInput as error:
            add_error(form, error)
            return render_form("accounts/reset.html", form)
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(_("Your password is set. Log in with it."), "success")
        return redirect(url_for(".login"))
    return render_form("accounts/reset.html", form)
