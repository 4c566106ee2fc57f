"""The load-and-faults run (bench/load.py): its verdict catches each kind of failure, and its smoke
size passes end to end on PostgreSQL - a worker killed mid-upload and the database cut mid-run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bench.load import Window, _judge

ROOT = Path(__file__).resolve().parents[2]
FAULT = [Window("database proxy", start=100.0, end=105.0)]
STORED = ({"m1", "m2"}, Counter({"i1": 1}))


def write(key: str, what: str = "message", ok: bool = True, status: int = 302, t: float = 50.0) -> dict:
    return {"kind": "write", "what": what, "key": key, "ok": ok, "status": status, "t": t}


def clean_run() -> list[dict]:
    return [write("m1"), write("m2"), write("i1", "intake", status=201)]


def test_a_clean_run_passes():
    verdict = _judge(clean_run(), FAULT, STORED)
    assert verdict.ok, verdict.problems
    assert verdict.facts["writes acknowledged"] == verdict.facts["acknowledged and stored"] == 3


@pytest.mark.parametrize("event, problem", [
    ({"kind": "leak", "t": 1.0, "persona": "user0001-0@last.example", "what": "case LT-0002-003", "path": "/cases/"},
     "saw case LT-0002-003"),
    ({"kind": "error", "t": 50.0, "status": 503, "path": "/cases/"}, "503 outside a fault"),
    ({"kind": "error", "t": 50.0, "status": 0, "path": "/cases/"}, "dropped connection outside a fault"),
    ({"kind": "error", "t": 102.0, "status": 500, "path": "/cases/"}, "500 on /cases/"),
    ({"kind": "logged_out", "t": 102.0, "path": "/inbox/"}, "logged_out on /inbox/"),
    (write("lost"), "acknowledged message lost is not stored"),
    (write("x", ok=False, status=400, t=102.0), "refused with 400 outside a fault"),
    (write("x", ok=False, status=503, t=20.0), "refused with 503 outside a fault"),
])
def test_the_verdict_fails_on(event, problem):
    verdict = _judge([*clean_run(), event], FAULT, STORED)
    assert not verdict.ok
    assert any(problem in text for text in verdict.problems), verdict.problems


def test_the_verdict_fails_on_an_intake_stored_twice():
    verdict = _judge(clean_run(), FAULT, (STORED[0], Counter({"i1": 2})))
    assert not verdict.ok
    assert "intake i1 made 2 cases" in verdict.problems
    assert verdict.facts["intakes stored twice"] == 1


def resend(status=201, replayed=True, same=True, t=50.0) -> dict:
    return {"kind": "resend", "key": "i1", "status": status, "replayed": replayed, "same": same, "t": t}


def test_an_intake_sent_again_must_bring_back_the_first_case():
    assert _judge([*clean_run(), resend()], FAULT, STORED).ok
    for wrong in (resend(replayed=False, same=False), resend(same=False)):
        verdict = _judge([*clean_run(), wrong], FAULT, STORED)
        assert "intake i1 sent again: a new case, not the first" in verdict.problems
    assert "intake i1 sent again: 422 outside a fault" in _judge([*clean_run(), resend(422)], FAULT, STORED).problems
    assert _judge([*clean_run(), resend(503, replayed=False, same=False, t=103.0)], FAULT, STORED).ok


def test_a_write_unanswered_in_a_fault_may_or_may_not_be_stored():
    events = [*clean_run(), write("lost-answer", ok=False, status=503, t=103.0), write("m2", ok=False, status=0,
                                                                                        t=104.0)]
    verdict = _judge(events, FAULT, STORED)
    assert verdict.ok, verdict.problems
    assert verdict.facts["answer lost in a fault"] == 2
    assert verdict.facts["of those, stored anyway"] == 1


def test_a_run_without_acknowledged_writes_is_no_run():
    assert "the load did not run" in " ".join(_judge([], FAULT, STORED).problems)


@pytest.mark.skipif(not os.environ.get("ORGSVC_TEST_POSTGRES_URL"),
                    reason="the load runs on PostgreSQL (ORGSVC_TEST_POSTGRES_URL), which CI always provides")
def test_the_smoke_run_passes_with_its_faults():
    env = {**os.environ, "ORGSVC_BENCH_POSTGRES_URL": os.environ["ORGSVC_TEST_POSTGRES_URL"]}
    run = subprocess.run([sys.executable, "-m", "bench.load", "--smoke"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "Verdict: **pass**" in run.stdout
    assert "worker killed mid-upload" in run.stdout and "database proxy" in run.stdout
    assert "| documents stored | 1 |" in run.stdout
