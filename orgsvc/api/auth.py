"""Bearer-token authentication for the intake API; tokens are created by operators."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request

from orgsvc.access.principal import Principal
from orgsvc.accounts.sessions import token_hash
from orgsvc.accounts.throttle import throttle
from orgsvc.api.models import ApiClient
from orgsvc.audit.services import record
from orgsvc.db import utcnow
from orgsvc.errors import AuthenticationRequired, Conflict, TooManyRequests
from orgsvc.extensions import db
from orgsvc.transactions import transactional
from orgsvc.web import client_address

log = logging.getLogger(__name__)

TOKEN_PREFIX = "osv_"  # noqa: S105 - a marker that makes leaked tokens easy to spot, not a secret


def _refusal(reason: str, client: ApiClient | None, token_given: bool) -> AuthenticationRequired:
    """A 401 that is logged and kept in the audit log (the token itself never is)."""
    details = {"reason": reason, "client_address": client_address(), "path": request.path}
    if client is not None:
        details["client"] = client.name
    log.warning("api authentication failed: reason=%s client=%s address=%s path=%s", reason,
                details.get("client"), details["client_address"], request.path)
    error = AuthenticationRequired(invalid_token=token_given)
    error.denial = {"action": "api.authentication_failed", "actor_id": None, "details": details}
    return error


@dataclass(frozen=True)
class _Bearer:
    """What the request's bearer token is: the client, or why there is none (``refused``)."""

    client: ApiClient | None
    refused: str | None
    token_given: bool  # a bearer token was sent (RFC 6750: a wrong one is "invalid_token")
    wait: int | None = None  # refused because the address has failed too often: seconds to wait


def _failure_budget() -> tuple[str, str, str]:
    return current_app.config["ORGSVC_API_AUTH_FAILURE_LIMIT_PER_ADDRESS"], "api-auth", client_address()


def _bearer() -> _Bearer:
    """The request's token, looked up once per request (the upload limit asks before the view).

    A valid token is always taken. A refused one from an address that has failed too often is
    answered 429 without auditing it: the budget bounds what guessers can write to the audit log,
    while the regulator's own system, behind the same address or NAT, goes on working (tokens are
    32 random bytes: telling a right guess from a wrong one protects nothing).
    """
    if "api_bearer" not in g:
        bearer = _look_up_bearer()
        if bearer.refused is not None and (wait := throttle().spent(*_failure_budget())) is not None:
            bearer = _Bearer(None, "throttled", bearer.token_given, wait)
        g.api_bearer = bearer
    return g.api_bearer


def _look_up_bearer() -> _Bearer:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token_given = scheme.lower() == "bearer" and bool(token.strip())
    if not header:
        return _Bearer(None, "no_token", token_given)
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return _Bearer(None, "malformed_token", token_given)
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.token_hash == token_hash(token.strip())))
    if client is None:
        return _Bearer(None, "unknown_token", token_given)
    if client.revoked_at is not None:
        return _Bearer(client, "revoked_token", token_given)
    return _Bearer(client, None, token_given)


def authenticated_client() -> ApiClient | None:
    """The client of a valid bearer token, else None; never refuses (for checks before the view)."""
    bearer = _bearer()
    return bearer.client if bearer.refused is None else None


def client_principal() -> Principal:
    """The API client behind the request's bearer token, or 401."""
    bearer = _bearer()
    if bearer.wait is not None:
        log.warning("api authentication refused, not audited: address=%s has failed too often", client_address())
        raise TooManyRequests(retry_after=bearer.wait)
    if bearer.refused is not None:
        throttle().acquire(*_failure_budget())
        raise _refusal(bearer.refused, bearer.client, bearer.token_given)
    client = bearer.client
    if client.last_used_at is None or utcnow() - client.last_used_at > timedelta(minutes=1):
        client.last_used_at = utcnow()
        db.session.commit()
    g.principal = Principal(person_id=None, system=client.name)
    return g.principal


@transactional
def create_client(name: str) -> str:
    """Register an API client; returns its token (shown once, stored only as a hash)."""
    if db.session.scalar(sa.select(ApiClient).where(ApiClient.name == name)) is not None:
        raise Conflict(f"an API client named {name!r} exists")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiClient(name=name, token_hash=token_hash(token)))
    record("api.client_created", actor_id=None, details={"name": name})
    return token


@transactional
def revoke_client(name: str) -> bool:
    client = db.session.scalar(sa.select(ApiClient).where(ApiClient.name == name))
    if client is None or client.revoked_at is not None:
        return False
    client.revoked_at = utcnow()
    record("api.client_revoked", actor_id=None, details={"name": name})
    return True


def clients() -> list[ApiClient]:
    return list(db.session.scalars(sa.select(ApiClient).order_by(ApiClient.name)))
