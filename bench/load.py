"""Load and faults: locust against gunicorn over PostgreSQL, with a worker killed and the database
restarted mid-run; then the verdict.

    python -m bench.load                       # 3 minutes, 200 organisations, PostgreSQL restarted
    python -m bench.load --smoke               # what CI runs: 25 s, small world, database cut by a proxy

The verdict fails the run (exit 1) on any of:
- a server error (5xx) or dropped connection outside a fault window, or any 500 at all;
- a response showing another organisation's data, or a user a case they do not represent;
- a logged-in session lost, or an own case refused;
- a write that was acknowledged (302/201) but is not in the database, or more unacknowledged
  writes stored than writes whose answer was lost in a fault.

``--db-fault restart`` restarts the machine's PostgreSQL cluster (pg_ctlcluster, as root) and so
affects everything else using it; ``--db-fault proxy`` (the smoke default) puts a TCP proxy between
the service and PostgreSQL and cuts every connection for a few seconds, which the service sees the
same way. Results of full runs go to bench/RESULTS.md ("Load and faults").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import flask_migrate
import requests
import sqlalchemy as sa

from bench import load_world
from bench.common import OUT_DIR, database_url, write_section
from bench.faults import CuttableProxy, kill_worker_serving, restart_postgresql, wait_for_workers
from bench.service import ROOT, gunicorn, service_env
from orgsvc import create_app
from orgsvc.extensions import db

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
GRACE_SECONDS = 3.0  # after a fault ends, in-flight requests may still finish with its error


@dataclass
class Plan:
    seconds: int = 180
    users: int = 40
    organisations: int = 200
    members: int = 4
    cases: int = 30
    workers: int = 3
    db_fault: str = "restart"  # restart | proxy | none
    kill_worker: bool = True


SMOKE = Plan(seconds=25, users=12, organisations=12, members=3, cases=8, workers=2, db_fault="proxy")


@dataclass
class Window:
    what: str
    start: float
    end: float = 0.0


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "ORGSVC_ENV": "test", "SECRET_KEY": uuid.uuid4().hex * 2,
                       "INSTANCE_PATH": str(OUT_DIR / "load-instance")})


@contextmanager
def _database(plan: Plan, schema: str):
    """A fresh schema, migrated and populated; with the proxy in front of it if that is the fault."""
    url = database_url("postgresql", schema)
    app = _app(url)
    with app.app_context():
        flask_migrate.upgrade()
        world = load_world.build(plan.organisations, plan.members, plan.cases, password=uuid.uuid4().hex)
    proxy = None
    service_url = url
    if plan.db_fault == "proxy":
        target = urlsplit(url)
        proxy = CuttableProxy(target.hostname, target.port or 5432)
        service_url = url.replace(f"@{target.netloc.split('@')[-1]}", f"@127.0.0.1:{proxy.port}", 1)
    try:
        yield app, world, service_url, proxy
    finally:
        if proxy:
            proxy.close()
        with app.app_context():
            db.engine.dispose()
        engine = sa.create_engine(url.split("?")[0])
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def _wait_healthy(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise RuntimeError("the service did not recover by itself")


class CutUpload:
    """An administrator's upload whose worker is killed while it reads the body; then sent again.

    The first attempt must get no answer and leave nothing; the second must be stored exactly once.
    """

    def __init__(self, base: str, world: dict):
        self.base = base
        self.persona = next(p for p in world["personas"] if p["role"] == "administrator")
        self.name = f"avbrutt-{uuid.uuid4().hex[:8]}.pdf"
        self.http = requests.Session()
        form = self.http.get(f"{base}/login", timeout=10).text
        self.http.post(f"{base}/login", timeout=10, allow_redirects=False, data={
            "email": self.persona["email"], "password": world["password"], "csrf_token": _csrf(form)})
        self.case_id = self.persona["case_ids"][0]
        self.token = _csrf(self.http.get(f"{base}/cases/{self.case_id}/documents", timeout=10).text)
        self.content = b"%PDF-1.4\n" + b"0" * 1_000_000 + b"\n%%EOF\n"
        self.facts: dict = {}

    def cut(self, master_pid: int) -> None:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{self.token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{self.name}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + self.content + f"\r\n--{boundary}--\r\n".encode()
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        head = (f"POST /cases/{self.case_id}/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n")
        port = int(urlsplit(self.base).port)
        with socket.create_connection(("127.0.0.1", port), timeout=15) as connection:
            connection.sendall(head.encode() + body[: len(body) // 3])
            self.facts["killed worker"] = kill_worker_serving(master_pid, connection.getsockname()[1])
            try:
                self.facts["answer to the cut upload"] = connection.recv(100).decode(errors="replace") or "none"
            except OSError:
                self.facts["answer to the cut upload"] = "none"

    def send_again(self) -> None:
        files = {"file": (self.name, self.content, "application/pdf")}
        answer = self.http.post(f"{self.base}/cases/{self.case_id}/documents", data={"csrf_token": self.token},
                                files=files, allow_redirects=False, timeout=30)
        self.facts["answer when sent again"] = answer.status_code


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _inject_faults(plan: Plan, server, proxy, windows: list[Window], upload: CutUpload) -> None:
    """Kill a worker mid-request at 30 % of the run, lose the database at 55 %; record how long each lasted."""
    started = time.time()
    if plan.kill_worker:
        time.sleep(plan.seconds * 0.30)
        window = Window("worker killed mid-upload", time.time())
        windows.append(window)
        upload.cut(server.process.pid)
        wait_for_workers(server.process.pid, plan.workers, gone=upload.facts["killed worker"])
        window.end = time.time()
        upload.send_again()
    if plan.db_fault != "none":
        time.sleep(max(0.0, started + plan.seconds * 0.55 - time.time()))
        window = Window(f"database {plan.db_fault}", time.time())
        windows.append(window)
        if plan.db_fault == "restart":
            restart_postgresql()
        else:
            proxy.cut()
            time.sleep(3)
            proxy.restore()
        _wait_healthy(server.base)
        window.end = time.time()


def _run_locust(plan: Plan, base: str, world_file: Path, record: Path, csv_prefix: Path) -> subprocess.CompletedProcess:
    env = {"ORGSVC_LOAD_WORLD": str(world_file), "ORGSVC_LOAD_RECORD": str(record), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base,
               "--users", str(plan.users), "--spawn-rate", str(max(1, plan.users // 5)),
               "--run-time", f"{plan.seconds}s", "--stop-timeout", "10", "--csv", str(csv_prefix),
               "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    return subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=plan.seconds + 120)


def _judge(events: list[dict], windows: list[Window], stored: tuple[set[str], Counter[str]]) -> Verdict:
    def in_fault(moment: float) -> bool:
        return any(w.start - 1 <= moment <= (w.end or moment) + GRACE_SECONDS for w in windows)

    verdict = Verdict()
    kinds = Counter(event["kind"] for event in events)
    errors = [e for e in events if e["kind"] == "error"]
    verdict.problems += _error_problems(errors, in_fault)
    for event in events:
        if event["kind"] == "leak":
            verdict.problems.append(f"{event['persona']} saw {event['what']} on {event['path']}")
        elif event["kind"] in ("logged_out", "refused"):
            verdict.problems.append(f"{event['kind']} on {event['path']}")
    problems, facts = _count_writes([e for e in events if e["kind"] == "write"], stored, in_fault)
    verdict.problems += problems
    problems, resent = _resend_problems([e for e in events if e["kind"] == "resend"], in_fault)
    verdict.problems += problems
    verdict.facts = {**facts, **resent, "errors inside fault windows": sum(1 for e in errors if in_fault(e["t"])),
                     "leaks": kinds["leak"], "sessions lost": kinds["logged_out"]}
    return verdict


def _resend_problems(resends: list[dict], in_fault) -> tuple[list[str], dict]:
    """An acknowledged intake sent again with its Idempotency-Key must bring the same case back."""
    problems = [f"intake {r['key']} sent again: {r['status']} outside a fault" for r in resends
                if r["status"] != 201 and (r["status"] not in (0, 503) or not in_fault(r["t"]))]
    problems += [f"intake {r['key']} sent again: a new case, not the first" for r in resends
                 if r["status"] == 201 and not (r["replayed"] and r["same"])]
    return problems, {"intakes sent again on purpose": len(resends),
                      "of those, answered with the first case": sum(1 for r in resends if r["replayed"] and r["same"])}


def _error_problems(errors: list[dict], in_fault) -> list[str]:
    """A 500 is a bug wherever it happens; a 503 or dropped connection is allowed only in a fault."""
    problems = []
    for error in errors:
        if error["status"] == 500:
            problems.append(f"500 on {error['path']}")
        elif not in_fault(error["t"]):
            problems.append(f"{error['status'] or 'dropped connection'} outside a fault on {error['path']}")
    return problems


def _count_writes(writes: list[dict], stored: tuple[set[str], Counter[str]], in_fault) -> tuple[list[str], dict]:
    """Every acknowledged write must be stored, an intake exactly once (its answers lost in a fault
    are asked for again with its Idempotency-Key); a write may go unanswered only in a fault."""
    messages, intakes = stored
    stored_keys = {"message": messages, "intake": intakes}
    acknowledged = [w for w in writes if w["ok"]]
    lost = [w for w in acknowledged if w["key"] not in stored_keys[w["what"]]]
    unanswered = [w for w in writes if not w["ok"]]
    sent_again = [w for w in writes if w.get("attempts", 1) > 1]
    twice = sorted(key for key, made in intakes.items() if made > 1)
    problems = [f"acknowledged {w['what']} {w['key']} is not stored" for w in lost]
    problems += [f"intake {key} made {intakes[key]} cases" for key in twice]
    problems += [f"{w['what']} refused with {w['status']} outside a fault" for w in unanswered
                 if w["status"] not in (0, 503) or not in_fault(w["t"])]
    if not acknowledged:
        problems.append("no write was acknowledged: the load did not run")
    facts = {"writes submitted": len(writes), "writes acknowledged": len(acknowledged),
             "acknowledged and stored": len(acknowledged) - len(lost), "answer lost in a fault": len(unanswered),
             "of those, stored anyway": sum(1 for w in unanswered if w["key"] in stored_keys[w["what"]]),
             "intakes sent again after a lost answer": len(sent_again),
             "of those, answered from the first request": sum(1 for w in sent_again if w.get("replayed")),
             "intakes stored twice": len(twice)}
    return problems, facts


def _upload_problems(facts: dict) -> list[str]:
    problems = []
    if facts.get("answer to the cut upload") != "none":
        problems.append(f"the cut upload was answered: {facts.get('answer to the cut upload')!r}")
    if facts.get("answer when sent again") != 302:
        problems.append(f"the upload sent again got {facts.get('answer when sent again')}")
    if facts.get("documents stored") != 1:
        problems.append(f"the upload is stored {facts.get('documents stored')} times, not once")
    return problems


def _locust_totals(csv_prefix: Path) -> dict:
    with Path(f"{csv_prefix}_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    return {"requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
            "rps": round(float(total["Requests/s"]), 1), "p50_ms": float(total["50%"]), "p99_ms": float(total["99%"])}


def run(plan: Plan) -> Verdict:
    """Build the world, serve it, load it, break it, and judge what happened."""
    OUT_DIR.mkdir(exist_ok=True)
    run_dir = OUT_DIR / f"load-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir.mkdir()
    schema = f"load_{uuid.uuid4().hex[:10]}"
    with _database(plan, schema) as (app, world, service_url, proxy):
        world_file, record = run_dir / "world.json", run_dir / "events.jsonl"
        world_file.write_text(json.dumps(world.to_json()))
        env = service_env(service_url, run_dir / "instance", ORGSVC_REDIS_URL="redis://127.0.0.1:6379/15",
                          ORGSVC_REDIS_PREFIX=schema, ORGSVC_LOGIN_LIMIT_PER_ADDRESS="100000 per 15 minutes")
        with gunicorn("load", env, workers=plan.workers, log_dir=run_dir) as server:
            windows: list[Window] = []
            upload = CutUpload(server.base, world.to_json())
            faults = threading.Thread(target=_inject_faults, args=(plan, server, proxy, windows, upload), daemon=True)
            faults.start()
            locust = _run_locust(plan, server.base, world_file, record, run_dir / "locust")
            faults.join(timeout=180)
        with app.app_context():
            stored = load_world.stored_writes()
            upload.facts["documents stored"] = load_world.documents_named(upload.name)
    events = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    verdict = _judge(events, windows, stored)
    if locust.returncode != 0 or not Path(f"{run_dir / 'locust'}_stats.csv").exists():
        verdict.problems.append(f"locust failed ({locust.returncode}): {locust.stderr[-2000:]}")
    else:
        verdict.facts.update(_locust_totals(run_dir / "locust"))
    verdict.facts["faults"] = [f"{w.what}: {w.end - w.start:.1f} s" for w in windows]
    if plan.kill_worker:
        verdict.problems += _upload_problems(upload.facts)
        verdict.facts.update(upload.facts)
    if faults.is_alive() or any(not w.end for w in windows):
        verdict.problems.append("a fault was not injected or the service did not recover")
    (run_dir / "verdict.json").write_text(json.dumps({"problems": verdict.problems, "facts": verdict.facts},
                                                     indent=2, ensure_ascii=False))
    return verdict


def _report(plan: Plan, verdict: Verdict) -> str:
    facts = verdict.facts
    lines = [f"{plan.users} locust users for {plan.seconds} s against gunicorn ({plan.workers} sync workers) on "
             f"PostgreSQL; {plan.organisations} organisations × (1 administrator + {plan.members} users), "
             f"{plan.cases} cases each; the intake API sending cases in meanwhile.", "",
             "| measure | value |", "|---|---|"]
    for key in ("requests", "rps", "p50_ms", "p99_ms", "writes submitted", "writes acknowledged",
                "acknowledged and stored", "answer lost in a fault", "of those, stored anyway",
                "intakes sent again after a lost answer", "of those, answered from the first request",
                "intakes sent again on purpose", "of those, answered with the first case", "intakes stored twice",
                "errors inside fault windows", "leaks", "sessions lost", "answer to the cut upload",
                "answer when sent again", "documents stored"):
        if key in facts:
            lines.append(f"| {key} | {facts[key]} |")
    lines.append(f"| faults | {'; '.join(facts.get('faults', [])) or 'none'} |")
    lines += ["", f"Verdict: **{'pass' if verdict.ok else 'FAIL'}**"]
    lines += [f"- {problem}" for problem in verdict.problems[:20]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="the small run CI makes")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--organisations", type=int)
    parser.add_argument("--db-fault", choices=("restart", "proxy", "none"))
    parser.add_argument("--no-worker-kill", action="store_true")
    parser.add_argument("--write-results", action="store_true", help="record the run in bench/RESULTS.md")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else Plan()
    for name in ("seconds", "users", "organisations", "db_fault"):
        if getattr(args, name) is not None:
            setattr(plan, name, getattr(args, name))
    plan.kill_worker = not args.no_worker_kill
    verdict = run(plan)
    report = _report(plan, verdict)
    print(report)
    if args.write_results:
        write_section("Load and faults", report)
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
