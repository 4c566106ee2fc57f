"""Account forms. Every form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from orgsvc.accounts.passwords import MAX_LENGTH
from orgsvc.i18n import LANGUAGES
from orgsvc.web import Form

NAME_MAX = 200
EMAIL_MAX = 254


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _collapse(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class BirthDateField(DateField):
    """A date typed as 1985-04-12 (what date inputs send) or the Norwegian 12.04.1985."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, format=["%Y-%m-%d", "%d.%m.%Y"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Enter your date of birth as YYYY-MM-DD."))) from error


class ActionForm(Form):
    """A button that changes state: nothing but the CSRF token."""


def _full_name_field() -> StringField:
    return StringField(
        _l("Full name (as in the National Population Register)"),
        validators=[DataRequired(_l("Enter your full name.")), Length(min=2, max=NAME_MAX)],
        filters=[_collapse],
    )


def _birth_date_field() -> BirthDateField:
    return BirthDateField(
        _l("Date of birth"),
        validators=[InputRequired(_l("Enter your date of birth as YYYY-MM-DD."))],
        description=_l("Used to check your roles in the Central Coordinating Register for Legal Entities."),
    )


def _plausible_birth_date(_form, field) -> None:
    if field.data is None:
        return
    today = date.today()
    age = today.year - field.data.year - ((today.month, today.day) < (field.data.month, field.data.day))
    if age < 15 or age > 120:
        raise ValidationError(_l("Check the date of birth."))


class RegistrationForm(Form):
    full_name = _full_name_field()
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=EMAIL_MAX),
                    Email(_l("Enter a valid e-mail address."), check_deliverability=False)],
        filters=[_strip],
    )
    date_of_birth = _birth_date_field()
    validate_date_of_birth = _plausible_birth_date


class PersonalDetailsForm(Form):
    """Name and date of birth: what the register check matches a person on («Dine opplysninger»)."""

    full_name = _full_name_field()
    date_of_birth = _birth_date_field()
    validate_date_of_birth = _plausible_birth_date


class CloseAccountForm(Form):
    confirm = BooleanField(_l("I want to close my user account"),
                           validators=[DataRequired(_l("Tick the box to confirm that you want to close your user "
                                                       "account."))])


class ChoosePasswordForm(Form):
    """The first password, chosen on the confirmation page the e-mailed link leads to."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password."))],  # the length rules: password_problem
        description=_l("At least 12 characters. A sentence you can remember works well."),
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_l("Repeat the password.")),
                    EqualTo("password", _l("The two passwords are not the same."))],
    )


class LoginForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=EMAIL_MAX)],
        filters=[_strip],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)]
    )
    next = HiddenField()


class ConfirmPasswordForm(Form):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)]
    )
    next = HiddenField()


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password.")), Length(max=MAX_LENGTH)]
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a new password.")), Length(max=MAX_LENGTH)]
    )
    new_password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password.")),
                    EqualTo("new_password", _l("The two passwords are not the same."))],
    )


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=EMAIL_MAX)],
        filters=[_strip],
    )


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Choose a new password.")), Length(max=MAX_LENGTH)]
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password.")),
                    EqualTo("password", _l("The two passwords are not the same."))],
    )


class LanguageForm(Form):
    lang = SelectField(
        _l("Language"),
        choices=[SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()],
        validators=[DataRequired()],
    )
    next = HiddenField()


class DigestForm(Form):
    wants_digest = BooleanField(_l("Send me an e-mail at most once a day about news in the cases I represent "
                                   "my organisation in"))
