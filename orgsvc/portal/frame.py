"""What every page's header needs: the person, the current organisation, status and inbox."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from orgsvc.access import current_principal, may
from orgsvc.access.conditions import APPROVAL_QUEUE
from orgsvc.accounts.forms import ActionForm, LanguageForm
from orgsvc.db import utcnow
from orgsvc.i18n import current_language, per_render
from orgsvc.organisations.context import (
    PERSONA_LABELS,
    current_grant,
    current_organisation,
    organisations_of_current_person,
)
from orgsvc.registry.orgnr import format_orgnr
from orgsvc.roles.models import MemberRole, MembershipStatus


def frame_context() -> dict:
    context = {
        "staff_nav": False,
        "action_form": ActionForm(formdata=None),
        "language_form": LanguageForm(formdata=None, lang=current_language()),
    }
    if not current_user.is_authenticated:
        return context
    grant = current_grant()
    context.update(
        current_org=current_organisation(),
        current_status=PERSONA_LABELS[grant.persona] if grant else None,
        current_persona=grant.persona if grant else None,
        my_organisations=organisations_of_current_person(),
        unread_count=_unread_count(),
        staff_nav=may(current_principal(), "view", APPROVAL_QUEUE),
    )
    return context


def _unread_count() -> int:
    from orgsvc.inbox.services import unread_count

    return unread_count(current_principal())


ROLE_LABELS = {MemberRole.ADMINISTRATOR: _l("administrator"), MemberRole.USER: _l("user")}
STATUS_LABELS = {
    MembershipStatus.PENDING: _l("awaiting approval"),
    MembershipStatus.ACTIVE: _l("active"),
    MembershipStatus.REJECTED: _l("rejected"),
    MembershipStatus.REMOVED: _l("removed"),
    MembershipStatus.EXPIRED: _l("expired"),
}


AUDIT_LABELS = {
    "account.registered": _l("User registered"),
    "account.password_changed": _l("Password changed"),
    "account.password_reset": _l("Password reset"),
    "account.sessions_ended": _l("Logged out on other devices"),
    "account.deactivated": _l("User deactivated"),
    "account.login_failed": _l("Failed log-in"),
    "account.login_throttled": _l("Log-in refused: too many attempts"),
    "api.authentication_failed": _l("API access refused: invalid token"),
    "membership.requested_administrator": _l("Asked to become administrator"),
    "membership.requested": _l("Asked to become user"),
    "membership.approved": _l("Approved as user"),
    "membership.rejected": _l("Request to become user rejected"),
    "membership.role_changed": _l("Role changed"),
    "membership.removed": _l("Removed from the organisation"),
    "membership.left": _l("Left the organisation"),
    "membership.expired": _l("Request expired"),
    "approval.approved": _l("Approved as administrator by the Consumer Authority"),
    "approval.rejected": _l("Rejected as administrator by the Consumer Authority"),
    "staff.added": _l("Staff member added"),
    "staff.deactivated": _l("Staff member deactivated"),
}


def audit_label(action: str) -> str:
    label = AUDIT_LABELS.get(action)
    return str(label) if label else str(_l("Access: %(action)s", action=action))


def init_app(app: Flask) -> None:
    app.context_processor(frame_context)
    app.jinja_env.filters["orgnr"] = format_orgnr
    app.jinja_env.globals.update(
        role_label=per_render(lambda role: str(ROLE_LABELS.get(role, role))),
        status_label=per_render(lambda status: str(STATUS_LABELS.get(status, status))),
        persona_label=per_render(lambda persona: str(PERSONA_LABELS.get(persona, persona))),
        audit_label=audit_label,
        now=utcnow,
    )
