"""«Innboks»: list, open, mark as read or unread."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from orgsvc.access import current_principal, load_guarded, may
from orgsvc.inbox import services
from orgsvc.inbox.models import InboxMessage
from orgsvc.inbox.texts import link_label, render
from orgsvc.organisations.context import switch_to
from orgsvc.security import safe_next
from orgsvc.web import page_number

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

# Fetch Metadata (R2, no state change on GET): opening a message marks it read only when the reader
# began the navigation themselves - a click in our own pages ("same-origin") or a typed or bookmarked
# address ("none"). A link on another site could otherwise mark an administrator's join request as
# read unseen; so for "cross-site", "same-site" or no header at all the message is only shown.
READER_INITIATED = frozenset({"same-origin", "none"})


def _opened_by_reader() -> bool:
    return request.headers.get("Sec-Fetch-Site", "").strip().lower() in READER_INITIATED


@bp.get("/")
@login_required
def index():
    page = page_number()
    rows, has_more = services.messages(current_principal(), page)
    return render_template("inbox/index.html", rows=rows, render=render, page=page, has_more=has_more)


@bp.get("/<int:message_id>")
@login_required
def show(message_id):
    principal = current_principal()
    message = load_guarded(principal, InboxMessage, message_id)
    is_read = services.open_message(principal, message, marks_read=_opened_by_reader())
    return render_template("inbox/show.html", message=message, text=render(message), is_read=is_read,
                           link_label=link_label(message.link) if message.link else None)


@bp.post("/<int:message_id>/open")
@login_required
def open_link(message_id):
    """Follow the message's link acting for the organisation the message is about: a join request to
    B opens B's «Brukere» even while A is the current organisation. The organisation becomes current
    only if the person may act in it; otherwise the link is followed as it is."""
    principal = current_principal()
    message = load_guarded(principal, InboxMessage, message_id)
    organisation = services.organisation_of(message)
    if organisation is not None and may(principal, "view", organisation):
        switch_to(organisation.id)
    return redirect(safe_next(message.link, url_for(".show", message_id=message.id)))


@bp.post("/<int:message_id>/unread")
@login_required
def mark_unread(message_id):
    principal = current_principal()
    message = load_guarded(principal, InboxMessage, message_id)
    services.mark_unread(principal, message)
    return redirect(url_for(".index"))


@bp.post("/<int:message_id>/read")
@login_required
def mark_read(message_id):
    principal = current_principal()
    message = load_guarded(principal, InboxMessage, message_id)
    services.mark_read(principal, message)
    return redirect(url_for(".index"))
