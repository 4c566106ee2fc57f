"""The regulator's decision forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from orgsvc.roles.forms import required_reason
from orgsvc.web import Form


class RejectForm(Form):
    """As an administrator's rejection of a user, but the reason also reaches the organisation: the
    guide says the organisation gets the decision «med begrunnelse», which its later administrators read."""

    reason = required_reason(_l("Reason (the person and the organisation are told)"))


__all__ = ["RejectForm"]
