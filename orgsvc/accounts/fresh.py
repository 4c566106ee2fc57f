"""Fresh authentication for sensitive operations (ASVS 3.7.1): granting the administrator role, the
regulator's approval of an administrator, correcting one's name or date of birth (what the register
check matches on) and closing one's account need a password entered recently in this session.

A session is fresh for ``ORGSVC_REAUTH_MINUTES`` after the password was last given (at login or on
«Bekreft passordet ditt»), and only while Flask-Login has not marked it non-fresh (session
protection does when the client's address or browser changes).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import confirm_login, login_fresh

from orgsvc.security import safe_next

_GIVEN_AT = "password_given_at"


def password_given() -> None:
    """Mark the session fresh: the person has just given their password."""
    session[_GIVEN_AT] = int(time.time())
    confirm_login()


def is_fresh() -> bool:
    given = session.get(_GIVEN_AT)
    window = current_app.config["ORGSVC_REAUTH_MINUTES"] * 60
    return login_fresh() and isinstance(given, int) and time.time() - given < window


def fresh_login_required(view: Callable) -> Callable:
    """Send a session that is not fresh to «Bekreft passordet ditt», and back to the page the
    request came from (a form's POST cannot be repeated by a redirect; the person sends it again)."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if is_fresh():
            return view(*args, **kwargs)
        back = request.full_path.rstrip("?") if request.method == "GET" else _page_of(request.referrer)
        flash(_("Confirm your password to continue."), "info")
        return redirect(url_for("accounts.reauthenticate", next=back))

    return guarded


def _page_of(referrer: str | None) -> str | None:
    """The referring page as a local path, if it is one of ours."""
    if not referrer or not referrer.startswith(request.host_url):
        return None
    return safe_next("/" + referrer[len(request.host_url):], "") or None
