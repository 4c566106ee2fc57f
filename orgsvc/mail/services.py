"""Putting e-mails in the outbox, rendered in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale

from orgsvc.extensions import db
from orgsvc.mail.models import OutboundEmail

# The body of an e-mail queued with ``enqueue_unprepared`` until the sender has it written; never sent.
BODY_TO_BE_PREPARED = "(to be prepared by the sender)"

# Per kind: writes an unprepared e-mail in the sender's transaction (``fill``), or returns False to drop it.
Preparer = Callable[[OutboundEmail], bool]
_preparers: dict[str, Preparer] = {}


def render_email(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Render ``mail/<template>`` as (subject, plain text, HTML) in ``locale``.

    Links are the configured base URL plus our own paths, never derived from a request's Host
    header (which a client controls).
    """
    context.setdefault("base_url", current_app.config["ORGSVC_BASE_URL"].rstrip("/"))
    if not has_request_context():
        # Commands (e.g. staff add) render outside a request; url_for needs one.
        with current_app.test_request_context("/"):
            return render_email(template, locale, **context)
    with force_locale(locale):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    return " ".join(subject.split()), text, html


def message_domain() -> str:
    """The domain our Message-IDs carry: the sender's, else the service's host."""
    address = parseaddr(current_app.config["ORGSVC_MAIL_FROM"])[1]
    if "@" in address:
        return address.rsplit("@", 1)[1]
    return urlsplit(current_app.config["ORGSVC_BASE_URL"]).hostname or "localhost"


def enqueue(
    *,
    to: str,
    kind: str,
    template: str,
    locale: str,
    dedupe_key: str | None = None,
    extra_headers: dict | None = None,
    **context,
) -> OutboundEmail:
    """Write one e-mail to the outbox in the current transaction; a sender delivers it later."""
    email = OutboundEmail(
        kind=kind,
        message_id=make_msgid(domain=message_domain()),
        dedupe_key=dedupe_key,
    )
    fill(email, to=to, template=template, locale=locale, extra_headers=extra_headers, **context)
    return _add(email)


def enqueue_unprepared(*, to: str, kind: str) -> OutboundEmail:
    """Write one e-mail to the outbox whose recipient and text its kind's preparer decides later, in
    the sender (``preparer``). The request then does the same work whatever ``to`` is: neither its
    answer nor its time tells whether the address has an account (ASVS 6.3.8)."""
    email = OutboundEmail(
        kind=kind,
        to_address=to,
        subject="",
        body_text=BODY_TO_BE_PREPARED,
        message_id=make_msgid(domain=message_domain()),
    )
    return _add(email)


def _add(email: OutboundEmail) -> OutboundEmail:
    db.session.add(email)
    if has_request_context():
        g.mail_enqueued = True
    return email


def fill(email: OutboundEmail, *, to: str, template: str, locale: str, extra_headers: dict | None = None,
         **context) -> None:
    """Give ``email`` its recipient and its text: ``mail/<template>`` rendered in ``locale``."""
    subject, text, html = render_email(template, locale, **context)
    email.to_address, email.subject = to, subject[:255]
    email.body_text, email.body_html, email.extra_headers = text, html, extra_headers


def preparer(kind: str) -> Callable[[Preparer], Preparer]:
    """Register the function that writes the unprepared e-mails of ``kind`` (a decorator).

    The package that queues such e-mails registers it when imported, so mail need not import it.
    """

    def register(function: Preparer) -> Preparer:
        _preparers[kind] = function
        return function

    return register


def needs_preparing(email: OutboundEmail) -> bool:
    return email.body_text == BODY_TO_BE_PREPARED


def preparer_for(kind: str) -> Preparer:
    """The registered preparer of ``kind``; a missing one is an error (the e-mail is retried, then dead)."""
    try:
        return _preparers[kind]
    except KeyError:
        raise LookupError(f"no preparer registered for e-mails of kind {kind!r}") from None
