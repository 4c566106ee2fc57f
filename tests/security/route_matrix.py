"""The access matrix: persona × route × method × scope -> the expected answer.

Personas (with their organisation): anon (not signed in), person (signed in, no organisation),
pu (ubekreftet bruker in A), u (bruker in A), pa (ubekreftet administrator of P, awaiting the
regulator), a (administrator of A), cw (caseworker), ra (regulator administrator).

Scopes: "same" - an object of the persona's own organisation (A, or P for pa); "other" - an object of
organisation B, which none of the business personas belongs to; "none" - a route without objects.

Answers: a status code, or LOGIN (a redirect to the login page). A persona missing from a row is not
applicable to it (e.g. "same organisation" for a persona without one). 404 is the answer for what the
persona may not even see - exactly the answer for a missing object - and 403 for what they see but
may not do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOGIN = "login"
PERSONAS = ("anon", "person", "pu", "u", "pa", "a", "cw", "ra")
HOME = {"pu": "a", "u": "a", "a": "a", "pa": "p"}  # the organisation whose objects are "same"


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    scope: str
    expected: dict = field(default_factory=dict)


def row(endpoint, method, scope, **expected) -> Row:
    return Row(endpoint, method, scope, expected)


def everyone(status, **overrides) -> dict:
    return {**dict.fromkeys(PERSONAS, status), **overrides}


def signed_in(status, **overrides) -> dict:
    return {**dict.fromkeys(PERSONAS, status), "anon": LOGIN, **overrides}


BUSINESS = ("person", "pu", "u", "pa", "a")
STAFF = ("cw", "ra")


def business(status, staff, **overrides) -> dict:
    return {"anon": LOGIN, **dict.fromkeys(BUSINESS, status), **dict.fromkeys(STAFF, staff), **overrides}


OWN = {"pu": None, "u": None, "pa": None, "a": None}  # shorthand: personas with a home organisation


def same(**statuses) -> dict:
    """A "same organisation" row: only personas with an organisation (and anonymous visitors)."""
    return {"anon": LOGIN, **statuses}


def other(**statuses) -> dict:
    """An "other organisation" row: every persona; business personas see nothing of B."""
    return {"anon": LOGIN, **dict.fromkeys(BUSINESS, 404), **statuses}


MATRIX = [
    # --- public and account pages (no objects) ---------------------------------------------------
    row("portal.home", "GET", "none", **everyone(200)),
    row("portal.health", "GET", "none", **everyone(200)),
    row("accounts.login", "GET", "none", **everyone(302, anon=200)),
    row("accounts.login", "POST", "none", **everyone(302, anon=400)),
    row("accounts.register", "GET", "none", **everyone(302, anon=200)),
    row("accounts.register", "POST", "none", **everyone(302)),
    row("accounts.registration_sent", "GET", "none", **everyone(200)),
    row("accounts.confirm_registration", "GET", "none", **everyone(404)),
    row("accounts.confirm_registration", "POST", "none", **everyone(404)),
    row("accounts.forgot_password", "GET", "none", **everyone(200)),
    row("accounts.forgot_password", "POST", "none", **everyone(302)),
    row("accounts.reset_sent", "GET", "none", **everyone(200)),
    row("accounts.reset_password", "GET", "none", **everyone(404)),
    row("accounts.reset_password", "POST", "none", **everyone(404)),
    row("accounts.choose_language", "POST", "none", **everyone(302)),
    row("accounts.account", "GET", "none", **signed_in(200)),
    row("accounts.change_password", "POST", "none", **signed_in(302)),
    row("accounts.change_digest", "POST", "none", **business(302, 404)),
    row("accounts.change_details", "POST", "none", **business(302, 404)),
    row("accounts.close_account", "GET", "none", **business(200, 404)),
    row("accounts.close_account", "POST", "none", **business(302, 404, a=409)),
    row("accounts.end_other_sessions", "POST", "none", **signed_in(302)),
    row("accounts.logout", "POST", "none", **signed_in(302)),
    row("accounts.reauthenticate", "GET", "none", **signed_in(200)),
    row("accounts.reauthenticate", "POST", "none", **signed_in(400)),
    row("cases.confirm_follow", "GET", "none", **everyone(404)),
    row("cases.confirm_follow", "POST", "none", **everyone(404)),
    row("notify.unsubscribe_digest", "GET", "none", **everyone(404)),
    row("notify.unsubscribe_digest", "POST", "none", **everyone(404)),
    row("inbox.index", "GET", "none", **signed_in(200)),
    # --- the intake API: a browser session gives it nothing --------------------------------------
    row("api.openapi", "GET", "none", **everyone(200)),
    row("api.create_case", "POST", "none", **everyone(401)),
    row("api.get_case", "GET", "none", **everyone(401)),
    row("api.add_document", "POST", "none", **everyone(401)),
    row("api.set_status", "PUT", "none", **everyone(401)),
    # --- «Jeg representerer en virksomhet» -------------------------------------------------------
    row("organisations.choose", "GET", "none", **business(200, 404)),
    row("organisations.search", "GET", "none", **business(200, 404)),
    row("organisations.add", "GET", "none", **business(200, 404)),
    row("organisations.add", "POST", "other", **business(302, 404)),
    row("organisations.join", "GET", "other", **business(200, 404)),
    row("organisations.join", "POST", "other", **business(302, 404)),
    row("portal.switch_organisation", "POST", "same", **same(pu=302, u=302, a=302, pa=302)),
    row("portal.switch_organisation", "POST", "other", **other(cw=404, ra=404)),
    # --- the organisation's people («Brukere») ----------------------------------------------------
    row("roles.members", "GET", "none", **signed_in(200, person=302, cw=302, ra=302)),
    row("roles.leave", "GET", "none", **signed_in(200, person=302, cw=302, ra=302)),
    row("roles.leave", "POST", "none", **signed_in(302, a=409)),
    row("roles.apply_administrator", "POST", "none", **signed_in(409, person=302, cw=302, ra=302)),
    row("roles.approve", "POST", "same", **same(pu=403, u=404, pa=403, a=302)),
    row("roles.approve", "POST", "other", **other(cw=403, ra=403)),
    row("roles.reject", "GET", "same", **same(pu=403, u=404, pa=403, a=200)),
    row("roles.reject", "GET", "other", **other(cw=403, ra=403)),
    row("roles.reject", "POST", "same", **same(pu=403, u=404, pa=403, a=302)),
    row("roles.reject", "POST", "other", **other(cw=403, ra=403)),
    row("roles.change_role", "POST", "same", **same(pu=404, u=403, pa=403, a=302)),
    row("roles.change_role", "POST", "other", **other(cw=403, ra=403)),
    row("roles.remove", "GET", "same", **same(pu=404, u=403, pa=403, a=200)),
    row("roles.remove", "GET", "other", **other(cw=403, ra=403)),
    row("roles.remove", "POST", "same", **same(pu=404, u=403, pa=403, a=302)),
    row("roles.remove", "POST", "other", **other(cw=403, ra=403)),
    row("cases.member_cases", "GET", "same", **same(pu=404, u=403, pa=403, a=200)),
    row("cases.member_cases", "GET", "other", **other(cw=403, ra=403)),
    # --- logs and the regulator's queue ------------------------------------------------------------
    row("audit.organisation_log", "GET", "none", **signed_in(403, person=302, a=200, cw=302, ra=302)),
    row("audit.regulator_log", "GET", "none", **business(404, 200)),
    row("approvals.queue", "GET", "none", **business(404, 200)),
    row("approvals.detail", "GET", "same", **same(pa=403)),
    row("approvals.detail", "GET", "other", **other(cw=200, ra=200)),
    row("approvals.approve", "POST", "same", **same(pa=403)),
    row("approvals.approve", "POST", "other", **other(cw=302, ra=302)),
    row("approvals.reject", "POST", "same", **same(pa=403)),
    row("approvals.reject", "POST", "other", **other(cw=302, ra=302)),
    # --- the inbox ------------------------------------------------------------------------------
    row("inbox.show", "GET", "same", **same(pu=404, u=404, pa=404, a=200)),
    row("inbox.show", "GET", "other", **other(cw=404, ra=404)),
    row("inbox.mark_read", "POST", "same", **same(pu=404, u=404, pa=404, a=302)),
    row("inbox.mark_read", "POST", "other", **other(cw=404, ra=404)),
    row("inbox.mark_unread", "POST", "same", **same(pu=404, u=404, pa=404, a=302)),
    row("inbox.open_link", "POST", "same", **same(pu=404, u=404, pa=404, a=302)),
    row("inbox.open_link", "POST", "other", **other(cw=404, ra=404)),
    row("inbox.mark_unread", "POST", "other", **other(cw=404, ra=404)),
    # --- «Våre saker» and the case pages -----------------------------------------------------------
    row("cases.index", "GET", "none", **signed_in(200, person=302, cw=302, ra=302)),
    row("cases.new", "GET", "none", **signed_in(200, person=302, pu=403, pa=403, cw=302, ra=302)),
    row("cases.new", "POST", "none", **signed_in(302, pu=403, pa=403)),
    row("cases.regulator_list", "GET", "none", **business(404, 200)),
    row("cases.show", "GET", "same", **same(pu=404, u=200, pa=404, a=200)),
    row("cases.show", "GET", "other", **other(cw=200, ra=200)),
    row("cases.documents", "GET", "same", **same(pu=404, u=200, pa=404, a=200)),
    row("cases.documents", "GET", "other", **other(cw=200, ra=200)),
    row("cases.download", "GET", "same", **same(pu=404, u=200, pa=404, a=200)),
    row("cases.download", "GET", "other", **other(cw=200, ra=200)),
    row("cases.upload", "POST", "same", **same(pu=404, u=302, pa=404, a=302)),
    row("cases.upload", "POST", "other", **other(cw=403, ra=403)),
    row("cases.withdraw", "GET", "same", **same(pu=404, u=200, pa=404, a=200)),
    row("cases.withdraw", "GET", "other", **other(cw=403, ra=403)),
    row("cases.withdraw", "POST", "same", **same(pu=404, u=302, pa=404, a=302)),
    row("cases.withdraw", "POST", "other", **other(cw=403, ra=403)),
    row("cases.send_message", "POST", "same", **same(pu=404, u=302, pa=404, a=302)),
    row("cases.send_message", "POST", "other", **other(cw=404, ra=404)),
    row("cases.follow", "POST", "same", **same(pu=404, u=302, pa=404, a=302)),
    row("cases.follow", "POST", "other", **other(cw=403, ra=403)),
    row("cases.unfollow", "POST", "same", **same(pu=404, u=302, pa=404, a=302)),
    row("cases.unfollow", "POST", "other", **other(cw=302, ra=302)),
    row("cases.add_access", "POST", "same", **same(pu=404, u=403, pa=404, a=302)),
    row("cases.add_access", "POST", "other", **other(cw=404, ra=404)),
    row("cases.remove_access", "POST", "same", **same(pu=404, u=403, pa=404, a=302)),
    row("cases.remove_access", "POST", "other", **other(cw=404, ra=404)),  # as add_access: not their side
    row("cases.change_status", "POST", "same", **same(pu=404, u=403, pa=404, a=403)),
    row("cases.change_status", "POST", "other", **other(cw=302, ra=302)),
    row("cases.assign", "POST", "same", **same(pu=404, u=403, pa=404, a=403)),
    row("cases.assign", "POST", "other", **other(cw=302, ra=302)),
    row("cases.reply", "POST", "same", **same(pu=404, u=403, pa=404, a=403)),
    row("cases.reply", "POST", "other", **other(cw=302, ra=302)),
]

# Routes deliberately outside the matrix (static files only).
PUBLIC_ALLOW_LIST = {"static"}
