"""Two orgsvc instances (gunicorn, two workers each) over one database: what one changes, the other
honours on its very next request; login throttling counts across both through Redis; a killed
worker is replaced without losing anything."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
import redis
import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.deploy.instances import Browser, fresh_database, new_secret, start_instance
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory
from tests.support import DEFAULT_PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/15"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("ORGSVC_TEST_POSTGRES_URL") else [])


@pytest.fixture(params=BACKENDS)
def two_instances(request, tmp_path):
    """Instances A and B over one fresh database, sharing the secret key and a Redis store."""
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"orgsvc-test-{uuid.uuid4().hex[:12]}"  # parallel test workers share the Redis database
    with fresh_database(request.param, tmp_path) as (seed_app, url):
        with seed_app.app_context():
            organisation = OrganisationFactory()
            admin = MembershipFactory(organisation=organisation, role=MemberRole.ADMINISTRATOR)
            user = MembershipFactory(organisation=organisation)
            other = MembershipFactory(organisation=organisation)
            outsider = PersonFactory()
            people = {"admin": admin.person.email, "user": user.person.email, "other": other.person.email,
                      "outsider": outsider.email, "user_membership": user.id, "other_membership": other.id}
        secret = new_secret()
        instances = [start_instance(url, secret, tmp_path, redis_url=REDIS_URL, redis_prefix=prefix) for _ in range(2)]
        try:
            for instance in instances:
                instance.wait_ready(timeout=30)
            yield seed_app, instances, people
        finally:
            for instance in instances:
                instance.stop()
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)
            client.close()


def test_a_member_removed_through_one_instance_is_refused_by_the_other(two_instances):
    _app, (a, b), people = two_instances
    admin, user = Browser(), Browser()
    assert admin.login(a.base, people["admin"], DEFAULT_PASSWORD).status_code == 302
    assert user.login(b.base, people["user"], DEFAULT_PASSWORD).status_code == 302
    assert user.get(f"{b.base}/organisation/members").status_code == 200
    removed = admin.post(f"{a.base}/organisation/members/{people['user_membership']}/remove", {"reason": ""},
                         form_page=f"{a.base}/organisation/members/{people['user_membership']}/remove")
    assert removed.status_code == 302
    assert user.get(f"{b.base}/organisation/members").status_code == 302, "no organisation any more"
    assert user.get(f"{b.base}/cases/").status_code == 302


def test_a_role_granted_through_one_instance_counts_at_once_on_the_other(two_instances):
    _app, (a, b), people = two_instances
    admin, other = Browser(), Browser()
    admin.login(a.base, people["admin"], DEFAULT_PASSWORD)
    other.login(b.base, people["other"], DEFAULT_PASSWORD)
    assert other.get(f"{b.base}/organisation/audit").status_code == 403
    granted = admin.post(f"{a.base}/organisation/members/{people['other_membership']}/role",
                         {"role": "administrator"}, form_page=f"{a.base}/organisation/members")
    assert granted.status_code == 302
    assert other.get(f"{b.base}/organisation/audit").status_code == 200


def test_logging_out_through_one_instance_ends_the_session_on_the_other(two_instances):
    _app, (a, b), people = two_instances
    browser = Browser()
    browser.login(a.base, people["user"], DEFAULT_PASSWORD)
    cookie = browser.http.cookies.get("orgsvc_session")
    assert browser.get(f"{b.base}/account").status_code == 200, "the same session works on both"
    browser.post(f"{a.base}/logout", {})
    replay = Browser()
    replay.http.cookies.set("orgsvc_session", cookie)
    assert replay.get(f"{b.base}/account").status_code == 302


def test_login_throttling_counts_across_instances(two_instances):
    _app, (a, b), people = two_instances
    browser = Browser()
    for attempt in range(5):
        instance = (a, b)[attempt % 2]
        assert browser.login(instance.base, people["user"], "wrong password!").status_code == 401
    for instance in (a, b):
        assert browser.login(instance.base, people["user"], DEFAULT_PASSWORD).status_code == 429


def test_a_killed_worker_is_replaced_and_nothing_half_written(two_instances):
    seed_app, (a, _b), people = two_instances
    browser = Browser()
    browser.login(a.base, people["admin"], DEFAULT_PASSWORD)
    workers = a.workers()
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    statuses = []
    for number in range(8):
        response = browser.post(f"{a.base}/organisation/members/{people['other_membership']}/role",
                                {"role": ("administrator", "user")[number % 2]},
                                form_page=f"{a.base}/organisation/members")
        statuses.append(response.status_code)
    assert set(statuses) == {302}, statuses
    deadline = time.monotonic() + 10
    while len(a.workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(a.workers()) == 2 and workers[0] not in a.workers()
    with seed_app.app_context():
        membership = db.session.get(Membership, people["other_membership"])
        assert (membership.role, membership.status) == ("user", MembershipStatus.ACTIVE)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 3
