"""Languages: Norwegian bokmål by default, English as a choice."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import force_locale, get_locale
from flask_login import current_user

from orgsvc.extensions import babel
from orgsvc.paths import TRANSLATIONS_DIR

LANGUAGES = {"nb": "Norsk (bokmål)", "en": "English"}
DEFAULT_LANGUAGE = "nb"


def select_locale() -> str:
    """The person's saved choice, else the choice made this session, else bokmål."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if request.path.startswith("/api/"):
        return "en"  # the intake API answers the regulator's systems in English
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """The language code of the current request (``nb`` or ``en``)."""
    return str(get_locale() or DEFAULT_LANGUAGE).split("_")[0]


def in_english(text) -> str:
    """Render a (lazy) message in English: operators' command output is English."""
    with force_locale("en"):
        return str(text)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language)
