"""``orgsvc mail``: deliver the outbox and see what is stuck."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from orgsvc.extensions import db
from orgsvc.mail.delivery import deliver_due
from orgsvc.mail.models import EmailStatus, OutboundEmail


@click.group("mail")
def mail_cli():
    """Outgoing e-mail."""


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering every few seconds (a sender process).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@with_appcontext
def deliver(loop: bool, interval: float):
    """Send every e-mail that is due."""
    while True:
        report = deliver_due()
        click.echo(f"sent {report.sent}, will retry {report.failed}, dead {report.dead}, dropped {report.dropped}")
        if not loop:
            return
        time.sleep(interval)


@mail_cli.command("status")
@with_appcontext
def status():
    """Count the outbox by status and list dead messages."""
    counts = db.session.execute(
        sa.select(OutboundEmail.status, sa.func.count()).group_by(OutboundEmail.status)
    ).all()
    for state, count in counts:
        click.echo(f"{state}: {count}")
    dead = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.status == EmailStatus.DEAD))
    for row in dead:
        click.echo(f"dead #{row.id} to {row.to_address} ({row.kind}) after {row.attempts} attempts: {row.last_error}")
