"""Demo data exists only when asked for, never in production, with fresh passwords each run."""

from __future__ import annotations

import re

import sqlalchemy as sa

from orgsvc import create_app
from orgsvc.accounts.models import Person
from orgsvc.extensions import db
from tests.support import app_config, login

LOGIN_LINE = re.compile(r"^\s+(\S+@\S+)\s+(\S+)\s", re.MULTILINE)


def test_no_account_exists_before_the_demo_command(app):
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_demo_prints_logins_that_work(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    logins = dict(LOGIN_LINE.findall(result.output))
    assert "saksbehandler@forbrukertilsynet.example" in logins
    assert "ola.nordmann@nordlys.example" in logins
    client = app.test_client()
    assert login(client, "ola.nordmann@nordlys.example", logins["ola.nordmann@nordlys.example"]).status_code == 302
    assert "NORDLYS ELEKTRONIKK AS" in client.get("/").get_data(as_text=True)
    cases = client.get("/cases/?tab=mediation").get_data(as_text=True)
    assert "Reklamasjon på levert varmepumpe" in cases and "Kunde klager på forsinket levering" in cases


def test_running_demo_again_changes_the_passwords_and_duplicates_nothing(app, runner):
    first = dict(LOGIN_LINE.findall(runner.invoke(args=["demo"]).output))
    second = dict(LOGIN_LINE.findall(runner.invoke(args=["demo"]).output))
    assert first.keys() == second.keys()
    assert all(first[email] != second[email] for email in first)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == len(first)
    old_password = first["kari.hansen@nordlys.example"]
    assert login(app.test_client(), "kari.hansen@nordlys.example", old_password).status_code == 401


def test_demo_is_refused_in_production(tmp_path):
    config = app_config(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path / "instance",
                        ORGSVC_ENV="production", ORGSVC_BASE_URL="https://minside.example",
                        ORGSVC_REDIS_URL="redis://127.0.0.1:6379/15", ORGSVC_MAIL_DELIVER_INLINE=False,
                        ORGSVC_MAIL_BACKEND="file", ORGSVC_SMTP_URL="smtp://smtp.example:587?starttls=true")
    result = create_app(config).test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "never loaded in production" in result.output


def test_the_demos_waiting_administrator_comes_with_the_register_check(app, runner):
    """The regulator's queue shows what Enhetsregisteret says, as for a real registration, once."""
    from orgsvc.approvals.models import RegisterCheck

    for _run in range(2):
        assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        checks = list(db.session.scalars(sa.select(RegisterCheck)))
    assert len(checks) == 1 and checks[0].outcome != "pending"
