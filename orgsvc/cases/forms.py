"""Case forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from orgsvc.cases.services import ONLY_MEDIATION_HAS_COUNTERPARTY, TEXT_MAX, TITLE_MAX
from orgsvc.cases.uploads import ALLOWED_EXTENSIONS
from orgsvc.web import Form

KIND_LABELS = {"mediation": _l("mediation case"), "tip": _l("tip"), "guidance": _l("guidance")}
STATUS_LABELS = {"submitted": _l("submitted"), "in_progress": _l("being processed"), "closed": _l("closed"),
                 "withdrawn": _l("withdrawn")}


class CaseForm(Form):
    kind = SelectField(_l("Kind of case"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
                       validators=[DataRequired()])
    title = StringField(_l("Subject"), validators=[DataRequired(_l("This field is required.")), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Describe the matter"),
                                validators=[DataRequired(_l("This field is required.")), Length(max=TEXT_MAX)])
    counterparty = StringField(
        _l("The business the mediation is about"), validators=[Optional(), Length(max=100)],
        description=_l("Only for mediation cases. Its organisation number, or its name to choose it from "
                       "Enhetsregisteret."),
    )
    # Filled with the register's matches when a name was given; the person picks one.
    counterparty_choice = RadioField(_l("Choose the business"), validators=[Optional()], validate_choice=False)

    def validate_counterparty(self, field) -> None:
        if self.kind.data != "mediation" and ((field.data or "").strip() or self.counterparty_choice.data):
            raise ValidationError(ONLY_MEDIATION_HAS_COUNTERPARTY)


class UploadForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file.description = _l("Allowed types: %(types)s. At most %(max)s MB and 260 characters in the name. "
                                   "No videos.", types=", ".join(ALLOWED_EXTENSIONS),
                                   max=f"{current_app.config['ORGSVC_UPLOAD_MAX_MB']:g}")


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class MessageForm(Form):
    # Blank (also only spaces) is no recipient chosen: the message goes to the case's caseworkers.
    recipient = SelectField(_l("Recipient"), validators=[Optional()], coerce=str, filters=[_stripped])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("This field is required.")), Length(max=5000)])


class WithdrawForm(Form):
    # «Her kan du også skrive hvorfor du velger å trekke saken»: the reason is optional.
    reason = TextAreaField(_l("Why do you withdraw the case? (optional)"), validators=[Optional(), Length(max=2000)])


class FollowForm(Form):
    email = EmailField(_l("E-mail address for news of the case"), validators=[Optional(), Length(max=254)],
                       description=_l("Your own, or e.g. a department mailbox. Another address must be confirmed "
                                      "from that mailbox first."))


class AccessForm(Form):
    person = SelectField(_l("Give access to"), coerce=int, validators=[DataRequired()])


class StatusForm(Form):
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()
                                                if k != "withdrawn"])


class AssignForm(Form):
    caseworker = SelectField(_l("Caseworker"), coerce=str)


class ReplyForm(Form):
    body = TextAreaField(_l("Reply"), validators=[DataRequired(_l("This field is required.")), Length(max=5000)])
