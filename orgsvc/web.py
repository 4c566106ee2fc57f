"""Small helpers shared by the views."""

from __future__ import annotations

import functools

from babel.support import NullTranslations, Translations
from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from orgsvc.errors import DomainError
from orgsvc.i18n import current_language


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
