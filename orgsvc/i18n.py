"""Languages: Norwegian bokmål by default, English as a choice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

import flask_babel
from babel import Locale, dates, units
from flask import Flask, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_context

from orgsvc.extensions import babel
from orgsvc.paths import TRANSLATIONS_DIR

LANGUAGES = {"nb": "Norsk (bokmål)", "en": "English"}
DEFAULT_LANGUAGE = "nb"
# How dates and numbers are written in each language: English the British way (21/11/2026, 23:01),
# not Babel's plain "en" (11/21/26, 11:01 PM), which is American.
FORMAT_LOCALES = {"en": "en_GB"}


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


def formatting_locale(locale=None) -> str:
    """The locale dates and numbers are written in for ``locale`` (by default the request's)."""
    identifier = str(locale or get_locale() or DEFAULT_LANGUAGE)
    return FORMAT_LOCALES.get(identifier, identifier)


def current_language() -> str:
    """The language code of the current request (``nb`` or ``en``)."""
    return str(get_locale() or DEFAULT_LANGUAGE).split("_")[0]


def in_english(text) -> str:
    """Render a (lazy) message in English: operators' command output is English."""
    with force_locale("en"):
        return str(text)


# --- templates -----------------------------------------------------------------------------------
# A page asks for dozens of translations, labels and dates. Flask-Babel finds the request's locale,
# time zone and catalogue anew for each (several context-local lookups) and parses a date format's
# patterns anew for each date; here a render looks them up once (a context processor puts them in
# the render's context), and a locale's patterns are parsed once per process.
RENDER_TRANSLATIONS = "_orgsvc_translations"
RENDER_DATES = "_orgsvc_dates"  # (locale identifier, time zone)
RENDER_MEMO = "_orgsvc_memo"
NAMED_FORMATS = ("full", "long", "medium", "short")


def _render_locale() -> dict:
    """Context processor: the locale, time zone and catalogue the template is rendered in, and an
    empty memo for the labels of this one render."""
    return {RENDER_TRANSLATIONS: get_translations(), RENDER_DATES: (formatting_locale(), get_timezone()),
            RENDER_MEMO: {}}


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


def per_render(label: Callable[..., str]) -> Callable[..., str]:
    """A template global for ``label``, a function of its (hashable) arguments and the locale only,
    called once per render for each arguments: a list shows the same few status labels on every
    row, and each lazy label looks the catalogue up again."""

    @pass_context
    def memoised(context, *args):
        memo = context.get(RENDER_MEMO)
        if memo is None:  # a macro imported without context
            return label(*args)
        key = (label, args)
        if key not in memo:
            memo[key] = label(*args)
        return memo[key]

    memoised.__name__ = label.__name__
    return memoised


@lru_cache(maxsize=64)
def _datetime_formatter(locale_id: str, format: str) -> Callable[[datetime], str]:
    """``babel.dates.format_datetime`` for one locale and format, its patterns parsed once."""
    locale = Locale.parse(locale_id)
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


def format_datetime(moment: datetime | None, format: str | None = None, *, locale: str | None = None,
                    zone: tzinfo | None = None) -> str:
    """Flask-Babel's ``format_datetime`` (by default the person's locale and the service's time
    zone), with the patterns of a locale and format parsed once rather than on every call."""
    if moment is None or format is None:
        return flask_babel.format_datetime(moment, format)
    zone = zone or get_timezone()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(zone)
    if hasattr(zone, "normalize"):  # pytz
        moment = zone.normalize(moment)
    return _datetime_formatter(formatting_locale(locale), format)(moment)


def _render_dates(context) -> tuple[str, tzinfo]:
    """The render's locale for dates and numbers, and its time zone (looked up when rendered without
    the context processor, e.g. from a string template)."""
    return context.get(RENDER_DATES) or (formatting_locale(), get_timezone())


@pass_context
def _datetimeformat(context, moment: datetime | None, format: str | None = None) -> str:
    """The ``datetimeformat`` filter, in the render's locale and time zone."""
    locale, zone = _render_dates(context)
    return format_datetime(moment, format, locale=locale, zone=zone)


@pass_context
def _last_day(context, end: datetime | None, format: str = "short") -> str:
    """The last day of a period that ends at ``end``, exclusive: an answer due at midnight is due
    by the end of the day before (24.11 00:00 is written 23.11)."""
    if end is None:
        return ""
    locale, zone = _render_dates(context)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return dates.format_date(day, format, locale=locale)


@pass_context
def _filesize(context, size: int | None) -> str:
    """A file size in the render's language: «1,5 kB» in bokmål, «1.5 kB» in English."""
    if size is None:
        return ""
    locale = _render_dates(context)[0]
    for unit, scale in (("digital-megabyte", 1024 * 1024), ("digital-kilobyte", 1024)):
        if size >= scale:
            return units.format_unit(size / scale, unit, length="short", format="#,##0.#", locale=locale)
    return units.format_unit(size, "digital-byte", length="short", locale=locale)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=per_render(current_language))
    app.context_processor(_render_locale)
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext,
                                            npgettext=_npgettext)
    app.jinja_env.filters["datetimeformat"] = _datetimeformat
    app.jinja_env.filters["last_day"] = _last_day
    app.jinja_env.filters["filesize"] = _filesize
