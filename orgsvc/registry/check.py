"""The representative check: does a person hold a role in Enhetsregisteret that lets them register
the organisation (daglig leder, styreleder, nestleder or prokura)?

The answer carries its evidence - which role, the register's spelling of the name, when it was
checked - so it can be stored with an approval request and shown to the regulator.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from orgsvc.db import utcnow
from orgsvc.registry.names import person_names_match
from orgsvc.registry.types import REPRESENTATIVE_ROLES, LookupStatus, Register, RegisterUnavailable, RoleHolder


class Outcome(enum.StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    PENDING = "pending"  # the register could not answer; check again later


class Reason(enum.StrEnum):
    ROLE_FOUND = "role_found"
    OTHER_ROLES_ONLY = "other_roles_only"
    NOT_A_ROLE_HOLDER = "not_a_role_holder"
    ENTITY_NOT_ACTIVE = "entity_not_active"
    NO_BIRTH_DATE = "no_birth_date"
    REGISTER_UNAVAILABLE = "register_unavailable"


REASON_TEXT = {
    Reason.ROLE_FOUND: "registered as {role}",
    Reason.OTHER_ROLES_ONLY: "registered only as {others}, which does not allow registering the organisation",
    Reason.NOT_A_ROLE_HOLDER: "no role holder with this name and date of birth",
    Reason.ENTITY_NOT_ACTIVE: "the organisation is {status} in the register",
    Reason.NO_BIRTH_DATE: "the person's date of birth is unknown",
    Reason.REGISTER_UNAVAILABLE: "the register could not answer; the check is pending",
}


@dataclass(frozen=True)
class Eligibility:
    outcome: Outcome
    reason: Reason
    checked_at: datetime
    role_code: str | None = None
    role_description: str | None = None
    register_name: str | None = None
    other_roles: tuple[str, ...] = ()
    entity_status: str | None = None
    # The proceedings the register marks the organisation with: shown with any answer, so the
    # regulator sees that a daglig leder of a bankrupt company no longer speaks for it.
    proceedings: tuple[str, ...] = ()

    @property
    def eligible(self) -> bool:
        return self.outcome == Outcome.ELIGIBLE

    @property
    def reason_text(self) -> str:
        text = REASON_TEXT[self.reason].format(
            role=f"{self.role_code} ({self.role_description})", others=", ".join(self.other_roles) or "-",
            status=self.entity_status,
        )
        if self.proceedings:
            text += f"; the register marks the organisation: {', '.join(self.proceedings)}"
        return text

    def as_json(self) -> dict:
        role = {"code": self.role_code, "description": self.role_description} if self.role_code else None
        return {
            "eligible": self.eligible,
            "role": role,
            "reason": self.reason_text,
            "checked_at": self.checked_at.isoformat(),
            "outcome": str(self.outcome),
            "register_name": self.register_name,
            "proceedings": list(self.proceedings),
        }


def _priority(holder: RoleHolder) -> int:
    return REPRESENTATIVE_ROLES.index(holder.role_code)


def check_representative(register: Register, orgnr: str, full_name: str, born: date | None) -> Eligibility:
    """Whether ``full_name`` born ``born`` may register ``orgnr``. Raises InvalidOrgnr for a bad number;
    a register that cannot answer gives a PENDING answer, never an exception."""
    now = utcnow()
    if born is None:
        return Eligibility(Outcome.NOT_ELIGIBLE, Reason.NO_BIRTH_DATE, now)
    try:
        lookup = register.lookup(orgnr)
        if lookup.status != LookupStatus.ACTIVE:
            return Eligibility(Outcome.NOT_ELIGIBLE, Reason.ENTITY_NOT_ACTIVE, now, entity_status=str(lookup.status))
        holders = register.role_holders(lookup.orgnr)
    except RegisterUnavailable:
        return Eligibility(Outcome.PENDING, Reason.REGISTER_UNAVAILABLE, now)
    proceedings = tuple(str(proceeding) for proceeding in lookup.entity.proceedings)
    matching = [
        holder for holder in holders
        if holder.kind == "person" and holder.active and holder.birth_date == born
        and person_names_match(full_name, holder.first_name, holder.middle_name, holder.last_name)
    ]
    qualifying = sorted((h for h in matching if h.role_code in REPRESENTATIVE_ROLES), key=_priority)
    if qualifying:
        best = qualifying[0]
        return Eligibility(Outcome.ELIGIBLE, Reason.ROLE_FOUND, now, best.role_code, best.role_description, best.name,
                           proceedings=proceedings)
    if not getattr(holders, "complete", True):
        return Eligibility(Outcome.PENDING, Reason.REGISTER_UNAVAILABLE, now, proceedings=proceedings)
    if matching:
        others = tuple(dict.fromkeys(f"{h.role_code} ({h.role_description})" for h in matching))
        return Eligibility(Outcome.NOT_ELIGIBLE, Reason.OTHER_ROLES_ONLY, now, register_name=matching[0].name,
                           other_roles=others, proceedings=proceedings)
    return Eligibility(Outcome.NOT_ELIGIBLE, Reason.NOT_A_ROLE_HOLDER, now, proceedings=proceedings)
