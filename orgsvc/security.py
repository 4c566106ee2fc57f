"""Cross-cutting web security: response headers, request ids, safe redirects and refused input."""

from __future__ import annotations

import secrets
import string
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from orgsvc.api.auth import authenticated_client
from orgsvc.cases.uploads import max_bytes
from orgsvc.errors import InvalidInput

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)

_ALLOWED_PATH_CHARACTERS = frozenset(string.ascii_letters + string.digits + "/-._~%!$&'()*+,;=:@?")


def is_safe_next(target: str | None) -> bool:
    """True when ``target`` is a path of this service that a GET may be redirected to.

    Only same-site paths qualify: no scheme, no host, no backslashes or control characters (which
    browsers reinterpret), and the path must match one of our own routes.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(character not in _ALLOWED_PATH_CHARACTERS for character in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(parts.path, method="GET")
    except HTTPException:
        return False
    return True


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` when it is safe to redirect to, otherwise ``default``."""
    return target if is_safe_next(target) else default


NUL = "\x00"


def _holds_nul(value) -> bool:
    """Whether ``value`` - a string, or a JSON value with strings anywhere in it, keys too - holds NUL."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def request_holds_nul() -> bool:
    """Whether the path, the query, a header, a form field, a file name or a JSON string holds NUL."""
    if NUL in request.path:
        return True
    texts = [*request.args.items(multi=True), *request.headers.items()]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        texts += [*request.form.items(multi=True), *((name, f.filename or "") for name, f in request.files.items())]
    return _holds_nul([list(pair) for pair in texts]) or _holds_nul(request.get_json(silent=True))


def refuse_nul_characters() -> None:
    """NUL is no character of any text we take, and PostgreSQL cannot store it: refuse it at the door
    (400, as a page or as the API's JSON error) rather than fail in the database afterwards."""
    if request_holds_nul():
        raise InvalidInput(_l("The request contains a NUL character, which is not allowed."))


def allow_large_uploads() -> None:
    """Upload routes take up to the configured file size (plus 1 MB for the rest of the form); every
    other route keeps the small limit.

    Only for whoever may upload at all: «Ettersend dokumentasjon» for someone signed in, the API's
    for a valid bearer token. The CSRF check and the NUL check read the form before any view runs,
    so anyone else's large body would otherwise be parsed in full before being refused.
    """
    if (request.endpoint == "cases.upload" and current_user.is_authenticated) or (
            request.endpoint == "api.add_document" and authenticated_client() is not None):
        request.max_content_length = max_bytes() + 1024 * 1024


def register_security(app: Flask) -> None:
    """Install proxy handling, request ids and the security headers on every response."""
    hops = int(app.config.get("ORGSVC_PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.before_request
    def assign_request_id():
        g.request_id = secrets.token_hex(8)

    # After allow_large_uploads (orgsvc/__init__.py): reading the form must honour the upload limit.
    app.before_request(refuse_nul_characters)

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers["X-Request-ID"] = g.get("request_id", "")
        if app.config["ORGSVC_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and current_user.is_authenticated and not request.path.startswith("/static/"):
            # Pages behind the login hold personal and business data: never store them.
            headers["Cache-Control"] = "no-store"
        return response
