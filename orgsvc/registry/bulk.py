"""Importing Enhetsregisteret's bulk files (gzipped JSON arrays) into the local register.

The files are streamed item by item (ijson) and written in batches, each its own transaction, so
memory stays flat whatever the file size. A re-import updates rows in place. Which file is which
is read from its first item: entities, sub-units (they have ``overordnetEnhet``) or roles.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ijson
import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.registry import parse
from orgsvc.registry.bulk_writers import AlreadyInRegister, role_tuple, writer
from orgsvc.registry.models import RegisterEntity
from orgsvc.registry.names import index_words
from orgsvc.registry.types import Entity, EntityStatus, RoleHolder

GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class ImportReport:
    path: str
    kind: str
    records: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


@contextmanager
def open_bulk(path: Path):
    """Yield (raw file, decompressed stream); the raw position tells how far the import is."""
    with path.open("rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=raw) as stream:
                yield raw, stream
        else:
            yield raw, raw


def items(stream) -> Iterator[dict]:
    return ijson.items(stream, "item", use_float=True)


def detect_kind(path: Path) -> str:
    """entities, subunits or roles, from the first record of the file."""
    with open_bulk(path) as (_raw, stream):
        first = next(items(stream), None)
    if not isinstance(first, dict):
        raise ValueError(f"{path} holds no register records")
    if "rollegrupper" in first:
        return "roles"
    if "overordnetEnhet" in first or "beliggenhetsadresse" in first or "nedleggelsesdato" in first:
        return "subunits"
    return "entities"


def write_entities(entities: list[Entity], *, new: bool = False) -> None:
    """Upsert entities and rebuild their search words (live main entities only), in one transaction.

    ``new``: the entities are known not to be in the register (a first import), so they are simply
    inserted; AlreadyInRegister (nothing written) if one is there after all.
    """
    if not entities:
        return
    entities = list({entity.orgnr: entity for entity in entities}.values())  # the last word on each
    words = []
    for entity in entities:
        if entity.status == EntityStatus.ACTIVE and not entity.is_subunit:
            indexed = sorted(index_words(entity.name))
            all_words = f" {' '.join(indexed)} "[:600]
            words.extend((word, entity.orgnr, all_words) for word in indexed)
    words.sort()  # into the word index in its own order: each of its pages is visited once per batch
    try:
        writer().entities(entities, words, new=new)
    except AlreadyInRegister:
        db.session.rollback()
        raise
    db.session.commit()


def finish_import() -> None:
    """Refresh the planner's statistics (and PostgreSQL's visibility map) after a bulk load, so the
    search's index scans stay index-only and the plans fit the new data."""
    bind = db.session.get_bind()
    db.session.commit()
    if bind.dialect.name == "postgresql":
        engine = bind.engine if hasattr(bind, "engine") else bind
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("register_entity", "register_name_word", "register_role"):
                connection.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def write_roles(batch: list[tuple[str, list[RoleHolder]]]) -> None:
    """Replace the role holders of each entity in ``batch``, in one transaction."""
    if not batch:
        return
    rows = [role_tuple(orgnr, holder) for orgnr, holders in batch for holder in holders]
    writer().roles([orgnr for orgnr, _ in batch], rows)
    db.session.commit()


def _parse(kind: str, record: dict):
    """One record of the file, or MalformedRecord (it is counted as skipped and the import goes on)."""
    if kind != "roles":
        return parse.entity(record, subunit=kind == "subunits")
    if not isinstance(record, dict):
        raise parse.MalformedRecord("a roles record must be a JSON object")
    orgnr = parse.orgnr_of(record.get("organisasjonsnummer"), "roles record")
    try:
        return orgnr, parse.roles(record.get("rollegrupper"))
    except (AttributeError, TypeError) as error:  # an item of another shape than the /roller answer's
        raise parse.MalformedRecord(f"roles record of {orgnr}: {error}") from error


class EntityWriter:
    """Writes an entities file's batches: into an empty register as plain inserts (no merge, no old
    words to delete), until an entity turns out to be there already; from then on, as merges."""

    def __init__(self) -> None:
        self.new = db.session.scalar(sa.select(sa.exists().select_from(RegisterEntity))) is False
        db.session.commit()

    def __call__(self, batch: list[Entity]) -> None:
        if self.new:
            try:
                write_entities(batch, new=True)
                return
            except AlreadyInRegister:
                self.new = False
        write_entities(batch)


def import_file(path: Path, kind: str | None = None, on_progress: Callable[[int], None] | None = None,
                batch_size: int | None = None) -> ImportReport:
    """Stream one bulk file into the local register, ``batch_size`` records per transaction (by
    default what suits the database)."""
    kind = kind or detect_kind(path)
    batch_size = batch_size or writer().batch_size
    report = ImportReport(str(path), kind)
    write = write_roles if kind == "roles" else EntityWriter()
    started, batch, position = time.perf_counter(), [], 0
    with open_bulk(path) as (raw, stream):
        for record in items(stream):
            try:
                batch.append(_parse(kind, record))
            except parse.MalformedRecord:
                report.skipped += 1
                continue
            if len(batch) >= batch_size:
                write(batch)
                report.records += len(batch)
                batch = []
                if on_progress:
                    on_progress(raw.tell() - position)
                    position = raw.tell()
        write(batch)
        report.records += len(batch)
        if on_progress:
            on_progress(raw.tell() - position)
    report.seconds = time.perf_counter() - started
    return report
