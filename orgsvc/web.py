"""Small helpers shared by the views."""

from __future__ import annotations

import functools

from babel.support import NullTranslations, Translations
from flask import render_template, request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms.i18n import messages_path

from orgsvc.errors import DomainError
from orgsvc.i18n import current_language

# Every id is an INTEGER column: 32 bits on PostgreSQL (SQLite's are wider, but the same bound holds on both).
ID_MAX = 2**31 - 1
# The last page a list will show. A page past the end is simply empty; beyond this one the OFFSET
# would only grow towards what the databases refuse (BIGINT on PostgreSQL, 64 bits on SQLite).
PAGE_MAX = 100_000


def _digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0..``limit`` (ASCII digits; "2147483647" gives
    shorter numbers, or one of the same length that is smaller at its first differing digit)."""
    digits = str(limit)
    alternatives = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - position - 1
            alternatives.append(f"{digits[:position]}[0-{int(digit) - 1}][0-9]{{{rest}}}")
    alternatives.append(digits)
    return f"(?:{'|'.join(alternatives)})"


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number beyond the ids' range matches no route, so it is a 404,
    as a missing object is (Werkzeug's own converter takes any number and the database then fails).

    The bound is in the pattern, not only in ``to_python``: a value the pattern took but the
    conversion refused would make Werkzeug answer 405 where the same path has a rule for another
    method (POST /cases/<id>/documents beside GET)."""

    regex = _digits_up_to(ID_MAX)

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = ID_MAX,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


def id_from(value) -> int | None:
    """An id sent as a form or query value: the number, or None when it is none or out of range."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= ID_MAX else None


def page_number() -> int:
    """``?page=`` of a list: 1 when missing or not a number, otherwise clamped to 1..PAGE_MAX."""
    return min(max(1, request.args.get("page", 1, type=int)), PAGE_MAX)


@functools.lru_cache(maxsize=8)
def wtforms_messages(language: str) -> Translations | NullTranslations:
    """WTForms' own messages («Ikke et gyldig valg») in ``language``, read from disk once."""
    return Translations.load(messages_path(), [language], domain="wtforms")


class Form(FlaskForm):
    """The base of every orgsvc form. Flask-WTF would read WTForms' message catalogue from disk
    on every request that shows a form (and every page shows two in its header); this keeps one
    per language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return wtforms_messages(current_language())


def form_status(form: FlaskForm) -> int:
    """400 for a submitted form with errors, 200 otherwise."""
    return 400 if form.is_submitted() and form.errors else 200


def render_form(template: str, form: FlaskForm, status: int | None = None, **context):
    """Render a page holding ``form`` with the status its state calls for."""
    return render_template(template, form=form, **context), status or form_status(form)


def add_error(form: FlaskForm, error: DomainError, fallback_field: str | None = None) -> None:
    """Attach a service's refusal to the form field it concerns (or to the form as a whole)."""
    name = error.field or fallback_field
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def client_address() -> str:
    """The client's address (ProxyFix has applied the configured proxy hops)."""
    return request.remote_addr or "unknown"


def user_agent() -> str | None:
    return request.headers.get("User-Agent")
