"""Search as you type with no matches says so visibly, as the reloaded page does, and stops saying
it once a later search finds something."""

from __future__ import annotations

from tests.browser.journey import Visitor
from tests.browser.test_journeys import register

SEARCH_LABEL = "Søk etter organisasjonen din med navn eller organisasjonsnummer"


def test_search_as_you_type_shows_and_hides_the_no_match_paragraph(live, browser, artifacts):
    visitor = Visitor(browser, live, artifacts, "search-no-match")
    try:
        register(visitor, "Per Hansen", "per@example.com", "1970-02-02")
        visitor.click("Jeg representerer en virksomhet", role="link")
        none = visitor.page.locator("#org-results-none")
        results = visitor.page.locator("#org-results li")
        assert none.is_hidden()

        search = visitor.page.get_by_label(SEARCH_LABEL)
        search.type("ingen slik bedrift", delay=40)
        none.wait_for(state="visible")
        assert results.count() == 0
        assert visitor.page.locator("#org-results-hint").is_hidden()
        visitor.check("search-no-match")

        # A whole number the register explains: the explanation, not the bare «none found».
        search.fill("")
        search.type("310000078", delay=40)
        visitor.page.locator("#org-results-hint").wait_for(state="visible")
        none.wait_for(state="hidden")

        search.fill("")
        search.type("nordlys", delay=40)
        visitor.page.get_by_role("link", name="Velg NORDLYS ELEKTRONIKK AS", exact=True).wait_for()
        none.wait_for(state="hidden")
        assert results.count() > 0
    finally:
        visitor.close()
