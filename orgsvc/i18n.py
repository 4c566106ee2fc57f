"""Languages: Norwegian bokmål by default, English as a choice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

import flask_babel
from babel import Locale, dates
from flask import Flask, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_context

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


# --- templates -----------------------------------------------------------------------------------
# A page asks for dozens of translations and dates. Flask-Babel finds the request's catalogue anew for
# each text (several context-local lookups) and parses a date format's patterns anew for each date;
# here a render looks its catalogue up once, and a locale's patterns are parsed once per process.
RENDER_TRANSLATIONS = "_orgsvc_translations"
NAMED_FORMATS = ("full", "long", "medium", "short")


def _render_translations() -> dict:
    """Context processor: the catalogue of the locale the template is rendered in."""
    return {RENDER_TRANSLATIONS: get_translations()}


def _translations(context):
    # Macros imported without the caller's context have no catalogue of their own: look it up.
    translations = context.get(RENDER_TRANSLATIONS)
    return translations if translations is not None else get_translations()


@pass_context
def _gettext(context, string):
    return _translations(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, number):
    return _translations(context).ungettext(singular, plural, number)


@pass_context
def _pgettext(context, message_context, string):
    return _translations(context).upgettext(message_context, string)


@pass_context
def _npgettext(context, message_context, singular, plural, number):
    return _translations(context).unpgettext(message_context, singular, plural, number)


@lru_cache(maxsize=64)
def _datetime_formatter(locale: Locale, format: str) -> Callable[[datetime], str]:
    """``babel.dates.format_datetime`` for one locale and format, its patterns parsed once."""
    if format not in NAMED_FORMATS:
        pattern = dates.parse_pattern(format)
        return lambda moment: pattern.apply(moment, locale)
    frame = dates.get_datetime_format(format, locale=locale).replace("'", "")
    date_pattern = dates.parse_pattern(dates.get_date_format(format, locale=locale))
    time_pattern = dates.parse_pattern(dates.get_time_format(format, locale=locale))

    def formatted(moment: datetime) -> str:
        time = time_pattern.apply(moment.timetz(), locale, reference_date=moment.date())
        return frame.replace("{0}", time).replace("{1}", date_pattern.apply(moment.date(), locale))

    return formatted


def format_datetime(moment: datetime | None, format: str | None = None) -> str:
    """Flask-Babel's ``datetimeformat`` filter (the person's locale, the service's time zone), with
    the patterns of a locale and format parsed once rather than on every call."""
    if moment is None or format is None:
        return flask_babel.format_datetime(moment, format)
    zone = get_timezone()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(zone)
    if hasattr(zone, "normalize"):  # pytz
        moment = zone.normalize(moment)
    return _datetime_formatter(Locale.parse(get_locale()), format)(moment)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language)
    app.context_processor(_render_translations)
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext,
                                            npgettext=_npgettext)
    app.jinja_env.filters["datetimeformat"] = format_datetime
