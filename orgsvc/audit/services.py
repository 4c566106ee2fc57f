"""Recording audit events inside the caller's unit of work."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import selectinload

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


PAGE_SIZE = 50


def events(principal, organisation_id: int | None = None, page: int = 1):
    """A page of the audit events the principal may see, newest first (optionally one organisation's)."""
    from orgsvc.access import visible  # the access layer imports this module's model

    query = (
        sa.select(AuditEvent)
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject),
                 selectinload(AuditEvent.organisation))
        .where(visible(principal, "audit_event", within_org=organisation_id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    )
    if organisation_id is not None:
        query = query.where(AuditEvent.organisation_id == organisation_id)
    rows = list(db.session.scalars(query))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def case_numbers(rows) -> dict[str, str]:
    """The case numbers of the events that concern a case, by the event's object id: the log names the
    case, not its database id (one query for the page)."""
    from orgsvc.cases.models import Case  # the cases package records into this module

    ids = {int(event.object_id) for event in rows if event.object_type == "case" and str(event.object_id).isdigit()}
    if not ids:
        return {}
    return {str(case_id): number for case_id, number in db.session.execute(
        sa.select(Case.id, Case.number).where(Case.id.in_(ids)))}
