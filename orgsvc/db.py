"""Database plumbing: the declarative base, portable column types and per-engine settings."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

log = logging.getLogger(__name__)

# Stable constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind of datetime we store)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones; PostgreSQL stores ``timestamptz``. Naive datetimes are refused so a
    local time can never slip in unnoticed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, stored by value."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Base of every model; Flask-SQLAlchemy builds ``db.Model`` on it."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class BuiltStatements:
    """Statements built once for each key and run again with new parameters.

    Building a statement and deriving its cache key costs SQLAlchemy more than the database's work
    for a page of a list, and every page asks for several. A key names everything the statement's
    text depends on (e.g. a sort and an access condition's shape); the values go in as parameters.
    """

    def __init__(self, kept: int = 512):
        self._built: dict[Hashable, sa.Executable] = {}
        self._kept = kept  # keys are few; the cap only bounds a pathological mix

    def get(self, key: Hashable, build: Callable[[], sa.Executable]) -> sa.Executable:
        statement = self._built.get(key)
        if statement is None:
            if len(self._built) >= self._kept:
                self._built.clear()
            statement = self._built[key] = build()
        return statement


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_if_absent(session: Session | scoped_session, model: type, keys: Sequence[str], **values) -> bool:
    """INSERT ... ON CONFLICT (``keys``) DO NOTHING, on PostgreSQL and SQLite alike; True when this
    call inserted the row.

    A look-then-insert fails when two requests do it at once (a double click): both find nothing,
    and the second insert breaks the unique key. Here the second waits for the first and does nothing.
    """
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=list(keys))
    return session.execute(statement).rowcount == 1


class BindHonouringSession(FlaskSession):
    """Flask-SQLAlchemy's session, but an explicitly configured ``bind`` wins.

    Flask-SQLAlchemy always picks the application's engine; honouring ``bind`` lets the test suite
    run each test inside one outer transaction on a single connection (rolled back afterwards)
    while the services still commit as they do in production.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def configure_engine(engine: sa.Engine) -> None:
    """Apply our per-dialect connection settings to ``engine`` (once per engine)."""
    if not event.contains(engine, "before_cursor_execute", _note_write):
        event.listen(engine, "before_cursor_execute", _note_write)
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_on_connect):
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)


def track_writes(session: scoped_session) -> None:
    """Let ``release_session`` tell a transaction that only read from one that wrote (once per session)."""
    if not event.contains(session, "after_begin", _forget_writes):
        event.listen(session, "after_begin", _forget_writes)


# Statements that change no data: reads, and the savepoints a unit of work may open and close.
_NO_WRITE = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT")
_WROTE = "orgsvc.wrote"


def _note_write(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not statement.lstrip()[:17].upper().startswith(_NO_WRITE):
        connection.info[_WROTE] = True


def _forget_writes(_session, _transaction, connection) -> None:
    connection.info.pop(_WROTE, None)


def release_session(session: scoped_session, request_error: BaseException | None = None) -> None:
    """End the request's session, even when the database went away after the response was made.

    A transaction that only read is committed rather than rolled back: the outcome is the same,
    but psycopg forgets the connection's prepared statements on every ROLLBACK, and without them
    PostgreSQL plans every query of every request afresh (about half a page's database time).
    Anything else - a write, pending changes, an unhandled error - is rolled back as before.

    Closing rolls back on the connection; if the server has just dropped it (a restart, a failover)
    that ROLLBACK fails and, left alone, turns a finished request into a 500. The connection is
    gone either way, so the session is invalidated (no network) and the pool replaces it.
    """
    try:
        if request_error is None and _only_read(session):
            # The session ends here: expiring what it loaded would only strand objects that code
            # outside the request still reads (detached, they could not load again).
            session().expire_on_commit = False
            session.commit()
        session.remove()
    except sa.exc.DBAPIError as error:
        log.warning("database connection lost while ending a session: %s", error.orig or error)
        session.registry().invalidate()
        session.registry.clear()


def _only_read(scoped: scoped_session) -> bool:
    """Whether the session's open transaction read and nothing more (False if none is open)."""
    if not scoped.registry.has():
        return False
    session = scoped()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    return not session.connection().info.get(_WROTE, False)


def _sqlite_on_connect(dbapi_connection, _record):
    # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling breaks savepoints),
    # enforce foreign keys, and wait for a writer instead of failing at once.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(connection):
    # Take the write lock when the transaction starts. A deferred transaction that reads and
    # then writes fails with SQLITE_BUSY when another writer got there first; IMMEDIATE makes
    # SQLite serialise such units of work instead, as a row lock does on PostgreSQL.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
