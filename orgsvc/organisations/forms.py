"""Forms for choosing and adding an organisation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from orgsvc.roles.services import NOTE_MAX
from orgsvc.web import Form


class SearchForm(Form):
    """A GET search: nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search for your organisation by name or organisation number"),
                    validators=[Optional(), Length(max=100)])


class AddOrganisationForm(Form):
    orgnr = StringField(_l("Organisation number"), validators=[DataRequired(_l("Enter an organisation number.")),
                                                              Length(max=30)],
                        description=_l("9 digits, e.g. 923 609 016."))


class JoinForm(Form):
    note = TextAreaField(
        _l("Why do you ask for access? (optional)"), validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Shown to whoever approves you, e.g. your position or the case you work on."),
    )
