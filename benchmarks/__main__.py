"""Benchmark of the query core: ``python -m benchmarks [--scale 10] [--build] [--pages]``.

For each query function on the embedded database it prints p50/p95 over warm repetitions
(no Streamlit cache: the DuckDB query and the pandas post-processing), and the ratio to the
same result computed naively in pandas on the whole ``trade`` table held in memory.

- ``--scale 10`` also measures a copy of the database with ten times the rows per year (each
  row split into ten finer products), the DESIGN's "ten times the data" case;
- ``--build`` times building the demonstration database from nothing (not published);
- ``--pages`` times a warm server-side run of every page with Streamlit's AppTest.

The DESIGN budget: p95 ≤ 20 ms per query (≤ 200 ms at ten times the data), a page ≤ 1 s warm,
a build ≤ 60 s, app memory ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import ast
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from core import queries, queries_trends, store
from core.db import Database
from core.filters import Filters

REPEAT = 40


def timed(fn: Callable[[], object], repeat: int = REPEAT) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


# --- Naive pandas versions (the baseline) --------------------------------------------------
class Naive:
    def __init__(self, db: Database) -> None:
        self.trade = db.frame("SELECT * FROM trade")
        self.depts = db.frame("SELECT * FROM departement")
        self.products = db.frame("SELECT * FROM product")
        self.countries = db.frame("SELECT * FROM country")

    def _territory(self, frame: pd.DataFrame, territory: str) -> pd.DataFrame:
        if territory == "FR":
            return frame
        if territory.startswith("R"):
            codes = self.depts.loc[self.depts["region"] == territory[1:], "code"]
            return frame[frame["dept"].isin(codes)]
        return frame[frame["dept"] == territory]

    def kpis(self, f: Filters) -> object:
        t = self.trade[self.trade["year"].isin([f.year, f.year - 1])]
        t = t.merge(self.depts[["code", "region"]], left_on="dept", right_on="code")
        per_dept = t.groupby(["year", "flow", "dept"])["value_eur"].sum()
        per_region = t.groupby(["year", "flow", "region"])["value_eur"].sum()
        return per_dept.rank(ascending=False), per_region, per_dept.groupby(level=[0, 1]).sum()

    def partner_balance(self, f: Filters) -> object:
        t = self._territory(self.trade[self.trade["year"] == f.year], f.territory)
        wide = t.pivot_table(index="country", columns="flow", values="value_eur", aggfunc="sum")
        return wide.merge(self.countries, left_index=True, right_on="code", how="left")

    def product_breakdown(self, f: Filters) -> object:
        t = self._territory(self.trade[self.trade["year"] == f.year], f.territory)
        t = t.merge(self.products, left_on="product", right_on="code")
        return t.groupby(["a38", "flow"])["value_eur"].sum().unstack()

    def sankey_flows(self, f: Filters) -> object:
        t = self.trade[(self.trade["year"] == f.year) & (self.trade["flow"] == f.flow)]
        t = self._territory(t, f.territory).merge(self.products, left_on="product", right_on="code")
        cells = t.groupby(["a38", "country"], as_index=False)["value_eur"].sum()
        top_p = cells.groupby("a38")["value_eur"].sum().nlargest(f.top).index
        top_c = cells.groupby("country")["value_eur"].sum().nlargest(f.top).index
        cells["p"] = cells["a38"].where(cells["a38"].isin(top_p), "Autres")
        cells["c"] = cells["country"].where(cells["country"].isin(top_c), "Autres")
        return cells.groupby(["p", "c"])["value_eur"].sum()

    def comparison(self, f: Filters) -> object:
        t = self.trade[self.trade["year"] == f.year]
        return (
            t.merge(self.depts, left_on="dept", right_on="code")
            .groupby(["region", "flow"])["value_eur"]
            .sum()
        )


CASES: list[tuple[str, str, Filters]] = [
    ("kpis", "93", Filters("93", 2024)),
    ("kpis", "FR", Filters("FR", 2024)),
    ("partner_balance", "93", Filters("93", 2024)),
    ("partner_balance", "R11", Filters("R11", 2024)),
    ("partner_balance", "FR", Filters("FR", 2024)),
    ("product_breakdown", "93 A38", Filters("93", 2024, level="A38")),
    ("product_breakdown", "FR A38", Filters("FR", 2024, level="A38")),
    ("sankey_flows", "93 export", Filters("93", 2024)),
    ("sankey_flows", "R11 export", Filters("R11", 2024)),
    ("sankey_flows", "FR import", Filters("FR", 2024, flow="import")),
    ("comparison", "93", Filters("93", 2024)),
]


F93, FR = Filters("93", 2024), Filters("FR", 2024)
# The queries of the other pages (trends, rankings, specialisation, comparison, data grid):
# timed the same way, without a pandas baseline.
MORE_CASES: list[tuple[str, str, Callable[[Database], object]]] = [
    ("trend", "93", lambda db: queries_trends.trend(db, F93)),
    ("trend_breakdown", "93 product", lambda db: queries_trends.trend_breakdown(db, F93, "product")),
    ("trend_breakdown", "FR partner", lambda db: queries_trends.trend_breakdown(db, FR, "partner")),
    ("dept_indicators", "2024", lambda db: queries_trends.departement_indicators(db, 2024)),
    ("rankings", "93 région", lambda db: queries_trends.rankings(db, F93, "region")),
    ("specialisation", "93 product", lambda db: queries_trends.specialisation(db, F93, "product")),
    ("specialisation", "93 partner", lambda db: queries_trends.specialisation(db, F93, "partner")),
    ("compare", "93,95,R11", lambda db: queries_trends.compare(db, F93, ("93", "95", "R11"))),
    ("compare", "93,59,FR", lambda db: queries_trends.compare(db, F93, ("93", "59", "FR"))),
    ("trade_rows", "FR top 5000", lambda db: queries.trade_rows(db, FR, 5000)),
    ("trade_rows_summary", "FR", lambda db: queries.trade_rows_summary(db, FR)),
    ("trade_rows_grouped", "FR pays", lambda db: queries.trade_rows_grouped(db, FR, "pays")),
]  # fmt: skip


def bench_queries(db: Database, title: str, with_naive: bool = True) -> list[float]:
    print(f"\n{title}: {db.frame('SELECT count(*) AS n FROM trade')['n'][0]:,} rows in trade")  # noqa: S608 (constant)
    naive = Naive(db) if with_naive else None
    header = f"{'query':<20}{'case':<13}{'p50 ms':>9}{'p95 ms':>9}"
    print(header + (f"{'pandas p50':>12}{'ratio':>8}" if naive else ""))
    p95s = []
    for name, label, f in CASES:
        p50, p95 = timed(lambda name=name, f=f: getattr(queries, name)(db, f))
        p95s.append(p95)
        line = f"{name:<20}{label:<13}{p50:>9.1f}{p95:>9.1f}"
        if naive:
            n50, _ = timed(lambda name=name, f=f: getattr(naive, name)(f), repeat=5)
            line += f"{n50:>12.1f}{n50 / p50:>7.1f}×"
        print(line)
    for name, label, fn in MORE_CASES:
        p50, p95 = timed(lambda fn=fn: fn(db), repeat=20)
        p95s.append(p95)
        print(f"{name:<20}{label:<13}{p50:>9.1f}{p95:>9.1f}")
    print(f"worst p95: {max(p95s):.1f} ms")
    return p95s


def scaled_copy(source: Path, factor: int, workdir: Path) -> Path:
    """A copy whose trade table has ``factor`` finer products for each A129 product."""
    target = workdir / f"scaled-{factor}.duckdb"
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    con.execute(
        """
        CREATE OR REPLACE TABLE product AS
        SELECT code || '.' || k AS code, label || ' (' || k || ')' AS label,
               a38, a38_label, a17, a17_label
        FROM product, range(?) r(k)
        """,
        [factor],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE trade AS
        SELECT year, flow, dept, product || '.' || k AS product, country,
               (value_eur // ?)::BIGINT AS value_eur
        FROM trade, range(?) r(k)
        ORDER BY year, flow, dept
        """,
        [factor, factor],
    )
    store.finalize(con, {"source": "benchmark", "scale": factor})
    con.close()
    return target


def page_scripts(root: Path) -> list[str]:
    """The page scripts in menu order, read from Home.py's PAGE_SPECS (not the helpers)."""
    tree = ast.parse((root / "Home.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PAGE_SPECS" for t in node.targets
        ):
            return [spec[0] for spec in ast.literal_eval(node.value)]
    raise RuntimeError("PAGE_SPECS not found in Home.py")


def bench_pages() -> None:
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    print("\nPages (AppTest, server-side run, territoire=93, annee=2024)")
    print(f"{'page':<22}{'first run':>10}{'warm p50':>10}")
    for page in page_scripts(root):
        at = AppTest.from_file(str(root / "Home.py"), default_timeout=60)
        at.query_params.update({"territoire": "93", "annee": "2024"})
        start = time.perf_counter()
        at.run()
        if page != "overview.py":
            start = time.perf_counter()
            at.switch_page(f"pages/{page}")
            at.run()
        first = (time.perf_counter() - start) * 1000
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            at.run()
            samples.append((time.perf_counter() - start) * 1000)
        status = "ok" if not at.exception else f"exception: {at.exception[0].message}"
        print(f"{page:<22}{first:>7.0f} ms{statistics.median(samples):>7.0f} ms  ({status})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--scale", type=int, default=0, help="also measure N× the data")
    parser.add_argument("--build", action="store_true", help="time a demo build from nothing")
    parser.add_argument("--pages", action="store_true", help="time every page with AppTest")
    args = parser.parse_args(argv)

    if args.build:
        from core import demo

        start = time.perf_counter()
        path = Path(demo.build(publish=False, quiet=True))
        print(f"Demo build from nothing: {time.perf_counter() - start:.1f} s ({path.name})")
        path.unlink()

    path = store.db_path()
    if not path.exists():
        print("No database: run `make demo-db` first.", file=sys.stderr)
        return 1
    db = Database(path)
    bench_queries(db, "Embedded database")
    if args.scale > 1:
        with tempfile.TemporaryDirectory() as tmp:
            scaled = scaled_copy(path.resolve(), args.scale, Path(tmp))
            bench_queries(Database(scaled), f"{args.scale}× the data", with_naive=False)
    if args.pages:
        bench_pages()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory of this process: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
