"""Counting failures (logins, e-mails sent) per key in a moving window.

Storage is Redis when ``ORGSVC_REDIS_URL`` is set, so every process and instance counts together;
otherwise process memory (fine for one process, e.g. the development server).
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class Throttle:
    def __init__(self, storage_uri: str, key_prefix: str = "orgsvc"):
        options = {"key_prefix": key_prefix} if storage_uri.startswith(("redis", "rediss")) else {}
        self.storage = storage_from_string(storage_uri, **options)
        self.limiter = MovingWindowRateLimiter(self.storage)

    def acquire(self, rule: str, *keys: str) -> int | None:
        """Count one event against ``rule`` for ``keys`` if the budget allows it, in one atomic step.

        Returns None when the event was counted, else the seconds to wait (and nothing is counted).
        Checking and counting apart would let simultaneous requests all pass the check first.
        """
        return self._wait_unless(self.limiter.hit, rule, keys)

    def spent(self, rule: str, *keys: str) -> int | None:
        """The seconds to wait if the budget of ``rule`` for ``keys`` is spent, else None; counts nothing.

        For budgets counted only after the fact (``acquire`` once the outcome is known): the check
        and the later count are two steps, so simultaneous requests may overshoot the budget.
        """
        return self._wait_unless(self.limiter.test, rule, keys)

    def _wait_unless(self, allows, rule: str, keys: tuple[str, ...]) -> int | None:
        """None if ``allows`` (hit or test) lets the event through, else the seconds until it would."""
        item = parse(rule)
        try:
            if allows(item, *keys):
                return None
            reset_at = self.limiter.get_window_stats(item, *keys).reset_time
        except Exception:
            # A broken shared store must not lock everybody out; it is logged loudly instead.
            log.exception("throttle store unavailable; not throttling")
            return None
        return max(1, int(reset_at - time.time()))

    def clear(self, rule: str, *keys: str) -> None:
        try:
            self.limiter.clear(parse(rule), *keys)
        except Exception:
            log.exception("throttle store unavailable; counter not cleared")


def throttle() -> Throttle:
    return current_app.extensions["orgsvc.throttle"]


def mail_wait(*keys: str) -> int | None:
    """Count one e-mail against ``ORGSVC_MAIL_LIMIT_PER_ACCOUNT`` for ``keys``; None if it may go,
    else the seconds until it could. Our forms must not be usable to flood someone's inbox. Keyed
    ("mail", address key) per recipient, whichever form sends it."""
    return throttle().acquire(current_app.config["ORGSVC_MAIL_LIMIT_PER_ACCOUNT"], *keys)


def mail_allowed(*keys: str) -> bool:
    """As ``mail_wait``, for forms that answer the same either way (they never say "wait")."""
    return mail_wait(*keys) is None
