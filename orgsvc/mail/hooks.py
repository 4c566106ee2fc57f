"""Deliver what a request put in the outbox right after it, when so configured (development)."""

from __future__ import annotations

import logging

from flask import Flask, g

log = logging.getLogger("orgsvc.mail")


def init_app(app: Flask) -> None:
    if not app.config["ORGSVC_MAIL_DELIVER_INLINE"]:
        return

    @app.teardown_request
    def deliver_after_request(error):
        if error is not None or not g.pop("mail_enqueued", False):
            return
        from orgsvc.mail.delivery import deliver_due

        try:
            deliver_due(limit=20)
        except Exception:  # the outbox keeps the message; the sender command retries it
            log.exception("inline e-mail delivery failed")
