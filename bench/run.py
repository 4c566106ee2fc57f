"""Every benchmark, by one command; the full size writes bench/RESULTS.md.

    python -m bench.run --size full     # make bench: the sizes of the issues; takes a while
    python -m bench.run --size smoke    # make bench-smoke: tiny, proves it all runs; prints only

Parts: the register (bench/register_bench.py), «Våre saker» and the access layer in process
(bench/cases_bench.py), and whole-request throughput under gunicorn (bench/baseline_app.py).
The smoke size never touches RESULTS.md and removes the databases it made; the full size keeps its
worlds in bench/out/ and its PostgreSQL schemas, which ``--reuse-worlds`` picks up again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench import baseline_app, cases_bench, register_bench
from bench.common import OUT_DIR, database_url, write_section
from bench.world import drop, obtain

REGISTER = {"full": {"count": 1_100_000, "queries": 3000}, "smoke": {"count": 2_000, "queries": 100}}
PARTS = ("register", "cases", "throughput")
SECTIONS = {"register": "Register: import and search", "cases": "Cases: «Våre saker» and the access layer",
            "throughput": "Cases: whole-request throughput of «Våre saker»"}


@contextlib.contextmanager
def register_bench_names(tag: str) -> Iterator[Path]:
    """Run the register benchmark under names of its own (``tag``), so a smoke run never meets a
    full run's (or another smoke run's) database or data files; removed afterwards."""
    if not tag:
        yield OUT_DIR
        return
    work = OUT_DIR / f"smoke{tag}"
    out_dir = work / "register" / "out"  # its parent's parent is where the import children run
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = register_bench.OUT_DIR, register_bench.database_url
    register_bench.OUT_DIR = out_dir
    register_bench.database_url = lambda backend, name: database_url(backend, f"{name}{tag}")
    try:
        yield work
    finally:
        register_bench.OUT_DIR, register_bench.database_url = saved
        shutil.rmtree(work, ignore_errors=True)


def run(size: str, backends: list[str], parts: list[str], *, throughput_backend: str, tag: str = "",
        reuse: bool = False) -> tuple[dict[str, str], dict]:
    """Run ``parts``; return the RESULTS.md sections by name and the numbers behind them."""
    sections: dict[str, str] = {}
    data: dict = {"size": size, "backends": backends}
    started = time.perf_counter()
    if "register" in parts:
        print(f"== register ({REGISTER[size]['count']:,} entities)", flush=True)
        if cases_bench.PLANS[size].wait_for_quiet:
            cases_bench.wait_for_quiet(cases_bench.PLANS[size].wait_for_quiet)
        with register_bench_names(tag):
            sections["register"] = register_bench.run(REGISTER[size]["count"], backends, REGISTER[size]["queries"])
        data["register"] = sections["register"]
    if "cases" in parts:
        print("== cases", flush=True)
        sections["cases"], data["cases"] = cases_bench.run(size, backends, tag=tag, reuse=reuse)
    if "throughput" in parts:
        print(f"== throughput ({throughput_backend})", flush=True)
        plan = cases_bench.PLANS[size].large
        world = obtain(throughput_backend, cases_bench.world_name(plan, tag), plan, reuse=True, quiet=True)
        load_plan = baseline_app.LOAD_PLANS[size]
        result = baseline_app.measure(world, throughput_backend, load_plan, OUT_DIR / f"instance-throughput{tag}")
        sections["throughput"] = baseline_app.report(result, load_plan, plan)
        data["throughput"] = result
    data["seconds"] = time.perf_counter() - started
    return sections, data


def cleanup(size: str, backends: list[str], throughput_backend: str, tag: str) -> None:
    """Remove what a tagged (smoke) run made: its worlds, their schemas and its instance folder."""
    plan = cases_bench.PLANS[size]
    for backend in {*backends, throughput_backend}:
        for world in (plan.small, plan.large):
            drop(backend, cases_bench.world_name(world, tag))
        drop(backend, f"bench_register{tag}")
    shutil.rmtree(OUT_DIR / f"instance-throughput{tag}", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=("full", "smoke"), default="smoke")
    parser.add_argument("--backends", default="sqlite,postgresql", help="Databases for the in-process parts.")
    parser.add_argument("--throughput-backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--only", help=f"Comma-separated parts to run (default: all of {', '.join(PARTS)}).")
    parser.add_argument("--reuse-worlds", action="store_true", help="Full size: use the worlds a previous run built.")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave RESULTS.md alone.")
    parser.add_argument("--json", type=Path, help="Also write the numbers here.")
    options = parser.parse_args(argv)
    backends = [backend for backend in options.backends.split(",") if backend]
    parts = options.only.split(",") if options.only else list(PARTS)
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    # Stopped from outside (a CI timeout): unwind, so gunicorn is stopped and the databases removed.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    # A smoke run works under names of its own and removes them afterwards.
    tag = f"_smoke{os.getpid()}" if options.size == "smoke" else ""
    try:
        sections, data = run(options.size, backends, parts, throughput_backend=options.throughput_backend,
                             tag=tag, reuse=options.reuse_worlds and options.size == "full")
    finally:
        if tag:
            cleanup(options.size, backends, options.throughput_backend, tag)
    for name, body in sections.items():
        print(f"\n## {SECTIONS[name]}\n\n{body}")
    if options.json:
        options.json.write_text(json.dumps(data, indent=2, default=str))
    if options.size == "full" and not options.no_write:
        for name, body in sections.items():
            write_section(SECTIONS[name], body)
        print(f"\nWrote {', '.join(SECTIONS[name] for name in sections)} into bench/RESULTS.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
