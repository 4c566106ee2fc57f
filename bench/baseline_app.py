"""Whole-request throughput of «Våre saker» under gunicorn, against a baseline without the access layer.

    python -m bench.baseline_app --backend postgresql [--size full|smoke] [--seconds 10] [--rounds 3]

The service runs as in production (``gunicorn --workers 2 wsgi:app``). The baseline is the same
application in which one view, defined only here in bench/, answers GET /cases/: it renders the same
template (``cases/list.html``, same Jinja environment, same page frame) with the rows of the same
query and no access condition, no guard and no policy question. Nothing in the service can switch its access
layer off; the difference between the two is what the access layer costs a request.

Both run at once on their own ports with the same secret key and database, so one login (a real
POST /login with the form's CSRF token) serves both. A load generator (wrk when installed, else a
small threaded client) then drives GET /cases/?tab=mediation on each in turns.
Targets: at least 500 requests/s, p99 under 50 ms, the access layer's cost at most 10 %.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.common import OUT_DIR, no_access_condition
from bench.service import gunicorn, service_env

PAGE = "/cases/?tab=mediation"
USER_AGENT = "orgsvc-bench/1"
TARGET_RPS, TARGET_P99_MS, TARGET_COST = 500, 50, 0.10


# --- the baseline application (gunicorn 'bench.baseline_app:create_baseline_app()') --------------
def create_baseline_app():
    """The service's app, with «Våre saker» (GET /cases/) answered without the access layer.

    The baseline's view takes the place of ``cases.index`` in this app only, so the URL, the
    endpoint and thus every byte of the page (navigation, links) are the service's own.
    """
    from flask import redirect, render_template, request, url_for
    from flask_login import login_required

    from orgsvc import create_app
    from orgsvc.cases.models import CaseKind
    from orgsvc.cases.services import party_case_page
    from orgsvc.cases.views import TABS
    from orgsvc.organisations.context import current_organisation

    app = create_app()

    @login_required
    def cases_without_access_layer():
        # The organisation the person acts for, as the page frame (the same in both apps) finds it.
        organisation = current_organisation()
        if organisation is None:
            return redirect(url_for("portal.home"))
        tab = request.args.get("tab", CaseKind.MEDIATION.value)
        kind = CaseKind(tab) if tab in set(CaseKind) else CaseKind.MEDIATION
        sort = request.args.get("sort", "activity")
        page = max(1, request.args.get("page", 1, type=int))
        rows, has_more = party_case_page(organisation.id, kind, no_access_condition(), sort, page)
        return render_template("cases/list.html", rows=rows, has_more=has_more, page=page, tab=kind, tabs=TABS,
                               sort=sort, organisation=organisation, can_create=True)

    app.view_functions["cases.index"] = cases_without_access_layer
    return app


# --- HTTP --------------------------------------------------------------------------------------
def request(port: int, method: str, path: str, *, cookie: str | None = None, form: dict | None = None,
            timeout: float = 30) -> tuple[int, dict[str, list[str]], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"User-Agent": USER_AGENT}
        body = None
        if cookie:
            headers["Cookie"] = cookie
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        received: dict[str, list[str]] = {}
        for key, value in response.getheaders():
            received.setdefault(key.lower(), []).append(value)
        return response.status, received, text
    finally:
        connection.close()


def _cookie(headers: dict[str, list[str]], name: str = "orgsvc_session") -> str | None:
    for header in headers.get("set-cookie", []):
        pair = header.split(";", 1)[0]
        if pair.startswith(f"{name}="):
            return pair
    return None


def log_in(port: int, email: str, password: str) -> str:
    """POST /login as a browser does (the form's CSRF token, the session cookie); the new cookie."""
    status, headers, page = request(port, "GET", "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    cookie = _cookie(headers)
    if status != 200 or token is None or cookie is None:
        raise RuntimeError(f"login page: status {status}, token {bool(token)}, cookie {bool(cookie)}")
    status, headers, _page = request(port, "POST", "/login", cookie=cookie,
                                     form={"csrf_token": token.group(1), "email": email, "password": password,
                                           "next": ""})
    signed_in = _cookie(headers)
    if status != 302 or signed_in is None:
        raise RuntimeError(f"login as {email} failed: status {status}")
    return signed_in


def rows_on(page: str) -> list[str]:
    return re.findall(r'href="/cases/(\d+)"', page)


def without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", page)


# --- load generation -----------------------------------------------------------------------------
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"errors": %d, "bad_status": %d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), latency.max, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status))
end
"""


def load(port: int, path: str, cookie: str, seconds: float, connections: int) -> dict:
    """Requests/s and latency of GET ``path`` for ``seconds`` with ``connections`` at once."""
    if shutil.which("wrk"):
        return _wrk(port, path, cookie, seconds, connections)
    return _threaded(port, path, cookie, seconds, connections)


def _wrk(port: int, path: str, cookie: str, seconds: float, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        result = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script.name,
             "-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}", f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, check=True)
    finally:
        os.unlink(script.name)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return {"tool": "wrk", "requests": summary["requests"], "rps": summary["requests"] / (summary["duration_us"] / 1e6),
            "p50_ms": summary["p50_us"] / 1000, "p99_ms": summary["p99_us"] / 1000, "max_ms": summary["max_us"] / 1000,
            "errors": summary["errors"] + summary["bad_status"]}


def _threaded(port: int, path: str, cookie: str, seconds: float, connections: int) -> dict:
    """A small load generator for machines without wrk: one thread per connection, keep-alive when
    the server allows it (gunicorn's sync workers close after each response; http.client reconnects)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, failed = [], 0
        headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {"tool": "python", "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": statistics.median(ordered) * 1000, "p99_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1000,
            "max_ms": ordered[-1] * 1000, "errors": errors[0]}


# --- the measurement ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadPlan:
    seconds: float
    rounds: int
    warmup: float
    connections: int = 4
    wait_for_quiet: float = 0  # minutes, at most, before the servers start


LOAD_PLANS = {"full": LoadPlan(seconds=10, rounds=3, warmup=3, wait_for_quiet=20),
              "smoke": LoadPlan(seconds=1, rounds=1, warmup=0)}


FLOOR_PAGE = "/healthz"


def _combine(runs: list[dict]) -> dict:
    requests = sum(run["requests"] for run in runs)
    return {"tool": runs[0]["tool"], "requests": requests, "rps": statistics.median(run["rps"] for run in runs),
            "p50_ms": statistics.median(run["p50_ms"] for run in runs),
            "p99_ms": statistics.median(run["p99_ms"] for run in runs),
            "max_ms": max(run["max_ms"] for run in runs), "errors": sum(run["errors"] for run in runs),
            "rounds": runs}


def measure(world, backend: str, plan: LoadPlan, instance: Path) -> dict:
    """Throughput of the service and of the baseline for both personas of ``world``."""
    from bench.cases_bench import wait_for_quiet

    env = service_env(world.url, instance, ORGSVC_LOGIN_LIMIT_PER_ACCOUNT="10000 per 1 minute",
                      ORGSVC_LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="10000 per 1 minute",
                      ORGSVC_LOGIN_LIMIT_PER_ADDRESS="10000 per 1 minute")
    load_average = wait_for_quiet(plan.wait_for_quiet) if plan.wait_for_quiet else os.getloadavg()[0]
    results: dict = {"backend": backend, "connections": plan.connections, "workers": 2, "load": load_average}
    with gunicorn("service", env) as service, \
            gunicorn("baseline", env, app_spec="bench.baseline_app:create_baseline_app()") as baseline:
        results["servers"] = {"service": service.process.pid, "baseline": baseline.process.pid}
        for persona, email in (("admin", world.admin_email), ("user", world.user_email)):
            cookie = log_in(service.port, email, world.password)
            pages = {}
            for server in (service, baseline):
                status, _headers, page = request(server.port, "GET", PAGE, cookie=cookie)
                if status != 200 or not rows_on(page):
                    raise RuntimeError(f"{server.name} {PAGE} as {persona}: status {status}, no rows")
                pages[server.name] = page
            same_page = without_tokens(pages["service"]) == without_tokens(pages["baseline"])
            for server in (service, baseline):
                if plan.warmup:
                    load(server.port, PAGE, cookie, plan.warmup, plan.connections)
            runs: dict[str, list[dict]] = {"service": [], "baseline": []}
            for _round in range(plan.rounds):
                for server in (service, baseline):
                    runs[server.name].append(load(server.port, PAGE, cookie, plan.seconds, plan.connections))
            for server in (service, baseline):  # still signed in afterwards?
                status, _headers, page = request(server.port, "GET", PAGE, cookie=cookie)
                if status != 200 or not rows_on(page):
                    raise RuntimeError(f"{server.name} stopped serving the page to {persona} (status {status})")
            service_stats, baseline_stats = _combine(runs["service"]), _combine(runs["baseline"])
            results[persona] = {
                "rows": len(rows_on(pages["service"])), "same_page": same_page, "service": service_stats,
                "baseline": baseline_stats, "cost": 1 - service_stats["rps"] / baseline_stats["rps"],
            }
        # The ceiling of the stack itself: the lightest route of the same server (one query, no
        # session, no template) under the same load.
        results["floor"] = _combine([load(service.port, FLOOR_PAGE, "", plan.seconds, plan.connections)
                                     for _round in range(plan.rounds)])
    results["verdicts"] = {
        f"{persona}_{name}": ok for persona in ("admin", "user") for name, ok in (
            ("rps", results[persona]["service"]["rps"] >= TARGET_RPS),
            ("p99", results[persona]["service"]["p99_ms"] < TARGET_P99_MS),
            ("cost", results[persona]["cost"] <= TARGET_COST))}
    return results


def report(result: dict, plan: LoadPlan, size) -> str:
    tool = result["admin"]["service"]["tool"]
    lines = [f"gunicorn, {result['workers']} sync workers each, {result['backend']}, {plan.connections} connections "
             f"({'wrk' if tool == 'wrk' else 'a threaded Python client'} on the same machine), GET {PAGE}: "
             f"{plan.rounds} rounds of {plan.seconds:g} s per app after {plan.warmup:g} s of warm-up, the apps "
             "taking turns; requests/s, p50 and p99 are the medians of the rounds. Baseline: the same app, "
             "template and query with no access condition, guard or policy question (its view of GET /cases/ "
             "is defined in `bench/baseline_app.py` only). Cost: 1 − service/baseline requests/s. Load "
             f"average (1 min) before the servers started: {result['load']:.2f}.", "",
             "| Persona | Rows | Service req/s | p50 / p99 (ms) | Baseline req/s | p50 / p99 (ms) | Access cost | "
             "Errors | Target (≥ 500/s, p99 < 50 ms, cost ≤ 10 %) |", "|---|---|---|---|---|---|---|---|---|"]
    from bench.cases_bench import persona_label

    for persona in ("admin", "user"):
        label = persona_label(persona, size)
        row, ok = result[persona], result["verdicts"]
        service, baseline = row["service"], row["baseline"]
        missed = [name for name in ("rps", "p99", "cost") if not ok[f"{persona}_{name}"]]
        verdict = "met" if not missed else "**missed**: " + ", ".join(missed)
        lines.append(f"| {label} | {row['rows']} | {service['rps']:,.0f} | {service['p50_ms']:.1f} / "
                     f"{service['p99_ms']:.1f} | {baseline['rps']:,.0f} | {baseline['p50_ms']:.1f} / "
                     f"{baseline['p99_ms']:.1f} | {row['cost'] * 100:.1f} % | {service['errors'] + baseline['errors']} "
                     f"| {verdict} |")
    same = result["admin"]["same_page"]
    lines += ["", f"The administrator's page from the baseline is {'byte for byte' if same else 'NOT'} the service's "
              "(CSRF tokens aside). The user's baseline page shows the organisation's first 20 cases: without an "
              "access layer nothing knows which 20 are the user's; the work per request is the same."]
    ok = result["verdicts"]
    if not all(ok[f"{persona}_rps"] for persona in ("admin", "user")):
        fastest = max(result[persona]["baseline"]["rps"] for persona in ("admin", "user"))
        p99_missed = not all(ok[f"{persona}_p99"] for persona in ("admin", "user"))
        lines += ["", f"Requests/s{' and p99' if p99_missed else ''} missed: the baseline, without any access "
                  f"layer, reaches only "
                  f"{fastest:,.0f} requests/s, so the limit is the rest of the request (session and login lookup, "
                  "the page frame's queries, the ORM, Jinja and Babel formatting) on two cores shared by the "
                  "workers, PostgreSQL and the load generator; with more connections than workers, p99 includes "
                  "waiting for the worker."]
    if "floor" in result:
        floor = result["floor"]
        lines += ["", f"For scale, the lightest route of the same server, GET {FLOOR_PAGE} (one query; no session, "
                  f"page frame or template), under the same load: {floor['rps']:,.0f} requests/s, p50 / p99 "
                  f"{floor['p50_ms']:.1f} / {floor['p99_ms']:.1f} ms."]
    return "\n".join(lines)


def main() -> None:
    from bench.cases_bench import PLANS, world_name
    from bench.world import obtain

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--size", choices=sorted(LOAD_PLANS), default="full")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--connections", type=int)
    options = parser.parse_args()
    plan = LOAD_PLANS[options.size]
    plan = LoadPlan(options.seconds or plan.seconds, options.rounds or plan.rounds, plan.warmup,
                    options.connections or plan.connections)
    size = PLANS[options.size].large
    world = obtain(options.backend, world_name(size), size, reuse=True)
    result = measure(world, options.backend, plan, OUT_DIR / "instance-throughput")
    print(report(result, plan, size))


if __name__ == "__main__":
    main()
