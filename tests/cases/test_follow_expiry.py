"""«Følg» confirmation links work for 72 hours: an older link is refused exactly as an unknown one
and changes nothing; a link from before links expired (no expiry kept) is refused too."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from orgsvc.cases.follow import CONFIRMATION_LIFETIME
from orgsvc.cases.models import CaseFollow
from orgsvc.db import utcnow
from orgsvc.extensions import db
from tests.accounts.helpers import link_in, outbox
from tests.support import login, without_csrf_tokens

OUTSIDE = "kundeservice@example.com"


def _ask_for_link(app, client, world, cases) -> str:
    login(client, world.user_a.email)
    assert client.post(f"/cases/{cases.a_against_b}/follow", data={"email": OUTSIDE}).status_code == 302
    return link_in(outbox(app, "follow_confirmation")[-1])


def _follow_row(app) -> dict:
    with app.app_context():
        row = db.session.scalar(sa.select(CaseFollow))
        return {"email": row.email, "confirmed_at": row.confirmed_at, "token_hash": row.token_hash,
                "token_expires_at": row.token_expires_at}


def _age_link(app, by: timedelta) -> None:
    """As if the link had been sent ``by`` earlier."""
    with app.app_context():
        row = db.session.scalar(sa.select(CaseFollow))
        row.token_expires_at -= by
        db.session.commit()


def test_the_link_lasts_72_hours_and_a_fresh_one_works(app, client, world, cases):
    assert timedelta(hours=72) == CONFIRMATION_LIFETIME
    before = utcnow()
    link = _ask_for_link(app, client, world, cases)
    issued = _follow_row(app)
    assert before + CONFIRMATION_LIFETIME <= issued["token_expires_at"] <= utcnow() + CONFIRMATION_LIFETIME
    _age_link(app, CONFIRMATION_LIFETIME - timedelta(minutes=1))

    mailbox = app.test_client()
    assert mailbox.get(link).status_code == 200
    assert mailbox.post(link).status_code == 200
    confirmed = _follow_row(app)
    assert confirmed["confirmed_at"] is not None
    assert (confirmed["token_hash"], confirmed["token_expires_at"]) == (None, None)


def test_a_link_older_than_72_hours_is_refused_as_an_unknown_one_and_changes_nothing(app, client, world, cases):
    link = _ask_for_link(app, client, world, cases)
    _age_link(app, CONFIRMATION_LIFETIME + timedelta(seconds=1))
    before = _follow_row(app)

    mailbox = app.test_client()
    made_up = "/follow/confirm/" + "x" * 43
    unknown = without_csrf_tokens(mailbox.get(made_up).get_data(as_text=True))
    for response in (mailbox.get(link), mailbox.post(link)):
        assert response.status_code == 404
        page = without_csrf_tokens(response.get_data(as_text=True)).replace(link, made_up)
        assert page == unknown, "the page (it links to itself) says what an unknown link's says"
    assert _follow_row(app) == before and before["confirmed_at"] is None


def test_a_link_without_an_expiry_from_before_links_expired_is_refused(app, client, world, cases):
    link = _ask_for_link(app, client, world, cases)
    with app.app_context():
        db.session.execute(sa.update(CaseFollow).values(token_expires_at=None))
        db.session.commit()
    assert app.test_client().post(link).status_code == 404
    assert _follow_row(app)["confirmed_at"] is None


def test_following_again_after_the_link_expired_sends_a_new_link_that_works(app, client, world, cases):
    _ask_for_link(app, client, world, cases)
    _age_link(app, CONFIRMATION_LIFETIME + timedelta(hours=1))
    new_link = _ask_for_link(app, client, world, cases)
    assert app.test_client().post(new_link).status_code == 200
    assert _follow_row(app)["confirmed_at"] is not None


def test_following_with_the_own_address_clears_a_pending_link(app, client, world, cases):
    link = _ask_for_link(app, client, world, cases)
    assert client.post(f"/cases/{cases.a_against_b}/follow", data={"email": ""}).status_code == 302
    row = _follow_row(app)
    assert row["confirmed_at"] is not None and (row["token_hash"], row["token_expires_at"]) == (None, None)
    assert app.test_client().post(link).status_code == 404


def test_the_case_page_offers_to_follow_again_once_the_link_has_expired(app, client, world, cases):
    """Otherwise the page would wait for a confirmation that can never come, with only «Slutt å følge»."""
    _ask_for_link(app, client, world, cases)
    waiting = client.get(f"/cases/{cases.a_against_b}").get_data(as_text=True)
    assert f"Venter på at {OUTSIDE} blir bekreftet." in waiting
    assert f'action="/cases/{cases.a_against_b}/follow"' not in waiting
    _age_link(app, CONFIRMATION_LIFETIME)
    expired = client.get(f"/cases/{cases.a_against_b}").get_data(as_text=True)
    assert f"Venter på at {OUTSIDE} blir bekreftet." not in expired
    assert f'action="/cases/{cases.a_against_b}/follow"' in expired
    assert client.post(f"/cases/{cases.a_against_b}/follow", data={"email": OUTSIDE}).status_code == 302
    assert len(outbox(app, "follow_confirmation")) == 2
