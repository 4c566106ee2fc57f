"""``Idempotency-Key`` for the API's creating requests (draft-ietf-httpapi-idempotency-key-header).

A client that sends a case or a document and loses the answer (a timeout, a restarted worker) can
send the same request again with the same key and get the same case or document, not a second one.

The key is written in the transaction that creates the object (``RequestKey.remember``), so the two
commit together or not at all. Two requests with one key at the same moment both get as far as
writing it; the second waits for the first's transaction, fails on the primary key, rolls back
everything it did and answers with what the first created (``once``). Keys are kept for at least
``RETENTION``; ``purge`` (``orgsvc api purge-request-keys``) deletes older ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from orgsvc.api.models import ApiRequestKey
from orgsvc.cases.models import Case, CaseDocument
from orgsvc.db import utcnow
from orgsvc.errors import InvalidInput, UnprocessableRequest
from orgsvc.extensions import db
from orgsvc.transactions import transactional

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETENTION = timedelta(hours=24)
KEY_MAX = 255
Created = TypeVar("Created", Case, CaseDocument)


class KeyReused(UnprocessableRequest):
    code = "idempotency_key_reused"
    default_message = _l("This Idempotency-Key was used with another request.")


@dataclass(frozen=True)
class RequestKey:
    """A client's key for one request, with the fingerprint of what the request asks for."""

    client_id: int
    key: str
    fingerprint: str

    def remember(self, created: Case | CaseDocument) -> None:
        """Within the creating transaction: the key now names ``created``. A concurrent request with
        the same key waits here for this transaction and then fails on the primary key."""
        document = created if isinstance(created, CaseDocument) else None
        db.session.add(ApiRequestKey(client_id=self.client_id, key=self.key, fingerprint=self.fingerprint,
                                     case_id=created.case_id if document else created.id,
                                     document_id=document.id if document else None))
        db.session.flush()


def parse_key(value: str | None) -> str | None:
    """The header's key, or None when it was not sent. The draft's form is a quoted string; a bare
    token is taken as well, as most clients send one."""
    if value is None:
        return None
    key = value.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > KEY_MAX or not all(0x21 <= ord(char) <= 0x7E for char in key):
        raise InvalidInput(_l("Idempotency-Key must be 1 to 255 visible ASCII characters."), field=HEADER)
    return key


def json_fingerprint(method: str, path: str, body: dict) -> str:
    """The request as data: the same JSON with other spacing or key order is the same request."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _digest(method, path, canonical.encode())


def file_fingerprint(method: str, path: str, filename: str | None, stream: IO[bytes]) -> str:
    """An upload as its name and content (a client's retry may use another multipart boundary).
    Reads the stream and puts it back at the start for the upload itself."""
    content = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        content.update(chunk)
    stream.seek(0)
    return _digest(method, path, json.dumps([filename, content.hexdigest()]).encode())


def _digest(method: str, path: str, payload: bytes) -> str:
    return hashlib.sha256(f"{method} {path}\n".encode() + payload).hexdigest()


def once(key: RequestKey | None, model: type[Created],
         create: Callable[[Callable[[Case | CaseDocument], None] | None], Created]) -> tuple[Created, bool]:
    """``create(remember)`` once per key: (what it created, False), or what an earlier request with
    the key created (its ``model`` object, True). ``create`` passes ``remember`` to the service, which
    calls it in its transaction."""
    if key is None:
        return create(None), False
    earlier = _earlier(key, model)
    if earlier is not None:
        return earlier, True
    try:
        return create(key.remember), False
    except Exception:
        # Lost the race to a request with the same key: its object is the answer. Any other
        # failure finds no key and is raised as it was.
        earlier = _earlier(key, model)
        if earlier is None:
            raise
        return earlier, True


def _earlier(key: RequestKey, model: type[Created]) -> Created | None:
    """What a committed request with the key created; 422 if that request asked for something else."""
    row = db.session.get(ApiRequestKey, (key.client_id, key.key), populate_existing=True)
    if row is None:
        return None
    if row.fingerprint != key.fingerprint:
        raise KeyReused(field=HEADER)
    # The fingerprint holds the path, so a document's key names a document (a case's, a case).
    return db.session.get(model, row.document_id if model is CaseDocument else row.case_id)


@transactional
def purge(now=None) -> int:
    """Delete keys older than ``RETENTION``; returns how many."""
    cutoff = (now or utcnow()) - RETENTION
    result = db.session.execute(sa.delete(ApiRequestKey).where(ApiRequestKey.created_at < cutoff))
    return result.rowcount or 0
