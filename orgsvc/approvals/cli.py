"""``orgsvc approvals``: housekeeping of pending requests (run from cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from orgsvc.mail.delivery import deliver_due
from orgsvc.roles.services import expire_requests


@click.group("approvals")
def approvals_cli():
    """Pending requests to join organisations."""


@approvals_cli.command("expire")
@click.option("--days", type=int, default=None, help="Override ORGSVC_JOIN_REQUEST_DAYS.")
@with_appcontext
def expire(days: int | None):
    """Expire requests to become a user that nobody decided in time, and tell the requesters."""
    days = days if days is not None else current_app.config["ORGSVC_JOIN_REQUEST_DAYS"]
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    count = expire_requests(days)
    if current_app.config["ORGSVC_MAIL_DELIVER_INLINE"]:
        deliver_due()
    click.echo(f"{count} request(s) older than {days} days expired.")
