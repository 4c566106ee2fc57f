"""The benchmarks run end to end at their smoke size (`make bench-smoke`): every part produces numbers.

These are not timed tests: no number is compared with a target here. The in-process parts run on
SQLite, and on PostgreSQL too when ORGSVC_TEST_POSTGRES_URL is set; the gunicorn throughput part runs
on PostgreSQL when it is set, else on SQLite. The run works under names of its own and removes its
databases; its gunicorn servers must be gone afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.common import OUT_DIR, RESULTS
from tests.support import make_engine, postgres_url

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = bool(os.environ.get("ORGSVC_TEST_POSTGRES_URL"))
TIMEOUT = 300


def run_smoke(tmp_path: Path) -> tuple[dict, int]:
    backends = "sqlite,postgresql" if POSTGRES else "sqlite"
    command = [sys.executable, "-m", "bench.run", "--size", "smoke", "--backends", backends,
               "--throughput-backend", "postgresql" if POSTGRES else "sqlite", "--json", str(tmp_path / "smoke.json")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the run stops its gunicorn servers and drops its schemas
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"the smoke benchmark took over {TIMEOUT} s:\n{output[-5000:]}")
    assert process.returncode == 0, output[-5000:]
    return json.loads((tmp_path / "smoke.json").read_text()), process.pid


def numbers(stats: dict, runs: int) -> None:
    assert stats["n"] == runs
    assert 0 < stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]


def test_the_benchmarks_run_at_smoke_size(tmp_path):
    results_before = RESULTS.read_bytes() if RESULTS.exists() else None

    data, pid = run_smoke(tmp_path)

    from bench.cases_bench import PLANS

    plan = PLANS["smoke"]
    assert "| sqlite |" in data["register"]
    assert [result["backend"] for result in data["cases"]] == (["sqlite", "postgresql"] if POSTGRES else ["sqlite"])
    for result in data["cases"]:
        page = result["page"]
        for name in ("admin", "admin_unfiltered", "user", "user_same_rows", "user_org_page", "admin_small",
                     "user_small"):
            numbers(page[name], plan.page_runs)
        assert page["checked"] == {"admin_same_rows": True, "user_same_rows": True, "user_rows": 20}
        for name in ("admin_allowed", "user_allowed", "user_refused"):
            numbers(result["check"][name], plan.check_runs)
        assert result["check"]["decisions"] == {"admin_allowed": True, "user_allowed": True, "user_refused": False}
        for persona, visible in (("admin", plan.large.big_cases), ("user", 20)):
            filtering = result["filter"][persona]
            assert filtering["cases"] == plan.large.big_cases
            assert filtering["visible"] == visible
            assert filtering["agree"]
            numbers(filtering["naive"], plan.naive_runs)
            numbers(filtering["sql"], plan.filter_runs)
            first_page = result["page_filter"][persona]
            assert first_page["agree"], "the naive first page and our_cases differ"
            assert 0 < first_page["cases"] < plan.large.big_cases  # the organisation's mediation cases
            numbers(first_page["naive"], plan.naive_runs)
            numbers(first_page["sql"], plan.filter_runs)
        assert set(result["verdicts"]) >= {"page_ratio_admin", "flat_user", "check_admin_allowed", "filter_user",
                                           "page_filter_admin", "page_filter_user"}

    throughput = data["throughput"]
    assert throughput["backend"] == ("postgresql" if POSTGRES else "sqlite")
    assert throughput["admin"]["same_page"]
    for persona in ("admin", "user"):
        assert throughput[persona]["rows"] == 20
        for app in ("service", "baseline"):
            measured = throughput[persona][app]
            assert measured["requests"] > 0 and measured["rps"] > 0 and measured["p99_ms"] > 0
            assert measured["errors"] == 0

    # Printed only: the smoke size never touches RESULTS.md.
    assert (RESULTS.read_bytes() if RESULTS.exists() else None) == results_before
    # Cleaned up: no gunicorn left, no database of the run left.
    for master in throughput["servers"].values():
        with pytest.raises(ProcessLookupError):
            os.kill(master, 0)
    tag = f"_smoke{pid}"
    assert not list(OUT_DIR.glob(f"*{tag}*"))
    if POSTGRES:
        engine = make_engine(postgres_url("public"))
        try:
            with engine.connect() as connection:
                left = connection.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :pattern"),
                                          {"pattern": f"%{tag}"}).scalars().all()
        finally:
            engine.dispose()
        assert left == []


def _register_figures(backend: str, entities_per_s: float, peak_rss_mb: float, p50_ms: float, p99_ms: float) -> dict:
    return {"backend": backend, "entities_per_s": entities_per_s, "roles_per_s": 16_000, "peak_rss_mb": peak_rss_mb,
            "n": 3000, "p50_ms": p50_ms, "p99_ms": p99_ms, "max_ms": p99_ms * 2, "with_hits": 2708}


def test_the_register_report_says_which_targets_were_met_and_which_missed():
    from bench.register_bench import report, verdicts

    sqlite = _register_figures("sqlite", 21_479, 141, 1.17, 8.78)
    postgresql = _register_figures("postgresql", 24_912, 149, 2.32, 20.81)
    assert verdicts(sqlite) == dict.fromkeys(("import_rate", "peak_memory", "search_p50", "search_p99"), True)
    assert verdicts(postgresql) == {"import_rate": True, "peak_memory": True, "search_p50": True,
                                    "search_p99": False}
    assert verdicts(_register_figures("sqlite", 19_999, 300, 5.0, 20.0)) == dict.fromkeys(
        ("import_rate", "peak_memory", "search_p50", "search_p99"), False)

    text = report(1_100_000, 33, (32, 65), [sqlite, postgresql])
    after_targets = text.split("Targets: ", 1)[1].split("\n", 1)[1]
    assert "| sqlite | met (21,479 entities/s) | met (141 MB) | met (1.17 ms) | met (8.78 ms) |" in after_targets
    assert "| postgresql | met (24,912 entities/s) | met (149 MB) | met (2.32 ms) | **missed** (20.81 ms) |" \
        in after_targets
    assert after_targets.rstrip().endswith("Missed: postgresql search p99 < 20 ms (measured 20.81 ms).")
    assert report(1_100_000, 33, (32, 65), [sqlite]).rstrip().endswith("Every target met on every database.")


def _filter_figures(cases: int, visible: int, naive_ms: float, sql_ms: float) -> dict:
    return {"cases": cases, "visible": visible, "agree": True, "naive": {"p50_ms": naive_ms, "p99_ms": naive_ms},
            "naive_checks": {"p50_ms": naive_ms / 3, "p99_ms": naive_ms / 3},
            "sql": {"p50_ms": sql_ms, "p99_ms": sql_ms}}


def test_the_filter_target_is_judged_only_where_the_filter_leaves_rows_out():
    from bench.cases_bench import filter_verdict, notes

    assert filter_verdict(_filter_figures(10_000, 20, 1000.0, 1.0)) is True  # 1,000×
    assert filter_verdict(_filter_figures(10_000, 20, 99.0, 1.0)) is False  # 99×
    assert filter_verdict(_filter_figures(10_000, 9_999, 50.0, 1.0)) is False  # one row left out: judged
    # Every row visible: both ways load the same rows, so no speed-up is possible; not judged.
    assert filter_verdict(_filter_figures(10_000, 10_000, 460.0, 363.0)) is None

    whole_set = _filter_figures(10_000, 10_000, 460.0, 363.0)
    explained = notes([{"backend": "sqlite", "verdicts": {"filter_user": True, "filter_admin": None},
                        "filter": {"admin": whole_set}}])
    assert explained[1] == "Notes on the targets not judged:"
    assert explained[3].startswith("* sqlite, administrator: nothing is filtered out (10,000 of 10,000 visible)")
    assert len(explained) == 4  # the judged user's row has no note
    assert notes([{"backend": "sqlite", "verdicts": {"filter_user": False, "filter_admin": True}, "filter": {}}]) == []
