"""Worker of ``python -m benchmarks``: times one kind of query in a fresh process.

``python -m benchmarks.queries --db PATH --kind function|floor|pandas`` prints one JSON object:
for every query function, the milliseconds of its calls on distinct cases (each case's first
call: no memo, no cache; the core has none, and this process has no Streamlit), then of warm
repeats of the same cases.

- ``function``: the query function of ``core.queries`` / ``core.queries_trends`` (SQL, Arrow,
  numpy and pandas post-processing, labels), reading one pinned build;
- ``floor``: the bare DuckDB aggregates that return the same numbers, on the same tables,
  fetched as numpy columns (what no Python code around them can beat);
- ``pandas``: the same figures computed naively in pandas on the detail table held in memory
  (filters by mask, merges, group-bys), the baseline the functions must beat tenfold.

The catalog of a build (labels, quarters; loaded once per build and shared by every session)
is loaded before timing and reported apart as ``catalog_ms``; timing starts once the build's
recent years are in DuckDB's buffers (``Build.warmed``, what an app does when it opens a build;
``prewarm_ms``). Before its measured cases, each
function serves cases none of them shares (``warm_up_cases``): the oldest year, and its first
quarters in each SQL form the app's periods take (a partial year, twelve months across two
years), as a started app has served other visitors over every kind of period it offers.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core import queries, queries_trends
from core.db import Build, Catalog
from core.filters import LEVEL_COLUMNS, Filters
from core.periods import Period, index, split

WARM = 8  # warm repeats of each case
# Distinct territories, one per case: départements of every size (Corse, overseas), régions,
# France. Each function's cases are the first calls of a fresh process on these.
TERRITORIES = ["93", "59", "69", "13", "20", "33", "75", "971", "01", "R11", "R84", "FR"]
FUNCTIONS = [
    "kpis", "partner_balance", "product_breakdown", "sankey_flows", "comparison", "trend",
    "trend_breakdown", "departement_indicators", "rankings", "specialisation", "compare",
    "trade_rows", "trade_rows_summary", "trade_rows_grouped",
]  # fmt: skip


def cases(catalog: Catalog, name: str) -> list[tuple[str, dict]]:
    """The distinct cases of a function: (label, arguments). Periods rotate over the latest
    whole year (yearly tables), the year before, the partial latest year and the last twelve
    months (quarterly tables) when loaded."""
    whole = [p for p in catalog.periods if p.is_whole_year]
    others = [p for p in catalog.periods if not p.is_whole_year]
    rotation = [whole[0], whole[min(1, len(whole) - 1)], *others[:2]] if whole else others
    out: list[tuple[str, dict]] = []
    if name == "departement_indicators":
        return [(p.token, {"period": p}) for p in catalog.periods[:-1]]
    for i, territory in enumerate(TERRITORIES):
        period = rotation[i % len(rotation)]
        f = Filters(territory, period, flow="export" if i % 2 == 0 else "import")
        label = f"{territory} {period.token}"
        args: dict = {"f": f}
        if name == "trend_breakdown" or name == "specialisation":
            args["by"] = "product" if i % 2 == 0 else "partner"
        elif name == "rankings":
            if territory == "FR":
                continue
            args["scope"] = "region" if i % 2 == 0 else "france"
        elif name == "compare":
            args["codes"] = (territory, TERRITORIES[(i + 1) % 9], "R11")
        elif name == "trade_rows":
            args["limit"] = 5000
        elif name == "trade_rows_grouped":
            args["by"] = "pays" if i % 2 == 0 else "produits"
        out.append((label, args))
    return out


# --- The functions -----------------------------------------------------------------------------
def warm_up_cases(catalog: Catalog, name: str) -> list[dict]:
    """Cases none of ``cases`` shares (Aisne; for the indicators the oldest periods), served
    first in each process, as a started app has served other visitors, so that one-off costs
    of a process (first query, first use of a code path) are not charged to a measured first
    call. One case per form of period predicate (``Period.sql``), on the oldest years: a whole
    year, a year's first two quarters, four quarters across two years; and per value of the
    function's other argument (both breakdowns, both ranking scopes). DuckDB's first query of
    each form on a table costs several milliseconds more than the next ones (Rhône's Sankey
    over twelve months: 21 ms as the first such query of a process, 13 ms after another
    département's), whatever the territory or the quarters."""
    loaded = sorted(q for p in catalog.periods if not p.rolling for q in p.quarters)
    oldest = Period.of_year(loaded[0][0], [q for y, q in loaded if y == loaded[0][0]])
    periods = [oldest]
    if oldest.n_quarters >= 2:
        periods.append(Period(oldest.first, oldest.first + 1))
    if len(loaded) >= 4:
        first, last = index(*loaded[0]), index(*loaded[3])
        if last - first == 3 and split(first)[0] != split(last)[0]:
            periods.append(Period.last_four(*split(last)))
        elif len(loaded) >= 6 and index(*loaded[5]) - index(*loaded[2]) == 3:
            periods.append(Period.last_four(*loaded[5]))
    if name == "departement_indicators":
        return [{"period": p} for p in periods]
    # Each value of a function's other argument is a code path of its own (the breakdowns
    # read different tables): the cases alternate them, the warm-up serves each.
    extra = {"trend_breakdown": ("by", ("product", "partner")),
             "specialisation": ("by", ("product", "partner")),
             "rankings": ("scope", ("region", "france")),
             "compare": ("codes", (("02", "R32", "FR"),)), "trade_rows": ("limit", (5000,)),
             "trade_rows_grouped": ("by", ("pays", "produits"))}  # fmt: skip
    key, values = extra.get(name, (None, (None,)))
    out = []
    for period in periods:
        for value in values:
            args: dict = {"f": Filters("02", period)}
            if key is not None:
                args[key] = value
            out.append(args)
    return out


def call_function(db: Build, name: str, args: dict) -> object:
    module = queries if hasattr(queries, name) else queries_trends
    fn = getattr(module, name)
    if name == "departement_indicators":
        return fn(db, args["period"])
    rest = {k: v for k, v in args.items() if k != "f"}
    return fn(db, args["f"], *rest.values())


# --- The floors: bare aggregates returning the same numbers -----------------------------------
def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict:
    """The result as numpy columns: for results of a few thousand rows the cheapest fetch
    of DuckDB's Python client (a relation fetched as Arrow costs up to a millisecond more)."""
    cur = con.cursor()
    try:
        return cur.execute(sql, params).fetchnumpy()
    finally:
        cur.close()


def _scope_sql(catalog: Catalog, f: Filters, periods: list[Period]) -> tuple[str, list]:
    """Territory, région and France totals per period and flow, in one query."""
    conds, params = [], []
    for i, p in enumerate(periods):
        where, ps = p.sql("t.")
        conds.append(f"WHEN {where} THEN {i}")
        params += ps
    region = catalog.region_of(f.territory) if f.kind == "departement" else f.region_code
    sql = f"""
        SELECT k, flow, sum(v) FILTER (WHERE ? OR dept = ? OR region = ?),
               sum(v) FILTER (WHERE region = ?), sum(v)
        FROM (SELECT CASE {" ".join(conds)} END AS k, t.flow, t.dept, d.region,
                     t.value_eur AS v
              FROM totals_dept t JOIN departement d ON d.code = t.dept)
        WHERE k IS NOT NULL GROUP BY k, flow
    """
    return sql, [f.kind == "france", f.territory, f.region_code, region, *params]


def _rank_sql(f: Filters) -> tuple[str, list]:
    where, params = f.period_sql("t.")
    by_dept = f.kind == "departement"
    key = "t.dept" if by_dept else "d.region"
    sql = f"""
        SELECT flow, rank FROM (
            SELECT flow, key, rank() OVER (PARTITION BY flow ORDER BY v DESC) AS rank
            FROM (SELECT t.flow, {key} AS key, sum(t.value_eur) AS v
                  FROM totals_dept t JOIN departement d ON d.code = t.dept
                  WHERE {where} GROUP BY t.flow, {key})
        ) WHERE key = ?
    """
    return sql, [*params, f.territory if by_dept else f.region_code]


def _indicators_sql(catalog: Catalog, period: Period) -> tuple[str, list]:
    # The sums on a quarter index computed once per row: the same sums filtered on
    # ``Period.sql()``'s predicates cost DuckDB about twice as long to plan.
    prev = catalog.previous(period) or period
    sql = """
        SELECT dept, flow, sum(value_eur) FILTER (WHERE q BETWEEN ? AND ?),
               sum(value_eur) FILTER (WHERE q BETWEEN ? AND ?)
        FROM (SELECT dept, flow, value_eur, year * 4 + quarter - 1 AS q FROM totals_dept
              WHERE year BETWEEN ? AND ?)
        GROUP BY ALL
    """
    return sql, [period.first, period.last, prev.first, prev.last, prev.first_year, period.year]


def _by_sql(
    catalog: Catalog, territory: str, period: Period, by: str, level: str, flow: str | None
) -> tuple:
    keep = "product" if by == "product" else "country"
    table, where, params = queries.source(
        territory, period, keep, region=catalog.region_of(territory)
    )
    flow_sql = "AND flow = ?" if flow else ""
    flow_params = [flow] if flow else []
    if by == "product":
        code = LEVEL_COLUMNS[level][0]
        sql = f"""SELECT p.{code}, flow, sum(value_eur) FROM {table} t
            JOIN product p ON p.code = t.product WHERE {where} {flow_sql} GROUP BY ALL"""
    else:
        sql = f"""SELECT country, flow, sum(value_eur) FROM {table}
            WHERE {where} {flow_sql} GROUP BY ALL"""
    return sql, [*params, *flow_params]


class _CatalogReader:
    """What ``queries._rows_source`` reads of a build: its catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def catalog(self) -> Catalog:
        return self._catalog


def floor_queries(catalog: Catalog, name: str, args: dict) -> list[tuple[str, list]]:
    """The bare aggregates behind a function's numbers (one or a few queries)."""
    if name == "departement_indicators":
        return [_indicators_sql(catalog, args["period"])]
    f: Filters = args["f"]
    code = LEVEL_COLUMNS[f.level][0]
    table, where, params = queries.source(
        f.territory, f.period, region=catalog.region_of(f.territory)
    )
    if name == "kpis":
        prev = catalog.previous(f.period)
        out = [_scope_sql(catalog, f, [f.period, *([prev] if prev else [])])]
        return out + ([_rank_sql(f)] if f.kind != "france" else [])
    if name == "comparison":
        return [_scope_sql(catalog, f, [f.period])]
    region = catalog.region_of(f.territory)
    if name == "partner_balance":
        table, where, params = queries.source(f.territory, f.period, "country", region=region)
        sql = f"""SELECT country, flow, sum(value_eur), sum(mass_kg) FROM {table}
            WHERE {where} GROUP BY ALL"""
        return [(sql, params)]
    if name == "product_breakdown":
        table, where, params = queries.source(f.territory, f.period, "product", region=region)
        sql = f"""SELECT p.{code}, flow, sum(value_eur), sum(mass_kg) FROM {table} t
            JOIN product p ON p.code = t.product WHERE {where} GROUP BY ALL"""
        return [(sql, params)]
    if name == "sankey_flows":
        if code in ("a38", "a17"):  # the build's flows tables, as the function
            table, where, params = queries.source(f.territory, f.period, "flows")
            parent = "" if code == "a38" else queries._A17_OF_A38
            sql = f"""SELECT {code}, country, sum(value_eur) FROM {table} t {parent}
                WHERE {where} AND flow = ? GROUP BY ALL"""
        else:
            sql = f"""SELECT p.{code}, country, sum(value_eur) FROM {table} t
                JOIN product p ON p.code = t.product WHERE {where} AND flow = ? GROUP BY ALL"""
        return [(sql, [*params, f.flow])]
    if name == "trend":
        terr = (
            "TRUE"
            if f.kind == "france"
            else ("d.region = ?" if f.kind == "region" else "t.dept = ?")
        )
        terr_params = [] if f.kind == "france" else [f.region_code or f.territory]
        sql = f"""SELECT t.year, t.quarter, t.flow, sum(t.value_eur) FROM totals_dept t
            JOIN departement d ON d.code = t.dept WHERE {terr} GROUP BY ALL"""
        return [(sql, terr_params)]
    if name == "trend_breakdown":
        years = [y for y, p in catalog.year_periods.items() if p.is_whole_year]
        keep = "product" if args["by"] == "product" else "country"
        src, terr, terr_params = queries_trends._yearly_source(f.territory, keep)
        if args["by"] == "product":
            sql = f"""SELECT year, p.{code}, sum(value_eur) FROM {src} t
                JOIN product p ON p.code = t.product
                WHERE {terr} AND list_contains(?::INTEGER[], year) AND flow = ? GROUP BY ALL"""
        else:
            sql = f"""SELECT year, country, sum(value_eur) FROM {src}
                WHERE {terr} AND list_contains(?::INTEGER[], year) AND flow = ? GROUP BY ALL"""
        return [(sql, [*terr_params, years, f.flow])]
    if name == "rankings":
        return [_indicators_sql(catalog, f.period)]
    if name == "specialisation":
        return [
            _by_sql(catalog, f.territory, f.period, args["by"], f.level, None),
            _by_sql(catalog, "FR", f.period, args["by"], f.level, None),
        ]
    if name == "compare":
        parts, ps = [], []
        for c in args["codes"]:
            t, w, p = queries.source(c, f.period, "country", region=catalog.region_of(c))
            parts.append(
                f"SELECT ?::VARCHAR, country, sum(value_eur) FROM {t} "
                f"WHERE {w} AND flow = ? GROUP BY country"
            )
            ps += [c, *p, f.flow]
            t, w, p = queries.source(c, f.period, "product", region=catalog.region_of(c))
            parts.append(f"SELECT ?::VARCHAR, p.{code}, sum(value_eur) FROM {t} t "
                         f"JOIN product p ON p.code = t.product WHERE {w} AND flow = ? "
                         f"GROUP BY p.{code}")  # fmt: skip
            ps += [c, *p, f.flow]
        return [_indicators_sql(catalog, f.period), (" UNION ALL ".join(parts), ps)]
    if name == "trade_rows":
        # The function's own query: the same rows in the same order (ties broken on the
        # keys), before labels.
        return [queries._rows_sql(_CatalogReader(catalog), f, args["limit"])]
    # Without a selection (the benchmark's cases), the rows' counts and sums come from the
    # territory's partner or product table and its ``rows`` column, as the functions read them.
    if name == "trade_rows_summary":
        t, w, p = queries.source(f.territory, f.period, "country", region=region)
        sql = f"SELECT sum(rows), sum(value_eur) FROM {t} WHERE {w} AND flow = ?"
        return [(sql, [*p, f.flow])]
    if name == "trade_rows_grouped":
        key = "country" if args["by"] == "pays" else "product"
        t, w, p = queries.source(f.territory, f.period, key, region=region)
        sql = f"""SELECT {key}, flow, sum(value_eur), sum(mass_kg), sum(rows)
            FROM {t} WHERE {w} AND flow = ? GROUP BY ALL"""
        return [(sql, [*p, f.flow])]
    raise KeyError(name)


# --- The naive pandas versions ---------------------------------------------------------------
class Naive:
    """The detail table in memory (categorical codes), and each function as a beginner would
    write it: masks, merges and group-bys over the whole table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
        table = con.sql("SELECT * FROM trade").to_arrow_table()
        columns = {}
        for name in table.column_names:
            col = table.column(name)
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                col = col.dictionary_encode()
            columns[name] = col
        # The naive baseline joins départements to régions itself, as a first pandas
        # version would: the stored région column (a layout optimisation) is left out.
        self.trade = pa.table(columns).to_pandas().drop(columns=["region"], errors="ignore")
        self.trade["qidx"] = self.trade["year"].astype("int32") * 10 + self.trade["quarter"]
        self.depts = catalog.dept_details[["code", "name", "region"]]
        self.products = catalog.products
        self.countries = catalog.countries
        self.catalog = catalog

    def _when(self, period: Period) -> pd.Series:
        return self.trade["qidx"].isin([y * 10 + q for y, q in period.quarters])

    def _members(self, territory: str) -> list[str]:
        return self.catalog.members(territory)

    def _slice(self, territory: str, period: Period) -> pd.DataFrame:
        mask = self._when(period)
        if territory != "FR":
            mask &= self.trade["dept"].isin(self._members(territory))
        return self.trade[mask]

    def run(self, name: str, args: dict) -> object:
        return getattr(self, name)(**args)

    def _totals(self, period: Period) -> pd.DataFrame:
        t = self.trade[self._when(period)].merge(self.depts, left_on="dept", right_on="code")
        return t.groupby(["flow", "dept", "region"], observed=True)["value_eur"].sum()

    def kpis(self, f: Filters) -> object:
        out = [self._totals(f.period)]
        prev = self.catalog.previous(f.period)
        if prev:
            out.append(self._totals(prev))
        per = out[0].groupby(level=["flow", "dept"], observed=True).sum()
        return out, per.groupby(level="flow", observed=True).rank(ascending=False)

    def comparison(self, f: Filters) -> object:
        return self._totals(f.period).groupby(level=["flow", "region"], observed=True).sum()

    def partner_balance(self, f: Filters) -> object:
        t = self._slice(f.territory, f.period)
        wide = t.pivot_table(
            index="country", columns="flow", values=["value_eur", "mass_kg"], aggfunc="sum",
            observed=True,
        )  # fmt: skip
        wide.columns = [f"{value}_{flow}" for value, flow in wide.columns]
        return wide.merge(self.countries, left_index=True, right_on="code", how="left")

    def product_breakdown(self, f: Filters) -> object:
        t = self._slice(f.territory, f.period).merge(
            self.products, left_on="product", right_on="code"
        )
        code = LEVEL_COLUMNS[f.level][0]
        return t.groupby([code, "flow"], observed=True)[["value_eur", "mass_kg"]].sum().unstack()

    def sankey_flows(self, f: Filters) -> object:
        t = self._slice(f.territory, f.period)
        t = t[t["flow"] == f.flow].merge(self.products, left_on="product", right_on="code")
        code = LEVEL_COLUMNS[f.level][0]
        cells = t.groupby([code, "country"], as_index=False, observed=True)["value_eur"].sum()
        top_p = cells.groupby(code)["value_eur"].sum().nlargest(f.top).index
        top_c = cells.groupby("country", observed=True)["value_eur"].sum().nlargest(f.top).index
        cells["p"] = cells[code].where(cells[code].isin(top_p), "Autres")
        cells["c"] = cells["country"].astype(str).where(cells["country"].isin(top_c), "Autres")
        return cells.groupby(["p", "c"])["value_eur"].sum()

    def trend(self, f: Filters) -> object:
        t = self.trade
        if f.territory != "FR":
            t = t[t["dept"].isin(self._members(f.territory))]
        return t.groupby(["year", "quarter", "flow"], observed=True)["value_eur"].sum()

    def trend_breakdown(self, f: Filters, by: str) -> object:
        t = self.trade[self.trade["flow"] == f.flow]
        if f.territory != "FR":
            t = t[t["dept"].isin(self._members(f.territory))]
        if by == "product":
            t = t.merge(self.products, left_on="product", right_on="code")
            key = LEVEL_COLUMNS[f.level][0]
        else:
            key = "country"
        return t.groupby(["year", key], observed=True)["value_eur"].sum().unstack("year")

    def departement_indicators(self, period: Period) -> object:
        out = [self.trade[self._when(period)].groupby(["dept", "flow"], observed=True)
               ["value_eur"].sum()]  # fmt: skip
        prev = self.catalog.previous(period)
        if prev:
            out.append(
                self.trade[self._when(prev)].groupby(["dept", "flow"], observed=True)
                ["value_eur"].sum()
            )  # fmt: skip
        return out

    def rankings(self, f: Filters, scope: str) -> object:
        cur = self.departement_indicators(f.period)[0].unstack("flow")
        return cur.rank(ascending=False)

    def specialisation(self, f: Filters, by: str) -> object:
        t = self.trade[self._when(f.period)]
        key = "country"
        if by == "product":
            t = t.merge(self.products, left_on="product", right_on="code")
            key = LEVEL_COLUMNS[f.level][0]
        france = t.groupby([key, "flow"], observed=True)["value_eur"].sum()
        if f.territory != "FR":
            t = t[t["dept"].isin(self._members(f.territory))]
        mine = t.groupby([key, "flow"], observed=True)["value_eur"].sum()
        return (mine / mine.sum()) / (france / france.sum())

    def compare(self, f: Filters, codes: tuple[str, ...]) -> object:
        out = [self.departement_indicators(f.period)]
        for code in codes:
            t = self._slice(code, f.period)
            t = t[t["flow"] == f.flow]
            out.append(t.groupby("country", observed=True)["value_eur"].sum().nlargest(f.top))
            t = t.merge(self.products, left_on="product", right_on="code")
            key = LEVEL_COLUMNS[f.level][0]
            out.append(t.groupby(key)["value_eur"].sum().nlargest(f.top))
        return out

    def trade_rows(self, f: Filters, limit: int) -> object:
        t = self._slice(f.territory, f.period)
        t = t[t["flow"] == f.flow].nlargest(limit, "value_eur")
        return t.merge(self.products, left_on="product", right_on="code").merge(
            self.countries, left_on="country", right_on="code", how="left"
        )

    def trade_rows_summary(self, f: Filters) -> object:
        t = self._slice(f.territory, f.period)
        t = t[t["flow"] == f.flow]
        return len(t), t["value_eur"].sum()

    def trade_rows_grouped(self, f: Filters, by: str) -> object:
        t = self._slice(f.territory, f.period)
        t = t[t["flow"] == f.flow]
        key = "country" if by == "pays" else "product"
        return t.groupby([key, "flow"], observed=True).agg(
            v=("value_eur", "sum"), kg=("mass_kg", "sum"), n=("value_eur", "size")
        )


# --- Running ---------------------------------------------------------------------------------
def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(db_path: Path, kind: str, only: list[str] | None = None) -> dict:
    started = time.perf_counter()
    build = Build(str(db_path))
    catalog = build.catalog()
    catalog_ms = (time.perf_counter() - started) * 1000
    build.warmed.wait()  # as in a started app: the recent years are in DuckDB's buffers
    out: dict = {"kind": kind, "catalog_ms": catalog_ms, "functions": {},
                 "prewarm_ms": (time.perf_counter() - started) * 1000}  # fmt: skip
    con = build._con  # the floor reads the same connection the functions read
    naive = None
    if kind == "pandas":
        start = time.perf_counter()
        naive = Naive(con, catalog)
        out["load_s"] = time.perf_counter() - start
        out["memory_mb"] = int(naive.trade.memory_usage(deep=True).sum() / 2**20)
    gc.collect()
    for name in only or FUNCTIONS:
        chosen = cases(catalog, name)
        if kind == "pandas":
            chosen = chosen[:4]  # seconds each: a few cases tell the ratio

        def once(args: dict, name: str = name) -> object:
            if kind == "function":
                return call_function(build, name, args)
            if kind == "floor":
                return [_fetch(con, sql, ps) for sql, ps in floor_queries(catalog, name, args)]
            return naive.run(name, args)

        for args in warm_up_cases(catalog, name):
            once(args)
        first = [_ms(lambda a=args: once(a)) for _, args in chosen]
        warm: list[float] = []
        if kind != "pandas":
            for _ in range(WARM):
                warm += [_ms(lambda a=args: once(a)) for _, args in chosen]
        out["functions"][name] = {
            "cases": [label for label, _ in chosen],
            "first": first,
            "warm": warm,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queries")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--kind", choices=["function", "floor", "pandas"], required=True)
    parser.add_argument("--only", nargs="*", help="these functions only")
    args = parser.parse_args(argv)
    json.dump(run(args.db, args.kind, args.only), sys.stdout)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
