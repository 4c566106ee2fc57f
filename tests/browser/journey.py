"""Helpers for browser journeys: every page is checked with axe-core, key pages are photographed."""

from __future__ import annotations

import re

import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from orgsvc.extensions import db
from orgsvc.mail.models import OutboundEmail

AXE = Axe()
SERIOUS = {"serious", "critical"}


class Visitor:
    """One person in one browser context."""

    def __init__(self, browser, live, artifacts, name: str):
        self.context = browser.new_context(locale="nb-NO")
        self.page = self.context.new_page()
        self.live, self.artifacts, self.name = live, artifacts, name
        self.checked: list[str] = []

    def check(self, shot: str | None = None) -> None:
        """axe-core on the current page: no serious or critical violations; a screenshot if named."""
        self.page.wait_for_load_state("load")
        result = AXE.run(self.page)
        serious = [v for v in result.response["violations"] if v.get("impact") in SERIOUS]
        details = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in serious]
        assert serious == [], f"{self.page.url}: {details}"
        self.checked.append(self.page.url)
        if shot:
            self.page.screenshot(path=str(self.artifacts / f"{shot}.png"), full_page=True)

    def goto(self, path: str, shot: str | None = None) -> None:
        self.page.goto(self.live.url + path)
        self.check(shot)

    def click(self, name: str, role: str = "button", shot: str | None = None, exact: bool = True) -> None:
        self.page.get_by_role(role, name=name, exact=exact).first.click()
        self.check(shot)

    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).fill(value)

    def header(self) -> str:
        return self.page.locator("header").inner_text()

    def close(self) -> None:
        self.context.close()


def latest_link(app, kind: str, to: str) -> str:
    """The path of the link in the newest e-mail of ``kind`` to ``to`` (read from the outbox)."""
    with app.app_context():
        body = db.session.scalar(sa.select(OutboundEmail.body_text).where(
            OutboundEmail.kind == kind, OutboundEmail.to_address == to).order_by(OutboundEmail.id.desc()))
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)
