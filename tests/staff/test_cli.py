"""Operators create, list and deactivate regulator staff from the command line."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from tests.accounts.helpers import link_in, outbox
from tests.support import login

PASSWORD = "saksbehandlerens passord"


def _add(runner, *args, password=PASSWORD):
    return runner.invoke(args=["staff", "add", *args], input=f"{password}\n{password}\n")


def test_staff_add_creates_a_caseworker_who_can_log_in(app, runner):
    result = _add(runner, "Siri@Tilsynet.example.com", "--name", "Siri  Saksbehandler", "--role", "caseworker")
    assert result.exit_code == 0, result.output
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.email_key == "siri@tilsynet.example.com"))
        assert person.full_name == "Siri Saksbehandler"
        assert person.staff_role.role == "caseworker"
    client = app.test_client()
    assert login(client, "siri@tilsynet.example.com", PASSWORD).status_code == 302
    assert "for ansatte i Forbrukertilsynet" in client.get("/").get_data(as_text=True)


def test_staff_add_can_mail_a_link_instead_of_prompting(app, runner):
    result = runner.invoke(args=["staff", "add", "rune@tilsynet.example.com", "--name", "Rune Regulator",
                                 "--role", "regulator-admin", "--send-link"])
    assert result.exit_code == 0, result.output
    [email] = outbox(app, "staff_invitation")
    client = app.test_client()
    link = link_in(email)
    assert client.post(link, data={"password": PASSWORD, "password_confirm": PASSWORD}).status_code == 302
    assert login(client, "rune@tilsynet.example.com", PASSWORD).status_code == 302


def test_staff_add_refuses_an_address_that_has_an_account(runner, world):
    result = _add(runner, world.user_a.email, "--name", "Someone", "--role", "caseworker")
    assert result.exit_code != 0
    assert "already has an account" in result.output


def test_staff_add_refuses_a_weak_password(runner):
    result = _add(runner, "x@tilsynet.example.com", "--name", "X Y", "--role", "caseworker", password="kort")
    assert result.exit_code != 0
    assert "12" in result.output


def test_staff_list_and_deactivate(app, runner, world):
    client = app.test_client()
    login(client, world.caseworker.email)
    listing = runner.invoke(args=["staff", "list"])
    assert world.caseworker.email in listing.output and "active" in listing.output
    result = runner.invoke(args=["staff", "deactivate", world.caseworker.email])
    assert result.exit_code == 0, result.output
    assert client.get("/account").status_code == 302, "their session ended at once"
    assert login(app.test_client(), world.caseworker.email).status_code == 401
    assert "deactivated" in runner.invoke(args=["staff", "list"]).output


def test_deactivating_someone_who_is_not_staff_is_refused(runner, world):
    result = runner.invoke(args=["staff", "deactivate", world.user_a.email])
    assert result.exit_code != 0
    assert "no staff member" in result.output
