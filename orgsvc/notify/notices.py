"""Telling people about decisions: the inbox message, and the same words by e-mail.

The e-mail is written to the outbox in the same transaction as the decision and its inbox message.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from orgsvc.inbox.services import post_to_organisation, post_to_person
from orgsvc.inbox.texts import MessageText, render_kind
from orgsvc.mail.services import enqueue
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus


def _email(person: Person, kind: str, link: str | None, params: dict) -> None:
    with force_locale(person.locale):
        text = render_kind(kind, params)
        notice = MessageText(str(text.subject), str(text.body))
    base = current_app.config["ORGSVC_BASE_URL"].rstrip("/")
    enqueue(to=person.email, kind=f"notice:{kind}", template="notice", locale=person.locale, notice=notice,
            reason=params.get("reason"), link=f"{base}{link}" if link else None)


def tell_person(person_id: int, kind: str, *, link: str | None = None, organisation_id: int | None = None,
                membership_id: int | None = None, **params) -> None:
    """An inbox message to the person, and an e-mail with the same words in their language."""
    post_to_person(person_id, kind, link=link, organisation_id=organisation_id, membership_id=membership_id, **params)
    person = db.session.get(Person, person_id)
    if person is not None and person.is_active:
        _email(person, kind, link, params)


def email_person(person_id: int, kind: str, *, link: str | None = None, **params) -> None:
    """Only the e-mail: for news the person reads in an inbox they already have (e.g. their
    organisation's, as its new administrator), where a copy of their own would show it twice."""
    person = db.session.get(Person, person_id)
    if person is not None and person.is_active:
        _email(person, kind, link, params)


def tell_administrators(organisation_id: int, kind: str, *, link: str | None = None,
                        membership_id: int | None = None, **params) -> None:
    """A message to the organisation's inbox, and an e-mail to each of its active administrators."""
    post_to_organisation(organisation_id, kind, link=link, membership_id=membership_id, **params)
    administrators = db.session.scalars(
        sa.select(Person).join(Membership, Membership.person_id == Person.id).where(
            Membership.organisation_id == organisation_id, Membership.role == MemberRole.ADMINISTRATOR,
            Membership.status == MembershipStatus.ACTIVE, Person.is_active_account.is_(True)))
    for person in administrators:
        _email(person, kind, link, params)
