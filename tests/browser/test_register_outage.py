"""Search as you type while Enhetsregisteret does not answer: the page says so, visibly and to
screen readers, instead of announcing that nothing was found."""

from __future__ import annotations

from orgsvc.registry.brreg import BrregRegister
from tests.browser.journey import Visitor
from tests.browser.test_journeys import register
from tests.registry.fixtures import closed_port

DOWN = "Enhetsregisteret svarer ikke akkurat nå"


def test_search_as_you_type_says_when_the_register_is_down(live, browser, artifacts):
    visitor = Visitor(browser, live, artifacts, "register-down")
    try:
        register(visitor, "Per Hansen", "per@example.com", "1970-02-02")
        dead = f"http://127.0.0.1:{closed_port()}"
        live.app.extensions["orgsvc.registry"] = BrregRegister(
            f"{dead}/enhetsregisteret/api", f"{dead}/fullmakt", connect_timeout=0.2, read_timeout=0.2, retries=0)
        visitor.click("Jeg representerer en virksomhet", role="link")
        problem = visitor.page.locator("#org-results-problem")
        assert problem.is_hidden()
        visitor.page.get_by_label("Søk etter organisasjonen din med navn eller organisasjonsnummer").type(
            "nordlys", delay=40)
        problem.wait_for(state="visible")
        assert DOWN in problem.inner_text()
        assert DOWN in visitor.page.locator("#org-results-status").inner_text()
        assert visitor.page.locator("#org-results li").count() == 0
        visitor.check("register-down")
    finally:
        visitor.close()
