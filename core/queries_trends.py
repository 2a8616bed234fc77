"""Queries beyond the one-period fact sheet: trends, rankings, specialisation, comparison, map.

Named functions, a ``Filters`` (or plain values) in, a frozen result out; no streamlit, no memo
(the one cache layer is ``core.cache``). All SQL is parameterised; the only identifiers spliced
in come from ``LEVEL_COLUMNS`` (allowlist), ``queries.source`` and ``Period``'s predicates.
Values stay whole euros until the page divides them for display.

Totals, ranks and the map read the small ``totals_dept`` table. The breakdowns by product or
partner read the detail table of the territory's level (``trade`` for a département,
``trade_region`` for a région, ``trade_france`` for France).

A year whose quarters are not all loaded is partial: trends show it apart and compare it with
the same quarters of the year before, never with a whole year; period-long changes run between
whole years. Growth rates are ``value / previous − 1``; they are ``None`` (shown « – ») when the
previous value is zero or missing. Ranks are competition ranks: 1 = largest, ties share the
best rank (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.db import Build, Database
from core.filters import LEVEL_COLUMNS, Filters, territory_predicate
from core.periods import Period
from core.queries import source

Reader = Database | Build

OTHERS = "Autres"
SCOPES = ("region", "france")
# Indicators of a département that can be ranked or mapped: URL value → (column, label, kind).
INDICATORS: dict[str, tuple[str, str, str]] = {
    "exportations": ("exports", "Exportations", "meur"),
    "importations": ("imports", "Importations", "meur"),
    "solde": ("balance", "Solde commercial", "meur"),
    "couverture": ("coverage", "Taux de couverture", "pct1"),
    "croissance-export": ("growth_exports", "Évolution des exportations sur un an", "growth"),
    "croissance-import": ("growth_imports", "Évolution des importations sur un an", "growth"),
}
BREAKDOWNS = ("product", "partner")


def growth(current: pd.Series, previous: pd.Series) -> pd.Series:
    """``current / previous − 1``; NaN where the previous value is zero or missing."""
    prev = previous.astype("float64").replace(0, np.nan)
    return current.astype("float64") / prev - 1


def country_labels(codes: pd.Series, catalog, year: int) -> pd.Series:
    """French names valid in ``year``; codes missing from the reference table are labelled,
    never dropped."""
    return pd.Series([catalog.country_name(c, year) for c in codes], index=codes.index)


def _yearly_source(territory: str, keep: str | None = None) -> tuple[str, str, list]:
    """The yearly table of a territory's level and the predicate selecting the territory (for
    series over whole years); with ``keep`` (see ``queries.source``), the territory's table
    summed over the other key (quarterly, but far smaller: Seine-Saint-Denis' partners over
    six years are about 6 000 rows of ``dept_partners`` against 90 000 of ``trade_year``)."""
    if keep is not None:
        face = {"country": "partners", "product": "products"}[keep]
        if territory == "FR":
            return f"france_{face}", "TRUE", []
        if territory.startswith("R"):
            return f"region_{face}", "region = ?", [territory[1:]]
        return f"dept_{face}", "dept = ?", [territory]
    if territory == "FR":
        return "trade_france_year", "TRUE", []
    if territory.startswith("R"):
        return "trade_region_year", "region = ?", [territory[1:]]
    return "trade_year", "dept = ?", [territory]


# --- Trend of the totals -------------------------------------------------------------------
@dataclass(frozen=True)
class Trend:
    """Exports, imports and balance of a territory for every loaded year and every quarter.

    ``table`` has one row per year (``partial`` years flagged, with the label of their
    quarters); a partial year's growth compares the same quarters a year earlier.
    ``quarterly`` has one row per loaded quarter with its change on the same quarter of the
    year before.
    """

    territory: str
    name: str
    table: pd.DataFrame  # year, label, partial, exports, imports, balance, coverage,
    #                      growth_exports, growth_imports
    quarterly: pd.DataFrame  # year, quarter, label, exports, imports, balance,
    #                          growth_exports, growth_imports

    @property
    def whole(self) -> pd.DataFrame:
        """The whole years only."""
        return self.table[~self.table["partial"]].reset_index(drop=True)

    @property
    def first_year(self) -> int | None:
        whole = self.whole
        return int(whole["year"].iloc[0]) if len(whole) else None

    @property
    def last_year(self) -> int | None:
        whole = self.whole
        return int(whole["year"].iloc[-1]) if len(whole) else None

    def period_growth(self, column: str) -> float | None:
        """Change from the first to the last whole year (``exports`` or ``imports``)."""
        whole = self.whole
        if len(whole) < 2:
            return None
        first, last = whole[column].iloc[0], whole[column].iloc[-1]
        return None if first == 0 else float(last / first - 1)

    def annual_rate(self, column: str) -> float | None:
        """Average annual growth between the first and the last whole year (compound)."""
        total = self.period_growth(column)
        if total is None or total <= -1:
            return None
        years = self.last_year - self.first_year
        return float((1 + total) ** (1 / years) - 1)


def _rate(current: float, previous: float | None) -> float:
    """``current / previous − 1``; NaN where the previous value is zero or missing."""
    return current / previous - 1 if previous else np.nan


def trend(db: Reader, f: Filters) -> Trend:
    catalog = db.catalog()
    terr, params = territory_predicate(f.territory, "dept")
    rows = db.rows(
        f"""
        SELECT year, quarter,
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT),
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT)
        FROM totals_dept
        WHERE {terr}
        GROUP BY year, quarter
        """,
        params,
    )
    # Every loaded quarter appears, even one where the territory traded nothing. A few dozen
    # rows: plain Python, then one DataFrame per table (pandas per row costs ten times more).
    found = {(int(y), int(q)): (int(x), int(m)) for y, q, x, m in rows}
    by_q = {key: found.get(key, (0, 0)) for key in catalog.quarters}
    quarterly: dict[str, list] = {k: [] for k in (
        "year", "quarter", "label", "exports", "imports", "balance", "growth_exports",
        "growth_imports")}  # fmt: skip
    for (year, qq), (x, m) in by_q.items():
        prev = by_q.get((year - 1, qq))
        quarterly["year"].append(year)
        quarterly["quarter"].append(qq)
        quarterly["label"].append(f"T{qq} {year}")
        quarterly["exports"].append(x)
        quarterly["imports"].append(m)
        quarterly["balance"].append(x - m)
        quarterly["growth_exports"].append(_rate(x, prev[0] if prev else None))
        quarterly["growth_imports"].append(_rate(m, prev[1] if prev else None))

    table: dict[str, list] = {k: [] for k in (
        "year", "label", "partial", "exports", "imports", "balance", "coverage",
        "growth_exports", "growth_imports")}  # fmt: skip
    for year, period in sorted(catalog.year_periods.items()):
        mine = [by_q[(year, qq)] for _, qq in period.quarters]
        exports, imports = sum(x for x, _ in mine), sum(m for _, m in mine)
        # The same quarters a year earlier, when all loaded: never a whole year for a part.
        prev_quarters = [(year - 1, qq) for _, qq in period.quarters]
        if all(k in by_q for k in prev_quarters):
            px = sum(by_q[k][0] for k in prev_quarters)
            pm = sum(by_q[k][1] for k in prev_quarters)
        else:
            px = pm = None
        table["year"].append(year)
        table["label"].append(period.label)
        table["partial"].append(period.partial)
        table["exports"].append(exports)
        table["imports"].append(imports)
        table["balance"].append(exports - imports)
        table["coverage"].append(exports / imports if imports else np.nan)
        table["growth_exports"].append(_rate(exports, px))
        table["growth_imports"].append(_rate(imports, pm))
    return Trend(
        f.territory,
        catalog.territory_name(f.territory),
        _frame(table, ints=("year", "exports", "imports", "balance"), bools=("partial",)),
        _frame(quarterly, ints=("year", "quarter", "exports", "imports", "balance")),
    )


def _frame(columns: dict[str, list], ints: tuple = (), bools: tuple = ()) -> pd.DataFrame:
    """A DataFrame from plain lists: int64, bool, float64 (NaN for missing) or text columns."""
    out = {}
    for name, values in columns.items():
        if name in ints:
            out[name] = np.array(values, dtype="int64")
        elif name in bools:
            out[name] = np.array(values, dtype=bool)
        elif values and isinstance(values[0], str):
            out[name] = np.array(values, dtype=object)
        else:
            out[name] = np.array(values, dtype="float64")
    return pd.DataFrame(out, copy=False)


# --- Trend by product or partner -----------------------------------------------------------
@dataclass(frozen=True)
class TrendBreakdown:
    """One flow of a territory by product (at the filters' level) or partner, every whole year.

    ``series`` keeps the top N (by value in the last whole year) and groups the rest into
    "Autres", so that each year adds up to the total. ``changes`` has every product or partner
    with its first, previous and last whole-year values and its changes, for risers and
    fallers. A partial year is not in them (it would read as a fall): ``partial`` names it.
    """

    by: str  # "product" or "partner"
    flow: str
    level: str
    series: pd.DataFrame  # year, code, label, value (long; "Autres" last)
    changes: pd.DataFrame  # code, label, first, previous, last, change, growth_period,
    #                        growth_year
    first_year: int
    last_year: int
    partial: Period | None = None  # the partial latest year left out, if any

    def movers(self, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ``n`` largest rises and the ``n`` largest falls (in euros) over the period."""
        ch = self.changes.sort_values(["change", "code"], ascending=[False, True])
        risers = ch[ch["change"] > 0].head(n)
        fallers = ch[ch["change"] < 0].sort_values(["change", "code"]).head(n)
        return risers.reset_index(drop=True), fallers.reset_index(drop=True)


def trend_breakdown(db: Reader, f: Filters, by: str) -> TrendBreakdown:
    if by not in BREAKDOWNS:
        raise ValueError(f"unexpected breakdown {by!r}")
    catalog = db.catalog()
    years = [y for y, p in sorted(catalog.year_periods.items()) if p.is_whole_year]
    partial = [p for p in catalog.year_periods.values() if p.partial]
    if not years:  # nothing but a partial year: show it rather than nothing
        years = [catalog.latest_year]
        partial = []
    first, last = years[0], years[-1]
    previous = years[-2] if len(years) > 1 else None
    # A few hundred rows at most: plain Python, then one DataFrame per table (a pandas pivot
    # and sort would cost several times the query).
    col = {year: i for i, year in enumerate(years)}
    wide: dict[str, list[int]] = {}
    for year, code, value in _series(db, f, by, years):
        if year in col:
            wide.setdefault(code, [0] * len(years))[col[year]] += value
    if by == "product":
        product_labels = catalog.level_labels(f.level)
        labels = {c: product_labels.get(c, (c,))[0] for c in wide}
    else:
        labels = {c: catalog.country_name(c, last) for c in wide}
    prev_i = col[previous] if previous else None
    codes = sorted(wide, key=lambda c: (-wide[c][-1], c))
    first_v = np.array([wide[c][0] for c in codes], dtype="int64")
    prev_v = np.array([wide[c][prev_i] if prev_i is not None else 0 for c in codes], dtype="int64")
    last_v = np.array([wide[c][-1] for c in codes], dtype="int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        growth_period = np.where(first_v > 0, last_v / first_v - 1, np.nan)
        growth_year = np.where(prev_v > 0, last_v / prev_v - 1, np.nan)
    changes = pd.DataFrame(
        {
            "code": np.array(codes, dtype=object),
            "label": np.array([labels[c] for c in codes], dtype=object),
            "first": first_v,
            "previous": prev_v,
            "last": last_v,
            "change": last_v - first_v,
            "growth_period": growth_period,
            "growth_year": growth_year,
        },
        copy=False,
    )

    top = [c for c in codes[: f.top] if sum(wide[c]) > 0]
    top_set = set(top)
    rest_codes = [c for c in codes if c not in top_set]
    rows = []
    for i, year in enumerate(years):
        for code in top:
            rows.append((year, code, labels[code], wide[code][i]))
        if rest_codes:
            rows.append((year, OTHERS, OTHERS, sum(wide[c][i] for c in rest_codes)))
    series = pd.DataFrame(
        {
            "year": np.array([r[0] for r in rows], dtype="int64"),
            "code": np.array([r[1] for r in rows], dtype=object),
            "label": np.array([r[2] for r in rows], dtype=object),
            "value": np.array([r[3] for r in rows], dtype="int64"),
        },
        copy=False,
    )
    return TrendBreakdown(
        by, f.flow, f.level, series, changes, first, last, partial[0] if partial else None
    )


def _series(db: Reader, f: Filters, by: str, years: list[int]) -> list[tuple[int, str, int]]:
    """Some years of one flow of the territory by product (at the level) or partner:
    (year, code, value) rows."""
    keep = "product" if by == "product" else "country"
    other = f.partners if by == "product" else f.products  # a selection on the other key
    source, terr, terr_params = _yearly_source(f.territory, None if other else keep)
    sel, sel_params = f.selection_sql()
    if by == "product":
        code_col = LEVEL_COLUMNS[f.level][0]  # KeyError for anything off the allowlist
        sql = f"""
            WITH cells AS (  -- why: aggregate before the join, the detail table is large
                SELECT year, product, sum(value_eur) AS v
                FROM {source}
                WHERE {terr} AND list_contains(?::INTEGER[], year) AND flow = ? AND {sel}
                GROUP BY year, product
            )
            SELECT year::INTEGER, p.{code_col}, CAST(sum(v) AS BIGINT)
            FROM cells JOIN product p ON p.code = cells.product
            GROUP BY year, p.{code_col}
            """
    else:
        sql = f"""
            SELECT year::INTEGER, country, CAST(sum(value_eur) AS BIGINT)
            FROM {source}
            WHERE {terr} AND list_contains(?::INTEGER[], year) AND flow = ? AND {sel}
            GROUP BY year, country
            """
    return db.rows(sql, [*terr_params, years, f.flow, *sel_params])


# --- Indicators of every département, rankings ---------------------------------------------
@dataclass(frozen=True)
class DeptIndicators:
    """Every département's totals for a period, with the change on the same quarters a year
    earlier (when they are loaded)."""

    period: Period
    prev_period: Period | None
    table: pd.DataFrame  # code, name, region, region_name, exports, imports, prev_exports,
    #                      prev_imports (NA without a previous period), balance, coverage,
    #                      growth_exports, growth_imports

    @property
    def year(self) -> int:
        return self.period.year


def _indicator_columns(db: Reader, period: Period) -> tuple[Period | None, dict[str, np.ndarray]]:
    """Every département's totals and changes for one period, as numpy columns in the
    catalog's order of départements (``DeptIndicators.table``'s columns)."""
    catalog = db.catalog()
    prev = catalog.previous(period)
    totals = catalog.dept_totals
    codes = np.array(totals.codes, dtype=object)
    now, _ = totals.sums(period)
    exports, imports = now[:, 0], now[:, 1]
    if prev is not None:
        # A département that traded nothing the year before has 0, not an unknown value.
        before = totals.sums(prev)[0].astype("float64")
        prev_exports, prev_imports = before[:, 0], before[:, 1]
    else:
        prev_exports = prev_imports = np.full(len(codes), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(imports > 0, exports / np.where(imports > 0, imports, 1), np.nan)
        growth_exports = np.where(prev_exports > 0, exports / prev_exports - 1, np.nan)
        growth_imports = np.where(prev_imports > 0, imports / prev_imports - 1, np.nan)
    regions = [catalog.departements[c][1] for c in codes]
    return prev, {
        "code": codes,
        "name": np.array([catalog.departements[c][0] for c in codes], dtype=object),
        "region": np.array(regions, dtype=object),
        "region_name": np.array([catalog.regions.get(r, r) for r in regions], dtype=object),
        "exports": exports,
        "imports": imports,
        "prev_exports": prev_exports,
        "prev_imports": prev_imports,
        "balance": exports - imports,
        "coverage": coverage,
        "growth_exports": growth_exports,
        "growth_imports": growth_imports,
    }


def departement_indicators(db: Reader, period: Period) -> DeptIndicators:
    """Every département's totals and changes for one period: rankings, the map and every
    comparison read this small table (callers copy before changing it)."""
    prev, columns = _indicator_columns(db, period)
    return DeptIndicators(period, prev, pd.DataFrame(columns, copy=False))


@dataclass(frozen=True)
class Rankings:
    """Départements of a scope (a région or France) ranked on every indicator."""

    scope: str  # "region" or "france"
    scope_name: str  # "Île-de-France", "France"
    period: Period
    prev_period: Period | None
    selected: str | None  # the département highlighted, if the territory is one
    table: pd.DataFrame  # DeptIndicators columns + rank_<column> for each indicator


def _competition_ranks(values: np.ndarray) -> pd.arrays.IntegerArray:
    """1 for the largest value, ties share the best rank (1, 2, 2, 4); <NA> where the value
    is missing (as ``Series.rank(ascending=False, method="min")``, in numpy)."""
    missing = np.isnan(values)
    negated = -values[~missing]
    ranks = np.zeros(len(values), dtype="int64")
    ranks[~missing] = np.searchsorted(np.sort(negated), negated, side="left") + 1
    return pd.arrays.IntegerArray(ranks, missing)


def rankings(db: Database, f: Filters, scope: str) -> Rankings:
    """Rank the départements of the territory's région (``scope="region"``) or of France.

    A région as territory ranks its own départements; France ranks all of them whatever the
    scope.
    """
    if scope not in SCOPES:
        raise ValueError(f"unexpected scope {scope!r}")
    catalog = db.catalog()
    prev, columns = _indicator_columns(db, f.period)
    region = f.region_code if f.kind == "region" else catalog.region_of(f.territory)
    if f.kind == "france" or scope == "france" or region is None:
        scope, scope_name = "france", "France"
    else:
        rows = columns["region"] == region
        columns = {name: values[rows] for name, values in columns.items()}
        scope_name = catalog.regions[region]
    for column, _, _ in INDICATORS.values():
        columns[f"rank_{column}"] = _competition_ranks(columns[column].astype("float64"))
    table = pd.DataFrame(columns, copy=False)  # one frame built once
    selected = f.territory if f.kind == "departement" else None
    return Rankings(scope, scope_name, f.period, prev, selected, table)


# --- Specialisation ------------------------------------------------------------------------
@dataclass(frozen=True)
class Specialisation:
    """Share of each product (or partner) in the territory against its share in France.

    ``index = share in the territory / share in France``: above 1, the territory is more
    turned to that product (or partner) than France as a whole, like a revealed comparative
    advantage index. Computed separately on exports and imports.
    """

    by: str
    level: str
    period: Period
    table: pd.DataFrame  # code, label, exports, imports, share_exports, share_imports,
    #                      fr_share_exports, fr_share_imports, index_exports, index_imports
    total_exports: int
    total_imports: int


def _cells_sql(
    territory: str, period: Period, by: str, level: str, region: str | None = None
) -> tuple[str, list]:
    """One period of a territory by product (at ``level``) or partner, both flows: a query
    of (code, flow, value) rows."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unexpected breakdown {by!r}")
    keep = "product" if by == "product" else "country"
    table, where, params = source(territory, period, keep, region=region)
    if by == "product":
        code_col = LEVEL_COLUMNS[level][0]  # KeyError for anything off the allowlist
        return (
            f"""SELECT p.{code_col}, flow, CAST(sum(value_eur) AS BIGINT)
            FROM {table} t JOIN product p ON p.code = t.product
            WHERE {where} GROUP BY p.{code_col}, flow""",
            params,
        )
    return (
        f"""SELECT country, flow, CAST(sum(value_eur) AS BIGINT)
        FROM {table} WHERE {where} GROUP BY country, flow""",
        params,
    )


def specialisation(db: Reader, f: Filters, by: str) -> Specialisation:
    """Partner and product selections are ignored: shares compare whole territories."""
    region = db.catalog().region_of(f.territory) if f.kind == "departement" else None
    mine_sql, mine_params = _cells_sql(f.territory, f.period, by, f.level, region)
    fr_sql, fr_params = _cells_sql("FR", f.period, by, f.level)
    # One query for both (the territory's cells flagged true); a few hundred rows.
    rows = db.rows(
        f"SELECT true, * FROM ({mine_sql}) UNION ALL SELECT false, * FROM ({fr_sql})",
        [*mine_params, *fr_params],
    )
    slot = {("export", True): 0, ("export", False): 1, ("import", True): 2, ("import", False): 3}
    acc: dict[str, list[int]] = {}
    in_france = set()
    for mine, code, flow, value in rows:
        acc.setdefault(code, [0, 0, 0, 0])[slot[(flow, mine)]] += int(value)
        if not mine:
            in_france.add(code)
    # France's codes (every territory's codes are among them): the shares' common ground.
    acc = {c: v for c, v in acc.items() if c in in_france}
    catalog = db.catalog()
    if by == "product":
        product_labels = catalog.level_labels(f.level)
        label_of = {c: product_labels.get(c, (c,))[0] for c in acc}
    else:
        label_of = {c: catalog.country_name(c, f.period.year) for c in acc}
    codes = sorted(acc, key=lambda c: (-(acc[c][0] + acc[c][2]), c))
    matrix = np.array([acc[c] for c in codes], dtype="int64").reshape(len(codes), 4)
    columns: dict[str, object] = {
        "code": np.array(codes, dtype=object),
        "label": np.array([label_of[c] for c in codes], dtype=object),
    }
    totals = {}
    for flow, col in (("export", "exports"), ("import", "imports")):
        value = matrix[:, slot[(flow, True)]]
        fr = matrix[:, slot[(flow, False)]]
        total, fr_total = int(value.sum()), int(fr.sum())
        totals[col] = total
        share = value / total if total else np.full(len(codes), np.nan)
        fr_share = fr / fr_total if fr_total else np.full(len(codes), np.nan)
        columns[col] = value
        columns[f"share_{col}"] = share
        columns[f"fr_share_{col}"] = fr_share
        with np.errstate(divide="ignore", invalid="ignore"):
            columns[f"index_{col}"] = np.where(fr_share > 0, share / fr_share, np.nan)
    order = ["code", "label", "exports", "share_exports", "fr_share_exports", "index_exports",
             "imports", "share_imports", "fr_share_imports", "index_imports"]  # fmt: skip
    table = pd.DataFrame({k: columns[k] for k in order}, copy=False)
    return Specialisation(by, f.level, f.period, table, totals["exports"], totals["imports"])


# --- Comparison of 2 to 4 territories ------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Territories side by side, aligned: every territory has a row for the same partners
    and the same products (the union of each one's top N), plus "Autres" so parts add up."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    period: Period
    flow: str
    level: str
    kpis: pd.DataFrame  # code, name, exports, imports, balance, coverage, growth_exports,
    #                     growth_imports
    partners: pd.DataFrame  # territory, territory_name, code, label, value, share
    products: pd.DataFrame  # same columns

    @property
    def year(self) -> int:
        return self.period.year


def compare(db: Reader, f: Filters, codes: tuple[str, ...]) -> Comparison:
    catalog = db.catalog()
    prev = catalog.previous(f.period)
    totals = catalog.dept_totals
    now, _ = totals.sums(f.period)
    before = totals.sums(prev)[0] if prev else None
    rows = []
    for code in codes:
        mine = totals.mask(catalog.members(code))
        exports, imports = int(now[mine, 0].sum()), int(now[mine, 1].sum())
        gx = gi = None
        if before is not None:
            px, pi = int(before[mine, 0].sum()), int(before[mine, 1].sum())
            gx = exports / px - 1 if px else None
            gi = imports / pi - 1 if pi else None
        rows.append(
            (
                code,
                catalog.territory_name(code),
                exports,
                imports,
                exports - imports,
                exports / imports if imports else None,
                gx,
                gi,
            )
        )
    kpis = pd.DataFrame(
        rows,
        columns=[
            "code", "name", "exports", "imports", "balance", "coverage", "growth_exports",
            "growth_imports",
        ],
    )  # fmt: skip

    partners, products = _territory_sums(db, f, codes)
    # Labels per breakdown, looked up for the keys shown only: partner and product codes
    # overlap (CL is Chile and "Matériels de transport", CA Canada and the food industries).
    product_labels = catalog.level_labels(f.level)
    year = f.period.year
    return Comparison(
        codes=codes,
        names=tuple(catalog.territory_name(c) for c in codes),
        period=f.period,
        flow=f.flow,
        level=f.level,
        kpis=kpis,
        partners=_aligned(partners, lambda k: catalog.country_name(k, year), catalog, f.top),
        products=_aligned(products, lambda k: product_labels.get(k, (k,))[0], catalog, f.top),
    )


def _territory_sums(
    db: Reader, f: Filters, codes: tuple[str, ...]
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """One period and flow of the compared territories, with the partner and product
    selections: for each territory, its value by partner and by product at the level.

    Each territory's rows come from the table of its level, all in one query, and are summed
    by numpy: six small aggregates cost DuckDB about a millisecond each beyond reading their
    rows. Products are summed to the level through the catalog (a product the reference
    lacks stays under its own code): a join on every row would cost more."""
    catalog = db.catalog()
    sel, sel_params = f.selection_sql()
    parts, params = [], []
    others = {"country": f.products, "product": f.partners}  # a selection on the other key
    for i, code in enumerate(codes):
        for by, key in ((0, "country"), (1, "product")):
            table, where, where_params = source(
                code, f.period, None if others[key] else key, region=catalog.region_of(code)
            )
            parts.append(
                f"""SELECT {2 * i + by}::SMALLINT AS slot, {key} AS code, value_eur
                FROM {table} WHERE {where} AND flow = ? AND {sel}"""
            )
            params += [*where_params, f.flow, *sel_params]
    slot, code, value = db.columns(" UNION ALL ".join(parts), params).values()
    slot = np.asarray(slot, dtype=np.int64)  # 2 × the territory's position + 0 (partner), 1
    found, uniques = pd.factorize(np.asarray(code, dtype=object))
    parent = catalog.parent_of(f.level)
    # Each distinct code once under each breakdown: itself for partners, its level's code for
    # products (partner and product codes can be the same text: CL, CA…).
    named = np.array([*uniques, *(parent.get(k, k) for k in uniques)], dtype=object)
    key_of, keys = pd.factorize(named)
    cell = slot * len(keys) + key_of[found + len(uniques) * (slot % 2)]
    cells, where_cell = np.unique(cell, return_inverse=True)
    sums = np.zeros(len(cells), dtype=np.int64)
    np.add.at(sums, where_cell, np.asarray(value, dtype=np.int64))
    out: list[dict[str, dict[str, int]]] = [{c: {} for c in codes}, {c: {} for c in codes}]
    for c, total in zip(cells.tolist(), sums.tolist(), strict=True):
        s, k = divmod(c, len(keys))
        out[s % 2][codes[s // 2]][keys[k]] = total
    return out[0], out[1]


def _aligned(
    sums: dict[str, dict[str, int]], label: Callable[[str], str], catalog, top: int
) -> pd.DataFrame:
    """Per territory, the union of every territory's top ``top`` keys, plus "Autres". A
    territory with no trade for the selection gets zero rows, never an error."""
    keys: list[str] = []
    totals = {code: sum(v for v in s.values() if v > 0) for code, s in sums.items()}
    for s in sums.values():
        ranked = sorted((k for k, v in s.items() if v > 0), key=lambda k: (-s[k], k))
        keys.extend(k for k in ranked[:top] if k not in keys)
    # Order the union by the sum of shares over the compared territories, largest first.
    weight = {k: sum(s.get(k, 0) / max(totals[c], 1) for c, s in sums.items()) for k in keys}
    keys.sort(key=lambda k: (-weight[k], k))
    labels = {k: label(k) for k in keys}
    rows = []
    for code, s in sums.items():
        total = totals[code]
        name = catalog.territory_name(code)
        shown = 0
        for k in keys:
            value = max(s.get(k, 0), 0)
            shown += value
            rows.append((code, name, k, labels[k], value, total))
        rows.append((code, name, OTHERS, OTHERS, total - shown, total))
    value = np.array([r[4] for r in rows], dtype="int64")
    total = np.array([r[5] for r in rows], dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, value / total, np.nan)
    return pd.DataFrame(
        {
            "territory": np.array([r[0] for r in rows], dtype=object),
            "territory_name": np.array([r[1] for r in rows], dtype=object),
            "code": np.array([r[2] for r in rows], dtype=object),
            "label": np.array([r[3] for r in rows], dtype=object),
            "value": value,
            "share": share,
        },
        copy=False,
    )


def default_comparison(db: Reader, f: Filters) -> tuple[str, ...]:
    """What Comparer opens with: a département beside its région and France; a région beside
    France; France beside its three largest régions by exports of the period."""
    catalog = db.catalog()
    if f.kind == "departement":
        return (f.territory, f"R{catalog.region_of(f.territory)}", "FR")
    if f.kind == "region":
        return (f.territory, "FR")
    ind = departement_indicators(db, f.period).table
    values = ind.groupby("region")["exports"].sum().sort_values(ascending=False, kind="stable")
    return ("FR", *(f"R{r}" for r in values.index[:3]))
