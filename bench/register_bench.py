"""Benchmark of the local register: bulk import (time, peak memory) and name search latency.

    python -m bench.register_bench [--count 1100000] [--backends sqlite,postgresql] [--queries 3000]

Targets (issue 3): import at least 20,000 entities/s with peak memory under 300 MB; search p50 under
5 ms and p99 under 20 ms, on SQLite and PostgreSQL, with a register the size of the real one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time

from bench.common import OUT_DIR, bench_config, database_url, percentiles, write_section
from bench.register_data import FIRST, WORDS, write_bulk_files

IMPORT_CHILD = """
import json, resource, sys, time
import flask_migrate
from orgsvc import create_app
from orgsvc.registry.bulk import finish_import, import_file
from pathlib import Path
config = json.loads(sys.argv[1])
app = create_app(config)
with app.app_context():
    flask_migrate.upgrade()
    reports = {}
    for path in sys.argv[2:]:
        report = import_file(Path(path))
        reports[report.kind] = {"records": report.records, "seconds": report.seconds}
    started = time.perf_counter()
    finish_import()
    reports["analyze_seconds"] = time.perf_counter() - started
    print(json.dumps({"reports": reports, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SEARCH_CHILD = """
import json, sys, time
from orgsvc import create_app
from orgsvc.registry.local import LocalRegister
config = json.loads(sys.argv[1]); queries = json.loads(sys.argv[2])
app = create_app(config)
with app.app_context():
    register = LocalRegister()
    for query in queries[:50]:
        register.search(query)  # warm the caches, as a running service has them
    timings, hits = [], 0
    for query in queries:
        started = time.perf_counter()
        found = register.search(query)
        timings.append(time.perf_counter() - started)
        hits += bool(found)
print(json.dumps({"timings": timings, "with_hits": hits}))
"""


def queries(count: int, seed: int = 7) -> list[str]:
    """What people type into «Velg organisasjon»: word prefixes, two words, org number prefixes."""
    rng = random.Random(seed)
    typed = []
    for _ in range(count):
        kind = rng.random()
        word = rng.choice(WORDS).lower()
        if kind < 0.5:
            typed.append(word[: rng.randint(3, max(3, len(word)))])
        elif kind < 0.8:
            typed.append(f"{word} {rng.choice(WORDS).lower()[:3]}")
        elif kind < 0.9:
            typed.append(rng.choice(FIRST).lower()[:4])  # a word that is in few names
        else:
            typed.append(f"81{rng.randint(0, 9999):04d}")
    return typed


def child(script: str, *args: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORGSVC_")}
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                            check=False, cwd=OUT_DIR.parent.parent)
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


TARGET_ENTITIES_PER_S, TARGET_PEAK_MB, TARGET_P50_MS, TARGET_P99_MS = 20_000, 300, 5, 20
TARGETS = {  # name: (what the target asks, how a measured figure is written)
    "import_rate": (f"import ≥ {TARGET_ENTITIES_PER_S:,} entities/s", "{entities_per_s:,.0f} entities/s"),
    "peak_memory": (f"peak memory < {TARGET_PEAK_MB} MB", "{peak_rss_mb:.0f} MB"),
    "search_p50": (f"search p50 < {TARGET_P50_MS} ms", "{p50_ms:.2f} ms"),
    "search_p99": (f"search p99 < {TARGET_P99_MS} ms", "{p99_ms:.2f} ms"),
}


def measure(backend: str, paths, typed: list[str]) -> dict:
    """One database's figures: import rates and peak memory, then search latency."""
    config = json.dumps(bench_config(database_url(backend, "bench_register")))
    imported = child(IMPORT_CHILD, config, *map(str, paths))
    searched = child(SEARCH_CHILD, config, json.dumps(typed))
    entities, roles = imported["reports"]["entities"], imported["reports"]["roles"]
    return {"backend": backend, "entities_per_s": entities["records"] / entities["seconds"],
            "roles_per_s": roles["records"] / roles["seconds"], "peak_rss_mb": imported["peak_rss_mb"],
            **percentiles(searched["timings"]), "with_hits": searched["with_hits"]}


def verdicts(measured: dict) -> dict[str, bool]:
    """Whether one database's figures meet each target of issue 3."""
    return {
        "import_rate": measured["entities_per_s"] >= TARGET_ENTITIES_PER_S,
        "peak_memory": measured["peak_rss_mb"] < TARGET_PEAK_MB,
        "search_p50": measured["p50_ms"] < TARGET_P50_MS,
        "search_p99": measured["p99_ms"] < TARGET_P99_MS,
    }


def verdict_lines(results: list[dict]) -> list[str]:
    """Which targets each database met and which it missed, with the measured figure."""
    lines = ["| Database | " + " | ".join(asked[:1].upper() + asked[1:] for asked, _figure in TARGETS.values()) + " |",
             "|---|" + "---|" * len(TARGETS)]
    missed = []
    for measured in results:
        ok, cells = verdicts(measured), []
        for name, (asked, figure) in TARGETS.items():
            value = figure.format(**measured)
            cells.append(f"met ({value})" if ok[name] else f"**missed** ({value})")
            if not ok[name]:
                missed.append(f"{measured['backend']} {asked} (measured {value})")
        lines.append(f"| {measured['backend']} | " + " | ".join(cells) + " |")
    summary = ("Missed: " + "; ".join(missed) + ".") if missed else "Every target met on every database."
    return [*lines, "", summary]


def report(count: int, generated: float, sizes_mb: tuple[float, float], results: list[dict]) -> str:
    lines = [f"Register of {count:,} entities with their roles (generated in {generated:.0f} s; "
             f"{sizes_mb[0]:.0f} MB + {sizes_mb[1]:.0f} MB gzipped).", "",
             "| Database | Entities/s | Role records/s | Peak RSS | Search p50 | Search p99 | Queries (with hits) |",
             "|---|---|---|---|---|---|---|"]
    lines += [figures_row(measured) for measured in results]
    lines += ["", f"Targets: ≥ {TARGET_ENTITIES_PER_S:,} entities/s, peak memory < {TARGET_PEAK_MB} MB (the whole "
              f"importing process), search p50 < {TARGET_P50_MS} ms and p99 < {TARGET_P99_MS} ms.", "",
              *verdict_lines(results)]
    return "\n".join(lines)


def figures_row(m: dict) -> str:
    return (f"| {m['backend']} | {m['entities_per_s']:,.0f} | {m['roles_per_s']:,.0f} | {m['peak_rss_mb']:.0f} MB | "
            f"{m['p50_ms']:.2f} ms | {m['p99_ms']:.2f} ms | {m['n']} ({m['with_hits']}) |")


def run(count: int, backends: list[str], query_count: int) -> str:
    OUT_DIR.mkdir(exist_ok=True)
    data_dir = OUT_DIR / f"register-{count}"
    data_dir.mkdir(exist_ok=True)
    started = time.perf_counter()
    paths = write_bulk_files(data_dir, count)
    generated = time.perf_counter() - started
    typed = queries(query_count)
    results = []
    for backend in backends:
        results.append(measure(backend, paths, typed))
        print(figures_row(results[-1]), flush=True)
    return report(count, generated, (paths[0].stat().st_size / 2**20, paths[1].stat().st_size / 2**20), results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--no-write", action="store_true", help="Print only; leave RESULTS.md alone.")
    options = parser.parse_args()
    body = run(options.count, options.backends.split(","), options.queries)
    print(body)
    if not options.no_write:
        write_section("Register: import and search", body)


if __name__ == "__main__":
    main()
