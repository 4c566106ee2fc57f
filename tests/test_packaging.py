"""orgsvc works as an installed package: the wheel carries templates, policies, catalogues."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from orgsvc.paths import PACKAGE_DIR

ROOT = PACKAGE_DIR.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    [built] = out.glob("orgsvc-*.whl")
    return built


def test_the_wheel_carries_everything_the_service_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "orgsvc/templates/base.html",
        "orgsvc/templates/mail/password_reset.txt",
        "orgsvc/policies/model.conf",
        "orgsvc/policies/policy.csv",
        "orgsvc/translations/nb/LC_MESSAGES/messages.mo",
        "orgsvc/migrations/env.py",
        "orgsvc/migrations/alembic.ini",
        "orgsvc/static/css/orgsvc.css",
        "orgsvc/registry/sample/enheter.json",
        "orgsvc/registry/sample/roller.json",
    ):
        assert required in names, required
    assert not any(name.startswith("tests/") for name in names)


def test_an_installed_copy_serves_norwegian_pages(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = textwrap.dedent(f"""
        import orgsvc, secrets
        assert orgsvc.__file__.startswith({str(site)!r}), orgsvc.__file__
        from orgsvc import create_app
        app = create_app({{"SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": {str(tmp_path / 'i')!r},
                          "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'db.sqlite3'}"}})
        import flask_migrate
        with app.app_context():
            flask_migrate.upgrade()
        page = app.test_client().get("/login").get_data(as_text=True)
        assert "Logg inn" in page, page
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env = {key: value for key, value in env.items() if not key.startswith("ORGSVC_")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_the_orgsvc_command_carries_the_operator_commands(tmp_path):
    command = Path(sys.executable).parent / "orgsvc"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORGSVC_")}
    env["ORGSVC_INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run([str(command), "--help"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name in ("db", "staff", "demo", "mail", "run"):
        assert f"  {name} " in result.stdout or f"  {name}\n" in result.stdout, name
