"""A real SMTP server on loopback (aiosmtpd), optionally with STARTTLS and login."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def start(port: int | None = None, tls: ssl.SSLContext | None = None, credentials: tuple[str, str] | None = None):
    """Start a server; returns (controller, inbox, port). Stop it with controller.stop()."""
    inbox = Inbox()
    port = port or free_port()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and credentials and (
            auth_data.login.decode(), auth_data.password.decode()) == credentials
        return AuthResult(success=bool(ok), handled=False)

    options = {}
    if tls is not None:
        options.update(tls_context=tls, require_starttls=True)
    if credentials is not None:
        options.update(authenticator=authenticate, auth_require_tls=tls is not None, auth_exclude_mechanism=["LOGIN"])
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, inbox, port
