"""The real Enhetsregisteret over HTTP (data.brreg.no), plus prokura from the fullmakt service.

Versioned Accept headers, a User-Agent, connect and read timeouts, a few retries with backoff on
429 and 5xx (honouring Retry-After, but never waiting longer than a person will), and a short cache.
Whatever goes wrong on the wire surfaces as RegisterUnavailable, never as a crash.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from email.utils import parsedate_to_datetime

import requests
from cachetools import TTLCache

from orgsvc.registry import orgnr as orgnumbers
from orgsvc.registry import parse
from orgsvc.registry.local import rank
from orgsvc.registry.types import (
    Entity,
    EntityStatus,
    Lookup,
    LookupStatus,
    RegisterUnavailable,
    RoleHolder,
)

log = logging.getLogger(__name__)

DEFAULT_URL = "https://data.brreg.no/enhetsregisteret/api"
DEFAULT_FULLMAKT_URL = "https://data.brreg.no/fullmakt"
ACCEPT_ENHET = "application/vnd.brreg.enhetsregisteret.enhet.v2+json;charset=UTF-8"
ACCEPT_UNDERENHET = "application/vnd.brreg.enhetsregisteret.underenhet.v2+json;charset=UTF-8"
ACCEPT_ROLLE = "application/vnd.brreg.enhetsregisteret.rolle.v1+json;charset=UTF-8"
ACCEPT_JSON = "application/json"
RETRY_STATUSES = {429, 500, 502, 503, 504}
ANSWER_STATUSES = {200, 404, 410}


class RoleList(list):
    """Role holders; ``complete`` is False when a source (the fullmakt service) could not answer."""

    complete: bool = True


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class BrregRegister:
    """``Register`` over the Enhetsregisteret API."""

    name = "brreg"

    def __init__(self, base_url: str = DEFAULT_URL, fullmakt_url: str = DEFAULT_FULLMAKT_URL, *,
                 connect_timeout: float = 3.05, read_timeout: float = 8.0, retries: int = 2,
                 max_retry_wait: float = 5.0, budget: float = 12.0, pause_after_failure: float = 30.0,
                 cache_seconds: float = 300, user_agent: str = "orgsvc"):
        self.base_url = base_url.rstrip("/")
        self.fullmakt_url = fullmakt_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        # A person is waiting (and a gunicorn worker has a timeout): retries stop when another
        # attempt could run past ``budget`` seconds for the whole question.
        self.budget = budget
        # After the register failed to answer, questions fail at once for this long instead of
        # each waiting out the timeouts again (one registration asks several questions).
        self.pause_after_failure = pause_after_failure
        self._resting_until = 0.0
        self.http = requests.Session()
        self.http.headers["User-Agent"] = user_agent
        self._cache: TTLCache = TTLCache(maxsize=4096, ttl=cache_seconds)
        self._lock = threading.Lock()

    # --- HTTP -----------------------------------------------------------------------------------
    def get(self, url: str, accept: str, params: dict | None = None, shape: type = dict) -> tuple[int, object]:
        """(status, JSON body) for 200/404/410; RegisterUnavailable for anything else, including a
        200 whose body is not JSON of ``shape`` (an object, or a list for the roles feed)."""
        key = (url, accept, tuple(sorted((params or {}).items())))
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            if time.monotonic() < self._resting_until:
                raise RegisterUnavailable(f"{url}: the register did not answer a moment ago")
        try:
            answer = self._fetch(url, accept, params, shape)
        except RegisterUnavailable:
            with self._lock:
                self._resting_until = time.monotonic() + self.pause_after_failure
            raise
        with self._lock:
            self._cache[key] = answer
        return answer

    def _fetch(self, url: str, accept: str, params: dict | None, shape: type) -> tuple[int, object]:
        started = time.monotonic()
        for attempt in range(self.retries + 1):
            last_try = attempt == self.retries
            try:
                response = self.http.get(url, params=params, headers={"Accept": accept}, timeout=self.timeout)
            except requests.RequestException as error:
                wait = self._backoff(attempt)
                if last_try or self._over_budget(started, wait):
                    raise RegisterUnavailable(f"{url}: {type(error).__name__}") from error
                self._sleep(wait)
                continue
            if response.status_code in RETRY_STATUSES:
                wait = _retry_after(response)
                wait = self._backoff(attempt) if wait is None else wait
                if last_try or wait > self.max_retry_wait or self._over_budget(started, wait):
                    raise RegisterUnavailable(f"{url}: HTTP {response.status_code}")
                self._sleep(wait)
                continue
            if response.status_code not in ANSWER_STATUSES:
                raise RegisterUnavailable(f"{url}: unexpected HTTP {response.status_code}")
            return response.status_code, self._json(response, url, shape)
        raise RegisterUnavailable(url)  # not reached: the last attempt returns or raises

    def _over_budget(self, started: float, wait: float) -> bool:
        """Would waiting ``wait`` and trying once more (up to both timeouts) pass the budget?"""
        return time.monotonic() - started + wait + sum(self.timeout) > self.budget

    @staticmethod
    def _json(response: requests.Response, url: str, shape: type):
        try:
            body = response.json()
        except ValueError as error:
            if response.status_code == 200:
                raise RegisterUnavailable(f"{url}: malformed JSON") from error
            return None
        if response.status_code == 200 and not isinstance(body, shape):
            raise RegisterUnavailable(f"{url}: unexpected JSON")
        return body

    @staticmethod
    def _backoff(attempt: int) -> float:
        return 0.25 * (2**attempt) + random.uniform(0, 0.1)  # noqa: S311 (jitter, not security)

    @staticmethod
    def _sleep(seconds: float) -> None:
        time.sleep(seconds)

    # --- Register ---------------------------------------------------------------------------
    def lookup(self, orgnr: str) -> Lookup:
        number = orgnumbers.validate(orgnr)
        status, body = self.get(f"{self.base_url}/enheter/{number}", ACCEPT_ENHET)
        if status == 200:
            found = self._entity(body)
            return Lookup(number, LookupStatus.DELETED if found.status == EntityStatus.DELETED else LookupStatus.ACTIVE,
                          found)
        if status == 410:
            return Lookup(number, LookupStatus.REMOVED, self._removed(number, body))
        status, body = self.get(f"{self.base_url}/underenheter/{number}", ACCEPT_UNDERENHET)
        if status == 410:
            return Lookup(number, LookupStatus.REMOVED, self._removed(number, body))
        if status != 200:
            return Lookup(number, LookupStatus.NOT_FOUND)
        subunit = self._entity(body, subunit=True)
        main = None
        if subunit.parent_orgnr:
            main_status, main_body = self.get(f"{self.base_url}/enheter/{subunit.parent_orgnr}", ACCEPT_ENHET)
            main = self._entity(main_body) if main_status == 200 else None
        return Lookup(number, LookupStatus.SUBUNIT, subunit, main)

    @staticmethod
    def _entity(body, subunit: bool = False) -> Entity:
        try:
            return parse.entity(body, subunit=subunit)
        except parse.MalformedRecord as error:
            raise RegisterUnavailable(f"malformed entity: {error}") from error

    @staticmethod
    def _removed(number: str, body) -> Entity:
        name = body.get("navn") if isinstance(body, dict) else None
        return Entity(number, name or number, status=EntityStatus.REMOVED)

    def search(self, query: str, limit: int = 10) -> list[Entity]:
        digits = orgnumbers.normalise(query)
        if digits.isdigit():
            if len(digits) != 9 or not orgnumbers.is_valid(digits):
                return []
            found = self.lookup(digits)
            return [found.entity] if found.entity and found.entity.is_live_main_entity else []
        if len(query.strip()) < 2:
            return []
        status, body = self.get(f"{self.base_url}/enheter", ACCEPT_ENHET, {"navn": query.strip(), "size": limit})
        if status != 200:
            return []
        embedded = body.get("_embedded") or {}  # no hits: no _embedded at all
        listed = (embedded.get("enheter") or []) if isinstance(embedded, dict) else None
        if not isinstance(listed, list):
            raise RegisterUnavailable("malformed search answer")
        entities = []
        for item in listed:
            try:
                entity = parse.entity(item)
            except parse.MalformedRecord:
                continue
            if entity.is_live_main_entity:
                entities.append(entity)
        return rank(entities, query)[:limit]

    def role_holders(self, orgnr: str) -> RoleList:
        number = orgnumbers.validate(orgnr)
        status, body = self.get(f"{self.base_url}/enheter/{number}/roller", ACCEPT_ROLLE)
        holders = RoleList()
        if status == 200:
            holders.extend(h for h in self._roles(body) if h.active)
        try:
            holders.extend(self._prokura(number, holders))
        except RegisterUnavailable:
            log.warning("fullmakt service unavailable for %s; prokura holders unknown", number)
            holders.complete = False
        return holders

    @staticmethod
    def _roles(body: dict) -> list[RoleHolder]:
        """The holders in a /roller answer; a JSON object of another shape is no answer at all."""
        groups = body.get("rollegrupper")
        if not isinstance(groups, list | None):
            raise RegisterUnavailable("malformed roles answer: rollegrupper is not a list")
        try:
            return parse.roles(groups)
        except (AttributeError, TypeError) as error:
            raise RegisterUnavailable(f"malformed roles answer: {error}") from error

    def _prokura(self, number: str, known: list[RoleHolder]) -> list[RoleHolder]:
        status, body = self.get(f"{self.fullmakt_url}/enheter/{number}/prokura", ACCEPT_JSON)
        if status != 200:
            return []
        seen = {(h.role_code, h.first_name, h.last_name, h.birth_date) for h in known}
        try:
            holders = parse.prokura_holders(body)
        except (AttributeError, TypeError) as error:  # a JSON object, but not the fullmakt answer's shape
            raise RegisterUnavailable(f"malformed prokura answer: {error}") from error
        return [h for h in holders
                if (h.role_code, h.first_name, h.last_name, h.birth_date) not in seen]
