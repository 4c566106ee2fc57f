"""The notice that an organisation has no administrator any more points those waiting to become users
at what works for them: «Søk om å bli administrator» under «Brukere». Registering for the organisation
again would refuse them, since they are connected already."""

from __future__ import annotations

import sqlalchemy as sa

from orgsvc.extensions import db
from orgsvc.inbox.models import InboxMessage
from orgsvc.roles.models import MembershipStatus
from tests.conftest import membership_of
from tests.factories import MembershipFactory
from tests.roles.helpers import organisation
from tests.support import login

MEMBERS = "/organisation/members"
APPLY = "/organisation/apply-administrator"


def test_the_notice_links_to_users_where_the_waiting_user_may_apply(app, world):
    with app.app_context():
        waiting = MembershipFactory(organisation=organisation(world.org_pending), status=MembershipStatus.PENDING)
        # Also a user of A, so A may be the current organisation when the notice is opened.
        MembershipFactory(person=waiting.person, organisation=organisation(world.org_a))
        waiting_email, waiting_person_id = waiting.person.email, waiting.person_id
        first = membership_of(world.pending_admin, world.org_pending).id
        db.session.commit()
    caseworker, member = app.test_client(), app.test_client()
    login(caseworker, world.caseworker.email)
    assert caseworker.post(f"/approvals/{first}/reject", data={"reason": "Ikke daglig leder"}).status_code == 302

    with app.app_context():
        notice = db.session.scalar(sa.select(InboxMessage).where(
            InboxMessage.kind == "organisation_open_again", InboxMessage.recipient_person_id == waiting_person_id))
        assert (notice.link, notice.organisation_id) == (MEMBERS, world.org_pending.id)
        notice_id = notice.id
    login(member, waiting_email)
    page = member.get(f"/inbox/{notice_id}", headers={"Sec-Fetch-Site": "same-origin"}).get_data(as_text=True)
    assert "«Søk om å bli administrator»" in page
    assert f'action="/inbox/{notice_id}/open"' in page and ">Gå til Brukere</button>" in page

    opened = member.post(f"/inbox/{notice_id}/open")
    assert opened.status_code == 302 and opened.headers["Location"] == MEMBERS
    members = member.get(MEMBERS)
    assert members.status_code == 200
    page = members.get_data(as_text=True)
    assert f"Brukere i {world.org_pending.name}" in page, "the organisation the notice is about is current"
    assert f'action="{APPLY}"' in page and ">Søk om å bli administrator</button>" in page
