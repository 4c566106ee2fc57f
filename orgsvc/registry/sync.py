"""``orgsvc registry sync``: bring the local register up to date from Enhetsregisteret's change feeds.

The entity feeds name what changed (Ny, Endring, Sletting, Fjernet); each changed entity is fetched
again and written as in an import. The roles feed only names organisations, so their roles are
fetched again whole. Where each feed left off is kept, so the next run continues from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.registry import parse
from orgsvc.registry.brreg import ACCEPT_ENHET, ACCEPT_ROLLE, ACCEPT_UNDERENHET, BrregRegister
from orgsvc.registry.bulk import write_entities, write_roles
from orgsvc.registry.models import RegisterEntity, RegisterSyncState
from orgsvc.registry.types import Entity, EntityStatus, RegisterUnavailable

ACCEPT_FEED = "application/vnd.brreg.enhetsregisteret.oppdatering.enhet.v1+json"
ACCEPT_SUBUNIT_FEED = "application/vnd.brreg.enhetsregisteret.oppdatering.underenhet.v1+json"
PAGE = 1000
FEEDS = {
    "enheter": ("oppdateringer/enheter", "oppdaterteEnheter", ACCEPT_FEED, False),
    "underenheter": ("oppdateringer/underenheter", "oppdaterteUnderenheter", ACCEPT_SUBUNIT_FEED, True),
}


class SyncNeedsStart(Exception):
    """The first sync must be told where the imported bulk files left off (--since)."""


@dataclass
class SyncReport:
    changed: dict[str, int] = field(default_factory=dict)


def _state(feed: str) -> RegisterSyncState:
    state = db.session.get(RegisterSyncState, feed)
    if state is None:
        state = RegisterSyncState(feed=feed)
        db.session.add(state)
    return state


def _start(feed: str, since: datetime | None) -> RegisterSyncState:
    """The feed's state; a feed never read before starts at ``since`` (and remembers it, so a feed
    with nothing new yet still knows where to start next time)."""
    state = _state(feed)
    if state.last_id is None and state.last_time is None:
        if since is None:
            raise SyncNeedsStart(feed)
        state.last_time = since
    return state


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _removed(orgnr: str, subunit: bool) -> Entity:
    existing = db.session.get(RegisterEntity, orgnr)
    name = existing.name if existing else orgnr
    return Entity(orgnr, name, status=EntityStatus.REMOVED, is_subunit=subunit,
                  parent_orgnr=existing.parent_orgnr if existing else None)


def _refetch(client: BrregRegister, orgnr: str, subunit: bool) -> Entity | None:
    path, accept = ("underenheter", ACCEPT_UNDERENHET) if subunit else ("enheter", ACCEPT_ENHET)
    status, body = client.get(f"{client.base_url}/{path}/{orgnr}", accept)
    if status == 410:
        return _removed(orgnr, subunit)
    if status != 200:
        return None
    return parse.entity(body, subunit=subunit)


def sync_entities(client: BrregRegister, feed: str, since: datetime | None) -> int:
    path, key, accept, subunit = FEEDS[feed]
    state = _start(feed, since)
    changed = 0
    while True:
        params = {"size": PAGE}
        if state.last_id is not None:
            params["oppdateringsid"] = state.last_id + 1
        else:
            params["dato"] = _iso(state.last_time)
        _status, body = client.get(f"{client.base_url}/{path}", accept, params)
        updates = ((body or {}).get("_embedded") or {}).get(key) or []
        if not updates:
            break
        entities = []
        for update in updates:
            orgnr = update.get("organisasjonsnummer")
            if update.get("endringstype") == "Fjernet":
                entities.append(_removed(orgnr, subunit))
            elif (fresh := _refetch(client, orgnr, subunit)) is not None:
                entities.append(fresh)
        write_entities(entities)
        state = _state(feed)
        state.last_id = max(int(update["oppdateringsid"]) for update in updates)
        state.updated_at = utcnow()
        db.session.commit()
        changed += len(updates)
    db.session.commit()
    return changed


def sync_roles(client: BrregRegister, since: datetime | None) -> int:
    state = _start("roller", since)
    changed = 0
    while True:
        params = {"size": PAGE}
        if state.last_id is not None:
            params["afterId"] = state.last_id
        else:
            params["afterTime"] = _iso(state.last_time)
        _status, events = client.get(f"{client.base_url}/oppdateringer/roller", "application/json", params, list)
        if not isinstance(events, list) or not events:
            break
        named = (event.get("data", {}).get("organisasjonsnummer") for event in events if isinstance(event, dict))
        orgnrs = list(dict.fromkeys(named))
        batch = []
        for orgnr in filter(None, orgnrs):
            status, body = client.get(f"{client.base_url}/enheter/{orgnr}/roller", ACCEPT_ROLLE)
            batch.append((orgnr, parse.roles(body.get("rollegrupper")) if status == 200 else []))
        write_roles(batch)
        state = _state("roller")
        state.last_id = max(int(e["id"]) for e in events if isinstance(e, dict) and str(e.get("id", "")).isdigit())
        state.updated_at = utcnow()
        db.session.commit()
        changed += len(events)
    db.session.commit()
    return changed


def sync(client: BrregRegister, since: datetime | None = None) -> SyncReport:
    """Apply every feed; RegisterUnavailable leaves the state at the last completed page."""
    report = SyncReport()
    for feed in FEEDS:
        report.changed[feed] = sync_entities(client, feed, since)
    report.changed["roller"] = sync_roles(client, since)
    return report


__all__ = ["RegisterUnavailable", "SyncNeedsStart", "sync"]
