"""Benchmark of the query core and the pages: ``python -m benchmarks [--pages] [--build]``.

For every query function of ``core.queries`` and ``core.queries_trends``, at two sizes, it
prints (milliseconds):

- ``first``: p50 and p95 of first calls: each call on a distinct case (territory, period,
  flow), in fresh processes with no memo and no cache (``--rounds`` processes, pooled);
- ``warm``: p50 and p95 of the same cases called again;
- ``floor``: p95 of the first calls of the bare DuckDB aggregates that return the same numbers
  on the same tables (``benchmarks.queries``), in their own fresh processes, alternating with
  the functions' so that the machine's state is the same for both;
- ``pandas``: the same figures computed naively in pandas on the detail table held in memory,
  and its ratio to the function's first calls (p50 over the same cases).

Sizes: ``real`` is the database as built (the demonstration has the size of the customs' real
files: quarters × CPF4 products, about 27 million rows from 2019); ``coarse`` is a copy at the
first round's granularity (the same trade summed to one product per A129 branch), about ten
times fewer rows. The catalog of a build (labels, quarters: once per build, shared by every
session) is reported apart.

The budget (DESIGN.md): first-call p95 ≤ 2× the floor and ≤ 20 ms at the real size; ≥ 10×
faster than naive pandas; a page's server-side run ≤ 100 ms warm, ≤ 500 ms first
(``--pages``); the demonstration built from nothing in ≤ 60 s (``--build``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.queries import FUNCTIONS
from core import build as builder
from core import store

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS, BUDGET_FLOOR, BUDGET_PANDAS = 20.0, 2.0, 10.0
BUILD_BUDGET = 60.0  # seconds: the demonstration built from nothing (DESIGN.md)


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile (of 12 samples: the largest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return (
        f"{cpus} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, {platform.machine()}"
    )


def worker(db: Path, kind: str, only: list[str] | None = None) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.queries", "--db", str(db), "--kind", kind]
    if only:
        cmd += ["--only", *only]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"benchmarks.queries --kind {kind} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def warm_page_cache(path: Path) -> None:
    """Read the file once, so that no process pays the disk (all pay the same from memory)."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def coarse_copy(source: Path, workdir: Path) -> Path:
    """The same trade at the first round's granularity: every CPF4 product of an A129 branch
    summed into the branch's first CPF4 code (so every level above still adds up)."""
    target = workdir / "coarse.duckdb"
    src = duckdb.connect(str(source), read_only=True)
    ref = builder.Reference.read(src)
    meta = builder.read_metadata(src)
    src.close()

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        con.execute(
            """
            INSERT INTO staging
            SELECT t.year, t.quarter, t.flow, t.dept, r.rep, t.country,
                   sum(t.value_eur), sum(t.mass_kg), 'benchmark'
            FROM src.trade t
            JOIN (SELECT code, min(code) OVER (PARTITION BY a129) AS rep FROM src.product) r
              ON r.code = t.product
            GROUP BY ALL
            """
        )
        con.execute("DETACH src")

    builder.write_build(target, ref, fill, {**meta, "source": "benchmark"})
    return target


def bench_size(title: str, db: Path, rounds: int, with_pandas: bool) -> list[str]:
    """Prints the table of one size; returns the budget misses."""
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT count(*) FROM trade").fetchone()[0]
    con.close()
    warm_page_cache(db)
    runs: dict[str, list[dict]] = {"floor": [], "function": []}
    for _ in range(rounds):  # alternate, fresh processes each time
        for kind in ("floor", "function"):
            runs[kind].append(worker(db, kind))
    naive = worker(db, "pandas") if with_pandas else None

    catalog = statistics.median(r["catalog_ms"] for r in runs["function"])
    prewarm = statistics.median(r["prewarm_ms"] for r in runs["function"])
    print(f"\n{title}: {rows:,} rows in trade ({db.stat().st_size / 2**20:,.0f} MB); "
          f"once per build: catalog {catalog:.0f} ms, recent years read into DuckDB's "
          f"buffers {prewarm:.0f} ms")  # fmt: skip
    if naive:
        print(f"pandas baseline: trade held in memory ({naive['memory_mb']:,} MB, "
              f"read in {naive['load_s']:.0f} s)")  # fmt: skip
    head = (
        f"{'function':<24}{'cases':>6}{'first p50':>10}{'first p95':>10}{'warm p50':>9}"
        f"{'warm p95':>9}{'floor p95':>10}{'÷floor':>7}"
    )
    if naive:
        head += f"{'pandas p50':>11}{'× faster':>9}"
    print(head)
    misses: list[str] = []
    details: list[tuple[str, int]] = []
    for name in FUNCTIONS:
        first = [x for r in runs["function"] for x in r["functions"][name]["first"]]
        warm = [x for r in runs["function"] for x in r["functions"][name]["warm"]]
        floor = [x for r in runs["floor"] for x in r["functions"][name]["first"]]
        n_cases = len(runs["function"][0]["functions"][name]["cases"])
        vs_floor = p95(first) / p95(floor)
        line = (
            f"{name:<24}{n_cases:>6}{statistics.median(first):>10.1f}{p95(first):>10.1f}"
            f"{statistics.median(warm):>9.1f}{p95(warm):>9.1f}{p95(floor):>10.1f}"
            f"{vs_floor:>6.1f}×"
        )
        if vs_floor > BUDGET_FLOOR:
            misses.append(f"{title}: {name} first p95 {vs_floor:.1f}× its floor")
        if title.startswith("real") and p95(first) > BUDGET_MS:
            misses.append(f"{title}: {name} first p95 {p95(first):.1f} ms > {BUDGET_MS:.0f} ms")
        if naive:
            pandas_ms = naive["functions"][name]["first"]
            k = len(pandas_ms)
            mine = [statistics.median(r["functions"][name]["first"][i] for r in runs["function"])
                    for i in range(k)]  # fmt: skip
            ratio = statistics.median(pandas_ms) / statistics.median(mine)
            line += f"{statistics.median(pandas_ms):>11.0f}{ratio:>8.0f}×"
            if ratio < BUDGET_PANDAS:
                misses.append(f"{title}: {name} only {ratio:.1f}× faster than pandas")
        print(line)
        if over_budget(title, vs_floor, p95(first)):
            details.append((name, n_cases))
    for name, n_cases in details:  # where the time goes: each case's first call, median
        cases = runs["function"][0]["functions"][name]["cases"]
        medians = [
            (statistics.median(r["functions"][name]["first"][i] for r in runs["function"]),
             statistics.median(r["functions"][name]["first"][i] for r in runs["floor"]))
            for i in range(n_cases)
        ]  # fmt: skip
        print(f"  {name} first calls (function/floor ms): "
              + ", ".join(f"{c} {a:.0f}/{b:.0f}" for c, (a, b) in zip(cases, medians, strict=True)))  # fmt: skip
    return misses


def over_budget(title: str, vs_floor: float, first_p95: float) -> bool:
    return vs_floor > BUDGET_FLOOR or (title.startswith("real") and first_p95 > BUDGET_MS)


def page_scripts() -> list[str]:
    """The page scripts in menu order, read from Home.py's PAGE_SPECS."""
    import ast

    tree = ast.parse((ROOT / "Home.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PAGE_SPECS" for t in node.targets
        ):
            return [spec[0] for spec in ast.literal_eval(node.value)]
    raise RuntimeError("PAGE_SPECS not found in Home.py")


PAGE_PROBE = r"""
import json, statistics, sys, time
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner
# A running server compiles each page script once (its ScriptCache lives as long as the
# server); AppTest makes a new cache on every run, which would charge each run the parsing and
# compiling of the scripts (tens of milliseconds for the longer pages). One cache, as served.
_scripts = ScriptCache()
app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _scripts
page, territory, year = sys.argv[1:4]
at = AppTest.from_file("Home.py", default_timeout=120)
# The app has started and served another visitor (imports, catalog, another territory).
at.query_params.update({"territoire": "01", "annee": year})
start = time.perf_counter(); at.run(); boot = time.perf_counter() - start
at.query_params.clear()
at.query_params.update({"territoire": territory, "annee": year})
if page != "overview.py":
    at.switch_page(f"pages/{page}")
start = time.perf_counter(); at.run(); first = time.perf_counter() - start
warm = []
for _ in range(7):
    start = time.perf_counter(); at.run(); warm.append(time.perf_counter() - start)
errors = [e.message for e in at.exception]
print(json.dumps({"boot": boot, "first": first, "warm": warm, "errors": errors}))
"""


def bench_pages(territories: list[str], year: str) -> list[str]:
    """Every page, in a fresh process per page and territory: first run (nothing of this
    territory cached) and warm runs (AppTest: the server-side script run, no browser)."""
    misses = []
    print(f"\nPages (AppTest server-side runs, annee={year}; first = first visit of the page "
          "for the territory in a started app, warm = p50 of 7 reruns)")  # fmt: skip
    print(f"{'page':<22}" + "".join(f"{t + ' first':>12}{t + ' warm':>11}" for t in territories))
    for page in page_scripts():
        line = f"{page:<22}"
        for territory in territories:
            out = subprocess.run(
                [sys.executable, "-c", PAGE_PROBE, page, territory, year],
                cwd=ROOT, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if out.returncode:
                raise RuntimeError(f"page probe {page} failed:\n{out.stderr[-2000:]}")
            res = json.loads(out.stdout.strip().splitlines()[-1])
            first, warm = res["first"] * 1000, statistics.median(res["warm"]) * 1000
            line += f"{first:>9.0f} ms{warm:>8.0f} ms"
            if res["errors"]:
                misses.append(f"{page} {territory}: exception {res['errors'][0]}")
            if first > 500:
                misses.append(f"{page} {territory}: first run {first:.0f} ms > 500 ms")
            if warm > 100:
                misses.append(f"{page} {territory}: warm run {warm:.0f} ms > 100 ms")
        print(line, flush=True)
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per kind")
    parser.add_argument("--sizes", default="real,coarse", help="real, coarse or both")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--pages", action="store_true", help="time every page with AppTest")
    parser.add_argument("--page-territories", default="93,R11,FR")
    parser.add_argument("--build", action="store_true", help="time a demo build from nothing")
    args = parser.parse_args(argv)

    print(f"Machine: {machine()}")
    build_miss = None
    if args.build:
        from core import demo

        start = time.perf_counter()
        path = Path(demo.build_demo(publish=False, quiet=True))
        took = time.perf_counter() - start
        print(f"Demonstration built from nothing in {took:.1f} s "
              f"({path.stat().st_size / 2**20:,.0f} MiB)")  # fmt: skip
        path.unlink()
        if took > BUILD_BUDGET:
            build_miss = f"demonstration built in {took:.1f} s (budget {BUILD_BUDGET} s)"

    path = store.db_path()
    if not path.exists():
        print("No database: run `make demo-db` first.", file=sys.stderr)
        return 1
    path = path.resolve()
    misses: list[str] = [build_miss] if build_miss else []
    sizes = args.sizes.split(",")
    if "real" in sizes:
        misses += bench_size("real-file size", path, args.rounds, not args.no_pandas)
    if "coarse" in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            coarse = coarse_copy(path, Path(tmp))
            print(f"\n(coarse copy written in {time.perf_counter() - start:.0f} s)")
            misses += bench_size("coarse (first-round size)", coarse, args.rounds,
                                 not args.no_pandas)  # fmt: skip
    if args.pages:
        misses += bench_pages(args.page_territories.split(","), "2024")
    print("\nBudget: " + ("all met" if not misses else f"{len(misses)} misses"))
    for miss in misses:
        print(f"  - {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
