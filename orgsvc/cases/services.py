"""Case use cases for the parties: create, list, withdraw, documents, messages, access, following.

Reads go through the access layer's filters; each change is one transaction with its history
event, audit row and inbox messages.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from orgsvc.access import Parametrised, Principal, guard, load_guarded, visibility, visible
from orgsvc.access.decisions import guard_via
from orgsvc.access.principal import reloaded
from orgsvc.accounts.models import Person
from orgsvc.audit.services import record
from orgsvc.cases import uploads
from orgsvc.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseDocument,
    CaseEvent,
    CaseKind,
    CaseMessage,
    CaseRepresentative,
    CaseStatus,
)
from orgsvc.db import BuiltStatements, utcnow
from orgsvc.errors import Conflict, InvalidInput, NotFound, Unavailable
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_organisation, post_to_person
from orgsvc.organisations.models import Organisation
from orgsvc.organisations.services import NewOrganisation, organisation_for
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from orgsvc.roles.services import held_sides, lock_organisation
from orgsvc.staff.models import StaffMember
from orgsvc.transactions import transactional

log = logging.getLogger(__name__)

PAGE_SIZE = 20
TITLE_MAX, TEXT_MAX = 200, 10_000
_CASE = Case.__table__  # lists are built of the table's columns (see party_case_page)
SORTS = {
    "activity": (_CASE.c.last_activity_at.desc(), _CASE.c.id.desc()),
    "number": (_CASE.c.number.desc(),),
    "status": (_CASE.c.status, _CASE.c.last_activity_at.desc(), _CASE.c.id.desc()),
}


def case_link(case: Case) -> str:
    return f"/cases/{case.id}"


def text(value: str | None, field: str, *, required: bool, maximum: int = TEXT_MAX, minimum: int = 1) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(_l("This field is required."), field=field)
        return None
    if len(cleaned) < minimum or len(cleaned) > maximum:
        raise InvalidInput(_l("Write between %(min)d and %(max)d characters.", min=minimum, max=maximum), field=field)
    return cleaned


def add_event(case: Case, kind: str, actor_id: int | None, organisation_id: int | None = None, **details) -> None:
    """History, and the daily digest's source; also marks the case's last activity."""
    now = utcnow()
    db.session.add(CaseEvent(case_id=case.id, kind=kind, actor_id=actor_id, organisation_id=organisation_id,
                             details=details, occurred_at=now))
    case.last_activity_at = now


# --- «Våre saker» --------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseRow:
    case: Case | sa.Row  # a list's row carries the columns the list shows (see party_case_page)
    counterpart: str


def counterpart_of(case: Case, organisation_id: int | None) -> str:
    """The other side, seen from ``organisation_id``'s side of the case."""
    if case.submitter_org_id == organisation_id:
        other = case.counterparty_org.name if case.counterparty_org else case.counterparty_consumer
    else:
        other = case.submitter_org.name if case.submitter_org else case.submitter_consumer
    return other or ""


# A list's columns, read as plain rows: a page of ORM objects, with every column of the case and of
# both parties' organisations, cost the request more than the database's work for it.
_SUBMITTER, _COUNTERPARTY = Organisation.__table__.alias("submitter"), Organisation.__table__.alias("counterparty")
_LISTED = (_CASE.c.id, _CASE.c.number, _CASE.c.kind, _CASE.c.status, _CASE.c.title, _CASE.c.last_activity_at,
           _CASE.c.submitter_org_id, _CASE.c.counterparty_org_id)
_PARTIES = _CASE.outerjoin(_SUBMITTER, _SUBMITTER.c.id == _CASE.c.submitter_org_id).outerjoin(
    _COUNTERPARTY, _COUNTERPARTY.c.id == _CASE.c.counterparty_org_id)


def _counterpart_column(organisation_id):
    """counterpart_of in SQL: the other side's organisation name, or its consumer's."""
    return sa.case((_CASE.c.submitter_org_id == organisation_id,
                    sa.func.coalesce(_COUNTERPARTY.c.name, _CASE.c.counterparty_consumer)),
                   else_=sa.func.coalesce(_SUBMITTER.c.name, _CASE.c.submitter_consumer)).label("counterpart")


def our_cases(principal: Principal, organisation_id: int, kind: CaseKind, sort: str = "activity",
              page: int = 1) -> tuple[list[CaseRow], bool]:
    """A page of the organisation's cases of one kind that the principal may see."""
    # party_case_page applies the condition to the organisation's own rows only (each side's).
    access = visibility(principal, "case", within_org=organisation_id, caller_scoped=True)
    return party_case_page(organisation_id, kind, access, sort, page)


def party_case_page(organisation_id: int, kind: CaseKind, condition: Parametrised, sort: str = "activity",
                    page: int = 1) -> tuple[list[CaseRow], bool]:
    """A page of the cases of ``kind`` that ``organisation_id`` is party to and that meet ``condition``.

    An organisation is party as submitter or as counterparty, and one query over both (an OR) makes
    the database collect and sort every case of the organisation for each page. Instead each side
    is read in the page's order from its own index, only as far as the page reaches, and the page is
    cut from the two sides' candidates: the cost follows the page, not the organisation's size.
    ``condition`` is applied to each side's rows, all of them cases of ``organisation_id``.
    """
    sort = sort if sort in SORTS else "activity"
    statement = _PAGES.get((sort, condition.shape), lambda: _page_statement(sort, condition.sql))
    values = {**condition.params, "list_organisation": organisation_id, "list_kind": kind,
              "list_reach": page * PAGE_SIZE + 1, "list_offset": (page - 1) * PAGE_SIZE}
    rows = db.session.execute(statement, values).all()
    return [CaseRow(row, row.counterpart or "") for row in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


_PAGES = BuiltStatements()  # for each sort and shape of condition


def _page_statement(sort: str, condition) -> sa.Select:
    order = SORTS[sort]
    organisation_id = sa.bindparam("list_organisation")
    mine = sa.and_(_CASE.c.kind == sa.bindparam("list_kind"), condition)
    sides = [
        sa.select(_CASE.c.id).where(side == organisation_id, mine).order_by(*order)
        .limit(sa.bindparam("list_reach")).subquery()
        for side in (_CASE.c.submitter_org_id, _CASE.c.counterparty_org_id)
    ]
    candidates = sa.union(*(sa.select(side.c.id) for side in sides))
    return (
        sa.select(*_LISTED, _counterpart_column(organisation_id))
        .select_from(_PARTIES)
        .where(_CASE.c.id.in_(candidates))
        .order_by(*order)
        .limit(PAGE_SIZE + 1)
        .offset(sa.bindparam("list_offset"))
    )


def cases_of_member(principal: Principal, membership_id: int) -> tuple[Membership, list[Case]]:
    """Which cases a member represents the organisation in (for the organisation's administrator)."""
    membership = load_guarded(principal, Membership, membership_id, "view_cases")
    cases = db.session.scalars(
        sa.select(Case).join(CaseRepresentative, CaseRepresentative.case_id == Case.id).where(
            CaseRepresentative.person_id == membership.person_id,
            CaseRepresentative.organisation_id == membership.organisation_id,
            visible(principal, "case", within_org=membership.organisation_id),
        ).order_by(Case.last_activity_at.desc()))
    return membership, list(cases)


# --- creating -------------------------------------------------------------------------------
# A business named in a tip or a question for guidance would become a party and see the case.
ONLY_MEDIATION_HAS_COUNTERPARTY = _l("Only a mediation case names a business it is about. For a tip or guidance, "
                                     "write about the business in the description; it will not see the case.")


@transactional
def create_case(principal: Principal, organisation_id: int, kind: str, title: str | None,
                description: str | None, counterparty: Organisation | NewOrganisation | None = None) -> Case:
    """A new case from Min side; the organisation is the submitter, the creator a representative.

    A counterparty new to orgsvc is added here, with the case, so a refused case adds nothing.
    """
    organisation = db.session.get(Organisation, organisation_id)
    guard(principal, "create_case", organisation)
    # Again with the organisation held: a removal committing meanwhile would leave the creator
    # representing the organisation in the new case without being a member.
    guard(held_sides(principal, [organisation_id]), "create_case", organisation)
    counterparty = organisation_for(counterparty) if counterparty is not None else None
    try:
        case_kind = CaseKind(kind)
    except ValueError as error:
        raise InvalidInput(_l("Choose the kind of case."), field="kind") from error
    if case_kind == CaseKind.MEDIATION and counterparty is None:
        raise InvalidInput(_l("Choose the business the mediation is about."), field="counterparty")
    if case_kind != CaseKind.MEDIATION and counterparty is not None:
        raise InvalidInput(ONLY_MEDIATION_HAS_COUNTERPARTY, field="counterparty")
    if counterparty is not None and counterparty.id == organisation_id:
        raise InvalidInput(_l("The business the case is about cannot be your own organisation."),
                           field="counterparty")
    case = Case(number=pending_number(), kind=case_kind, status=CaseStatus.SUBMITTED,
                title=text(title, "title", required=True, maximum=TITLE_MAX),
                description=text(description, "description", required=True) or "",
                submitter_org_id=organisation_id, counterparty_org_id=counterparty.id if counterparty else None,
                created_by_id=principal.person_id, created_via="portal")
    db.session.add(case)
    db.session.flush()
    case.number = case_number(case)
    db.session.add(CaseRepresentative(case_id=case.id, person_id=principal.person_id,
                                      organisation_id=organisation_id, added_by_id=principal.person_id))
    add_event(case, "created", principal.person_id)
    news_of_new_case(case)
    record("case.created", actor_id=principal.person_id, organisation_id=organisation_id,
           obj=("case", case.id), details={"number": case.number, "kind": str(case_kind)})
    return case


def news_of_new_case(case: Case) -> None:
    """The business a mediation is about is told in its inbox (its administrators read it): the guide
    has it log in «for å delta i en innsendt meklingssak som motpart». The submitting side needs no news
    of its own case."""
    if case.counterparty_org_id is None:
        return
    post_to_organisation(case.counterparty_org_id, "case_opened_against", link=case_link(case), number=case.number,
                         title=case.title, party=counterpart_of(case, case.counterparty_org_id),
                         organisation=case.counterparty_org.name)


def pending_number() -> str:
    """A unique stand-in until the row has its id (the number is then made from it)."""
    return f"new-{secrets.token_hex(8)}"


def case_number(case: Case) -> str:
    """Year and a running number: 2026-000123."""
    return f"{case.created_at.year}-{case.id:06d}"


# --- reading one case -------------------------------------------------------------------------
def load_case(principal: Principal, case_id: int, action: str = "view") -> Case:
    return load_guarded(principal, Case, case_id, action)


def locked_case(principal: Principal, case_id: int, action: str = "view") -> Case:
    """The case read afresh and locked for this transaction, then guarded: a withdrawal committed
    meanwhile is seen (and waited for), so nothing is added to a case once it is withdrawn."""
    case = load_case(principal, case_id)
    acting = held_sides(principal, case.party_org_ids)  # a member removed meanwhile may no longer act
    db.session.refresh(case, with_for_update=True)
    guard(acting, action, case)
    return case


def documents(case: Case) -> list[CaseDocument]:
    return list(db.session.scalars(sa.select(CaseDocument).options(joinedload(CaseDocument.uploaded_by))
                                   .where(CaseDocument.case_id == case.id).order_by(CaseDocument.uploaded_at)))


def document(principal: Principal, case_id: int, document_id: int) -> CaseDocument:
    """A document, to those who may see its case (another case's id answers 404)."""
    case = load_case(principal, case_id)
    row = db.session.get(CaseDocument, document_id)
    if row is None or row.case_id != case.id:
        raise NotFound()
    return row


def messages(principal: Principal, case: Case) -> list[CaseMessage]:
    return list(db.session.scalars(
        sa.select(CaseMessage).options(joinedload(CaseMessage.sender), joinedload(CaseMessage.recipient))
        .where(CaseMessage.case_id == case.id, visible(principal, "case_message"))
        .order_by(CaseMessage.created_at, CaseMessage.id)))


def history(principal: Principal, case: Case) -> list[CaseEvent]:
    """The case's events the principal may see (a side's own events only that side)."""
    return list(db.session.scalars(
        sa.select(CaseEvent).options(joinedload(CaseEvent.actor))
        .where(CaseEvent.case_id == case.id, visible(principal, "case_event"))
        .order_by(CaseEvent.occurred_at.desc(), CaseEvent.id.desc())))


def representatives(case: Case) -> list[CaseRepresentative]:
    return list(db.session.scalars(sa.select(CaseRepresentative).options(joinedload(CaseRepresentative.person))
                                   .where(CaseRepresentative.case_id == case.id).order_by(CaseRepresentative.id)))


# --- «Trekk saken» ----------------------------------------------------------------------------
def assigned_caseworker(case: Case) -> Person | None:
    """The caseworker the parties write to: the assigned one while still active staff, else None."""
    caseworker = case.caseworker
    return caseworker if caseworker is not None and caseworker.is_staff else None


def _caseworkers_to_tell(case: Case) -> list[int]:
    """The case's caseworker, or every active member of staff when none is assigned - or when the
    assigned one has been deactivated, so that no message or withdrawal goes where nobody reads it."""
    assigned = assigned_caseworker(case)
    if assigned is not None:
        return [assigned.id]
    return list(db.session.scalars(sa.select(StaffMember.person_id).where(StaffMember.is_active.is_(True))
                                   .order_by(StaffMember.person_id)))


@transactional
def withdraw(principal: Principal, case_id: int, reason: str | None) -> Case:
    """The submitting side withdraws an open case; of two withdrawals at once, one wins."""
    case = load_case(principal, case_id)
    if case.status not in OPEN_STATUSES:
        raise Conflict(_l("The case is already withdrawn or closed."))
    guard(principal, "withdraw", case)
    guard(held_sides(principal, case.party_org_ids), "withdraw", case)  # a member removed meanwhile may not
    reason = text(reason, "reason", required=False, maximum=2000)  # optional; None when not given
    now = utcnow()
    result = db.session.execute(
        sa.update(Case).where(Case.id == case.id, Case.status.in_(OPEN_STATUSES))
        .values(status=CaseStatus.WITHDRAWN, withdrawn_at=now, withdrawn_by_id=principal.person_id,
                withdrawal_reason=reason, last_activity_at=now)
    )
    if result.rowcount != 1:
        raise Conflict(_l("The case is already withdrawn or closed."))
    db.session.refresh(case)
    add_event(case, "withdrawn", principal.person_id, reason=reason)
    for caseworker_id in _caseworkers_to_tell(case):
        post_to_person(caseworker_id, "case_withdrawn", link=case_link(case), number=case.number, title=case.title,
                       reason=reason)
    status_news_for_parties(case)  # «trukket» reaches the parties as any new status does
    record("case.withdrawn", actor_id=principal.person_id, organisation_id=case.logged_org_id,
           obj=("case", case.id), reason=reason)
    return case


# --- «Ettersend dokumentasjon» ----------------------------------------------------------------
def add_document(principal: Principal, case_id: int, stream, filename: str | None,
                 organisation_id: int | None, remember: Callable[[CaseDocument], None] | None = None) -> CaseDocument:
    """Store an uploaded file for a case. A refusal stores nothing, on disk or in the database.
    ``remember`` (an API request's idempotency key) is called with the document in its transaction.

    When the database cannot take the row (at the insert or at the commit), the stored file is
    removed and the person is told to try again (Unavailable), not shown a crash - unless the row
    committed after all (``_committed_after_all``).
    """
    load_case(principal, case_id, "upload")
    stored = uploads.receive(stream, filename)
    try:
        return _record_document(principal, case_id, stored, organisation_id, remember)
    except sa.exc.DBAPIError as error:
        document = _committed_after_all(stored, case_id, error)
        if document is not None:
            return document
        raise Unavailable(_l("The file was not saved. Please try again in a little while."), field="file") from error
    except BaseException:
        uploads.discard(stored)
        raise


def _committed_after_all(stored: uploads.StoredFile, case_id: int, error: sa.exc.DBAPIError) -> CaseDocument | None:
    """After a database error: the document, if its row committed even so (the connection broke
    after the server took the COMMIT); else the stored file is removed. When the database cannot
    say, the file is kept: a row whose file is gone would be a broken document, a file without a
    row only unused space."""
    db.session.rollback()
    try:
        document = db.session.scalar(sa.select(CaseDocument).where(CaseDocument.stored_name == stored.stored_name))
    except sa.exc.DBAPIError:
        db.session.rollback()
        log.error("case %s: the document row may or may not have been written; its file %s is kept: %s",
                  case_id, stored.stored_name, error.orig or error)
        return None
    if document is not None:
        log.warning("case %s: the database reported an error, but document %s was stored", case_id, document.id)
        return document
    uploads.discard(stored)
    # A conflict (e.g. an Idempotency-Key taken by a simultaneous request) is an answer, not a fault.
    level = logging.INFO if isinstance(error, sa.exc.IntegrityError) else logging.ERROR
    log.log(level, "case %s: the document row was not written, the stored file is removed: %s",
            case_id, error.orig or error)
    return None


@transactional
def _record_document(principal: Principal, case_id: int, stored: uploads.StoredFile,
                     organisation_id: int | None, remember: Callable[[CaseDocument], None] | None) -> CaseDocument:
    case = locked_case(principal, case_id, "upload")  # again, in the transaction that writes
    side = organisation_id if organisation_id in case.party_org_ids else None
    row = CaseDocument(case_id=case.id, original_name=stored.original_name, stored_name=stored.stored_name,
                       content_type=stored.content_type, size_bytes=stored.size_bytes, sha256=stored.sha256,
                       uploaded_by_id=principal.person_id, organisation_id=side,
                       uploaded_via="api" if principal.system else "portal")
    db.session.add(row)
    db.session.flush()
    add_event(case, "document_added", principal.person_id, document_id=row.id, name=stored.original_name)
    if principal.system:  # the regulator's systems act for the regulator: their uploads go in its log
        record("case.document_added", actor_id=None, organisation_id=case.logged_org_id, obj=("case", case.id),
               details={"document_id": row.id, "system": principal.system})
    if remember is not None:
        remember(row)
    return row


# --- «Kontakt oss» ----------------------------------------------------------------------------
@transactional
def send_message(principal: Principal, case_id: int, organisation_id: int, body: str | None,
                 recipient_id: int | None) -> CaseMessage:
    """A party's message to the caseworker, kept on the case; the caseworker gets it in the inbox."""
    case = locked_case(principal, case_id)
    guard_via(principal, "message", case, organisation_id)  # a side that is not ours answers 404
    body = text(body, "body", required=True, maximum=5000)
    caseworkers = _caseworkers_to_tell(case)
    if recipient_id is not None and recipient_id not in caseworkers:
        raise InvalidInput(_l("Choose the caseworker as recipient."), field="recipient")
    message = CaseMessage(case_id=case.id, organisation_id=organisation_id, sender_id=principal.person_id,
                          recipient_id=recipient_id or case.caseworker_id, body=body)
    db.session.add(message)
    db.session.flush()
    add_event(case, "message_sent", principal.person_id, organisation_id, message_id=message.id)
    for caseworker_id in ([recipient_id] if recipient_id else caseworkers):
        post_to_person(caseworker_id, "case_message_received", link=f"{case_link(case)}/documents", number=case.number,
                       title=case.title, person=db.session.get(Person, principal.person_id).full_name)
    return message


# --- representatives («tilgang til saken») ----------------------------------------------------
@transactional
def add_representative(principal: Principal, case_id: int, organisation_id: int, person_id: int) -> CaseRepresentative:
    """An administrator gives a member of their organisation access to a case.

    Under the organisation's lock, as roles.services changes memberships: a removal of the member
    (which ends their access to every case) cannot commit between the check and the new access, and
    an administrator removed meanwhile no longer gives access."""
    case = load_case(principal, case_id)
    guard_via(principal, "manage_access", case, organisation_id)  # a side that is not ours answers 404
    lock_organisation(organisation_id)
    guard_via(reloaded(principal), "manage_access", case, organisation_id)
    member = db.session.scalar(sa.select(Membership).where(
        Membership.person_id == person_id, Membership.organisation_id == organisation_id,
        Membership.status == MembershipStatus.ACTIVE))
    if member is None:
        raise InvalidInput(_l("Only active members of the organisation can be given access."), field="person")
    representative = CaseRepresentative(case_id=case.id, person_id=person_id, organisation_id=organisation_id,
                                        added_by_id=principal.person_id)
    db.session.add(representative)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Conflict(_l("The person already has access to the case.")) from error
    post_to_person(person_id, "case_access_granted", organisation_id=organisation_id, link=case_link(case),
                   number=case.number, title=case.title)
    record("case.representative_added", actor_id=principal.person_id, organisation_id=organisation_id,
           subject_person_id=person_id, obj=("case", case.id))
    return representative


@transactional
def remove_representative(principal: Principal, case_id: int, representative_id: int) -> None:
    """An administrator takes a member's access to a case away. Under the organisation's lock, as
    ``add_representative``: a document or message the member is adding (``held_sides``) either
    commits first or, waiting, is refused once the access is gone."""
    case = load_case(principal, case_id)
    representative = db.session.get(CaseRepresentative, representative_id)
    if representative is None or representative.case_id != case.id:
        raise NotFound()
    guard_via(principal, "manage_access", case, representative.organisation_id)
    lock_organisation(representative.organisation_id)
    guard_via(reloaded(principal), "manage_access", case, representative.organisation_id)
    if db.session.scalar(sa.select(CaseRepresentative.id).where(CaseRepresentative.id == representative_id)) is None:
        raise NotFound()  # another administrator took it away meanwhile
    db.session.delete(representative)
    record("case.representative_removed", actor_id=principal.person_id,
           organisation_id=representative.organisation_id, subject_person_id=representative.person_id,
           obj=("case", case.id))


def candidates_for_access(case: Case, organisation_id: int) -> list[Person]:
    """Active members of the organisation who do not yet represent it in the case."""
    already = sa.select(CaseRepresentative.person_id).where(CaseRepresentative.case_id == case.id,
                                                            CaseRepresentative.organisation_id == organisation_id)
    return list(db.session.scalars(
        sa.select(Person).join(Membership, Membership.person_id == Person.id).where(
            Membership.organisation_id == organisation_id, Membership.status == MembershipStatus.ACTIVE,
            Person.id.not_in(already)).order_by(Person.full_name)))


def status_news_for_parties(case: Case) -> None:
    """Each party's organisation is told (its administrators read that), and so is each user who
    represents a party in the case: they see the case but not the organisation's inbox. A person
    who administers a party already has that message and is not told twice."""
    parties = case.party_org_ids
    for organisation_id in parties:
        post_to_organisation(organisation_id, "case_status_changed", link=case_link(case), number=case.number,
                             title=case.title, status=str(case.status))
    for person_id, organisation_id in _representing_users(case, parties):
        post_to_person(person_id, "case_status_changed", organisation_id=organisation_id, link=case_link(case),
                       number=case.number, title=case.title, status=str(case.status))


def _representing_users(case: Case, parties: tuple[int, ...]) -> list[tuple[int, int]]:
    """The active users representing a party in ``case`` who administer none of the parties, each
    with (one of) the organisation(s) they represent."""
    administrators = sa.select(Membership.person_id).where(
        Membership.organisation_id.in_(parties), Membership.role == MemberRole.ADMINISTRATOR,
        Membership.status == MembershipStatus.ACTIVE)
    rows = db.session.execute(
        sa.select(CaseRepresentative.person_id, CaseRepresentative.organisation_id)
        .join(Membership, sa.and_(Membership.person_id == CaseRepresentative.person_id,
                                  Membership.organisation_id == CaseRepresentative.organisation_id))
        .where(CaseRepresentative.case_id == case.id, CaseRepresentative.organisation_id.in_(parties),
               Membership.role == MemberRole.USER, Membership.status == MembershipStatus.ACTIVE,
               CaseRepresentative.person_id.not_in(administrators))
        .order_by(CaseRepresentative.person_id, CaseRepresentative.organisation_id))
    users: dict[int, int] = {}
    for person_id, organisation_id in rows:
        users.setdefault(person_id, organisation_id)
    return list(users.items())


