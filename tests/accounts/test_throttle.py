"""The throttle against a real Redis: shared between processes, kept apart by prefix, and failing open."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis

from orgsvc.accounts.throttle import Throttle

REDIS_URL = "redis://127.0.0.1:6379/15"
RULE = "3 per 15 minutes"


@pytest.fixture
def prefix():
    name = f"orgsvc-test-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)
    client.close()


def test_two_throttles_on_one_redis_count_together(prefix):
    first, second = Throttle(REDIS_URL, prefix), Throttle(REDIS_URL, prefix)
    for throttle in (first, second, first):
        assert throttle.acquire(RULE, "login", "someone") is None
    assert 0 < second.acquire(RULE, "login", "someone") <= 15 * 60
    assert 0 < first.acquire(RULE, "login", "someone") <= 15 * 60
    assert second.acquire(RULE, "login", "somebody else") is None


def test_deployments_with_different_prefixes_count_apart(prefix):
    production, staging = Throttle(REDIS_URL, prefix), Throttle(REDIS_URL, f"{prefix}-staging")
    for _ in range(3):
        assert production.acquire(RULE, "login", "someone") is None
    assert production.acquire(RULE, "login", "someone") is not None
    assert staging.acquire(RULE, "login", "someone") is None


def test_clearing_forgets_the_count(prefix):
    throttle = Throttle(REDIS_URL, prefix)
    for _ in range(3):
        throttle.acquire(RULE, "login", "someone")
    assert throttle.acquire(RULE, "login", "someone") is not None
    throttle.clear(RULE, "login", "someone")
    assert throttle.acquire(RULE, "login", "someone") is None


def test_an_unreachable_store_is_logged_and_does_not_lock_people_out(caplog):
    throttle = Throttle("redis://127.0.0.1:1/0")
    with caplog.at_level(logging.ERROR, logger="orgsvc.accounts.throttle"):
        for _ in range(5):
            assert throttle.acquire(RULE, "login", "someone") is None
    assert "throttle store unavailable" in caplog.text


def test_looking_at_a_budget_counts_nothing(prefix):
    throttle = Throttle(REDIS_URL, prefix)
    for _ in range(5):
        assert throttle.spent(RULE, "login", "someone") is None
    for _ in range(3):
        assert throttle.acquire(RULE, "login", "someone") is None
    assert 0 < throttle.spent(RULE, "login", "someone") <= 15 * 60
    assert throttle.spent(RULE, "login", "somebody else") is None
