"""Delivery over real SMTP: plain, STARTTLS with login, certificate checks, and a server that is
down and comes back (retried, delivered once)."""

from __future__ import annotations

import ssl
from datetime import timedelta

import pytest
import sqlalchemy as sa
import trustme

from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.mail.delivery import deliver_due
from orgsvc.mail.models import EmailStatus, OutboundEmail
from orgsvc.mail.services import enqueue
from tests.notify import smtp_server


def _enqueue(locale="nb", to="kari@example.com"):
    person = type("P", (), {"full_name": "Kari Hansen"})()
    enqueue(to=to, kind="password_reset", template="password_reset", locale=locale, person=person, token="t0k")
    db.session.commit()


@pytest.fixture(scope="module")
def certificates():
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    return authority, server_context


def test_delivery_over_smtp_with_the_right_headers(app_ctx, plain_smtp):
    inbox, port = plain_smtp
    app_ctx.config["ORGSVC_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    _enqueue()
    assert deliver_due().sent == 1
    [(recipients, message)] = inbox.messages
    assert recipients == ["kari@example.com"]
    assert message["Subject"] == "Sett nytt passord for Min side"
    assert message["Message-ID"].startswith("<") and message["Date"]
    assert message["From"] == app_ctx.config["ORGSVC_MAIL_FROM"]
    assert message.get_content_type() == "multipart/alternative"
    assert "Hei Kari Hansen," in message.get_body(("plain",)).get_content()
    assert "<a href=" in message.get_body(("html",)).get_content()
    row = db.session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.SENT and row.message_id == message["Message-ID"]


def test_english_for_those_who_chose_english(app_ctx, plain_smtp):
    inbox, port = plain_smtp
    app_ctx.config["ORGSVC_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    _enqueue(locale="en")
    deliver_due()
    assert inbox.messages[0][1]["Subject"] == "Set a new password for My page"


def test_starttls_and_login(app_ctx, certificates, tmp_path):
    authority, server_context = certificates
    controller, inbox, port = smtp_server.start(tls=server_context, credentials=("orgsvc", "hemmelig passord"))
    try:
        ca_file = tmp_path / "ca.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        app_ctx.config.update(ORGSVC_SMTP_URL=f"smtp://orgsvc:hemmelig%20passord@127.0.0.1:{port}?starttls=true",
                              ORGSVC_SMTP_CA_FILE=str(ca_file))
        _enqueue()
        assert deliver_due().sent == 1
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_an_untrusted_certificate_is_refused_and_the_message_kept(app_ctx, certificates):
    _authority, server_context = certificates
    controller, inbox, port = smtp_server.start(tls=server_context, credentials=("orgsvc", "riktig"))
    try:
        app_ctx.config.update(ORGSVC_SMTP_URL=f"smtp://orgsvc:riktig@127.0.0.1:{port}?starttls=true",
                              ORGSVC_SMTP_TIMEOUT=5)
        _enqueue()
        assert deliver_due().failed == 1  # no CA given: the self-signed certificate is not trusted
        row = db.session.scalar(sa.select(OutboundEmail))
        assert row.status == EmailStatus.PENDING and "CERTIFICATE_VERIFY_FAILED" in row.last_error
        assert inbox.messages == []
    finally:
        controller.stop()


def test_a_wrong_password_is_retried_not_lost(app_ctx, certificates, tmp_path):
    authority, server_context = certificates
    controller, inbox, port = smtp_server.start(tls=server_context, credentials=("orgsvc", "riktig"))
    try:
        ca_file = tmp_path / "ca.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        app_ctx.config.update(ORGSVC_SMTP_URL=f"smtp://orgsvc:feil@127.0.0.1:{port}?starttls=true",
                              ORGSVC_SMTP_CA_FILE=str(ca_file), ORGSVC_SMTP_TIMEOUT=5)
        _enqueue()
        assert deliver_due().failed == 1
        row = db.session.scalar(sa.select(OutboundEmail))
        assert row.status == EmailStatus.PENDING and "535" in row.last_error
        assert inbox.messages == []
    finally:
        controller.stop()


def test_a_server_that_is_down_then_up_gets_the_message_once(app_ctx):
    port = smtp_server.free_port()
    app_ctx.config["ORGSVC_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    _enqueue()
    report = deliver_due()
    assert (report.sent, report.failed) == (0, 1)
    row = db.session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at > utcnow() + timedelta(seconds=30)

    controller, inbox, _ = smtp_server.start(port=port)
    try:
        assert deliver_due().sent == 0, "not due yet: the backoff is respected"
        row.next_attempt_at = utcnow()
        db.session.commit()
        assert deliver_due().sent == 1
        assert deliver_due().sent == 0
        assert len(inbox.messages) == 1
        db.session.refresh(row)
        assert row.status == EmailStatus.SENT and row.attempts == 2
    finally:
        controller.stop()


def test_the_embedded_default_writes_eml_files(app_ctx, tmp_path):
    app_ctx.config.update(ORGSVC_SMTP_URL=None, ORGSVC_MAIL_BACKEND="file")
    _enqueue()
    deliver_due()
    [eml] = (tmp_path / "instance" / "mail").glob("*.eml")
    assert b"Subject: Sett nytt passord for Min side" in eml.read_bytes() or b"Subject:" in eml.read_bytes()


def test_operators_see_dead_messages(app_ctx, runner):
    _enqueue()
    db.session.execute(sa.update(OutboundEmail).values(status=EmailStatus.DEAD, attempts=7, last_error="550 no"))
    db.session.commit()
    output = runner.invoke(args=["mail", "status"]).output
    assert "dead: 1" in output and "550 no" in output and "kari@example.com" in output
