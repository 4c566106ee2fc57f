"""A world of organisations, persons, memberships, cases and representatives, written fast.

    python -m bench.world --backend postgresql --name bench_world --cases 1000000

The world is generated straight into a migrated database: one pass over the cases, rows streamed
in chunks to the raw driver (executemany on SQLite, COPY on PostgreSQL), never an ORM object, and
analysed afterwards as a production database would be.

Its shape: organisations of very different sizes (a long tail of small ones), one administrator or
a few per organisation and many users, mostly mediation cases with mixed statuses between two
organisations or a consumer and an organisation, activity spread over three years, and one or two
representatives for each organisation side of a case. One "big" organisation is party to exactly
``big_cases`` cases; one user in it represents it in exactly ``user_cases`` of its mediation cases
(and nowhere else), so «Våre saker» has known sizes for both personas.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import flask_migrate
import psycopg
import sqlalchemy as sa

from bench.common import OUT_DIR, bench_config, database_url
from bench.register_data import FIRST, LAST, WORDS, org_numbers

CHUNK = 50_000
BENCH_PASSWORD_HASHER = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}  # as the tests use
DUMMY_HASH = "$argon2id$v=19$m=1024,t=1,p=1$YmVuY2hiZW5jaA$bm8gb25lIGxvZ3MgaW4gd2l0aCB0aGlzIGhhc2g"
ADMIN_EMAIL = "admin@big.bench.example"
USER_EMAIL = "user20@big.bench.example"
KINDS = (("mediation", 0.80), ("tip", 0.12), ("guidance", 0.08))
STATUSES = (("submitted", 0.15), ("in_progress", 0.25), ("closed", 0.50), ("withdrawn", 0.10))
YEARS_OF_ACTIVITY = 3
TEXT = ("Forbrukeren mener varen var mangelfull ved levering og krever heving av kjøpet. Næringsdrivende "
        "avviser kravet og viser til at reklamasjonen kom for sent. Partene er enige om å forsøke mekling "
        "hos Forbrukertilsynet før saken eventuelt bringes inn for Forbrukerklageutvalget. ") * 4


@dataclass(frozen=True)
class WorldSize:
    organisations: int
    persons: int
    cases: int
    big_cases: int = 10_000
    user_cases: int = 20
    big_members: int = 200

    def label(self) -> str:
        return f"{self.organisations:,} organisations, {self.persons:,} persons, {self.cases:,} cases"


FULL = WorldSize(organisations=10_000, persons=100_000, cases=1_000_000)
SMOKE = WorldSize(organisations=40, persons=400, cases=3_000, big_cases=300, big_members=20)


def smaller(size: WorldSize, cases: int) -> WorldSize:
    """The same world with fewer cases in all (the big organisation keeps its own)."""
    return replace(size, cases=cases)


@dataclass(frozen=True)
class World:
    """What the benchmarks need to know about a generated world."""

    url: str
    size: WorldSize
    big_org_id: int
    admin_id: int
    user_id: int
    admin_email: str
    user_email: str
    password: str
    seconds: float
    rows: dict

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "size": asdict(self.size)})

    @classmethod
    def from_json(cls, text: str) -> World:
        data = json.loads(text)
        return cls(**{**data, "size": WorldSize(**data["size"])})


# --- the rows -----------------------------------------------------------------------------------
class Clock:
    """Timestamps as text, the way each database stores them (SQLite: naive UTC text)."""

    def __init__(self, backend: str, now: datetime):
        self.suffix = "+00" if backend == "postgresql" else ""
        self.now = now.timestamp()

    def text(self, seconds_ago: float) -> str:
        moment = datetime.fromtimestamp(self.now - seconds_ago, UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + self.suffix


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    draw = rng.random()
    for value, share in table:
        draw -= share
        if draw < 0:
            return value
    return table[-1][0]


# The columns each table is written with, in the order of the generated tuples.
COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": ("id", "orgnr", "name", "form", "status", "created_at", "approved_at", "register_checked_at"),
    "person": ("id", "email", "email_key", "full_name", "date_of_birth", "password_hash", "locale",
               "wants_digest", "is_active", "created_at"),
    "membership": ("id", "person_id", "organisation_id", "role", "status", "requested_at", "decided_at",
                   "ended_at"),
    "case_file": ("id", "number", "kind", "status", "title", "description", "submitter_org_id",
                  "submitter_consumer", "counterparty_org_id", "counterparty_consumer", "created_by_id",
                  "created_via", "created_at", "last_activity_at", "closed_at", "withdrawn_at",
                  "withdrawal_reason"),
    "case_representative": ("id", "case_id", "person_id", "organisation_id", "added_by_id", "added_at"),
}


class Generator:
    """Rows of every table, as tuples in the column order of ``COLUMNS``."""

    def __init__(self, size: WorldSize, backend: str, seed: int = 11):
        self.size = size
        self.rng = random.Random(seed)
        self.clock = Clock(backend, datetime(2026, 11, 21, 12, tzinfo=UTC))
        self.true, self.false = (True, False) if backend == "postgresql" else (1, 0)
        # Persons 1.. are the big organisation's members: 1 the administrator we log in as, 2 the user
        # with exactly ``user_cases`` cases, 3 and 4 administrators too, the rest users.
        self.big_org_id, self.admin_id, self.user_id = 1, 1, 2
        self.members: dict[int, list[int]] = {}  # organisation -> active members who may represent it
        self.admins: dict[int, int] = {}  # organisation -> one administrator (adds representatives)

    # Organisations of very different sizes: weights for how often each is party to a case.
    def _org_weights(self) -> list[float]:
        rng = self.rng
        return [min(rng.paretovariate(1.1), 500.0) for _ in range(2, self.size.organisations + 1)]

    def organisations(self) -> Iterator[tuple]:
        numbers = org_numbers(90_000_000)
        for org_id in range(1, self.size.organisations + 1):
            words = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 3)))
            name = "STORE MEGLERHUSET AS" if org_id == self.big_org_id else f"{words} {org_id} AS"
            created = self.clock.text(self.rng.uniform(4, 8) * 365 * 86400)
            yield (org_id, next(numbers), name, "AS", "approved", created, created, created)

    def persons(self) -> Iterator[tuple]:
        rng = self.rng
        for person_id in range(1, self.size.persons + 1):
            if person_id == self.admin_id:
                email = ADMIN_EMAIL
            elif person_id == self.user_id:
                email = USER_EMAIL
            else:
                email = f"person{person_id}@bench.example"
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            born = (date(1950, 1, 1) + timedelta(days=rng.randint(0, 50 * 365))).isoformat()
            yield (person_id, email, email, name, born, DUMMY_HASH, "nb", self.true, self.true,
                   self.clock.text(rng.uniform(3, 6) * 365 * 86400))

    def memberships(self) -> Iterator[tuple]:
        """Every person's live membership (a few have none), some pending, and ended history rows."""
        rng, size = self.rng, self.size
        ids = itertools.count(1)
        others = list(range(size.big_members + 1, size.persons + 1))
        rng.shuffle(others)
        orgs = list(range(2, size.organisations + 1))
        assignments = [(person, self.big_org_id, "administrator" if person in (1, 3, 4) else "user")
                       for person in range(1, size.big_members + 1)]
        assignments += [(person, org, "administrator") for person, org in zip(others, orgs, strict=False)]
        for person in others[len(orgs):]:
            draw = rng.random()
            if draw < 0.05:
                continue  # signed up, represents nobody
            assignments.append((person, rng.choice(orgs), "administrator" if draw > 0.93 else "user"))
        for person, org, role in assignments:
            requested = rng.uniform(30, 3 * 365) * 86400
            pending = role == "user" and person != self.user_id and org != self.big_org_id and rng.random() < 0.03
            status = "pending" if pending else "active"
            yield (next(ids), person, org, role, status, self.clock.text(requested),
                   None if pending else self.clock.text(requested - 86400), None)
            if not pending:
                self.members.setdefault(org, []).append(person)
                if role == "administrator":
                    self.admins.setdefault(org, person)
            if rng.random() < 0.03:  # an earlier tie to another organisation, ended
                other = rng.choice(orgs)
                if other != org:
                    ended = requested + rng.uniform(30, 365) * 86400
                    yield (next(ids), person, other, "user", "removed", self.clock.text(ended + 86400),
                           self.clock.text(ended), self.clock.text(requested))
        # The user with the known cases represents the big organisation only where told to.
        self.members[self.big_org_id].remove(self.user_id)

    def cases(self) -> Iterator[tuple[tuple, list[tuple]]]:
        """Each case with its representatives. Needs ``memberships()`` to have run."""
        rng, size = self.rng, self.size
        self._cumulative = list(itertools.accumulate(self._org_weights()))
        orgs_with_members = set(self.members)
        big = set(rng.sample(range(size.cases), size.big_cases))
        users = set(rng.sample(sorted(big), size.user_cases))
        representative_ids = itertools.count(1)
        for index in range(size.cases):
            case_id = index + 1
            kind = "mediation" if index in users else _pick(rng, KINDS)
            status = _pick(rng, STATUSES)
            first = self.big_org_id if index in big else self._some_org()
            submitter, counterparty, submitter_consumer, counterparty_consumer = self._parties(kind, first)
            activity_ago = rng.random() * YEARS_OF_ACTIVITY * 365 * 86400
            created_ago = activity_ago + rng.random() * 200 * 86400
            created, activity = self.clock.text(created_ago), self.clock.text(activity_ago)
            ended = activity if status in ("closed", "withdrawn") else None
            title = f"{kind.capitalize()} {rng.choice(WORDS).lower()} {case_id}"
            start = rng.randrange(0, 400)
            description = TEXT[start:start + rng.randrange(120, 600)]
            creator = self._member(submitter) if submitter else None
            case = (case_id, f"{2023 + index * 4 // size.cases}-{case_id:06d}", kind, status, title, description,
                    submitter, submitter_consumer, counterparty, counterparty_consumer, creator,
                    "portal" if submitter else "api", created, activity,
                    ended if status == "closed" else None, ended if status == "withdrawn" else None,
                    "Løst i minnelighet" if status == "withdrawn" else None)
            representatives = []
            for org in (submitter, counterparty):
                if org is None or org not in orgs_with_members:
                    continue
                chosen = {self.user_id} if (index in users and org == self.big_org_id) else set()
                for _ in range(1 if rng.random() < 0.7 else 2):
                    chosen.add(self._member(org))
                for person in sorted(chosen):
                    representatives.append((next(representative_ids), case_id, person, org,
                                            self.admins.get(org), created))
            yield case, representatives

    def _parties(self, kind: str, org: int) -> tuple[int | None, int | None, str | None, str | None]:
        """(submitter org, counterparty org, submitter consumer, counterparty consumer) with ``org`` a party."""
        rng = self.rng
        if kind != "mediation":
            return org, None, None, None
        other = self._some_org()
        if other == org:
            other = None
        consumer = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.5:  # the organisation complains, about another business or is the one complained about
            return (org, other, None, None if other else consumer)
        return (other, org, None if other else consumer, None)

    def _some_org(self) -> int:
        """An organisation other than the big one, the larger ones more often."""
        return bisect.bisect_left(self._cumulative, self.rng.random() * self._cumulative[-1]) + 2

    def _member(self, org: int) -> int:
        members = self.members.get(org)
        return self.rng.choice(members) if members else self.admin_id


# --- writing ------------------------------------------------------------------------------------
def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class SQLiteSink:
    def __init__(self, connection):
        self.connection = connection
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB while loading
        cursor.execute("BEGIN")

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(columns))
        self.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def finish(self) -> None:
        self.connection.execute("COMMIT")
        self.connection.execute("PRAGMA foreign_keys = ON")
        self.connection.execute("PRAGMA synchronous = NORMAL")
        self.connection.execute("ANALYZE")


class PostgresSink:
    def __init__(self, connection):
        self.connection = connection
        connection.execute("SET synchronous_commit = off")
        # The rows are consistent by construction: skip the per-row foreign key triggers while
        # loading (needs a superuser, as the benchmark database's owner is; else they just run).
        try:
            connection.execute("SET session_replication_role = replica")
        except psycopg.errors.InsufficientPrivilege:
            connection.rollback()
            connection.execute("SET synchronous_commit = off")

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
        with self.connection.cursor() as cursor, \
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(text)

    def finish(self) -> None:
        with self.connection.cursor() as cursor:
            for table in COLUMNS:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
            cursor.execute("RESET session_replication_role")
        self.connection.commit()
        self.connection.autocommit = True
        # This schema's tables only (a bare VACUUM would visit every schema in the database).
        self.connection.execute(f"VACUUM ANALYZE {', '.join(COLUMNS)}")
        self.connection.autocommit = False


def _set_password(person_ids: tuple[int, ...], password: str) -> None:
    """Give the personas we log in as a real Argon2 password (with the tests' fast parameters)."""
    from orgsvc.accounts.passwords import Passwords
    from orgsvc.extensions import db

    hashed = Passwords(**BENCH_PASSWORD_HASHER).hash(password)
    db.session.execute(sa.text("UPDATE person SET password_hash = :hash WHERE id = :id"),
                       [{"hash": hashed, "id": person_id} for person_id in person_ids])
    db.session.commit()


def build(url: str, size: WorldSize, *, seed: int = 11, quiet: bool = False) -> World:
    """Migrate the (empty) database at ``url`` and fill it with a world of ``size``."""
    from orgsvc import create_app
    from orgsvc.extensions import db

    started = time.perf_counter()
    app = create_app(bench_config(url))
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    generator = Generator(size, backend, seed)
    counts = dict.fromkeys(COLUMNS, 0)
    with app.app_context():
        flask_migrate.upgrade()
        raw = db.engine.raw_connection()
        try:
            sink = PostgresSink(raw.driver_connection) if backend == "postgresql" else SQLiteSink(raw.driver_connection)
            for table, rows in (("organisation", generator.organisations()), ("person", generator.persons()),
                                ("membership", generator.memberships())):
                for chunk in _chunks(rows):
                    sink.write(table, COLUMNS[table], chunk)
                    counts[table] += len(chunk)
            for chunk in _chunks(generator.cases(), CHUNK // 2):
                representatives = [row for _case, rows in chunk for row in rows]
                sink.write("case_file", COLUMNS["case_file"], [case for case, _rows in chunk])
                sink.write("case_representative", COLUMNS["case_representative"], representatives)
                counts["case_file"] += len(chunk)
                counts["case_representative"] += len(representatives)
                if not quiet and counts["case_file"] % 200_000 == 0:
                    print(f"  {counts['case_file']:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
            sink.finish()
        finally:
            raw.close()
        password = secrets.token_urlsafe(18)
        _set_password((generator.admin_id, generator.user_id), password)
        db.session.remove()
        db.engine.dispose()
    return World(url=url, size=size, big_org_id=generator.big_org_id, admin_id=generator.admin_id,
                 user_id=generator.user_id, admin_email=ADMIN_EMAIL, user_email=USER_EMAIL, password=password,
                 seconds=time.perf_counter() - started, rows=counts)


# --- reuse between runs (development only: a run normally builds its worlds afresh) --------------
def _manifest(backend: str, name: str) -> Path:
    return OUT_DIR / f"{name}.{backend}.world.json"


def obtain(backend: str, name: str, size: WorldSize, *, reuse: bool = False, quiet: bool = False) -> World:
    """A world of ``size`` in the database ``name``: built now, or (``reuse``) the one built before."""
    manifest = _manifest(backend, name)
    if reuse and manifest.exists():
        world = World.from_json(manifest.read_text())
        if world.size == size and _still_there(world):
            _upgrade(world.url)
            return world
    manifest.unlink(missing_ok=True)
    world = build(database_url(backend, name), size, quiet=quiet)
    manifest.write_text(world.to_json())
    return world


def _still_there(world: World) -> bool:
    engine = sa.create_engine(world.url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM organisation")).scalar() == \
                world.size.organisations
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _upgrade(url: str) -> None:
    """Apply migrations added since the world was built (e.g. new indexes)."""
    from orgsvc import create_app
    from orgsvc.extensions import db

    app = create_app(bench_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def drop(backend: str, name: str) -> None:
    """Remove the world ``name`` (its schema or SQLite files) and its manifest."""
    _manifest(backend, name).unlink(missing_ok=True)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{OUT_DIR / name}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    from bench.common import postgres_base

    engine = sa.create_engine(postgres_base().replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--name", default="bench_world")
    parser.add_argument("--size", choices=("full", "smoke"), default="smoke")
    parser.add_argument("--cases", type=int, help="Cases in the world (default: the size's).")
    options = parser.parse_args()
    size = FULL if options.size == "full" else SMOKE
    if options.cases:
        size = smaller(size, options.cases)
    world = build(database_url(options.backend, options.name), size)
    _manifest(options.backend, options.name).write_text(world.to_json())
    print(f"{size.label()} in {world.seconds:.0f} s: {world.rows}")


if __name__ == "__main__":
    main()
