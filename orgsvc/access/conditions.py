"""The resources of orgsvc and the conditions ``policies/policy.csv`` may attach to a rule.

Each condition exists twice, as a check on one object and as SQL over many, and the two must
agree: tests/access compares them on generated data.
"""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.access.resources import ALWAYS, GlobalResource, Registry, ResourceType
from orgsvc.audit.models import AuditEvent
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

# --- global resources ------------------------------------------------------------------------
APPROVAL_QUEUE = GlobalResource("approval_queue")
_with_always(ResourceType(APPROVAL_QUEUE.name, None))
# The regulator's view of the whole audit log.
REGULATOR_AUDIT = GlobalResource("regulator_audit")
_with_always(ResourceType(REGULATOR_AUDIT.name, None))
# «Jeg representerer en virksomhet»: choosing or adding an organisation to represent.
ONBOARDING = GlobalResource("onboarding")
_with_always(ResourceType(ONBOARDING.name, None))
