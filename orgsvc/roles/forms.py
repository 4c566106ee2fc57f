"""Forms for administrators managing the organisation's people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from orgsvc.roles.services import NOTE_MAX, REASON_MAX


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the person is told)"),
                           validators=[DataRequired(_l("Write a reason; the person is told it.")),
                                       Length(min=3, max=REASON_MAX)])


class RemoveForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional; the person is told)"), validators=[Optional(), Length(max=REASON_MAX)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice("administrator", _l("administrator")),
                                            SelectChoice("user", _l("user"))],
                       validators=[DataRequired()])


class ApplyForm(FlaskForm):
    """A user of an organisation without an administrator asks the regulator to become it."""

    note = TextAreaField(
        _l("Why do you ask for access? (optional)"), validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Shown to whoever approves you, e.g. your position or the case you work on."),
    )
