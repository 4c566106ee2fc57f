"""Flask-Login wiring: sessions are loaded from revocable login-session rows."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from orgsvc.accounts.sessions import load_person
from orgsvc.errors import wants_json
from orgsvc.extensions import login_manager


def _login_redirect():
    if wants_json():
        return jsonify(error="authentication_required", message=str(_l("You must log in to continue."))), 401
    # Only a GET is worth coming back to; the path is re-checked by the login view.
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.login", next=target))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_person)
    login_manager.unauthorized_handler(_login_redirect)
    login_manager.login_view = "accounts.login"
    # Identity is the server-side session row; a changed client is marked non-fresh, which
    # sends sensitive operations to «Bekreft passordet ditt» (accounts/fresh.py).
    login_manager.session_protection = "basic"
