"""The local copy of Enhetsregisteret (the embedded default register), filled from bulk files."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from orgsvc.db import UTCDateTime, str_enum, utcnow
from orgsvc.extensions import db
from orgsvc.registry.types import EntityStatus

# Byte order on both databases, so "word >= prefix AND word < bound" is one index range scan.
ByteOrderString = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")


class RegisterEntity(db.Model):
    __tablename__ = "register_entity"

    orgnr: Mapped[str] = mapped_column(sa.String(9).with_variant(sa.String(9, collation="C"), "postgresql"),
                                       primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(500))
    form_code: Mapped[str | None] = mapped_column(sa.String(10))
    form_description: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[EntityStatus] = mapped_column(str_enum(EntityStatus, "register_entity_status"))
    deleted_on: Mapped[date | None] = mapped_column(sa.Date)
    is_subunit: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    parent_orgnr: Mapped[str | None] = mapped_column(sa.String(9))
    postal_place: Mapped[str | None] = mapped_column(sa.String(100))
    municipality: Mapped[str | None] = mapped_column(sa.String(100))
    # Proceedings the register marks the entity with (types.Proceeding, comma-separated); mostly
    # NULL, so the bulk import pays next to nothing for it.
    proceedings: Mapped[str | None] = mapped_column(sa.String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisterNameWord(db.Model):
    """One word of one entity's name: the index behind autocomplete («Velg organisasjon»)."""

    __tablename__ = "register_name_word"
    __table_args__ = (
        # On PostgreSQL the primary key's index also carries all_words, so a search scans the index
        # alone (an index-only scan) instead of visiting a table page for every word it passes.
        sa.PrimaryKeyConstraint("word", "orgnr", postgresql_include=["all_words"]),
        sa.Index("ix_register_name_word_orgnr", "orgnr", "word"),
    )

    word: Mapped[str] = mapped_column(ByteOrderString)
    orgnr: Mapped[str] = mapped_column(sa.String(9))
    # All the entity's index words, space-separated with spaces at both ends (" nordlys kafe as "):
    # the other words of a query are checked on the row the index scan is already on, instead of
    # probing the index again for every candidate.
    all_words: Mapped[str] = mapped_column(sa.String(600), default="", server_default="")


class RegisterRole(db.Model):
    """One role holder of one entity, as in the roles bulk file (``/roller`` shape)."""

    __tablename__ = "register_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    orgnr: Mapped[str] = mapped_column(sa.String(9), index=True)
    role_code: Mapped[str] = mapped_column(sa.String(10))
    role_description: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))  # person | entity | trustee
    name: Mapped[str] = mapped_column(sa.String(500))
    first_name: Mapped[str | None] = mapped_column(sa.String(200))
    middle_name: Mapped[str | None] = mapped_column(sa.String(200))
    last_name: Mapped[str | None] = mapped_column(sa.String(200))
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    holder_orgnr: Mapped[str | None] = mapped_column(sa.String(9))
    resigned: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    deceased: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    source: Mapped[str] = mapped_column(sa.String(10), default="roller")


class RegisterSyncState(db.Model):
    """Where ``orgsvc registry sync`` left off in each change feed."""

    __tablename__ = "register_sync_state"

    feed: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # enheter | underenheter | roller
    last_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
