"""«Trekk saken» speaks of mediating only in a mediation case: a tip or a question for guidance
can be withdrawn too, and we were never going to mediate those."""

from __future__ import annotations

import pytest

from tests.support import login

MEDIATE = "Hvis du ikke vil at vi skal mekle likevel"


@pytest.mark.parametrize(("case", "mentions_mediation"), [
    ("a_against_b", True), ("a_tip", False), ("a_guidance", False)])
def test_only_a_mediation_case_is_withdrawn_with_the_mediation_wording(client, world, cases, case,
                                                                       mentions_mediation):
    login(client, world.admin_a.email)
    response = client.get(f"/cases/{getattr(cases, case)}/withdraw")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (MEDIATE in page) == mentions_mediation
