"""Writing batches of register rows as fast as each database allows.

Bulk loading is the one place where the ORM's (and even Core's) per-row work costs more than the
database does, so this module talks to the driver: executemany with plain tuples on SQLite, COPY
into a staging table and one merge statement on PostgreSQL. Everything runs on the session's
connection, inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import psycopg

from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.registry.types import Entity, RoleHolder

ENTITY_COLUMNS = ("orgnr", "name", "form_code", "form_description", "status", "deleted_on", "is_subunit",
                  "parent_orgnr", "postal_place", "municipality", "updated_at", "proceedings")
ROLE_COLUMNS = ("orgnr", "role_code", "role_description", "kind", "name", "first_name", "middle_name", "last_name",
                "birth_date", "holder_orgnr", "resigned", "deceased", "source")


def entity_tuple(entity: Entity, now) -> tuple:
    return (entity.orgnr, entity.name[:500], entity.form_code, entity.form_description, str(entity.status),
            entity.deleted_on, entity.is_subunit, entity.parent_orgnr, entity.postal_place, entity.municipality, now,
            ",".join(entity.proceedings) or None)


def role_tuple(orgnr: str, holder: RoleHolder) -> tuple:
    return (orgnr, holder.role_code[:10], holder.role_description[:200], holder.kind, holder.name[:500],
            holder.first_name, holder.middle_name, holder.last_name, holder.birth_date, holder.holder_orgnr,
            holder.resigned, holder.deceased, holder.source)


class AlreadyInRegister(Exception):
    """Entities written as new were already there (the file names one twice, or another import
    ran at the same time): the caller rolls back and writes the batch again as a merge."""


def _driver_connection():
    return db.session.connection().connection.driver_connection


class SQLiteWriter:
    # Records per transaction. Measured on the full register: SQLite pays per statement and per
    # commit, so bigger batches are faster (20,000: +30 % over 2,000) for some 20 MB more memory.
    batch_size = 20_000

    def _insert_sql(self, *, new: bool) -> str:
        columns = ", ".join(ENTITY_COLUMNS)
        marks = ", ".join("?" * len(ENTITY_COLUMNS))
        insert = f"INSERT INTO register_entity ({columns}) VALUES ({marks})"
        if new:
            return insert
        updates = ", ".join(f"{c} = excluded.{c}" for c in ENTITY_COLUMNS if c != "orgnr")
        return f"{insert} ON CONFLICT (orgnr) DO UPDATE SET {updates}"

    # SQLite keeps dates as ISO text (what SQLAlchemy's Date and our UTCDateTime read back).
    @staticmethod
    def _entity_row(row: tuple) -> tuple:
        deleted_on, updated_at = row[5], row[10]
        return (*row[:5], deleted_on.isoformat() if deleted_on else None, *row[6:10],
                updated_at.replace(tzinfo=None).isoformat(" "), *row[11:])

    @staticmethod
    def _role_row(row: tuple) -> tuple:
        born = row[8]
        return (*row[:8], born.isoformat() if born else None, *row[9:])

    def entities(self, entities: Sequence[Entity], words: list[tuple[str, str, str]], *, new: bool = False) -> None:
        cursor = _driver_connection().cursor()
        now = utcnow()
        rows = [self._entity_row(entity_tuple(e, now)) for e in entities]
        try:
            cursor.executemany(self._insert_sql(new=new), rows)
        except sqlite3.IntegrityError as error:
            raise AlreadyInRegister from error
        if not new:
            orgnrs = [e.orgnr for e in entities]
            cursor.execute(f"DELETE FROM register_name_word WHERE orgnr IN ({', '.join('?' * len(orgnrs))})",
                           orgnrs)
        cursor.executemany("INSERT INTO register_name_word (word, orgnr, all_words) VALUES (?, ?, ?)", words)

    def roles(self, orgnrs: list[str], rows: list[tuple]) -> None:
        cursor = _driver_connection().cursor()
        cursor.execute(f"DELETE FROM register_role WHERE orgnr IN ({', '.join('?' * len(orgnrs))})", orgnrs)
        marks = ", ".join("?" * len(ROLE_COLUMNS))
        cursor.executemany(f"INSERT INTO register_role ({', '.join(ROLE_COLUMNS)}) VALUES ({marks})",
                           [self._role_row(row) for row in rows])


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    return value.translate(_COPY_ESCAPES)


def _word_lines(words: list[tuple[str, str, str]]) -> str:
    """The search words as one block of COPY text: a row at a time costs more than the database.

    Words are runs of letters and digits (``names.words``) and ``all_words`` is words and spaces,
    so neither needs COPY's escaping; the org number comes from the file and is escaped.
    """
    return "".join(f"{word}\t{_copy_text(orgnr)}\t{all_words}\n" for word, orgnr, all_words in words)


class PostgresWriter:
    # COPY gains little past a few thousand rows; 5,000 was the fastest of 2,000-10,000 measured.
    batch_size = 5_000

    def _staging(self, cursor) -> None:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staging_register_entity "
            "(LIKE register_entity INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE staging_register_entity")

    def entities(self, entities: Sequence[Entity], words: list[tuple[str, str, str]], *, new: bool = False) -> None:
        """Merge ``entities`` through a staging table, or (``new``) COPY them straight in."""
        connection = _driver_connection()
        now = utcnow()
        columns = ", ".join(ENTITY_COLUMNS)
        with connection.cursor() as cursor:
            if new:
                try:
                    self._copy_rows(cursor, f"register_entity ({columns})", (entity_tuple(e, now) for e in entities))
                except psycopg.errors.UniqueViolation as error:
                    raise AlreadyInRegister from error
            else:
                self._staging(cursor)
                self._copy_rows(cursor, f"staging_register_entity ({columns})",
                                (entity_tuple(e, now) for e in entities))
                updates = ", ".join(f"{c} = excluded.{c}" for c in ENTITY_COLUMNS if c != "orgnr")
                cursor.execute(f"INSERT INTO register_entity ({columns}) SELECT {columns} "
                               f"FROM staging_register_entity ON CONFLICT (orgnr) DO UPDATE SET {updates}")
                cursor.execute("DELETE FROM register_name_word WHERE orgnr = ANY(%s)", ([e.orgnr for e in entities],))
            with cursor.copy("COPY register_name_word (word, orgnr, all_words) FROM STDIN") as copy:
                copy.write(_word_lines(words))

    @staticmethod
    def _copy_rows(cursor, target: str, rows) -> None:
        with cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def roles(self, orgnrs: list[str], rows: list[tuple]) -> None:
        with _driver_connection().cursor() as cursor:
            cursor.execute("DELETE FROM register_role WHERE orgnr = ANY(%s)", (orgnrs,))
            with cursor.copy(f"COPY register_role ({', '.join(ROLE_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def writer():
    """The writer for the database the session is bound to."""
    return PostgresWriter() if db.session.get_bind().dialect.name == "postgresql" else SQLiteWriter()
