"""Finding and adding organisations («Velg organisasjon», «Jeg finner ikke organisasjonen min»)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from orgsvc.access import Principal
from orgsvc.approvals.models import RegisterCheck
from orgsvc.db import insert_if_absent, utcnow
from orgsvc.errors import InvalidInput, NotFound
from orgsvc.extensions import db
from orgsvc.organisations.models import Organisation
from orgsvc.registry import orgnr as orgnumbers
from orgsvc.registry.check import Outcome
from orgsvc.registry.service import register
from orgsvc.registry.types import Entity, LookupStatus, RegisterUnavailable
from orgsvc.roles.models import LIVE_STATUSES, MemberRole, Membership
from orgsvc.roles.services import active_administrators, request_membership, would_be_first
from orgsvc.transactions import transactional


class SubunitChosen(InvalidInput):
    """The number is a sub-unit; roles and registration belong to its main entity."""

    def __init__(self, message, main_orgnr: str | None, main_name: str | None):
        super().__init__(message, field="orgnr")
        self.main_orgnr, self.main_name = main_orgnr, main_name


@dataclass(frozen=True)
class Choice:
    orgnr: str
    name: str
    place: str | None
    known: bool


def by_orgnr(number: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.orgnr == number))


def choices(query: str, limit: int = 10) -> list[Choice]:
    """Organisations matching what was typed: the register's hits, marked when orgsvc knows them.

    Raises RegisterUnavailable when the register cannot be searched (the number path still works).
    """
    query = (query or "").strip()[:100]
    if len(query) < 2:
        return []
    hits: list[Entity] = register().search(query, limit)
    numbers = [hit.orgnr for hit in hits]
    known = registered_for(numbers)
    return [Choice(h.orgnr, h.name, h.postal_place, h.orgnr in known) for h in hits]


def why_no_match(query: str) -> InvalidInput | None:
    """For a whole organisation number the search did not find: what the register says of it (a
    sub-unit, with its main entity; deleted; unknown; not a valid number). None otherwise, and when
    the register cannot answer."""
    digits = orgnumbers.normalise(query or "")
    if len(digits) != 9 or not digits.isdigit():
        return None
    try:
        addable(digits)
    except InvalidInput as refusal:
        return refusal
    return None


def registered_for(numbers: list[str]) -> set[str]:
    """Those of ``numbers`` someone is registered for: with a live (pending or active) administrator.

    An organisation can be on file without that (named as the other party of a mediation, or its
    first registrant rejected or gone); for those, a registrant would still be the first.
    """
    return set(db.session.scalars(
        sa.select(Organisation.orgnr).distinct().join(Membership, Membership.organisation_id == Organisation.id)
        .where(Organisation.orgnr.in_(numbers), Membership.role == MemberRole.ADMINISTRATOR,
               Membership.status.in_(LIVE_STATUSES))))


@dataclass(frozen=True)
class JoinTarget:
    """What «Registrer meg» shows before joining: the organisation we know, or the register's entity.

    ``confirmed`` is False while the register has not confirmed the number (it could not answer).
    """

    orgnr: str
    name: str
    first: bool  # the person would be the first registrant, and so the «ubekreftet administrator»
    confirmed: bool
    # Not first, yet no administrator approved: the one registered awaits the regulator, and only
    # once approved can decide on the newcomer's request.
    administrator_awaiting_approval: bool = False


def join_target(orgnr: str) -> JoinTarget:
    """The organisation behind ``orgnr`` as it can be joined; NotFound for a bad number or one the
    register says is not a live main entity. A register that cannot answer does not stop anyone."""
    try:
        number = orgnumbers.validate(orgnr)
    except orgnumbers.InvalidOrgnr as error:
        raise NotFound() from error
    known = by_orgnr(number)
    if known is not None:
        first = would_be_first(known.id)
        return JoinTarget(number, known.name, first, known.register_checked_at is not None,
                          administrator_awaiting_approval=not first and active_administrators(known.id) == 0)
    try:
        lookup = register().lookup(number)
    except RegisterUnavailable:
        return JoinTarget(number, orgnumbers.format_orgnr(number), True, False)
    if lookup.status != LookupStatus.ACTIVE:
        raise NotFound()
    return JoinTarget(number, lookup.entity.name, True, True)


@dataclass(frozen=True)
class Registration:
    organisation: Organisation
    membership: Membership
    # The register could not answer the representative check: it is kept pending and retried.
    register_check_pending: bool


def register_person(principal: Principal, orgnr: str, note: str | None) -> Registration:
    """«Registrer meg»: connect the principal to the organisation ``orgnr``, adding it if need be.

    Neither step is lost when the register cannot answer: the organisation is added unconfirmed
    and the first registrant's check stays pending, which the caller can tell the person.
    """
    organisation = ensure_organisation(orgnr)
    membership = request_membership(principal, organisation, note)
    outcome = db.session.scalar(sa.select(RegisterCheck.outcome).where(RegisterCheck.membership_id == membership.id))
    return Registration(organisation, membership, outcome == Outcome.PENDING)


REGISTER_DOWN = _l("The Central Coordinating Register for Legal Entities does not answer just now. Try again in a "
                   "little while, or give the organisation number below.")
# Only digits and the separators people type in organisation numbers: a number, not a name.
_NUMBER_LIKE = re.compile(r"[\d\s.\-\u00a0]+")


def business_from(typed: str | None, picked: str | None) -> tuple[Organisation | NewOrganisation | None, list[Choice]]:
    """The business a person means by what they ``typed`` (a number or a name) or ``picked`` from
    an earlier list: (the organisation, or the register's entity for ``organisation_for`` to add
    with the case, []) once it is known, or (None, the register's matches to choose from) for a
    name. Adds nothing. Refusals are InvalidInput on the ``counterparty`` field."""
    typed = (typed or "").strip()
    try:
        if picked or _NUMBER_LIKE.fullmatch(typed):
            return resolve_organisation(picked or typed), []
        if not typed:
            return None, []
        found = choices(typed)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="counterparty") from error
    except RegisterUnavailable as error:
        raise InvalidInput(REGISTER_DOWN, field="counterparty") from error
    if not found:
        raise InvalidInput(_l("No business in the register matches «%(typed)s». Check the spelling, or give "
                              "its organisation number.", typed=typed), field="counterparty")
    return None, found


def _not_addable(lookup) -> InvalidInput:
    number = orgnumbers.format_orgnr(lookup.orgnr)
    if lookup.status == LookupStatus.SUBUNIT:
        main = lookup.main
        main_orgnr = lookup.entity.parent_orgnr
        name = main.name if main else (orgnumbers.format_orgnr(main_orgnr) if main_orgnr else "")
        return SubunitChosen(
            _l("%(number)s is a sub-unit of %(main)s. Register the main entity %(main_number)s instead.",
               number=number, main=name, main_number=orgnumbers.format_orgnr(main_orgnr or "")),
            main_orgnr, main.name if main else None,
        )
    if lookup.status in (LookupStatus.DELETED, LookupStatus.REMOVED):
        return InvalidInput(_l("%(number)s is deleted in the Central Coordinating Register for Legal Entities.",
                               number=number), field="orgnr")
    return InvalidInput(_l("We found no organisation with number %(number)s in the Central Coordinating Register "
                           "for Legal Entities.", number=number), field="orgnr")


def addable(orgnr: str) -> str:
    """«Jeg finner ikke organisasjonen min»: the number, normalised, when it may be registered for.

    Adds nothing: the organisation is added when someone registers for it (``register_person``),
    so a number only looked up never shows as «Allerede opprettet hos oss». A register that cannot
    answer does not stop anyone; InvalidInput (SubunitChosen for a sub-unit) otherwise.
    """
    number = _valid_number(orgnr)
    if by_orgnr(number) is None:
        _live_main_entity(number)
    return number


@dataclass(frozen=True)
class NewOrganisation:
    """An organisation the register was asked about and orgsvc does not know yet: added by
    ``organisation_for`` inside the unit of work that needs it, never on its own."""

    orgnr: str
    name: str
    form: str | None
    confirmed: bool  # False: the register could not answer; added under its number, checked later


def resolve_organisation(orgnr: str) -> Organisation | NewOrganisation:
    """The organisation with ``orgnr`` if orgsvc knows it, else what to add from the register; writes nothing.

    The register lookup (network, may be slow) happens here, before anything is written. Only a live
    main entity may be added (InvalidInput otherwise); if the register cannot answer, the number
    is added unconfirmed, so the registration is not lost: ``orgsvc registry recheck`` confirms it
    later, and the regulator sees that it is unconfirmed.
    """
    number = _valid_number(orgnr)
    existing = by_orgnr(number)
    if existing is not None:
        return existing
    entity = _live_main_entity(number)
    if entity is None:
        return NewOrganisation(number, orgnumbers.format_orgnr(number), None, confirmed=False)
    return NewOrganisation(number, entity.name[:255], entity.form_code, confirmed=True)


def organisation_for(resolved: Organisation | NewOrganisation) -> Organisation:
    """The organisation ``resolve_organisation`` found, or added now in the caller's unit of work.

    Two requests adding the same number at once both succeed: the second waits for the first and
    takes its row (an insert that does nothing on conflict, so the outer transaction stays usable).
    """
    if isinstance(resolved, Organisation):
        return resolved
    insert_if_absent(db.session, Organisation, ("orgnr",), orgnr=resolved.orgnr, name=resolved.name,
                     form=resolved.form, register_checked_at=utcnow() if resolved.confirmed else None)
    return by_orgnr(resolved.orgnr)


def organisations_for(*resolved: Organisation | NewOrganisation | None) -> list[Organisation | None]:
    """``organisation_for`` of each (None stays None), the new ones added in organisation-number
    order: two units of work adding the same two (one as submitter, the other as counterparty) then
    wait for each other instead of deadlocking."""
    added = {side.orgnr: organisation_for(side)
             for side in sorted((side for side in resolved if side is not None), key=lambda side: side.orgnr)}
    return [added[side.orgnr] if side is not None else None for side in resolved]


def ensure_organisation(orgnr: str) -> Organisation:
    """The organisation with ``orgnr``, added from the register (as ``resolve_organisation``
    explains) if orgsvc does not know it yet, in a unit of work of its own: a service that creates
    something with the organisation uses ``resolve_organisation`` and ``organisation_for`` instead.
    """
    resolved = resolve_organisation(orgnr)
    return resolved if isinstance(resolved, Organisation) else _add(resolved)


def _valid_number(orgnr: str) -> str:
    try:
        return orgnumbers.validate(orgnr)
    except orgnumbers.InvalidOrgnr as error:
        raise InvalidInput(error.message, field="orgnr") from error


def _live_main_entity(number: str) -> Entity | None:
    """The register's live main entity ``number``; None when the register cannot answer, and
    InvalidInput when it says the number may not be added (deleted, unknown, a sub-unit)."""
    try:
        lookup = register().lookup(number)
    except RegisterUnavailable:
        return None
    if lookup.status != LookupStatus.ACTIVE:
        raise _not_addable(lookup)
    return lookup.entity


@transactional
def _add(resolved: NewOrganisation) -> Organisation:
    return organisation_for(resolved)


def confirm_from_register(organisation: Organisation) -> bool:
    """Fill in an unconfirmed organisation from the register; True when it is a live main entity."""
    lookup = register().lookup(organisation.orgnr)
    if lookup.status != LookupStatus.ACTIVE:
        return False
    _record_confirmation(organisation.id, lookup.entity.name, lookup.entity.form_code)
    return True


@transactional
def _record_confirmation(organisation_id: int, name: str, form: str | None) -> None:
    organisation = db.session.get(Organisation, organisation_id)
    organisation.name, organisation.form, organisation.register_checked_at = name[:255], form, utcnow()
