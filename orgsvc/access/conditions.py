"""The resources of orgsvc and the conditions ``policies/policy.csv`` may attach to a rule.

Each condition exists twice, as a check on one object and as SQL over many, and the two must
agree: tests/access compares them on generated data.
"""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.access.resources import ALWAYS, GlobalResource, Registry, ResourceType
from orgsvc.audit.models import AuditEvent
from orgsvc.cases.models import (
    MESSAGEABLE_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseKind,
    CaseMessage,
    CaseRepresentative,
)
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import MemberRole, Membership

registry = Registry()


def _with_always(resource_type: ResourceType) -> ResourceType:
    resource_type.conditions["always"] = ALWAYS
    return registry.register(resource_type)


# --- organisation ----------------------------------------------------------------------------
organisation = _with_always(
    ResourceType(
        "organisation",
        Organisation,
        org_ids=lambda org: (org.id,),
        in_org=lambda org_id: Organisation.id == org_id,
    )
)

# --- membership ------------------------------------------------------------------------------
membership = _with_always(
    ResourceType(
        "membership",
        Membership,
        org_ids=lambda m: (m.organisation_id,),
        in_org=lambda org_id: Membership.organisation_id == org_id,
    )
)
membership.add(
    "own",
    lambda p, m, via: m.person_id == p.person_id,
    lambda p, via: Membership.person_id == p.person_id,
)
membership.add(
    "not_own",
    lambda p, m, via: m.person_id != p.person_id,
    lambda p, via: Membership.person_id != p.person_id,
)
membership.add(
    "join_request_of_other",
    lambda p, m, via: m.role == MemberRole.USER and m.person_id != p.person_id,
    lambda p, via: sa.and_(Membership.role == MemberRole.USER, Membership.person_id != p.person_id),
)
membership.add(
    "administrator_request",
    lambda p, m, via: m.role == MemberRole.ADMINISTRATOR,
    lambda p, via: Membership.role == MemberRole.ADMINISTRATOR,
)

# --- inbox message ---------------------------------------------------------------------------
inbox_message = _with_always(
    ResourceType(
        "inbox_message",
        InboxMessage,
        org_ids=lambda m: (m.recipient_organisation_id,) if m.recipient_organisation_id else (),
        in_org=lambda org_id: InboxMessage.recipient_organisation_id == org_id,
    )
)
inbox_message.add(
    "addressed_to_me",
    lambda p, m, via: m.recipient_person_id is not None and m.recipient_person_id == p.person_id,
    lambda p, via: InboxMessage.recipient_person_id == p.person_id,
)

# --- audit event ----------------------------------------------------------------------------
audit_event = _with_always(
    ResourceType(
        "audit_event",
        AuditEvent,
        org_ids=lambda e: (e.organisation_id,) if e.organisation_id else (),
        in_org=lambda org_id: AuditEvent.organisation_id == org_id,
    )
)
audit_event.add(
    "decision",
    lambda p, e, via: e.outcome == "ok",
    lambda p, via: AuditEvent.outcome == "ok",
)

# --- case -----------------------------------------------------------------------------------
# Built once and of the table's columns, like the principal's grants: a user's every detail check asks it.
_REPRESENTATION = CaseRepresentative.__table__.c
_REPRESENTS = sa.select(sa.exists().where(_REPRESENTATION.case_id == sa.bindparam("case_id"),
                                          _REPRESENTATION.person_id == sa.bindparam("person_id"),
                                          _REPRESENTATION.organisation_id == sa.bindparam("organisation_id")))


def _represents(principal, case_id, via_org) -> bool:
    if via_org is None or principal.person_id is None:
        return False
    known = principal.representing.get(case_id)
    if known is not None:  # read with the principal's grants
        return via_org in known
    return bool(db.session.scalar(
        _REPRESENTS, {"case_id": case_id, "person_id": principal.person_id, "organisation_id": via_org}))


# An alias of its own, so the subquery never correlates with a query that joins the same table.
# A table alias made once: building an ORM alias per query cost more than all the rest of a list's
# access condition.
_REPRESENTATIVE = CaseRepresentative.__table__.alias("access_representative")


def _represents_sql(case_id_column, principal, via_org):
    if via_org is None or principal.person_id is None:
        return sa.false()
    # "IN (the person's cases)" rather than a correlated EXISTS: both mean the same, but this form
    # lets SQLite start from the person's few representations (an index) instead of testing every
    # case of the organisation; PostgreSQL plans the two alike (a semi-join).
    return case_id_column.in_(
        sa.select(_REPRESENTATIVE.c.case_id).where(_REPRESENTATIVE.c.person_id == principal.person_id,
                                                   _REPRESENTATIVE.c.organisation_id == via_org)
    )


def _open(case) -> bool:
    return case.status in OPEN_STATUSES


def _submitting_side_open(case, via) -> bool:
    return via is not None and case.submitter_org_id == via and _open(case)


def _submitting_side_open_sql(via):
    if via is None:
        return sa.false()
    return sa.and_(Case.submitter_org_id == via, Case.status.in_(OPEN_STATUSES))


def _open_mediation(case) -> bool:
    return case.kind == CaseKind.MEDIATION and _open(case)


OPEN_MEDIATION_SQL = sa.and_(Case.kind == CaseKind.MEDIATION, Case.status.in_(OPEN_STATUSES))

case = _with_always(
    ResourceType(
        "case",
        Case,
        org_ids=lambda c: c.party_org_ids,
        in_org=lambda org_id: sa.or_(Case.submitter_org_id == org_id, Case.counterparty_org_id == org_id),
    )
)
case.add("representative",
         lambda p, c, via: _represents(p, c.id, via),
         lambda p, via: _represents_sql(Case.id, p, via))
case.add("submitting_side",
         lambda p, c, via: via is not None and c.submitter_org_id == via,
         lambda p, via: sa.false() if via is None else Case.submitter_org_id == via)
case.add("submitting_side_open",
         lambda p, c, via: _submitting_side_open(c, via),
         lambda p, via: _submitting_side_open_sql(via))
case.add("representative_submitting_side_open",
         lambda p, c, via: _submitting_side_open(c, via) and _represents(p, c.id, via),
         lambda p, via: sa.and_(_submitting_side_open_sql(via), _represents_sql(Case.id, p, via)))
case.add("open_mediation",
         lambda p, c, via: _open_mediation(c),
         lambda p, via: OPEN_MEDIATION_SQL)
case.add("representative_open_mediation",
         lambda p, c, via: _open_mediation(c) and _represents(p, c.id, via),
         lambda p, via: sa.and_(OPEN_MEDIATION_SQL, _represents_sql(Case.id, p, via)))
case.add("messageable",
         lambda p, c, via: c.status in MESSAGEABLE_STATUSES,
         lambda p, via: Case.status.in_(MESSAGEABLE_STATUSES))
case.add("representative_messageable",
         lambda p, c, via: c.status in MESSAGEABLE_STATUSES and _represents(p, c.id, via),
         lambda p, via: sa.and_(Case.status.in_(MESSAGEABLE_STATUSES), _represents_sql(Case.id, p, via)))

# --- case message (a side's thread with the regulator) ----------------------------------------
case_message = _with_always(
    ResourceType(
        "case_message",
        CaseMessage,
        org_ids=lambda m: (m.organisation_id,),
        in_org=lambda org_id: CaseMessage.organisation_id == org_id,
    )
)
case_message.add("representative",
                 lambda p, m, via: _represents(p, m.case_id, via),
                 lambda p, via: _represents_sql(CaseMessage.case_id, p, via))

# --- case event (history): a side's own events are that side's, the rest belong to the case --
def _event_in_org(org_id: int):
    party_cases = sa.select(Case.id).where(sa.or_(Case.submitter_org_id == org_id, Case.counterparty_org_id == org_id))
    return sa.or_(CaseEvent.organisation_id == org_id,
                  sa.and_(CaseEvent.organisation_id.is_(None), CaseEvent.case_id.in_(party_cases)))


case_event = _with_always(
    ResourceType(
        "case_event",
        CaseEvent,
        org_ids=lambda e: (e.organisation_id,) if e.organisation_id else e.case.party_org_ids,
        in_org=_event_in_org,
    )
)
case_event.add("representative",
               lambda p, e, via: _represents(p, e.case_id, via),
               lambda p, via: _represents_sql(CaseEvent.case_id, p, via))

# --- global resources ------------------------------------------------------------------------
APPROVAL_QUEUE = GlobalResource("approval_queue")
# The intake API's "create a case" (the regulator's own systems) and the regulator's case list.
CASE_INTAKE = GlobalResource("case_intake")
_with_always(ResourceType(CASE_INTAKE.name, None))
REGULATOR_CASES = GlobalResource("regulator_cases")
_with_always(ResourceType(REGULATOR_CASES.name, None))
_with_always(ResourceType(APPROVAL_QUEUE.name, None))
# The regulator's view of the whole audit log.
REGULATOR_AUDIT = GlobalResource("regulator_audit")
_with_always(ResourceType(REGULATOR_AUDIT.name, None))
# «Jeg representerer en virksomhet»: choosing or adding an organisation to represent.
ONBOARDING = GlobalResource("onboarding")
_with_always(ResourceType(ONBOARDING.name, None))
# A business person's own account: correcting the name and date of birth the register check matches
# on, and closing it. Staff accounts are the regulator's staff administration's to change.
OWN_ACCOUNT = GlobalResource("own_account")
_with_always(ResourceType(OWN_ACCOUNT.name, None))
