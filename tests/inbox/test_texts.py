"""A message's words are rendered when it is read: stored codes (a role, a case status) in the reader's
language, and messages stored before a detail was kept with them in their old words."""

from __future__ import annotations

from flask_babel import force_locale

from orgsvc.inbox.models import InboxMessage
from orgsvc.inbox.texts import render

ROLE_CHANGED = {"decider": "Ola Nordmann", "organisation": "NORDLYS ELEKTRONIKK AS", "person": "Kari Hansen"}
CASE = {"number": "2026-000042", "title": "Reklamasjon på varmepumpe"}


def _body(app, kind: str, params: dict, locale: str = "nb") -> str:
    with app.test_request_context(), force_locale(locale):
        return render(InboxMessage(kind=kind, params=params)).body


def test_a_changed_role_is_named_in_norwegian(app):
    body = _body(app, "role_changed", {**ROLE_CHANGED, "role": "user"})
    assert body == "Ola Nordmann har endret rollen din i NORDLYS ELEKTRONIKK AS til bruker."
    assert "til user" not in body


def test_a_changed_role_is_named_in_the_readers_language(app):
    assert _body(app, "role_changed", {**ROLE_CHANGED, "role": "administrator"}).endswith(
        "til administrator.")
    assert _body(app, "role_changed", {**ROLE_CHANGED, "role": "user"}, "en").endswith(" to user.")


def test_a_new_case_status_is_named_in_the_readers_language(app):
    body = _body(app, "case_status_changed", {**CASE, "status": "in_progress"})
    assert "under behandling" in body and "in_progress" not in body
    assert _body(app, "case_status_changed", {**CASE, "status": "closed"}, "en") == (
        "The status of case 2026-000042 («Reklamasjon på varmepumpe») has changed to closed.")
    # A message stored without its status keeps its old words.
    assert _body(app, "case_status_changed", CASE) == (
        "Statusen i sak 2026-000042 («Reklamasjon på varmepumpe») er endret.")


def test_the_open_again_notice_names_the_action_that_works(app):
    """«Søk om å bli administrator» under «Brukere», not registering again (which refuses those
    already connected)."""
    params = {"organisation": "NORDLYS ELEKTRONIKK AS"}
    assert "«Søk om å bli administrator»" in _body(app, "organisation_open_again", params)
    english = _body(app, "organisation_open_again", params, "en")
    assert "«Apply to become administrator» under Users" in english
    assert "can register as administrator" not in english
