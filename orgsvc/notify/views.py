"""Unsubscribing from the digest (the List-Unsubscribe link, one click, RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from orgsvc.errors import NotFound
from orgsvc.extensions import csrf
from orgsvc.notify.digest import address_from_token, unsubscribe

bp = Blueprint("notify", __name__)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST here without a session; the signed token is the authority
def unsubscribe_digest(token):
    address = address_from_token(token)
    if address is None:
        raise NotFound()
    if request.method == "POST":
        unsubscribe(address)
        return render_template("notify/unsubscribed.html", address=address)
    return render_template("notify/unsubscribe.html", address=address)
