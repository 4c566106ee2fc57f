"""Norwegian bokmål by default, English on request, and a complete Norwegian catalogue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import flask
import flask_babel
import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgsvc import i18n
from orgsvc.i18n import LANGUAGES
from orgsvc.paths import PACKAGE_DIR, TRANSLATIONS_DIR
from tests.support import login

ROOT = PACKAGE_DIR.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


METHOD_MAP = [("orgsvc/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}


def _extract() -> Catalog:
    """The texts in the code and templates now (as `make messages` would extract them)."""
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(ROOT, METHOD_MAP, keywords=KEYWORDS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def test_every_text_has_a_norwegian_translation():
    extracted = _extract()
    with (TRANSLATIONS_DIR / "nb" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        norwegian = read_po(handle, locale="nb")
    missing, fuzzy, mismatched = [], [], []
    for message in extracted:
        if not message.id:
            continue
        translated = norwegian.get(message.id)
        strings = translated.string if translated else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id)
            continue
        if translated.fuzzy:
            fuzzy.append(message.id)
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = strings if isinstance(strings, str) else strings[0]
        if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(target)):
            mismatched.append(message.id)
    assert missing == [], f"untranslated: {missing}"
    assert fuzzy == []
    assert mismatched == []


def test_the_compiled_catalogue_is_present():
    assert (TRANSLATIONS_DIR / "nb" / "LC_MESSAGES" / "messages.mo").exists()


def test_pages_are_norwegian_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nb">' in page
    assert "Min side for virksomheter" in page
    assert "Logg inn" in page


def test_english_is_a_choice(client):
    response = client.post("/language", data={"lang": "en", "next": "/register"})
    assert response.headers["Location"] == "/register"
    page = client.get("/register").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Date of birth" in page


def test_an_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert '<html lang="nb">' in client.get("/").get_data(as_text=True)


def test_a_signed_in_persons_choice_is_remembered(app, world):
    first = app.test_client()
    login(first, world.user_a.email)
    first.post("/language", data={"lang": "en"})
    second = app.test_client()
    login(second, world.user_a.email)
    assert "My page" in second.get("/").get_data(as_text=True)


def test_the_header_shows_the_seed_status_labels(client, world):
    login(client, world.pending_user_a.email)
    assert "ubekreftet bruker" in client.get("/").get_data(as_text=True)


def test_wtforms_own_messages_follow_the_language_and_are_read_once():
    from orgsvc.web import wtforms_messages

    wtforms_messages.cache_clear()
    norwegian = wtforms_messages("nb")
    assert norwegian.gettext("Not a valid choice.") == "Ikke et gyldig valg"
    assert wtforms_messages("en").gettext("Not a valid choice.") == "Not a valid choice."
    assert wtforms_messages("nb") is norwegian, "one catalogue per language, not one per request"


def test_a_form_in_english_gets_wtforms_messages_in_english(app, client, world):
    from tests.support import login

    login(client, world.user_a.email)
    client.post("/language", data={"lang": "en"})
    page = client.post("/cases/new", data={"kind": "lawsuit", "title": "x", "description": "y"})
    assert page.status_code == 400
    assert "Not a valid choice" in page.get_data(as_text=True)


# --- templates translate and format with the render's locale (orgsvc.i18n) ------------------------
MOMENTS = st.one_of(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31)),  # naive: UTC
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.sampled_from(
        [UTC, ZoneInfo("Europe/Oslo"), ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))])),
)
FORMATS = st.sampled_from(["short", "medium", "long", "full", "yyyy-MM-dd HH:mm", "EEEE d. MMMM y 'kl.' HH:mm"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=MOMENTS, format=FORMATS, language=st.sampled_from(sorted(LANGUAGES)))
def test_dates_read_as_flask_babel_writes_them(app, moment, format, language):
    """The datetimeformat filter (patterns parsed once per locale and format) writes every moment,
    across time zones and summer time, in every format, exactly as Flask-Babel's does in the
    language's formatting locale (English: en_GB)."""
    with app.test_request_context(), force_locale(language):
        written = i18n.format_datetime(moment, format)
    with app.test_request_context(), force_locale(i18n.formatting_locale(language)):
        assert written == flask_babel.format_datetime(moment, format)


class _FormWithErrors:
    errors, form_errors = {"name": ["missing"]}, []

    def __iter__(self):
        return iter(())


def test_templates_translate_in_the_locale_they_are_rendered_in(app):
    """The render's catalogue is the locale's at the render, also for a macro imported without the
    page's context (which looks it up itself), and for a page rendered in another locale. Labels
    are kept for one render only: the next render, in another locale, translates them anew."""
    source = ('{% from "_macros.html" import error_summary %}{{ _("Log out") }}|{{ error_summary(form) }}|'
              '{{ case_status_label("submitted") }}|{{ case_status_label(status) }}|{{ role_label("user") }}|'
              '{{ ngettext("unread message", "unread messages", 2) }}|{{ when|datetimeformat("short") }}')
    context = {"form": _FormWithErrors(), "when": datetime(2026, 7, 1, 10, 30, tzinfo=UTC), "status": "in_progress"}
    with app.test_request_context():
        norwegian = flask.render_template_string(source, **context)
        with force_locale("en"):
            english = flask.render_template_string(source, **context)
        again = flask.render_template_string(source, **context)
    assert norwegian.startswith("Logg ut|")
    assert norwegian.endswith("|innsendt|under behandling|bruker|uleste meldinger|01.07.2026, 12:30")
    assert "Noe må rettes" in norwegian
    assert english.startswith("Log out|")
    assert english.endswith("|submitted|being processed|user|unread messages|01/07/2026, 12:30"), "British, not US"
    assert "Something needs correcting" in english
    assert again == norwegian


@pytest.mark.parametrize(("size", "norwegian", "english"), [
    (0, "0 B", "0 byte"), (87, "87 B", "87 byte"), (1536, "1,5 kB", "1.5 kB"), (1024 * 1000, "1\xa0000 kB", "1,000 kB"),
    (int(99.5 * 1024 * 1024), "99,5 MB", "99.5 MB"),
])
def test_file_sizes_are_written_the_languages_way(app, size, norwegian, english):
    with app.test_request_context():
        written = flask.render_template_string("{{ size|filesize }}", size=size)
        with force_locale("en"):
            assert flask.render_template_string("{{ size|filesize }}", size=size) == english
    assert written == norwegian


@pytest.mark.parametrize(("end", "norwegian", "english"), [
    (datetime(2026, 11, 24, 0, 0, tzinfo=ZoneInfo("Europe/Oslo")), "23.11.2026", "23/11/2026"),  # due at midnight
    (datetime(2026, 11, 23, 23, 0, tzinfo=UTC), "23.11.2026", "23/11/2026"),  # the same moment, in UTC
    (datetime(2026, 11, 24, 0, 1, tzinfo=ZoneInfo("Europe/Oslo")), "24.11.2026", "24/11/2026"),
])
def test_a_deadline_at_midnight_is_written_as_its_last_day(app, end, norwegian, english):
    with app.test_request_context():
        assert flask.render_template_string("{{ end|last_day }}", end=end) == norwegian
        with force_locale("en"):
            assert flask.render_template_string("{{ end|last_day }}", end=end) == english


def test_a_label_is_translated_once_per_render(app):
    """A list shows the same status on many rows; its label is looked up once per render."""
    calls = []

    def label(status):
        calls.append(status)
        return status.upper()

    app.jinja_env.globals["counted_label"] = i18n.per_render(label)
    # An included template and a macro imported with the page's context share the page's memo; a
    # macro imported without it has no memo and asks each time.
    app.jinja_loader = jinja2.ChoiceLoader([jinja2.DictLoader({
        "_row.html": "{{ counted_label(status) }} ",
        "_labels.html": "{% macro label(status) %}{{ counted_label(status) }}{% endmacro %}",
    }), app.jinja_loader])
    source = ('{% from "_labels.html" import label with context %}{% import "_labels.html" as bare %}'
              "{% for status in statuses %}{% include '_row.html' %}{% endfor %}"
              "|{{ label('a') }}|{{ bare.label('a') }}")
    with app.test_request_context():
        first = flask.render_template_string(source, statuses=["a", "b", "a", "a", "b"])
        second = flask.render_template_string(source, statuses=["a"])
    assert first == "A B A A B |A|A" and second == "A |A|A"
    assert calls == ["a", "b", "a", "a", "a"]  # per render: a and b once, and the bare macro's a
