"""``orgsvc accounts``: housekeeping of account data (run from cron)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from orgsvc.accounts.services import REGISTRATION_PURGE_MARGIN, purge_registrations


@click.group("accounts")
def accounts_cli():
    """Accounts and registrations."""


@accounts_cli.command("purge-registrations")
@with_appcontext
def purge_registrations_command():
    """Delete registrations whose confirmation link expired more than a week ago, confirmed or not."""
    count = purge_registrations()
    click.echo(f"{count} registration(s) deleted (link expired more than {REGISTRATION_PURGE_MARGIN.days} days ago).")
