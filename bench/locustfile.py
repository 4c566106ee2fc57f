"""Locust users for the load test (run by bench/load.py, which builds the world and injects faults).

Every response is checked, not just timed: server errors and dropped connections are recorded with
their time (bench/load.py holds them against the fault windows), and every page is searched for the
markers of other organisations - and, for users, of cases they do not represent. Every write carries
a unique key and is recorded as acknowledged or not, to be counted against the database afterwards.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, task

from bench.load_world import CASE_MARK, ORG_NAME, intake_title

WORLD = json.loads(Path(os.environ["ORGSVC_LOAD_WORLD"]).read_text())
RECORD = Path(os.environ["ORGSVC_LOAD_RECORD"])
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_lock = threading.Lock()
INTAKE_ATTEMPTS, RETRY_PAUSE = 20, 0.5  # a fault window lasts a few seconds
RESEND_SHARE = 0.2  # of acknowledged intakes, sent again under their key (the answer must be the first case)
_pools = {role: itertools.cycle([p for p in WORLD["personas"] if p["role"] == role])
          for role in ("administrator", "user")}


def record(kind: str, **fields) -> None:
    """Append one event at once (a crash of locust must not lose what was already seen)."""
    with RECORD.open("a") as events:
        events.write(json.dumps({"t": time.time(), "kind": kind, **fields}) + "\n")


def next_persona(role: str) -> dict:
    with _lock:
        return next(_pools[role])


class Member(HttpUser):
    """A person of one organisation, in the portal: pages, cases, messages."""

    abstract = True
    role = "user"
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.persona = next_persona(self.role)
        self.token = None

    # --- checked requests ------------------------------------------------------------------------
    def fetch(self, method: str, path: str, name: str, **kwargs):
        response = self.client.request(method, path, name=name, allow_redirects=False, **kwargs)
        if response.status_code == 0 or response.status_code >= 500:
            record("error", status=response.status_code, path=path)
        elif response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            if self.token is not None:
                record("logged_out", path=path)  # a session must survive faults
            self.token = None
        elif response.status_code in (403, 404) and path.startswith("/cases/"):
            record("refused", status=response.status_code, path=path)  # own cases must stay reachable
        else:
            self.inspect(response.text or "", path)
        return response

    def inspect(self, page: str, path: str) -> None:
        own = self.persona["org"]
        for org in ORG_NAME.findall(page):
            if org != own:
                record("leak", path=path, what=f"organisation {org}", persona=self.persona["email"])
        for org, ident in CASE_MARK.findall(page):
            if org != own or (self.role == "user" and ident not in self.persona["visible"]):
                record("leak", path=path, what=f"case LT-{org}-{ident}", persona=self.persona["email"])

    def logged_in(self) -> bool:
        if self.token is not None:
            return True
        form = self.client.get("/login", name="/login", allow_redirects=False)
        match = CSRF.search(form.text or "")
        if not match:
            return False
        answer = self.fetch("POST", "/login", "/login", data={
            "email": self.persona["email"], "password": WORLD["password"], "csrf_token": match.group(1)})
        if answer.status_code != 302:
            return False
        home = self.fetch("GET", "/", "/")
        match = CSRF.search(home.text or "")
        self.token = match.group(1) if match and home.status_code == 200 else None
        return self.token is not None

    def a_case(self) -> int | None:
        return random.choice(self.persona["case_ids"]) if self.persona["case_ids"] else None

    # --- what people do ----------------------------------------------------------------------------
    @task(3)
    def our_cases(self) -> None:
        if self.logged_in():
            self.fetch("GET", "/cases/", "/cases/")

    @task(3)
    def open_a_case(self) -> None:
        case = self.a_case()
        if case and self.logged_in():
            self.fetch("GET", f"/cases/{case}", "/cases/[id]")
            self.fetch("GET", f"/cases/{case}/documents", "/cases/[id]/documents")

    @task(1)
    def inbox(self) -> None:
        if self.logged_in():
            self.fetch("GET", "/inbox/", "/inbox/")

    @task(1)
    def write_to_the_caseworker(self) -> None:
        case = self.a_case()
        if not (case and self.logged_in()):
            return
        key = uuid.uuid4().hex
        answer = self.fetch("POST", f"/cases/{case}/messages", "/cases/[id]/messages",
                            data={"body": f"Melding {key} under lasttest", "csrf_token": self.token})
        record("write", what="message", key=key, status=answer.status_code, ok=answer.status_code == 302)


class User(Member):
    role = "user"
    weight = 4


class Administrator(Member):
    role = "administrator"
    weight = 1

    @task(1)
    def members(self) -> None:
        if self.logged_in():
            self.fetch("GET", "/organisation/members", "/organisation/members")

    @task(1)
    def audit_log(self) -> None:
        if self.logged_in():
            self.fetch("GET", "/organisation/audit", "/organisation/audit")


class IntakeSystem(HttpUser):
    """The complaint portal's system sending cases in through the API, and reading them back."""

    weight = 1
    wait_time = between(0.5, 2.0)

    @task
    def send_in_a_case(self) -> None:
        org, orgnr = random.choice(list(WORLD["orgnrs"].items()))
        key = uuid.uuid4().hex[:12]
        # The key names the request: an answer lost in a fault is asked for again with it, as a real
        # client would, and must bring the first case, not a second.
        headers = {"Authorization": f"Bearer {WORLD['api_token']}", "Idempotency-Key": key}
        body = {"kind": "mediation", "title": intake_title(org, key), "description": "Sendt inn under lasttest.",
                "submitter": {"consumer": "Ola Forbruker"}, "counterparty": {"orgnr": orgnr}}
        answer, attempts = self.post_until_answered(body, headers)
        replayed = answer.headers.get("Idempotent-Replayed") == "true"
        record("write", what="intake", key=key, status=answer.status_code, ok=answer.status_code == 201,
               attempts=attempts, replayed=replayed)
        if answer.status_code == 201:
            number = answer.json()["number"]
            self.read_back(number, orgnr, headers)
            if random.random() < RESEND_SHARE:
                self.send_again(body, headers, key, number)

    def send_again(self, body: dict, headers: dict, key: str, number: str) -> None:
        """As a client does that timed out just as the answer came: the same request, the same key."""
        again = self.client.post("/api/v1/cases", json=body, headers=headers, name="/api/v1/cases (again)")
        if again.status_code == 0 or again.status_code >= 500:
            record("error", status=again.status_code, path="/api/v1/cases")
        same = again.status_code == 201 and again.json()["number"] == number
        record("resend", key=key, status=again.status_code, same=same,
               replayed=again.headers.get("Idempotent-Replayed") == "true")

    def post_until_answered(self, body: dict, headers: dict):
        """The answer, and how many sends it took: a lost answer (a fault) is sent again, same key."""
        attempts = 0
        while True:
            attempts += 1
            answer = self.client.post("/api/v1/cases", json=body, headers=headers, name="/api/v1/cases")
            if answer.status_code == 0 or answer.status_code >= 500:
                record("error", status=answer.status_code, path="/api/v1/cases")
            if answer.status_code not in (0, 502, 503) or attempts == INTAKE_ATTEMPTS:
                return answer, attempts
            time.sleep(RETRY_PAUSE)

    def read_back(self, number: str, orgnr: str, headers: dict) -> None:
        again = self.client.get(f"/api/v1/cases/{number}", headers=headers, name="/api/v1/cases/[number]")
        if again.status_code == 0 or again.status_code >= 500:
            record("error", status=again.status_code, path="/api/v1/cases/[number]")
        elif again.status_code != 200 or again.json()["counterparty"]["orgnr"] != orgnr:
            record("leak", path=f"/api/v1/cases/{number}", what="not the case sent in", persona="api")
