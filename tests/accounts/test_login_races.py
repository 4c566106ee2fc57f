"""Simultaneous log-in attempts cannot overrun the throttle: real threads, each with its own
connection, committing for real, on the memory store and on a shared Redis."""

from __future__ import annotations

import collections
import threading
import uuid

import pytest
import redis
import sqlalchemy as sa

from orgsvc.accounts import services as accounts
from orgsvc.accounts import sessions
from orgsvc.accounts.models import LoginSession
from orgsvc.accounts.passwords import Passwords
from orgsvc.accounts.services import InvalidCredentials
from orgsvc.accounts.throttle import Throttle
from orgsvc.extensions import db
from tests.factories import PersonFactory
from tests.support import DEFAULT_PASSWORD, run_held

pytestmark = pytest.mark.committing

REDIS_URL = "redis://127.0.0.1:6379/15"
ATTEMPTS = 20
# Slow enough that every attempt is still checking its password while the others arrive, as the
# production setting (about 350 ms) is; the tests' usual hasher would hide the race.
SLOW_ARGON2 = {"time_cost": 3, "memory_cost": 8192, "parallelism": 1}


@pytest.fixture(params=["memory", "redis"])
def throttled_app(app, request):
    """The app with a slow hasher and a fresh throttle store (process memory, or Redis)."""
    app.extensions["orgsvc.passwords"] = Passwords(**SLOW_ARGON2)
    if request.param == "memory":
        app.extensions["orgsvc.throttle"] = Throttle("memory://")
        yield app
        return
    prefix = f"orgsvc-test-{uuid.uuid4().hex[:12]}"
    app.extensions["orgsvc.throttle"] = Throttle(REDIS_URL, prefix)
    yield app
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


def post_at_once(app, forms: list[dict]) -> collections.Counter:
    """POST each form to /login from its own client and thread, all released together."""
    clients = [app.test_client() for _ in forms]
    tokens = [client.csrf_token() for client in clients]
    barrier = threading.Barrier(len(forms))
    statuses: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def attempt(client, token, form):
        barrier.wait()
        response = client.post("/login", data={**form, "csrf_token": token})
        with lock:
            statuses[response.status_code] += 1

    threads = [threading.Thread(target=attempt, args=args) for args in zip(clients, tokens, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_simultaneous_wrong_guesses_get_no_more_tries_than_the_limit(throttled_app):
    app = throttled_app
    with app.app_context():
        email = PersonFactory().email
    statuses = post_at_once(app, [{"email": email, "password": f"wrong guess {n:04d}"} for n in range(ATTEMPTS)])
    assert statuses == {401: 5, 429: ATTEMPTS - 5}
    again = app.test_client().post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
    assert again.status_code == 429


def test_simultaneous_guesses_from_one_address_spend_its_budget(throttled_app):
    """The address's budget counts failures after the password check (successes must not spend it), so
    attempts in flight together may overshoot it; once they are counted, the address is refused."""
    app = throttled_app
    app.config["ORGSVC_LOGIN_LIMIT_PER_ADDRESS"] = "8 per 15 minutes"
    forms = [{"email": f"guess{n}@example.com", "password": "wrong guess x"} for n in range(ATTEMPTS)]
    statuses = post_at_once(app, forms)
    assert statuses[401] >= 8 and statuses[401] + statuses[429] == ATTEMPTS
    with app.app_context():
        email = PersonFactory().email
    again = app.test_client().post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
    assert again.status_code == 429


# --- a log-in whose password was checked just before a reset -------------------------------------
@pytest.fixture
def resettable(app, postgresql_only):
    with app.app_context():
        person = PersonFactory()
        token = accounts.issue_reset_token(person)
        db.session.commit()
        return person.id, person.email, token


def _log_in(email):
    return lambda: accounts.log_in(email, DEFAULT_PASSWORD, client_address="192.0.2.1", user_agent=None) \
        .current_session_token


def _reset(token):
    return lambda: accounts.reset_password(token, "a completely new passphrase 4711").id


def test_a_log_in_that_opens_its_session_first_is_ended_by_the_reset(app, resettable):
    person_id, email, token = resettable
    results = run_held(app, _log_in(email), _reset(token), hold_before=("UPDATE person", "INSERT INTO login_session"))
    assert results["second"] == person_id and isinstance(results["first"], str), results
    with app.app_context():
        assert sessions.live_session(results["first"]) is None


def test_a_log_in_checked_before_the_reset_committed_is_refused(app, resettable):
    _person_id, email, token = resettable
    results = run_held(app, _log_in(email), _reset(token),
                       hold_before=lambda sql: sql.startswith("SELECT person") and "FOR NO KEY UPDATE" in sql)
    assert isinstance(results["first"], InvalidCredentials), results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)
                                 .where(LoginSession.revoked_at.is_(None))) == 0
