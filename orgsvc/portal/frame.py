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
    "account.details_changed": _l("Name or date of birth corrected"),
    "account.password_reset": _l("Password reset"),
    "account.sessions_ended": _l("Logged out on other devices"),
    "account.deactivated": _l("User deactivated"),
    "account.closed": _l("User account closed by its owner"),
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
    "case.created": _l("Case submitted"),
    "case.withdrawn": _l("Case withdrawn"),
    "case.status_changed": _l("Case status changed"),
    "case.assigned": _l("Caseworker assigned"),
    "case.replied": _l("Reply from the caseworker"),
    "case.document_added": _l("Documentation added"),
    "case.representative_added": _l("Access to a case given"),
    "case.representative_removed": _l("Access to a case removed"),
    "api.client_created": _l("API client created"),
    "api.client_revoked": _l("API client revoked"),
}

# A refused access is logged as "<resource>:<action>" (orgsvc.access.decisions.denial_for): it is
# shown as the resource and what was attempted, e.g. «Sak: se» with the «avvist» tag.
AUDIT_RESOURCE_LABELS = {
    "case": _l("Case"),
    "case_event": _l("Case history"),
    "case_message": _l("Message in a case"),
    "case_intake": _l("Case intake (API)"),
    "membership": _l("Connection to the organisation"),
    "organisation": _l("Organisation"),
    "inbox_message": _l("Inbox message"),
    "audit_event": _l("Log"),
    "approval_queue": _l("Approvals"),
    "regulator_cases": _l("All cases"),
    "regulator_audit": _l("The Consumer Authority's log"),
    "onboarding": _l("Representing a business"),
    "own_account": _l("Own user account"),
}
AUDIT_ATTEMPT_LABELS = {
    "view": _l("see"),
    "use": _l("use"),
    "change_details": _l("correct name or date of birth"),
    "close": _l("close"),
    "choose_digest": _l("choose the daily e-mail"),
    "create": _l("create"),
    "create_case": _l("create a case"),
    "withdraw": _l("withdraw the case"),
    "upload": _l("send documentation"),
    "message": _l("contact the caseworker"),
    "follow": _l("follow the case"),
    "manage_access": _l("give or take access"),
    "view_access": _l("see who has access"),
    "view_withdrawal_reason": _l("see why the case was withdrawn"),
    "change_status": _l("change the status"),
    "assign": _l("assign a caseworker"),
    "reply": _l("reply"),
    "decide_join": _l("approve or reject"),
    "decide_administrator": _l("approve or reject as administrator"),
    "change_role": _l("change the role"),
    "remove": _l("remove"),
    "leave": _l("leave the organisation"),
    "apply_administrator": _l("apply to become administrator"),
    "view_cases": _l("see the user's cases"),
    "join": _l("ask to join"),
    "manage_members": _l("manage the users"),
    "view_audit": _l("see the log"),
}


def audit_label(action: str) -> str:
    label = AUDIT_LABELS.get(action)
    if label is not None:
        return str(label)
    resource, _, attempted = action.partition(":")
    if resource in AUDIT_RESOURCE_LABELS and attempted in AUDIT_ATTEMPT_LABELS:
        return str(_l("%(resource)s: %(attempt)s", resource=AUDIT_RESOURCE_LABELS[resource],
                      attempt=AUDIT_ATTEMPT_LABELS[attempted]))
    return str(_l("Access: %(action)s", action=action))


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
