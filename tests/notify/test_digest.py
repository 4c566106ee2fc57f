"""The daily digest: at most once a day per address, only what the recipient may see, confirmed
follow addresses only, and a working unsubscribe."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from orgsvc.cases.models import Case, CaseEvent, CaseFollow, CaseRepresentative
from orgsvc.cases.services import add_event
from orgsvc.db import utcnow
from orgsvc.extensions import db
from orgsvc.mail.delivery import deliver_due
from orgsvc.mail.models import OutboundEmail
from orgsvc.notify.digest import run_digest, unsubscribe_token
from tests.conftest import membership_of

MONDAY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 07:00 in Oslo


def _digests():
    return list(db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.kind == "digest")
                                   .order_by(OutboundEmail.id)))


def _event(case_id, kind="document_added", organisation_id=None, at=None, **details):
    case = db.session.get(Case, case_id)
    add_event(case, kind, None, organisation_id, **details)
    db.session.flush()
    if at is not None:
        db.session.execute(sa.update(CaseEvent).where(CaseEvent.id == sa.select(sa.func.max(CaseEvent.id))
                                                      .scalar_subquery()).values(occurred_at=at))
    db.session.commit()


@pytest.fixture
def news(app_ctx, world, cases):
    _event(cases.a_against_b, name="kvittering.pdf", at=MONDAY - timedelta(hours=3))
    return cases


def test_representatives_get_one_digest_with_the_news(world, news):
    report = run_digest(MONDAY)
    recipients = sorted(mail.to_address for mail in _digests())
    assert world.user_a.email in recipients and world.admin_a.email in recipients
    assert world.user_b.email not in recipients, "B's user does not represent B in that case"
    mail = next(m for m in _digests() if m.to_address == world.user_a.email)
    assert "2026-900001" in mail.body_text and "Dokument lagt til: kvittering.pdf" in mail.body_text
    assert "/cases/" in mail.body_text
    assert mail.extra_headers["List-Unsubscribe"].startswith("<http://localhost/notifications/unsubscribe/")
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert report.sent == len(_digests())


def test_twice_the_same_day_sends_nothing_new_and_later_news_waits_for_tomorrow(world, news):
    run_digest(MONDAY)
    first = len(_digests())
    _event(news.a_against_b, name="tillegg.pdf", at=MONDAY + timedelta(hours=2))
    second = run_digest(MONDAY + timedelta(hours=3))
    assert len(_digests()) == first and second.sent == 0 and second.skipped_today > 0
    run_digest(MONDAY + timedelta(days=1))
    tomorrow = [m for m in _digests() if m.to_address == world.user_a.email]
    assert len(tomorrow) == 2
    assert "tillegg.pdf" in tomorrow[1].body_text and "kvittering.pdf" not in tomorrow[1].body_text


def test_nothing_new_means_no_mail(world, app_ctx, cases):
    db.session.execute(sa.update(CaseEvent).values(occurred_at=MONDAY - timedelta(days=3)))
    db.session.commit()
    assert run_digest(MONDAY).sent == 0 and _digests() == []


def test_a_removed_user_stops_getting_the_news(world, news):
    db.session.execute(sa.delete(CaseRepresentative).where(CaseRepresentative.person_id == world.user_a.id))
    db.session.commit()
    run_digest(MONDAY)
    assert world.user_a.email not in {m.to_address for m in _digests()}


def test_a_member_removed_from_the_organisation_stops_getting_the_news(world, news):
    membership_of(world.user_a, world.org_a).status = "removed"
    db.session.commit()
    run_digest(MONDAY)
    assert world.user_a.email not in {m.to_address for m in _digests()}


def test_one_sides_messages_never_reach_the_other_side(world, app_ctx, cases):
    db.session.execute(sa.update(CaseEvent).values(occurred_at=MONDAY - timedelta(days=3)))
    db.session.add(CaseFollow(case_id=cases.a_against_b, person_id=world.admin_b.id, email=world.admin_b.email,
                              confirmed_at=utcnow()))
    db.session.commit()
    _event(cases.a_against_b, "message_sent", organisation_id=world.org_a.id, at=MONDAY - timedelta(hours=1))
    run_digest(MONDAY)
    recipients = {m.to_address for m in _digests()}
    assert world.user_a.email in recipients
    assert world.admin_b.email not in recipients


def test_unconfirmed_follow_addresses_get_nothing(world, news):
    db.session.add(CaseFollow(case_id=news.a_against_b, person_id=world.admin_a.id, email="avdeling@example.com",
                              token_hash="x" * 64))
    db.session.commit()
    run_digest(MONDAY)
    assert "avdeling@example.com" not in {m.to_address for m in _digests()}


def test_a_confirmed_follow_address_gets_the_followers_news(world, news):
    db.session.add(CaseFollow(case_id=news.a_against_b, person_id=world.admin_b.id, email="avdeling@example.com",
                              confirmed_at=utcnow()))
    db.session.commit()
    run_digest(MONDAY)
    assert "avdeling@example.com" in {m.to_address for m in _digests()}


def test_one_click_unsubscribe(app, world, cases):
    from orgsvc.accounts.models import Person

    with app.app_context():
        _event(cases.a_against_b, name="kvittering.pdf", at=MONDAY - timedelta(hours=3))
        run_digest(MONDAY)
        mail = next(m for m in _digests() if m.to_address == world.user_a.email)
        path = mail.extra_headers["List-Unsubscribe"].strip("<>").replace("http://localhost", "")
    client = app.test_client()
    assert client.get(path).status_code == 200
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False).status_code == 200
    with app.app_context():
        assert db.session.get(Person, world.user_a.id).wants_digest is False
        _event(cases.a_against_b, name="ny.pdf", at=MONDAY + timedelta(days=1))
        run_digest(MONDAY + timedelta(days=1, hours=1))
        assert len([m for m in _digests() if m.to_address == world.user_a.email]) == 1


def _unsubscribe_path(app, world, cases) -> str:
    with app.app_context():
        _event(cases.a_against_b, name="kvittering.pdf", at=MONDAY - timedelta(hours=3))
        run_digest(MONDAY)
        mail = next(m for m in _digests() if m.to_address == world.user_a.email)
        return mail.extra_headers["List-Unsubscribe"].strip("<>").replace("http://localhost", "")


def _wants_digest(app, person_id) -> bool:
    from orgsvc.accounts.models import Person

    with app.app_context():
        return db.session.get(Person, person_id).wants_digest


def test_an_unsubscribe_link_from_before_a_key_rotation_still_works(app, world, cases):
    path = _unsubscribe_path(app, world, cases)
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY=secrets.token_hex(32), SECRET_KEY_FALLBACKS=[old_key])
    client = app.test_client()
    assert client.get(path).status_code == 200
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False).status_code == 200
    assert _wants_digest(app, world.user_a.id) is False
    with app.app_context():
        token = unsubscribe_token("kari@example.com")
    assert URLSafeSerializer(app.config["SECRET_KEY"], salt="digest-unsubscribe").loads(token) == "kari@example.com", \
        "new links are signed with the current key"


def test_after_a_rotation_a_link_signed_with_an_unrelated_key_is_still_refused(app, world, cases):
    genuine = _unsubscribe_path(app, world, cases)
    app.config.update(SECRET_KEY=secrets.token_hex(32), SECRET_KEY_FALLBACKS=[app.config["SECRET_KEY"]])
    forged = "/notifications/unsubscribe/" + URLSafeSerializer(
        secrets.token_hex(32), salt="digest-unsubscribe").dumps(world.user_a.email.casefold())
    client = app.test_client()
    assert client.get(forged).status_code == 404
    assert client.post(forged, data={"List-Unsubscribe": "One-Click"}, csrf=False).status_code == 404
    assert _wants_digest(app, world.user_a.id) is True
    assert client.get(genuine).status_code == 200, "the old key's own link is honoured"


def test_digests_over_smtp_once_a_day_and_only_what_each_may_see(app_ctx, world, news, plain_smtp):
    """The whole way to a real SMTP server: who gets a digest, its headers, and the daily rule."""
    inbox, port = plain_smtp
    app_ctx.config["ORGSVC_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    db.session.add(CaseFollow(case_id=news.a_against_b, person_id=world.admin_a.id, email="avdeling@example.com",
                              token_hash="x" * 64))  # never confirmed
    db.session.commit()

    def delivered_to() -> list[str]:
        deliver_due()
        return sorted(address for recipients, _message in inbox.messages for address in recipients)

    run_digest(MONDAY)
    first = delivered_to()
    assert world.user_a.email in first and world.admin_a.email in first
    assert "avdeling@example.com" not in first, "an unconfirmed follow address gets nothing"
    assert world.user_b.email not in first and world.admin_b.email not in first, "B may not see A's document"
    message = next(message for recipients, message in inbox.messages if recipients == [world.user_a.email])
    assert message["List-Unsubscribe"].startswith("<http://localhost/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] and message["Date"]
    assert "kvittering.pdf" in message.get_body(("plain",)).get_content()
    assert "kvittering.pdf" in message.get_body(("html",)).get_content()

    _event(news.a_against_b, name="tillegg.pdf", at=MONDAY + timedelta(hours=2))
    run_digest(MONDAY + timedelta(hours=3))
    assert delivered_to() == first, "a second run the same day sends nothing"
    run_digest(MONDAY + timedelta(days=1))
    deliver_due()
    tomorrow = [message for recipients, message in inbox.messages[len(first):] if recipients == [world.user_a.email]]
    assert len(tomorrow) == 1 and "tillegg.pdf" in tomorrow[0].get_body(("plain",)).get_content()


def test_a_person_who_chose_english_gets_the_digest_in_english(world, news):
    from orgsvc.accounts.models import Person

    db.session.get(Person, world.user_a.id).locale = "en"
    db.session.commit()
    run_digest(MONDAY)
    english = next(m for m in _digests() if m.to_address == world.user_a.email)
    norwegian = next(m for m in _digests() if m.to_address == world.admin_a.email)
    assert "This is what is new in your cases since the last e-mail:" in english.body_text
    assert "Dette er nytt i sakene dine siden forrige e-post:" in norwegian.body_text


def test_the_command_runs_the_digest(world, news, runner):
    output = runner.invoke(args=["notify", "digest"]).output
    assert "digests sent:" in output


@pytest.mark.committing
def test_an_event_that_commits_after_a_later_one_still_reaches_the_next_digest(app, world, cases):
    """Ids are handed out at insert, not at commit: an event with a lower id can commit after a
    digest run has taken a higher one. It must go into the next digest, not be skipped for good."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite lets one writer at a time, so a later event cannot commit first there")
    with app.app_context():
        slow = db.engine.connect()  # another request, its transaction still open
        slow_transaction = slow.begin()
        slow.execute(sa.insert(CaseEvent).values(case_id=cases.a_against_b, kind="document_added",
                                                 details={"name": "treg.pdf"}, occurred_at=MONDAY))
        _event(cases.a_against_b, name="rask.pdf", at=MONDAY)  # a higher id, committed first
        run_digest(MONDAY + timedelta(hours=1))
        slow_transaction.commit()
        slow.close()
        run_digest(MONDAY + timedelta(days=1))
        digests = [mail.body_text for mail in _digests() if mail.to_address == world.user_a.email]
    assert len(digests) == 2
    assert "rask.pdf" in digests[0] and "treg.pdf" not in digests[0]
    assert "treg.pdf" in digests[1] and "rask.pdf" not in digests[1]


def test_the_digest_choice_is_on_the_account_page_of_business_people_only(app, client, world):
    from tests.support import login

    login(client, world.user_a.email)
    assert 'action="/account/digest"' in client.get("/account").get_data(as_text=True)
    assert client.post("/account/digest", data={}).status_code == 302
    assert _wants_digest(app, world.user_a.id) is False
    client.post("/logout")
    # The digest is news of cases one represents an organisation in, which the regulator's staff never do.
    login(client, world.caseworker.email)
    assert 'action="/account/digest"' not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/digest", data={"wants_digest": "y"}).status_code == 404


def test_unsubscribing_finds_follows_the_release_before_0016_wrote_without_an_address_key(world, news):
    """During a deploy the old release's instances go on inserting follows without email_key."""
    from orgsvc.notify.digest import unsubscribe

    db.session.execute(sa.insert(CaseFollow.__table__).values(
        case_id=news.a_against_b, person_id=world.admin_b.id, email=" Avdeling@Example.com", confirmed_at=utcnow(),
        created_at=utcnow()))
    db.session.commit()
    unsubscribe("avdeling@example.com")
    assert db.session.scalars(sa.select(CaseFollow.email)).all() == []


@pytest.mark.committing
def test_two_runs_at_once_send_each_address_one_digest(app, world, cases):
    """Two schedulers may start the digest together: each address is taken by one of them."""
    from tests.support import run_at_once

    with app.app_context():
        _event(cases.a_against_b, name="kvittering.pdf", at=MONDAY - timedelta(hours=2))
        _event(cases.b_against_a, name="svar.pdf", at=MONDAY - timedelta(hours=1))
    reports = run_at_once(app, [lambda: run_digest(MONDAY), lambda: run_digest(MONDAY)])
    assert not [r for r in reports if isinstance(r, Exception)], reports
    with app.app_context():
        addresses = [mail.to_address for mail in _digests()]
    assert addresses and len(addresses) == len(set(addresses)), addresses
    assert sum(report.sent for report in reports) == len(addresses)


def test_a_run_that_finds_a_later_run_was_there_first_changes_nothing(world, news):
    """An older run (a lower batch) must not set an address's high-water mark back."""
    from orgsvc.accounts.models import email_key
    from orgsvc.notify.digest import _recipients, _send_one
    from orgsvc.notify.models import DigestState

    key = email_key(world.user_a.email)
    db.session.add(DigestState(address_key=key, last_batch=10_000, last_sent_on=None))
    db.session.commit()
    assert _send_one(key, _recipients()[key], 5, MONDAY.date(), MONDAY) is False
    assert db.session.get(DigestState, key).last_batch == 10_000
