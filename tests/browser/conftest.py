"""A live orgsvc on loopback and Debian's Chromium driven by Playwright, with axe-core checks."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from orgsvc import create_app
from orgsvc.extensions import db
from orgsvc.registry.bulk import import_file
from orgsvc.registry.cli import SAMPLE_DIR
from orgsvc.staff.models import StaffRole
from orgsvc.staff.services import add_staff
from tests.support import FAST_ARGON2

CHROMIUM = os.environ.get("ORGSVC_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
STAFF_PASSWORD = "saksbehandlerens passord"


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(10)


@pytest.fixture
def live(tmp_path):
    """The service with its own SQLite database, the sample register and one caseworker."""
    app = create_app({
        "ORGSVC_ENV": "test", "SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.sqlite3'}", "ORGSVC_ARGON2": FAST_ARGON2,
        "ORGSVC_MAIL_BACKEND": "file",
    })
    with app.app_context():
        flask_migrate.upgrade()
        for path in sorted(SAMPLE_DIR.glob("*.json")):
            import_file(path)
        add_staff("siri@forbrukertilsynet.example.com", "Siri Saksbehandler", StaffRole.CASEWORKER, STAFF_PASSWORD)
    with LiveServer(app) as server:
        app.config["ORGSVC_BASE_URL"] = server.url
        yield server
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
