"""``orgsvc staff``: regulator staff are created by operators, never self-registered."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from orgsvc.errors import DomainError
from orgsvc.i18n import in_english
from orgsvc.mail.delivery import deliver_due
from orgsvc.staff import services
from orgsvc.staff.models import StaffRole

ROLE_NAMES = {"caseworker": StaffRole.CASEWORKER, "regulator-admin": StaffRole.REGULATOR_ADMIN}


@click.group("staff")
def staff_cli():
    """Regulator staff (caseworkers and regulator administrators)."""


@staff_cli.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice(sorted(ROLE_NAMES)), required=True)
@click.option("--send-link", is_flag=True, help="E-mail a link to set the password instead of prompting.")
@with_appcontext
def add(email: str, name: str, role: str, send_link: bool):
    """Create a staff account for EMAIL."""
    password = None
    if not send_link:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        person = services.add_staff(email, name, ROLE_NAMES[role], password)
    except DomainError as error:
        raise click.ClickException(in_english(error.message)) from error
    if send_link:
        deliver_due()
        click.echo(f"Created {role} {person.email}; a link to set the password has been sent.")
    else:
        click.echo(f"Created {role} {person.email}.")


@staff_cli.command("list")
@with_appcontext
def list_command():
    """List staff accounts and their state."""
    for person in services.list_staff():
        state = "active" if person.is_staff and person.is_active else "deactivated"
        role = next(name for name, value in ROLE_NAMES.items() if value == person.staff_role.role)
        click.echo(f"{person.email}\t{person.full_name}\t{role}\t{state}")


@staff_cli.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email: str):
    """Deactivate the staff member with EMAIL (ends their sessions now)."""
    try:
        person = services.deactivate_staff(email)
    except DomainError as error:
        raise click.ClickException(in_english(error.message)) from error
    click.echo(f"Deactivated {person.email}.")
