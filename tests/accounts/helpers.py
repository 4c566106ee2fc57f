"""Helpers for account tests: reading the outbox and registering through the pages."""

from __future__ import annotations

import re

import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.mail.models import OutboundEmail

LINK = re.compile(r"http://localhost(/\S+)")


def outbox(app, kind: str | None = None, to: str | None = None) -> list[OutboundEmail]:
    with app.app_context():
        query = sa.select(OutboundEmail).order_by(OutboundEmail.id)
        if kind:
            query = query.where(OutboundEmail.kind == kind)
        if to:
            query = query.where(OutboundEmail.to_address == to)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def link_in(email: OutboundEmail) -> str:
    """The path of the (first) link in an e-mail."""
    match = LINK.search(email.body_text)
    assert match, email.body_text
    return match.group(1)


def registration_form(**overrides) -> dict:
    form = {
        "full_name": "Kari Nordmann",
        "email": "kari@example.com",
        "date_of_birth": "1985-04-12",
    }
    form.update(overrides)
    return form


PASSWORD = "et langt og godt passord"


def password_form(password: str = PASSWORD, confirm: str | None = None) -> dict:
    """The confirmation page's form: the password chosen by whoever followed the link."""
    return {"password": password, "password_confirm": password if confirm is None else confirm}
