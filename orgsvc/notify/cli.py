"""``orgsvc notify``: the daily digest (run once a day from cron; running it again is harmless)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from orgsvc.mail.delivery import deliver_due
from orgsvc.notify.digest import run_digest


@click.group("notify")
def notify_cli():
    """E-mail notifications."""


@notify_cli.command("digest")
@with_appcontext
def digest():
    """Send today's digest to every address that has news (at most one per address and day)."""
    report = run_digest()
    if current_app.config["ORGSVC_MAIL_DELIVER_INLINE"]:
        deliver_due()
    click.echo(f"digests sent: {report.sent}, nothing new: {report.nothing_new}, "
               f"already sent today: {report.skipped_today}")
