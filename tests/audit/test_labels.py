"""The log («Se organisasjonens logg», «Logg») names every recorded action in words, never by its
internal code: the actions services record, and refused accesses ("<resource>:<action>")."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from orgsvc.access.conditions import registry
from orgsvc.portal.frame import AUDIT_LABELS, audit_label
from tests.support import login

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("guard", "guard_via", "may", "may_via", "load_guarded", "load_case", "locked_membership", "denial_for",
          "missing_for")


def recorded_actions() -> set[str]:
    """Every action the code records (``record("membership.approved", ...)``)."""
    found = set()
    for path in (ROOT / "orgsvc").rglob("*.py"):
        found |= set(re.findall(r'\brecord\(\s*"([^"]+)"', path.read_text(encoding="utf-8")))
    return found


def checked_actions() -> set[str]:
    """Every action a refusal can name: the policy's, and those the code checks."""
    actions = set()
    with open(ROOT / "policies" / "policy.csv", encoding="utf-8") as rules:
        for row in csv.reader(line for line in rules if line.startswith("p,")):
            actions.add(row[3].strip())
    calls = "|".join(CHECKS)
    for path in (ROOT / "orgsvc").rglob("*.py"):
        for call in re.findall(rf"\b(?:{calls})\(([^()]*)\)", path.read_text(encoding="utf-8")):
            actions |= {name for name in re.findall(r'"([a-z_]+)"', call) if name not in registry.by_name}
    return actions


def test_the_scans_find_what_they_look_for():
    assert {"case.created", "case.withdrawn", "membership.approved", "api.client_created"} <= recorded_actions()
    assert {"view", "withdraw", "decide_join", "decide_administrator", "leave", "reply"} <= checked_actions()


@pytest.mark.parametrize("action", sorted(recorded_actions()))
def test_every_recorded_action_has_a_label(app, action):
    assert action in AUDIT_LABELS
    for language in ("nb", "en"):
        with app.test_request_context(headers={"Accept-Language": language}):
            assert action not in audit_label(action)


@pytest.mark.parametrize("resource", sorted(registry.by_name))
def test_every_refusal_has_a_label(app, resource):
    for action in sorted(checked_actions()):
        code = f"{resource}:{action}"
        with app.test_request_context():
            label = audit_label(code)
        assert code not in label and not label.startswith(("Tilgang:", "Access:")), label


def test_the_logs_show_words_in_both_languages(app, world, cases):
    user, admin, caseworker = app.test_client(), app.test_client(), app.test_client()
    login(user, world.user_a.email)
    assert user.get(f"/cases/{cases.a_tip}").status_code == 404  # refused: in the regulator's log
    assert user.post(f"/cases/{cases.a_against_b}/withdraw", data={"reason": "Avklart"}).status_code == 302
    login(admin, world.admin_a.email)
    login(caseworker, world.caseworker.email)
    pages = {}
    for language, words in (("nb", ("Saken trukket", "Sak: se", "avvist")),
                            ("en", ("Case withdrawn", "Case: see", "refused"))):
        for reader in (admin, caseworker):
            reader.post("/language", data={"lang": language})
        pages[language, "organisation"] = ours = admin.get("/organisation/audit").get_data(as_text=True)
        pages[language, "regulator"] = all_of_it = caseworker.get("/regulator/audit").get_data(as_text=True)
        assert words[0] in ours, language
        assert all(word in all_of_it for word in words), language
    for page in pages.values():
        assert not re.search(r"\b(case|membership|api)[.:][a-z_]+", page), "no internal codes"
        assert "Tilgang:" not in page and "Access:" not in page
