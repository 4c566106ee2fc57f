"""Putting e-mails in the outbox, rendered in the recipient's language."""

from __future__ import annotations

from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale

from orgsvc.extensions import db
from orgsvc.mail.models import OutboundEmail


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
    subject, text, html = render_email(template, locale, **context)
    email = OutboundEmail(
        kind=kind,
        to_address=to,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        extra_headers=extra_headers,
        message_id=make_msgid(domain=message_domain()),
        dedupe_key=dedupe_key,
    )
    db.session.add(email)
    if has_request_context():
        g.mail_enqueued = True
    return email
