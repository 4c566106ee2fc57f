"""What every page's header needs: the person, the current organisation, status and inbox."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from orgsvc.access import current_principal
from orgsvc.accounts.forms import ActionForm, LanguageForm
from orgsvc.i18n import current_language
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


def init_app(app: Flask) -> None:
    app.context_processor(frame_context)
    app.jinja_env.filters["orgnr"] = format_orgnr
    app.jinja_env.globals.update(
        role_label=lambda role: ROLE_LABELS.get(role, role),
        status_label=lambda status: STATUS_LABELS.get(status, status),
    )
