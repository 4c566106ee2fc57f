"""Posting to inboxes and reading them. Posting joins the caller's transaction."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.access import Principal, visibility, visible
from orgsvc.db import BuiltStatements, insert_if_absent
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage, InboxReadState
from orgsvc.organisations.models import Organisation
from orgsvc.transactions import transactional

PAGE_SIZE = 25


def post_to_person(person_id: int, kind: str, *, link: str | None = None, organisation_id: int | None = None,
                   membership_id: int | None = None, **params) -> InboxMessage:
    message = InboxMessage(recipient_person_id=person_id, kind=kind, params=params, link=link,
                           organisation_id=organisation_id, membership_id=membership_id)
    db.session.add(message)
    return message


def post_to_organisation(organisation_id: int, kind: str, *, link: str | None = None,
                         membership_id: int | None = None, **params) -> InboxMessage:
    message = InboxMessage(recipient_organisation_id=organisation_id, kind=kind, params=params, link=link,
                           organisation_id=organisation_id, membership_id=membership_id)
    db.session.add(message)
    return message


def _unread(person_id):
    return ~sa.exists().where(InboxReadState.message_id == InboxMessage.id, InboxReadState.person_id == person_id)


_UNREAD_COUNTS = BuiltStatements()  # for each shape of the reader's access: every page's header asks


def unread_count(principal: Principal) -> int:
    """Unread messages the principal may see (the red number in the header)."""
    if principal.is_anonymous:
        return 0
    access = visibility(principal, "inbox_message")
    query = _UNREAD_COUNTS.get(access.shape, lambda: sa.select(sa.func.count()).select_from(InboxMessage).where(
        access.sql, _unread(sa.bindparam("reader"))))
    return db.session.scalar(query, {**access.params, "reader": principal.person_id}) or 0


def messages(principal: Principal, page: int = 1) -> tuple[list[tuple[InboxMessage, bool]], bool]:
    """A page of the principal's messages, newest first, each with whether it is read."""
    is_read = sa.exists().where(
        InboxReadState.message_id == InboxMessage.id, InboxReadState.person_id == principal.person_id
    )
    query = (
        sa.select(InboxMessage, is_read.label("is_read"))
        .where(visible(principal, "inbox_message"))
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = db.session.execute(query).all()
    return [(row.InboxMessage, row.is_read) for row in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def organisation_of(message: InboxMessage) -> Organisation | None:
    """The organisation the message is about, if any."""
    return db.session.get(Organisation, message.organisation_id) if message.organisation_id else None


@transactional
def mark_read(principal: Principal, message: InboxMessage) -> None:
    # Already read, or opened twice at once (a double click): the insert then does nothing.
    insert_if_absent(db.session, InboxReadState, ("message_id", "person_id"),
                     message_id=message.id, person_id=principal.person_id)


def is_read(principal: Principal, message: InboxMessage) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(
        InboxReadState.message_id == message.id, InboxReadState.person_id == principal.person_id))))


def open_message(principal: Principal, message: InboxMessage, *, marks_read: bool) -> bool:
    """Open ``message`` for reading; whether it is read afterwards. Only an opening the reader began
    themselves marks it read (the view decides which: a GET must not change state for another site)."""
    if marks_read:
        mark_read(principal, message)
        return True
    return is_read(principal, message)


@transactional
def mark_unread(principal: Principal, message: InboxMessage) -> None:
    db.session.execute(
        sa.delete(InboxReadState).where(
            InboxReadState.message_id == message.id, InboxReadState.person_id == principal.person_id
        )
    )
