"""A mail backend for tests that keeps what it is given and can be told to fail first."""

from __future__ import annotations


class Recorder:
    def __init__(self, failures: int = 0):
        self.sent, self.failures = [], failures

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("smtp down")
        self.sent.append(message)
