"""Domain errors and the one place that maps them (and HTTP errors) to responses."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from orgsvc.extensions import db, login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the service explains to its caller; ``status`` is the HTTP answer."""

    status = 400
    code = "bad_request"
    default_message = _l("The request could not be carried out.")
    # Set by the access layer on refusals it wants recorded in the audit log.
    denial: dict | None = None

    def __init__(self, message=None, *, field: str | None = None):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message
        self.field = field


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
    default_message = _l("Some of the information given is not valid.")


class AuthenticationRequired(DomainError):
    status = 401
    code = "authentication_required"
    default_message = _l("You must log in to continue.")

    def __init__(self, message=None, *, invalid_token: bool = False):
        super().__init__(message)
        # A bearer token was sent and refused (wrong, revoked): the API's challenge says so.
        self.invalid_token = invalid_token


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have access to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("We could not find what you were looking for.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("This has already been changed by someone else.")


class UnprocessableRequest(DomainError):
    """Well-formed, but not something the service can do (e.g. a key reused for another request)."""

    status = 422
    code = "unprocessable"
    default_message = _l("The request cannot be carried out as sent.")


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    default_message = _l("Too many attempts. Please wait a while and try again.")

    def __init__(self, message=None, *, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    status = 503
    code = "unavailable"
    default_message = _l("The service is temporarily unavailable. Please try again later.")


HTTP_TITLES = {
    400: _l("Bad request"),
    401: _l("Log in required"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Not possible"),
    413: _l("Too large"),
    422: _l("Cannot be carried out"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}


def is_api() -> bool:
    return request.path.startswith("/api/")


def wants_json() -> bool:
    """API clients get JSON errors; browsers get pages."""
    return is_api() or request.accept_mimetypes.best == "application/json"


def bearer_challenge(invalid_token: bool = False) -> dict:
    """The API's 401 header (RFC 6750 section 3): how to authenticate, and whether the token sent was refused."""
    challenge = 'Bearer realm="orgsvc"' + (', error="invalid_token"' if invalid_token else "")
    return {"WWW-Authenticate": challenge}


def error_response(status: int, message, code: str, headers: dict | None = None):
    """Render one error as JSON or as the error page, with ``status``."""
    if wants_json():
        response = jsonify(error=code, message=str(message))
    else:
        title = HTTP_TITLES.get(status, HTTP_TITLES[500])
        page = render_template("errors/error.html", status=status, title=title, message=message)
        response = make_response(page)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    """Map domain errors, HTTP errors, CSRF failures and crashes to responses, in one place."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if error.denial:
            _record_denial(error.denial)
        if isinstance(error, AuthenticationRequired) and not wants_json():
            return login_manager.unauthorized()
        return error_response(error.status, error.message, error.code, _domain_error_headers(error))

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        message = _l("The form has expired or was not sent from this site. Please try again.")
        return error_response(400, message, "csrf_failed")

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        message = _http_message(status)
        return error_response(status, message, f"http_{status}", _http_error_headers(error, status))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def handle_database_unavailable(error: Exception):
        # A restarting or locked database is a pause, not a crash: the transaction is rolled back,
        # the client is told to retry, and the next request gets a fresh connection (pool_pre_ping).
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        try:
            db.session.rollback()
        except Exception:
            log.exception("could not roll back after losing the database")
        # The page is drawn without the database: as for a visitor, not from the session's person.
        g._login_user = login_manager.anonymous_user()
        return error_response(503, _http_message(503), "unavailable", {"Retry-After": "5"})

    @app.errorhandler(Exception)
    def handle_crash(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        # After a failed statement PostgreSQL refuses every further one in the transaction, and the
        # error page's frame reads the database: without the rollback the page itself would crash.
        try:
            db.session.rollback()
        except Exception:
            log.exception("could not roll back after an unhandled error")
        return error_response(500, _http_message(500), "internal_error")


def _domain_error_headers(error: DomainError) -> dict | None:
    if isinstance(error, TooManyRequests):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, AuthenticationRequired) and is_api():
        return bearer_challenge(error.invalid_token)
    return None


def _http_error_headers(error: HTTPException, status: int) -> dict | None:
    if status == 401 and is_api():
        return bearer_challenge()
    allow = dict(error.get_headers()).get("Allow") if status == 405 else None
    return {"Allow": allow} if allow else None


def _record_denial(denial: dict) -> None:
    """Keep a refused access in the audit log; whatever the request changed is rolled back."""
    from orgsvc.audit.services import record

    try:
        db.session.rollback()
        record(outcome="denied", **denial)
        db.session.commit()
    except Exception:  # the refusal stands even if the log cannot be written
        db.session.rollback()
        log.exception("could not record an access denial")


def _http_message(status: int):
    messages = {
        400: _l("The request could not be understood."),
        401: _l("You must log in to continue."),
        403: _l("You do not have access to do this."),
        404: _l("We could not find what you were looking for."),
        405: _l("This address does not accept that kind of request."),
        413: _l("What you sent is larger than we accept."),
        429: _l("Too many attempts. Please wait a while and try again."),
        500: _l("An unexpected error occurred. It has been logged; please try again later."),
        503: _l("The service is temporarily unavailable. Please try again later."),
    }
    return messages.get(status, messages[500])
