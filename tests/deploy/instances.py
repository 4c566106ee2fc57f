"""Real orgsvc processes (gunicorn) over one database, for tests that cross process boundaries."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import requests
import sqlalchemy as sa

from orgsvc import create_app
from orgsvc.extensions import db
from tests.notify.smtp_server import free_port
from tests.support import FAST_ARGON2, app_config, make_engine, postgres_url

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


@contextmanager
def fresh_database(backend: str, tmp_path):
    """An empty, migrated database of its own (a PostgreSQL schema or a SQLite file)."""
    if backend == "postgresql":
        schema = f"instances_{uuid.uuid4().hex[:12]}"
        admin = make_engine(postgres_url("public"))
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = postgres_url(schema)
    else:
        url = f"sqlite:///{tmp_path / 'instances.sqlite3'}"
    app = create_app(app_config(url, tmp_path / "seed-instance"))
    with app.app_context():
        flask_migrate.upgrade()
    try:
        yield app, url
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if backend == "postgresql":
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


class Instance:
    """``gunicorn wsgi:app`` on its own port, configured from the environment like production."""

    def __init__(self, url: str, secret: str, tmp_path, workers: int = 2, redis_url: str | None = None,
                 redis_prefix: str = "orgsvc"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("ORGSVC_")}
        env.update(ORGSVC_ENV="development", ORGSVC_DATABASE_URL=url, ORGSVC_SECRET_KEY=secret,
                   ORGSVC_INSTANCE_PATH=str(tmp_path / f"instance-{self.port}"), ORGSVC_MAIL_DELIVER_INLINE="false",
                   ORGSVC_BASE_URL=self.base)
        if redis_url:
            env.update(ORGSVC_REDIS_URL=redis_url, ORGSVC_REDIS_PREFIX=redis_prefix)
        self.log = (tmp_path / f"gunicorn-{self.port}.log").open("w")
        command = [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                   "--graceful-timeout", "2", "--no-control-socket", "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> Instance:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"gunicorn on {self.port} did not start: {Path(self.log.name).read_text()[-2000:]}")

    def workers(self) -> list[int]:
        output = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in output.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


class Browser:
    """A requests session that fills in the CSRF token the way a browser submits a form."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.http.get(url, allow_redirects=False, timeout=10, **kwargs)

    def token(self, url: str) -> str:
        page = self.http.get(url, timeout=10).text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def post(self, url: str, data: dict, form_page: str | None = None) -> requests.Response:
        origin = re.match(r"https?://[^/]+", url).group(0)
        data = {**data, "csrf_token": self.token(form_page or f"{origin}/account")}
        return self.http.post(url, data=data, allow_redirects=False, timeout=10)

    def login(self, base: str, email: str, password: str) -> requests.Response:
        data = {"email": email, "password": password, "csrf_token": self.token(f"{base}/login")}
        return self.http.post(f"{base}/login", data=data, allow_redirects=False, timeout=10)


def new_secret() -> str:
    return secrets.token_hex(32)


__all__ = ["FAST_ARGON2", "Browser", "Instance", "fresh_database", "new_secret"]
