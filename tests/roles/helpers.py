"""Helpers for membership tests: principals and quick memberships inside an app context."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.access import load_principal
from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.organisations.models import Organisation
from orgsvc.roles.models import Membership


def principal(ref):
    return load_principal(db.session.get(Person, ref.id))


def organisation(ref) -> Organisation:
    return db.session.get(Organisation, ref.id)


def memberships_of(organisation_id: int) -> list[Membership]:
    return list(db.session.scalars(sa.select(Membership).where(Membership.organisation_id == organisation_id)
                                   .order_by(Membership.id)))


def messages(kind: str | None = None) -> list[InboxMessage]:
    query = sa.select(InboxMessage).order_by(InboxMessage.id)
    if kind:
        query = query.where(InboxMessage.kind == kind)
    return list(db.session.scalars(query))


# Tables a refused request may touch: the audit log records the refusal, sessions their last use.
VOLATILE_TABLES = {"audit_event", "login_session", "alembic_version"}


def database_snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table but the volatile ones, to show that a refused request changed nothing."""
    with app.app_context():
        return {table.name: [tuple(row) for row in db.session.execute(
                    sa.select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables if table.name not in VOLATILE_TABLES}
