"""Benchmark of «Våre saker» and the access layer, in process, with the service's own code.

    python -m bench.cases_bench [--size full|smoke] [--backends sqlite,postgresql] [--reuse-worlds] [--no-write]

On a world of 10,000 organisations, 100,000 persons and 1,000,000 cases (bench/world.py), and on the
same world with 100,000 cases:

* «Våre saker», first page of mediation cases, for an administrator of an organisation with 10,000
  cases and for a user who represents it in 20: ``our_cases`` (access-filtered) against the same
  rows fetched with no access filter, measured alternately so that the ratio comes from one run.
  Target: ratio at most 1.2, p50 under 10 ms.
* The same page in the 100,000-case world and in the 1,000,000-case world: at most 1.5×.
* A detail page's access check, ``load_principal`` (membership read, with the person's representation
  in the case, as a case's page reads it) plus ``may``: p50 under 0.5 ms.
* Filtering the organisation's 10,000 cases with ``may`` per row against one ``visible()`` query:
  the SQL filter at least 100× faster. Measured twice: for the whole visible set, and for «Våre
  saker»'s first page (the naive way must still ask of every row to know which are visible). The
  target is judged where the filter leaves rows out; the administrator's whole set (every row
  visible) is reported, marked n/a.

Every measurement is warmed up first and repeated; times are medians and 99th percentiles.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from bench.common import bench_config, no_access_condition, percentiles, write_section
from bench.world import FULL, SMOKE, World, WorldSize, obtain, smaller

TARGET_PAGE_RATIO, TARGET_PAGE_P50_MS, TARGET_FLAT, TARGET_CHECK_P50_MS, TARGET_FILTER_SPEEDUP = 1.2, 10, 1.5, 0.5, 100


@dataclass(frozen=True)
class Plan:
    """How much to measure: world sizes and repetitions."""

    large: WorldSize
    small: WorldSize
    warmup: int
    page_runs: int
    check_runs: int
    naive_runs: int
    filter_runs: int
    # Before measuring, wait (at most this many minutes) for the machine to be quiet.
    wait_for_quiet: float = 0


PLANS = {
    "full": Plan(large=FULL, small=smaller(FULL, 100_000), warmup=50, page_runs=1000, check_runs=5000,
                 naive_runs=5, filter_runs=30, wait_for_quiet=20),
    "smoke": Plan(large=SMOKE, small=smaller(SMOKE, 1_000), warmup=2, page_runs=20, check_runs=50,
                  naive_runs=1, filter_runs=2),
}


def world_name(size: WorldSize, tag: str = "") -> str:
    return f"bench_cases_{size.cases}{tag}"


# --- measuring ----------------------------------------------------------------------------------
QUIET_LOAD = 0.5  # 1-minute load average per core below which the machine counts as quiet


def wait_for_quiet(minutes: float) -> float:
    """Wait until other work on the machine has died down (at most ``minutes``); the load then.

    The machine may be shared (tests, another benchmark); a measurement taken under someone else's
    load says little. The load average is reported with the results either way.
    """
    deadline = time.monotonic() + minutes * 60
    cores = os.cpu_count() or 1
    announced = False
    while os.getloadavg()[0] / cores > QUIET_LOAD and time.monotonic() < deadline:
        if not announced:
            print(f"  waiting for a quiet machine (load {os.getloadavg()[0]:.2f} on {cores} cores)", flush=True)
            announced = True
        time.sleep(10)
    return os.getloadavg()[0]


Timed = Callable[[], float]  # runs once, returns the seconds of the part that counts


def interleaved(measures: dict[str, tuple[object, Timed]], runs: int, warmup: int, batch: int = 20) -> dict:
    """Run every measure ``runs`` times, in turns of ``batch``, each in its own app's context.

    Taking turns spreads any drift of the machine (another process, the page cache) over all the
    measures alike, so ratios between them are taken from the same run.
    """
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for app, once in measures.values():
        with app.app_context():
            for _ in range(warmup):
                once()
    while any(len(values) < runs for values in samples.values()):
        for name, (app, once) in measures.items():
            with app.app_context():
                for _ in range(min(batch, runs - len(samples[name]))):
                    samples[name].append(once())
    return {name: percentiles(values) for name, values in samples.items()}


def _session_timed(work: Callable[[], object]) -> Timed:
    """Time ``work`` inside an open transaction (as in a request), with a fresh session each run."""
    from orgsvc.extensions import db

    def once() -> float:
        db.session.connection()
        started = time.perf_counter()
        work()
        elapsed = time.perf_counter() - started
        db.session.close()
        return elapsed

    return once


@dataclass
class Side:
    """One world opened for measuring: its app and the principals of the two personas."""

    world: World
    app: object
    admin: object = None
    user: object = None
    user_case_ids: tuple[int, ...] = ()

    @classmethod
    def open(cls, world: World) -> Side:
        from orgsvc import create_app
        from orgsvc.access import load_principal
        from orgsvc.accounts.models import Person
        from orgsvc.extensions import db

        side = cls(world, create_app(bench_config(world.url)))
        with side.app.app_context():
            side.admin = load_principal(db.session.get(Person, world.admin_id))
            side.user = load_principal(db.session.get(Person, world.user_id))
            rows, _more = side.page(side.user)()
            side.user_case_ids = tuple(row.case.id for row in rows)
            db.session.close()
        return side

    def page(self, principal) -> Callable[[], tuple]:
        """«Våre saker» as the service builds it: ``our_cases``, with the access filter."""
        from orgsvc.cases.models import CaseKind
        from orgsvc.cases.services import our_cases

        return lambda: our_cases(principal, self.world.big_org_id, CaseKind.MEDIATION)

    def unfiltered(self, case_ids: tuple[int, ...] | None = None) -> Callable[[], tuple]:
        """The same page with no access filter: the organisation's page, or exactly ``case_ids``."""
        from orgsvc.access import Parametrised
        from orgsvc.cases.models import Case, CaseKind
        from orgsvc.cases.services import party_case_page

        condition = no_access_condition()
        if case_ids is not None:
            condition = Parametrised("these cases", Case.id.in_(sa.bindparam("ids", expanding=True)),
                                     {"ids": list(case_ids)})
        return lambda: party_case_page(self.world.big_org_id, CaseKind.MEDIATION, condition)

    def close(self) -> None:
        from orgsvc.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def _same_rows(side: Side, first: Callable[[], tuple], second: Callable[[], tuple]) -> bool:
    from orgsvc.extensions import db

    with side.app.app_context():
        ids = [[row.case.id for row in fetch()[0]] for fetch in (first, second)]
        db.session.close()
    return ids[0] == ids[1] and len(ids[0]) > 0


def page_costs(large: Side, small: Side, plan: Plan) -> dict:
    """The first page with and without the access filter (large world), and in the small world."""
    measures = {
        "admin": (large.app, _session_timed(large.page(large.admin))),
        "admin_unfiltered": (large.app, _session_timed(large.unfiltered())),
        "user": (large.app, _session_timed(large.page(large.user))),
        "user_same_rows": (large.app, _session_timed(large.unfiltered(large.user_case_ids))),
        "user_org_page": (large.app, _session_timed(large.unfiltered())),
        "admin_small": (small.app, _session_timed(small.page(small.admin))),
        "user_small": (small.app, _session_timed(small.page(small.user))),
    }
    stats = interleaved(measures, plan.page_runs, plan.warmup)
    stats["checked"] = {
        "admin_same_rows": _same_rows(large, large.page(large.admin), large.unfiltered()),
        "user_same_rows": _same_rows(large, large.page(large.user), large.unfiltered(large.user_case_ids)),
        "user_rows": len(large.user_case_ids),
    }
    return stats


def check_costs(large: Side, plan: Plan) -> dict:
    """A detail page's check: read the person's memberships (with whom they represent in the case, as
    the case's page reads them), then ask the policy about the case."""
    from orgsvc.access import load_principal, may
    from orgsvc.accounts.models import Person
    from orgsvc.cases.models import Case
    from orgsvc.extensions import db

    world = large.world
    with large.app.app_context():
        org_case = db.session.scalar(
            sa.select(Case.id).where(Case.submitter_org_id == world.big_org_id, Case.id.not_in(large.user_case_ids))
            .order_by(Case.id).limit(1))
        db.session.close()
    decisions: dict[str, bool] = {}

    def check(name: str, person_id: int, case_id: int) -> Timed:
        def once() -> float:
            person = db.session.get(Person, person_id)  # the request has loaded them already
            case = db.session.get(Case, case_id)
            started = time.perf_counter()
            # As a case's page asks: the memberships read with the representation in this case.
            allowed = may(load_principal(person, case_id=case_id), "view", case)
            elapsed = time.perf_counter() - started
            decisions[name] = allowed
            return elapsed

        return once

    measures = {
        "admin_allowed": (large.app, check("admin_allowed", world.admin_id, org_case)),
        "user_allowed": (large.app, check("user_allowed", world.user_id, large.user_case_ids[0])),
        "user_refused": (large.app, check("user_refused", world.user_id, org_case)),
    }
    stats = interleaved(measures, plan.check_runs, plan.warmup * 4, batch=100)
    stats["decisions"] = decisions
    return stats


def filter_costs(large: Side, plan: Plan) -> dict:
    """The organisation's 10,000 cases filtered by ``may`` per row, against one ``visible()`` query."""
    from orgsvc.access import may, visible
    from orgsvc.cases.models import Case
    from orgsvc.extensions import db

    org = large.world.big_org_id
    party = sa.or_(Case.submitter_org_id == org, Case.counterparty_org_id == org)
    results: dict = {}
    for persona, principal in (("admin", large.admin), ("user", large.user)):
        naive, checks_only, sql = [], [], []
        with large.app.app_context():
            for run in range(plan.naive_runs + 1):
                db.session.connection()
                started = time.perf_counter()
                cases = db.session.scalars(sa.select(Case).where(party)).all()
                loaded = time.perf_counter()
                kept = [case.id for case in cases if may(principal, "view", case)]
                finished = time.perf_counter()
                db.session.close()
                if run:  # the first run warms up
                    naive.append(finished - started)
                    checks_only.append(finished - loaded)
            for run in range(plan.filter_runs + plan.warmup // 10 + 1):
                db.session.connection()
                started = time.perf_counter()
                filtered = db.session.scalars(sa.select(Case).where(visible(principal, "case", within_org=org))).all()
                elapsed = time.perf_counter() - started
                listed = sorted(case.id for case in filtered)
                db.session.close()
                if run > plan.warmup // 10:
                    sql.append(elapsed)
        results[persona] = {"cases": len(cases), "visible": len(kept), "agree": sorted(kept) == listed,
                            "naive": percentiles(naive), "naive_checks": percentiles(checks_only),
                            "sql": percentiles(sql)}
    return results


def page_filter_costs(large: Side, plan: Plan) -> dict:
    """«Våre saker»'s first page, as the filter is used: the naive way loads the organisation's
    mediation cases, asks ``may`` of each, sorts the visible ones and takes the first 20 (it cannot
    know which rows are visible without asking of each); the service runs ``our_cases``."""
    from orgsvc.access import may
    from orgsvc.cases.models import Case, CaseKind
    from orgsvc.cases.services import PAGE_SIZE, our_cases
    from orgsvc.extensions import db

    org = large.world.big_org_id
    theirs = sa.and_(sa.or_(Case.submitter_org_id == org, Case.counterparty_org_id == org),
                     Case.kind == CaseKind.MEDIATION)
    results: dict = {}
    for persona, principal in (("admin", large.admin), ("user", large.user)):
        naive, sql = [], []
        with large.app.app_context():
            for run in range(plan.naive_runs + 1):
                db.session.connection()
                started = time.perf_counter()
                cases = db.session.scalars(sa.select(Case).where(theirs)).all()
                kept = sorted((case for case in cases if may(principal, "view", case)),
                              key=lambda case: (case.last_activity_at, case.id), reverse=True)[:PAGE_SIZE]
                finished = time.perf_counter()
                naive_page = [case.id for case in kept]
                db.session.close()
                if run:
                    naive.append(finished - started)
            for run in range(plan.filter_runs + plan.warmup // 10 + 1):
                db.session.connection()
                started = time.perf_counter()
                rows, _more = our_cases(principal, org, CaseKind.MEDIATION)
                elapsed = time.perf_counter() - started
                sql_page = [row.case.id for row in rows]
                db.session.close()
                if run > plan.warmup // 10:
                    sql.append(elapsed)
        results[persona] = {"cases": len(cases), "agree": naive_page == sql_page, "naive": percentiles(naive),
                            "sql": percentiles(sql)}
    return results


def measure(backend: str, plan: Plan, *, tag: str = "", reuse: bool = False) -> dict:
    """Everything for one database; the worlds are built first (or reused)."""
    worlds = {}
    for label, size in (("small", plan.small), ("large", plan.large)):
        print(f"{backend}: world of {size.label()}", flush=True)
        worlds[label] = obtain(backend, world_name(size, tag), size, reuse=reuse, quiet=True)
        print(f"  ready ({worlds[label].seconds:.0f} s to build)", flush=True)
    large, small = Side.open(worlds["large"]), Side.open(worlds["small"])
    try:
        gc.collect()
        result = {"backend": backend, "worlds": {label: {"size": world.size.label(), "build_seconds": world.seconds,
                                                         "rows": world.rows} for label, world in worlds.items()},
                  "load": wait_for_quiet(plan.wait_for_quiet) if plan.wait_for_quiet else os.getloadavg()[0]}
        print(f"{backend}: «Våre saker» first page", flush=True)
        result["page"] = page_costs(large, small, plan)
        print(f"{backend}: detail-page checks", flush=True)
        result["check"] = check_costs(large, plan)
        print(f"{backend}: naive filtering vs SQL", flush=True)
        result["filter"] = filter_costs(large, plan)
        print(f"{backend}: naive filtering vs SQL, «Våre saker»'s first page", flush=True)
        result["page_filter"] = page_filter_costs(large, plan)
    finally:
        large.close()
        small.close()
    return result


# --- reporting ----------------------------------------------------------------------------------
def _ms(stats: dict) -> str:
    return f"{stats['p50_ms']:.2f} / {stats['p99_ms']:.2f}"


def _verdict(ok: bool | None) -> str:
    if ok is None:  # only a filter's verdict can be None (filter_verdict)
        return "n/a: nothing to filter out"
    return "met" if ok else "**missed**"


def filter_verdict(row: dict) -> bool | None:
    """Whether filtering beat asking of each row by the target; None where nothing was filtered out.

    A speed-up needs rows to leave out: when every row is visible (the administrator's whole set),
    both ways load the same rows, and no filter can be 100× faster than loading them. The numbers
    are still reported; the target is judged where the filter has work to do.
    """
    if row["visible"] >= row["cases"]:
        return None
    return _speedup_met(row)


def _speedup_met(row: dict) -> bool:
    return row["naive"]["p50_ms"] / row["sql"]["p50_ms"] >= TARGET_FILTER_SPEEDUP


def verdicts(result: dict) -> dict[str, bool | None]:
    page, check, filtering, paged = result["page"], result["check"], result["filter"], result["page_filter"]
    ratio_admin = page["admin"]["p50_ms"] / page["admin_unfiltered"]["p50_ms"]
    ratio_user = page["user"]["p50_ms"] / page["user_same_rows"]["p50_ms"]
    return {
        "page_ratio_admin": ratio_admin <= TARGET_PAGE_RATIO,
        "page_ratio_user": ratio_user <= TARGET_PAGE_RATIO,
        "page_p50_admin": page["admin"]["p50_ms"] < TARGET_PAGE_P50_MS,
        "page_p50_user": page["user"]["p50_ms"] < TARGET_PAGE_P50_MS,
        "flat_admin": page["admin"]["p50_ms"] / page["admin_small"]["p50_ms"] <= TARGET_FLAT,
        "flat_user": page["user"]["p50_ms"] / page["user_small"]["p50_ms"] <= TARGET_FLAT,
        **{f"check_{name}": check[name]["p50_ms"] < TARGET_CHECK_P50_MS
           for name in ("admin_allowed", "user_allowed", "user_refused")},
        **{f"filter_{persona}": filter_verdict(filtering[persona]) for persona in ("admin", "user")},
        # A first page always leaves rows out (20 of the organisation's thousands): judged for both.
        **{f"page_filter_{persona}": _speedup_met(paged[persona]) for persona in ("admin", "user")},
    }


def _row(*cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _table(*headings: str) -> list[str]:
    return [_row(*headings), _row(*["---"] * len(headings))]


def report(results: list[dict], plan: Plan) -> str:
    big, small = plan.large, plan.small
    built = "; ".join(f"{result['backend']} " + ", ".join(
        f"{world['build_seconds']:.0f} s ({world['size'].split(', ')[-1]})" for world in result["worlds"].values())
        for result in results)
    lines = [f"World: {big.label()} (and the same with {small.cases:,} cases), with their memberships and "
             f"representatives; one organisation is party to {big.big_cases:,} cases, and one of its users "
             f"represents it in {big.user_cases}. Built by `bench/world.py` in: {built}. Load average (1 min) "
             "when the measurements began: " + "; ".join(f"{result['backend']} {result['load']:.2f}"
                                                          for result in results) + ".",
             "", f"### «Våre saker», first page (mediation, 20 rows), {big.cases:,} cases in the world", "",
             "Access-filtered: `our_cases`, as the view calls it. No filter: the same query without the access "
             "condition (for the user: exactly the user's rows, by id). Times in ms, p50 / p99 over "
             f"{plan.page_runs} runs each, all taken in turns; the ratio is of the p50s.", "",
             *_table("Database", "Persona", "Access-filtered", "Same rows, no filter", "Ratio", "Same rows?",
                     f"Target (≤ {TARGET_PAGE_RATIO}, p50 < {TARGET_PAGE_P50_MS} ms)")]
    for result in results:
        page, ok = result["page"], result["verdicts"]
        for persona, base in (("admin", "admin_unfiltered"), ("user", "user_same_rows")):
            lines.append(_row(result["backend"], persona_label(persona, big), _ms(page[persona]), _ms(page[base]),
                              f"{page[persona]['p50_ms'] / page[base]['p50_ms']:.2f}",
                              "yes" if page["checked"][f"{persona}_same_rows"] else "NO",
                              _verdict(ok[f"page_ratio_{persona}"] and ok[f"page_p50_{persona}"])))
    lines += ["", "For scale, the user's organisation's page with no filter at all (20 other rows): " + "; ".join(
        f"{result['backend']} {_ms(result['page']['user_org_page'])} ms" for result in results) + ".", "",
        f"### The same page in a world of {small.cases:,} and of {big.cases:,} cases", "",
        *_table("Database", "Persona", f"{small.cases:,} cases", f"{big.cases:,} cases", "Ratio",
                f"Target (≤ {TARGET_FLAT})")]
    for result in results:
        page, ok = result["page"], result["verdicts"]
        for persona in ("admin", "user"):
            lines.append(_row(result["backend"], persona_label(persona, big), _ms(page[f"{persona}_small"]),
                              _ms(page[persona]), f"{page[persona]['p50_ms'] / page[f'{persona}_small']['p50_ms']:.2f}",
                              _verdict(ok[f"flat_{persona}"])))
    lines += ["", "### Detail-page access check", "",
              "`load_principal(person, case_id=…)` (the person's live memberships, and whom they represent in the "
              "case, in one query, as a case's page reads them) plus `may(principal, \"view\", case)` (Casbin); "
              "times in ms over "
              f"{plan.check_runs} runs each.", "",
              *_table("Database", "Persona and case", "Decision", "p50 / p99",
                      f"Target (p50 < {TARGET_CHECK_P50_MS} ms)")]
    names = {"admin_allowed": "administrator, a case of the organisation",
             "user_allowed": "user, a case they represent", "user_refused": "user, a case they do not represent"}
    for result in results:
        check, ok = result["check"], result["verdicts"]
        for name, label in names.items():
            lines.append(_row(result["backend"], label, "allowed" if check["decisions"][name] else "refused",
                              _ms(check[name]), _verdict(ok[f"check_{name}"])))
    lines += _filter_sections(results, plan)
    return "\n".join(lines + notes(results))


def _filter_sections(results: list[dict], plan: Plan) -> list[str]:
    """The naive filter against the SQL filter: for the whole visible set, and for the first page."""
    big = plan.large
    lines: list[str] = []
    lines += ["", f"### Filtering the organisation's {big.big_cases:,} cases: `may` per row vs `visible()`", "",
              "Naive: load the organisation's cases, then `may(principal, \"view\", case)` for each. SQL: one query "
              "with `visible(principal, \"case\", within_org=…)`. Both load full rows. Times in ms, p50 / p99 "
              f"(naive over {plan.naive_runs} runs, SQL over {plan.filter_runs}).", "",
              *_table("Database", "Persona", "Visible", "Naive (of which the checks)", "SQL filter", "Speed-up",
                      "Same rows?", f"Target (≥ {TARGET_FILTER_SPEEDUP}×)")]
    for result in results:
        filtering, ok = result["filter"], result["verdicts"]
        for persona in ("user", "admin"):
            row = filtering[persona]
            lines.append(_row(result["backend"], persona_label(persona, big), f"{row['visible']:,} of {row['cases']:,}",
                              f"{_ms(row['naive'])} ({row['naive_checks']['p50_ms']:.0f})", _ms(row["sql"]),
                              f"{row['naive']['p50_ms'] / row['sql']['p50_ms']:,.0f}×",
                              "yes" if row["agree"] else "NO", _verdict(ok[f"filter_{persona}"])))
    lines += ["", "### The same, as «Våre saker» uses the filter: the first page", "",
              "Naive: load the organisation's mediation cases (full rows), `may(principal, \"view\", case)` for "
              "each, sort the visible ones by last activity and take the first 20; it cannot know which rows are "
              "visible without asking of each. SQL: `our_cases`, as the view calls it. Times in ms, p50 / p99 "
              f"(naive over {plan.naive_runs} runs, SQL over {plan.filter_runs}).", "",
              *_table("Database", "Persona", "Cases checked", "Naive", "SQL filter", "Speed-up", "Same page?",
                      f"Target (≥ {TARGET_FILTER_SPEEDUP}×)")]
    for result in results:
        paged, ok = result["page_filter"], result["verdicts"]
        for persona in ("user", "admin"):
            row = paged[persona]
            lines.append(_row(result["backend"], persona_label(persona, big), f"{row['cases']:,}", _ms(row["naive"]),
                              _ms(row["sql"]), f"{row['naive']['p50_ms'] / row['sql']['p50_ms']:,.0f}×",
                              "yes" if row["agree"] else "NO", _verdict(ok[f"page_filter_{persona}"])))
    return lines


def notes(results: list[dict]) -> list[str]:
    """Why a target was not judged, where the reason is in the measurement itself."""
    found = []
    for result in results:
        for persona in ("user", "admin"):
            if result["verdicts"][f"filter_{persona}"] is not None:
                continue
            row = result["filter"][persona]
            found.append(f"* {result['backend']}, {PERSONA_NAMES[persona]}: nothing is filtered out "
                         f"({row['visible']:,} of {row['cases']:,} visible), so both ways load the same rows and "
                         f"the SQL side is the cost of loading them ({row['sql']['p50_ms']:.0f} ms); the per-row "
                         f"checks add {row['naive_checks']['p50_ms']:.0f} ms, the SQL filter nothing measurable. "
                         "No filter can be 100× faster than loading what it must return, so the target is judged "
                         "where there are rows to leave out: the table's other rows, and the first page (next "
                         "table), where the naive way must still ask of every row.")
    return ["", "Notes on the targets not judged:", "", *found] if found else []


PERSONA_NAMES = {"admin": "administrator", "user": "user"}


def persona_label(name: str, size: WorldSize) -> str:
    cases = f"{size.big_cases:,}" if name == "admin" else f"{size.user_cases}"
    return f"{PERSONA_NAMES[name]} ({cases} cases)"


def run(size: str, backends: list[str], *, tag: str = "", reuse: bool = False) -> tuple[str, list[dict]]:
    plan = PLANS[size]
    results = [measure(backend, plan, tag=tag, reuse=reuse) for backend in backends]
    for result in results:
        result["verdicts"] = verdicts(result)
    return report(results, plan), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(PLANS), default="full")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reuse-worlds", action="store_true", help="Use the worlds a previous run built.")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave RESULTS.md alone.")
    options = parser.parse_args()
    body, _results = run(options.size, options.backends.split(","), reuse=options.reuse_worlds)
    print(body)
    if options.size == "full" and not options.no_write:
        write_section("Cases: «Våre saker» and the access layer", body)


if __name__ == "__main__":
    main()
