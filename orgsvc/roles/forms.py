"""Forms for administrators managing the organisation's people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from orgsvc.roles.services import NOTE_MAX, REASON_MAX, REASON_MIN
from orgsvc.web import Form


def required_reason(label) -> TextAreaField:
    """The reason a rejection must give, with ``label`` saying who is told it."""
    return TextAreaField(label, validators=[DataRequired(_l("Write a reason; the person is told it.")),
                                            Length(min=3, max=REASON_MAX)])


class RejectForm(Form):
    reason = required_reason(_l("Reason (the person is told)"))


class RemoveForm(Form):
    # The same bounds as the service's (roles.services.clean_reason), so a short reason is refused
    # here, on the page, with what was written kept.
    reason = TextAreaField(_l("Reason (optional; the person is told)"), validators=[
        Optional(), Length(min=REASON_MIN, max=REASON_MAX,
                           message=_l("The reason must be between %(min)d and %(max)d characters.",
                                      min=REASON_MIN, max=REASON_MAX))])


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice("administrator", _l("administrator")),
                                            SelectChoice("user", _l("user"))],
                       validators=[DataRequired()])


class ApplyForm(Form):
    """A user of an organisation without an administrator asks the regulator to become it."""

    note = TextAreaField(
        _l("Why do you ask for access? (optional)"), validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Shown to whoever approves you, e.g. your position or the case you work on."),
    )
