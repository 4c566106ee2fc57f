"""Shared helpers for the benchmarks: databases to run on, percentiles, the machine, RESULTS.md."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import secrets
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
RESULTS = BENCH_DIR / "RESULTS.md"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_base() -> str:
    return os.environ.get("ORGSVC_BENCH_POSTGRES_URL") or os.environ.get("ORGSVC_TEST_POSTGRES_URL") or DEFAULT_POSTGRES


def database_url(backend: str, name: str) -> str:
    """A fresh, empty database for one benchmark: a SQLite file, or a PostgreSQL schema."""
    OUT_DIR.mkdir(exist_ok=True)
    if backend == "sqlite":
        path = OUT_DIR / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    base = postgres_base().replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{name}"


def bench_config(url: str) -> dict:
    return {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(OUT_DIR / "instance"), "ORGSVC_ENV": "test"}


def percentiles(samples_seconds: list[float]) -> dict:
    ordered = sorted(samples_seconds)
    def at(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    return {"n": len(ordered), "p50_ms": statistics.median(ordered) * 1000, "p99_ms": at(0.99),
            "max_ms": ordered[-1] * 1000}


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{memory_kb / 2**20:.1f} GiB RAM"
    except (OSError, AttributeError):
        memory = "unknown RAM"
    postgres = "PostgreSQL ?"
    with contextlib.suppress(OSError):
        postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    import sqlite3

    return (f"{os.cpu_count()} × {cpu}, {memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {postgres}")


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section ``name`` of bench/RESULTS.md, stamped with the machine and date."""
    stamp = f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}._"
    section = f"<!-- {name}:start -->\n## {name}\n\n{stamp}\n\n{body.strip()}\n<!-- {name}:end -->"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def no_access_condition():
    """The baselines' condition for ``party_case_page``: none. It lives here, in bench/ only, so that
    nothing in the service itself can list cases without the access layer."""
    from orgsvc.access import Parametrised

    return Parametrised("bench: no access condition", sa.true(), {})
