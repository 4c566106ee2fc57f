"""Norwegian bokmål by default, English on request, and a complete Norwegian catalogue."""

from __future__ import annotations

import re

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

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
