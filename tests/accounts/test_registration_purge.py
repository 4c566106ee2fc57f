"""``orgsvc accounts purge-registrations``: registrations go a week after their link expired,
confirmed or not (they hold an address, a name and a date of birth and serve nothing more)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from orgsvc.accounts.models import Registration
from orgsvc.db import utcnow
from orgsvc.extensions import db


def _registration(name: str, *, expired_ago: timedelta, confirmed: bool) -> Registration:
    """A registration whose link expires(d) ``expired_ago``, confirmed an hour after it was sent or never."""
    expires_at = utcnow() - expired_ago
    return Registration(token_hash=name.ljust(64, "x"), email=f"{name}@example.com", email_key=f"{name}@example.com",
                        full_name=name, date_of_birth=date(1985, 4, 12), expires_at=expires_at,
                        confirmed_at=expires_at - timedelta(hours=23) if confirmed else None)


def test_old_confirmed_and_expired_registrations_are_deleted_and_the_rest_kept(app_ctx, runner):
    db.session.add_all([
        _registration("old-confirmed", expired_ago=timedelta(days=7, minutes=1), confirmed=True),
        _registration("old-expired", expired_ago=timedelta(days=30), confirmed=False),
        _registration("recently-expired", expired_ago=timedelta(days=6), confirmed=False),
        _registration("recently-confirmed", expired_ago=-timedelta(hours=22), confirmed=True),
        _registration("live", expired_ago=-timedelta(hours=23), confirmed=False),
    ])
    db.session.commit()

    output = runner.invoke(args=["accounts", "purge-registrations"]).output
    assert output.startswith("2 registration(s) deleted"), output
    kept = set(db.session.scalars(sa.select(Registration.full_name)))
    assert kept == {"recently-expired", "recently-confirmed", "live"}
    assert runner.invoke(args=["accounts", "purge-registrations"]).output.startswith("0 registration(s) deleted")
