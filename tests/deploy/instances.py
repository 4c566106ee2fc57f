"""Real orgsvc processes (gunicorn) over one database, for tests that cross process boundaries."""

from __future__ import annotations

import re
import secrets
import uuid
from contextlib import contextmanager

import flask_migrate
import requests
import sqlalchemy as sa

from bench.service import Server, service_env, start
from orgsvc import create_app
from orgsvc.extensions import db
from tests.support import FAST_ARGON2, app_config, make_engine, postgres_url


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


def start_instance(url: str, secret: str, tmp_path, *, workers: int = 2, redis_url: str | None = None,
                   redis_prefix: str = "orgsvc") -> Server:
    """``gunicorn wsgi:app`` on its own port, configured from the environment like production."""
    settings = {"ORGSVC_SECRET_KEY": secret}
    if redis_url:
        settings.update(ORGSVC_REDIS_URL=redis_url, ORGSVC_REDIS_PREFIX=redis_prefix)
    port_folder = tmp_path / f"instance-{secrets.token_hex(4)}"
    return start("instance", service_env(url, port_folder, **settings), workers=workers, log_dir=tmp_path)


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


__all__ = ["FAST_ARGON2", "Browser", "fresh_database", "new_secret", "start_instance"]
