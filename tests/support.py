"""Test helpers: a CSRF-aware client, test configuration, login and database utilities."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from orgsvc.config import normalise_database_url
from orgsvc.db import configure_engine

DEFAULT_PASSWORD = "correct horse battery staple"
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def app_config(database_url: str, instance_path, **extra) -> dict:
    """Configuration for an application under test (CSRF stays on, as in production)."""
    config = {
        "ORGSVC_ENV": "test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": str(instance_path),
        "ORGSVC_ARGON2": FAST_ARGON2,
        "ORGSVC_BASE_URL": "http://localhost",
        "ORGSVC_MAIL_BACKEND": "log",
        "ORGSVC_MAIL_DELIVER_INLINE": True,
        "ORGSVC_REDIS_URL": None,
    }
    config.update(extra)
    return config


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form POST unless told not to."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf: bool = True, **kwargs):
        # A test holding an app context would share flask.g (and the logged-in user) across
        # requests, hiding per-request behaviour; HTTP tests must not hold one.
        assert not has_app_context(), "do not make HTTP requests while holding an app context"
        return super().open(*args, **kwargs)

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


def login(client: CsrfClient, email: str, password: str = DEFAULT_PASSWORD, follow: bool = False):
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=follow)


def without_csrf_tokens(html: str) -> str:
    """A page with its per-session CSRF tokens blanked, for comparing two responses."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", html)


@dataclass
class DatabaseUnderTest:
    """One migrated database (SQLite file or PostgreSQL schema) shared by a test session."""

    backend: str
    url: str
    engine: sa.Engine

    def clean(self) -> None:
        """Delete every row (for tests that commit for real)."""
        from orgsvc.extensions import db

        with self.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


def postgres_url(schema: str) -> str:
    base = normalise_database_url(os.environ["ORGSVC_TEST_POSTGRES_URL"])
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


def make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, pool_pre_ping=True)
    configure_engine(engine)
    return engine


@contextlib.contextmanager
def statements_run(engine: sa.Engine) -> Iterator[list[str]]:
    """Record the SQL sent through ``engine`` meanwhile (whitespace folded), leaving out the
    savepoints of the tests' own transaction around a request."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "SAVEPOINT" not in statement:
            statements.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _engine(app):
    from orgsvc.extensions import db

    with app.app_context():
        return db.engine


def run_in_own_context(app, call: Callable, results, key) -> None:
    """``results[key]`` = what ``call`` returns or raises, run in an app context of its own (its own
    session, connection and transaction)."""
    from orgsvc.extensions import db

    with app.app_context():
        try:
            results[key] = call()
        except Exception as error:  # the outcome under test, success or refusal
            results[key] = error
        finally:
            db.session.remove()


def run_at_once(app, calls: list[Callable], *, meet_before: str | None = None) -> list:
    """Run each call in its own thread and app context (own session, connection and transaction),
    all released together; return each result or the exception it raised.

    ``meet_before``: each thread also waits for all the others just before it sends its first
    statement starting with this text (e.g. "INSERT INTO case_follow"), so every one has looked and
    found nothing before any writes - the window a double click hits. Only where transactions run
    side by side (PostgreSQL's row locks): SQLite serialises writing transactions from their BEGIN.
    """
    start = threading.Barrier(len(calls), timeout=30)
    meeting = threading.Barrier(len(calls), timeout=30)
    met = threading.local()
    results: list = [None] * len(calls)

    def hold(_conn, _cursor, statement, *_args):
        if meet_before and statement.lstrip().startswith(meet_before) and not getattr(met, "done", False):
            met.done = True
            meeting.wait()

    def worker(index, call):
        start.wait()
        run_in_own_context(app, call, results, index)

    engine = _engine(app)
    sa.event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hold)
    return results


def run_held(app, first: Callable, second: Callable, *, hold_before: tuple[str, ...] | Callable[[str], bool],
             second_wait: float = 3.0) -> dict:
    """Run ``first`` until it is about to send a statement starting with one of ``hold_before`` (or
    one that ``hold_before`` accepts); hold it there while ``second`` runs to its end (its commit), or
    for ``second_wait`` seconds if a lock of ``first``'s makes it wait; then let ``first`` go on. Each
    runs in its own thread, app context and transaction. Returns {"first": ..., "second": ...}, each
    the result or the exception raised, and "second_waited": whether ``second`` was still running
    when ``first`` was let go.

    For PostgreSQL, where the held transaction's reads stay as they were while the other commits:
    the lost-update window. (SQLite takes the write lock at BEGIN, so ``second`` waits for ``first``.)"""
    held, go_on = threading.Event(), threading.Event()
    results: dict = {}
    matches = hold_before if callable(hold_before) else lambda statement: statement.lstrip().startswith(hold_before)

    def hold(_conn, _cursor, statement, *_args):
        if threading.current_thread().name == "first" and matches(statement) and not held.is_set():
            held.set()
            go_on.wait(30)

    def run(name, call):
        run_in_own_context(app, call, results, name)

    engine = _engine(app)
    sa.event.listen(engine, "before_cursor_execute", hold)
    try:
        first_thread = threading.Thread(target=run, args=("first", first), name="first")
        first_thread.start()
        if not held.wait(30):
            first_thread.join(30)
            raise AssertionError(f"first never sent a statement starting with {hold_before}: {results}")
        second_thread = threading.Thread(target=run, args=("second", second), name="second")
        second_thread.start()
        second_thread.join(second_wait)
        results["second_waited"] = second_thread.is_alive()  # still running: a lock of first's held it
        go_on.set()
        first_thread.join(60)
        second_thread.join(60)
    finally:
        go_on.set()
        sa.event.remove(engine, "before_cursor_execute", hold)
    return results
