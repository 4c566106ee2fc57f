"""axe-core over the pages the journeys do not pass, for the personas who see them (English too)."""

from __future__ import annotations

from orgsvc.extensions import db
from orgsvc.roles.models import MemberRole, Membership, MembershipStatus
from tests.browser.conftest import STAFF_PASSWORD
from tests.browser.journey import Visitor
from tests.browser.test_journeys import log_in, register, represent


def test_other_pages_have_no_serious_accessibility_violations(live, browser, artifacts):
    anonymous = Visitor(browser, live, artifacts, "anonymous")
    admin = Visitor(browser, live, artifacts, "admin")
    staff = Visitor(browser, live, artifacts, "staff")
    try:
        for path in ("/register", "/password/forgot", "/password/sent", "/register/sent", "/no-such-page", "/login"):
            anonymous.goto(path)
        anonymous.click("Logg inn")  # the login form with its errors
        register(admin, "Ingrid Berg", "ingrid@bakeriet.no", "1969-01-30")
        represent(admin, "bakeriet", "BAKERIET PÅ HJØRNET AS")
        with live.app.app_context():
            membership = db.session.query(Membership).filter_by(role=MemberRole.ADMINISTRATOR).one()
            membership.status = MembershipStatus.ACTIVE
            db.session.commit()
        for path in ("/account", "/organisation/members", "/organisation/audit", "/cases/?tab=tip",
                     "/cases/?tab=guidance", "/organisation/choose?q=hjornet", "/organisation/choose?q=310000167",
                     "/organisation/add", "/account/close", "/cases/new"):  # the form below is the last
            admin.goto(path)
        admin.click("Send inn saken")  # the new-case form with its errors
        admin.page.get_by_label("Språk").select_option("en")
        admin.click("Bytt språk", shot="15-english")
        assert "Our cases" in admin.page.content()
        log_in(staff, "siri@forbrukertilsynet.example.com", STAFF_PASSWORD)
        for path in ("/", "/approvals/", "/regulator/cases", "/regulator/audit", "/regulator/cases?kind=tip"):
            staff.goto(path)
    finally:
        for visitor in (anonymous, admin, staff):
            visitor.close()
