"""«Følg» with another address mails it a confirmation link: limited per address and per person, so
the form cannot be used to flood someone's mailbox."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.cases.models import CaseFollow
from orgsvc.extensions import db
from tests.accounts.helpers import outbox
from tests.support import login

OUTSIDE = "kundeservice@example.com"


def _follow(client, case_id, email):
    return client.post(f"/cases/{case_id}/follow", data={"email": email})


def _follow_of(app, person_id) -> tuple[str, bool]:
    with app.app_context():
        row = db.session.scalar(sa.select(CaseFollow).where(CaseFollow.person_id == person_id))
        return row.email, row.confirmed_at is not None


def test_confirmations_to_one_address_are_limited_whoever_asks(app, world, cases):
    user_a, admin_a, user_b = app.test_client(), app.test_client(), app.test_client()
    for browser, person in ((user_a, world.user_a), (admin_a, world.admin_a), (user_b, world.user_b)):
        login(browser, person.email)
    assert _follow(user_a, cases.a_against_b, "").status_code == 302  # the own address: confirmed at once
    statuses = [_follow(user_b, cases.b_against_a, OUTSIDE).status_code for _ in range(3)]
    statuses += [_follow(admin_a, cases.a_against_b, OUTSIDE).status_code for _ in range(2)]
    assert statuses == [302] * 5

    refused = _follow(user_a, cases.a_against_b, OUTSIDE)
    assert refused.status_code == 429
    assert 60 < int(refused.headers["Retry-After"]) <= 3600  # until the hour's budget has room again
    assert len(outbox(app, "follow_confirmation", to=OUTSIDE)) == 5
    assert _follow_of(app, world.user_a.id) == (world.user_a.email, True), "nothing is written when refused"


def test_one_person_may_ask_for_only_so_many_confirmations_but_the_own_address_is_never_limited(
        app, client, world, cases):
    login(client, world.user_a.email)
    for number in range(5):
        assert _follow(client, cases.a_against_b, f"adresse{number}@example.com").status_code == 302
    assert _follow(client, cases.a_against_b, "adresse5@example.com").status_code == 429
    assert _follow_of(app, world.user_a.id) == ("adresse4@example.com", False)

    for address in (world.user_a.email.upper(), "", world.user_a.email) * 3:
        assert _follow(client, cases.a_against_b, address).status_code == 302
    assert _follow_of(app, world.user_a.id) == (world.user_a.email, True)
    assert len(outbox(app, "follow_confirmation")) == 5, "the own address is sent nothing"
