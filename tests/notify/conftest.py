"""Shared fixtures of the notification tests."""

from __future__ import annotations

import pytest

from tests.notify import smtp_server


@pytest.fixture
def plain_smtp():
    """A real SMTP server on loopback, no TLS: (its inbox, its port)."""
    controller, inbox, port = smtp_server.start()
    yield inbox, port
    controller.stop()
