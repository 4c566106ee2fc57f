"""``orgsvc api``: clients of the case intake API."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from orgsvc.api import auth, idempotency
from orgsvc.errors import DomainError


@click.group("api")
def api_cli():
    """Clients of the case intake API."""


@api_cli.command("create-client")
@click.argument("name")
@with_appcontext
def create_client(name: str):
    """Create an API client NAME and print its token (shown only this once)."""
    try:
        token = auth.create_client(name)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(token)


@api_cli.command("list-clients")
@with_appcontext
def list_clients():
    for client in auth.clients():
        state = "revoked" if client.revoked_at else "active"
        used = client.last_used_at.isoformat() if client.last_used_at else "never"
        click.echo(f"{client.name}\t{state}\tlast used {used}")


@api_cli.command("revoke-client")
@click.argument("name")
@with_appcontext
def revoke_client(name: str):
    if not auth.revoke_client(name):
        raise click.ClickException(f"no active API client named {name!r}")
    click.echo(f"Revoked {name}.")


@api_cli.command("purge-request-keys")
@with_appcontext
def purge_request_keys():
    """Delete Idempotency-Keys older than 24 hours (daily, from cron)."""
    click.echo(f"Deleted {idempotency.purge()} request keys older than 24 hours.")
