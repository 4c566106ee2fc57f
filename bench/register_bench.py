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


def run(count: int, backends: list[str], query_count: int) -> str:
    OUT_DIR.mkdir(exist_ok=True)
    data_dir = OUT_DIR / f"register-{count}"
    data_dir.mkdir(exist_ok=True)
    started = time.perf_counter()
    paths = write_bulk_files(data_dir, count)
    generated = time.perf_counter() - started
    lines = [f"Register of {count:,} entities with their roles (generated in {generated:.0f} s; "
             f"{paths[0].stat().st_size / 2**20:.0f} MB + {paths[1].stat().st_size / 2**20:.0f} MB gzipped).", "",
             "| Database | Entities/s | Role records/s | Peak RSS | Search p50 | Search p99 | Queries (with hits) |",
             "|---|---|---|---|---|---|---|"]
    typed = queries(query_count)
    for backend in backends:
        config = json.dumps(bench_config(database_url(backend, "bench_register")))
        imported = child(IMPORT_CHILD, config, *map(str, paths))
        searched = child(SEARCH_CHILD, config, json.dumps(typed))
        stats = percentiles(searched["timings"])
        entities, roles = imported["reports"]["entities"], imported["reports"]["roles"]
        lines.append(f"| {backend} | {entities['records'] / entities['seconds']:,.0f} | "
                     f"{roles['records'] / roles['seconds']:,.0f} | {imported['peak_rss_mb']:.0f} MB | "
                     f"{stats['p50_ms']:.2f} ms | {stats['p99_ms']:.2f} ms | {stats['n']} ({searched['with_hits']}) |")
        print(lines[-1], flush=True)
    lines += ["", "Targets: ≥ 20,000 entities/s, peak memory < 300 MB (the whole importing process), "
              "search p50 < 5 ms and p99 < 20 ms."]
    return "\n".join(lines)


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
