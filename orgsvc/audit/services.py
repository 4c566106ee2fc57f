"""Recording audit events inside the caller's unit of work."""

from __future__ import annotations

import logging

from flask import g, has_app_context

from orgsvc.audit.models import AuditEvent
from orgsvc.extensions import db

log = logging.getLogger("orgsvc.audit")


def record(
    action: str,
    *,
    actor_id: int | None,
    organisation_id: int | None = None,
    subject_person_id: int | None = None,
    obj: tuple[str, object] | None = None,
    reason: str | None = None,
    details: dict | None = None,
    outcome: str = "ok",
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits, or vanishes, with the change)."""
    object_type, object_id = obj if obj else (None, None)
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        organisation_id=organisation_id,
        subject_person_id=subject_person_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        reason=reason,
        details=details,
        outcome=outcome,
        request_id=g.get("request_id") if has_app_context() else None,
    )
    db.session.add(event)
    return event
