"""The regulator's decision forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from orgsvc.roles.forms import RejectForm as MemberRejectForm


class RejectForm(MemberRejectForm):
    """As an administrator's rejection of a user, but the reason also reaches the organisation: the
    guide says the organisation gets the decision «med begrunnelse», which its later administrators read."""

    reason = TextAreaField(_l("Reason (the person and the organisation are told)"),
                           validators=MemberRejectForm.reason.kwargs["validators"])


__all__ = ["RejectForm"]
