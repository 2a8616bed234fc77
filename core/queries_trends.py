"""Queries beyond the one-year fact sheet: trends, rankings, specialisation, comparison, map.

Named functions, a ``Filters`` (or plain values) in, a frozen result out; no streamlit. All SQL
is parameterised; the only identifiers spliced in come from ``LEVEL_COLUMNS`` (allowlist) and
from ``territory_predicate``. Values stay whole euros until the page divides them for display.

Totals, ranks and the map read the small ``totals_dept`` table. Only the breakdowns by product
or partner read ``trade``: over every year for the trend of one territory (a département is a
handful of blocks thanks to the (year, flow, dept) sort order), one year for the others.

Growth rates are ``value / previous − 1``; they are ``None`` (shown « – ») when the previous
value is zero or missing. Ranks are competition ranks: 1 = largest, ties share the best rank
(1, 2, 2, 4).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.db import Database
from core.filters import LEVEL_COLUMNS, Filters, territory_predicate

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


def country_labels(codes: pd.Series, catalog) -> pd.Series:
    """French names; codes missing from the reference table are labelled, never dropped."""
    names = codes.map(catalog.countries.set_index("code")["name_fr"])
    return names.fillna(codes + " (non déterminé)").astype(str)


# --- Trend of the totals -------------------------------------------------------------------
@dataclass(frozen=True)
class Trend:
    """Exports, imports and balance of a territory for every loaded year."""

    territory: str
    name: str
    table: pd.DataFrame  # year, exports, imports, balance, coverage, growth_exports, growth_imports

    @property
    def first_year(self) -> int | None:
        return int(self.table["year"].iloc[0]) if len(self.table) else None

    @property
    def last_year(self) -> int | None:
        return int(self.table["year"].iloc[-1]) if len(self.table) else None

    def period_growth(self, column: str) -> float | None:
        """Change from the first to the last loaded year (``exports`` or ``imports``)."""
        if len(self.table) < 2:
            return None
        first, last = self.table[column].iloc[0], self.table[column].iloc[-1]
        return None if first == 0 else float(last / first - 1)

    def annual_rate(self, column: str) -> float | None:
        """Average annual growth over the period (compound)."""
        total = self.period_growth(column)
        if total is None or total <= -1:
            return None
        years = self.last_year - self.first_year
        return float((1 + total) ** (1 / years) - 1)


def trend(db: Database, f: Filters) -> Trend:
    catalog = db.catalog()
    terr, params = territory_predicate(f.territory, "dept")
    table = db.frame(
        f"""
        SELECT year::INTEGER AS year,
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT) AS exports,
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT) AS imports
        FROM totals_dept
        WHERE {terr}
        GROUP BY year
        """,
        params,
    )
    # Every loaded year appears, even one where the territory traded nothing.
    years = pd.DataFrame({"year": list(catalog.years)})
    table = years.merge(table, on="year", how="left").fillna(0)
    table[["exports", "imports"]] = table[["exports", "imports"]].astype("int64")
    table["balance"] = table["exports"] - table["imports"]
    table["coverage"] = table["exports"] / table["imports"].replace(0, np.nan)
    table["growth_exports"] = growth(table["exports"], table["exports"].shift(1))
    table["growth_imports"] = growth(table["imports"], table["imports"].shift(1))
    return Trend(f.territory, catalog.territory_name(f.territory), table)


# --- Trend by product or partner -----------------------------------------------------------
@dataclass(frozen=True)
class TrendBreakdown:
    """One flow of a territory by product (at the filters' level) or partner, every year.

    ``series`` keeps the top N (by value in the last year) and groups the rest into "Autres",
    so that each year adds up to the total. ``changes`` has every product or partner with its
    first, previous and last values and its changes, for risers and fallers.
    """

    by: str  # "product" or "partner"
    flow: str
    level: str
    series: pd.DataFrame  # year, code, label, value (long; "Autres" last)
    changes: pd.DataFrame  # code, label, first, previous, last, change, growth_period,
    #                        growth_year
    first_year: int
    last_year: int

    def movers(self, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ``n`` largest rises and the ``n`` largest falls (in euros) over the period."""
        ch = self.changes.sort_values(["change", "code"], ascending=[False, True])
        risers = ch[ch["change"] > 0].head(n)
        fallers = ch[ch["change"] < 0].sort_values(["change", "code"]).head(n)
        return risers.reset_index(drop=True), fallers.reset_index(drop=True)


def trend_breakdown(db: Database, f: Filters, by: str) -> TrendBreakdown:
    if by not in BREAKDOWNS:
        raise ValueError(f"unexpected breakdown {by!r}")
    catalog = db.catalog()
    if f.territory == "FR" and not (f.partners or f.products):
        raw = _france_series(db, db.version, f.flow, by, f.level)
    else:
        raw = _series(db, f, by)
    years = list(catalog.years)
    first, last = years[0], years[-1]
    previous = years[-2] if len(years) > 1 else None
    # A few hundred rows at most: plain dicts are several times faster than a pandas pivot.
    col = {year: i for i, year in enumerate(years)}
    wide: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for year, code, label, value in raw[["year", "code", "label", "value"]].itertuples(
        index=False, name=None
    ):
        wide.setdefault(code, [0] * len(years))[col[int(year)]] += int(value)
        labels.setdefault(code, str(label))
    codes = list(wide)
    prev_i = col[previous] if previous else None
    changes = pd.DataFrame(
        {
            "code": codes,
            "label": [labels[c] for c in codes],
            "first": np.array([wide[c][0] for c in codes], dtype="int64"),
            "previous": np.array(
                [wide[c][prev_i] if prev_i is not None else 0 for c in codes], dtype="int64"
            ),
            "last": np.array([wide[c][-1] for c in codes], dtype="int64"),
        }
    )
    changes["change"] = changes["last"] - changes["first"]
    changes["growth_period"] = growth(changes["last"], changes["first"])
    changes["growth_year"] = growth(changes["last"], changes["previous"])
    changes = changes.sort_values(["last", "code"], ascending=[False, True]).reset_index(drop=True)

    top = [c for c in changes["code"].head(f.top) if sum(wide[c]) > 0]
    rest_codes = [c for c in codes if c not in set(top)]
    rows = []
    for i, year in enumerate(years):
        for code in top:
            rows.append((year, code, labels[code], wide[code][i]))
        if rest_codes:
            rows.append((year, OTHERS, OTHERS, sum(wide[c][i] for c in rest_codes)))
    series = pd.DataFrame(rows, columns=["year", "code", "label", "value"])
    return TrendBreakdown(by, f.flow, f.level, series, changes, first, last)


def _series(db: Database, f: Filters, by: str) -> pd.DataFrame:
    """Every year of one flow of the territory by product or partner: year, code, label, value."""
    terr, terr_params = territory_predicate(f.territory, "t.dept")
    sel, sel_params = f.selection_sql()
    if by == "product":
        code_col, label_col = LEVEL_COLUMNS[f.level]  # KeyError for anything off the allowlist
        return db.frame(
            f"""
            WITH cells AS (  -- why: aggregate before the join, the detail table is large
                SELECT year, product, sum(value_eur) AS v
                FROM trade t
                WHERE flow = ? AND {terr} AND {sel}
                GROUP BY year, product
            )
            SELECT year::INTEGER AS year, p.{code_col} AS code,
                   any_value(p.{label_col}) AS label, CAST(sum(v) AS BIGINT) AS value
            FROM cells JOIN product p ON p.code = cells.product
            GROUP BY year, p.{code_col}
            """,
            [f.flow, *terr_params, *sel_params],
        )
    raw = db.frame(
        f"""
        SELECT year::INTEGER AS year, country AS code, CAST(sum(value_eur) AS BIGINT) AS value
        FROM trade t
        WHERE flow = ? AND {terr} AND {sel}
        GROUP BY year, country
        """,
        [f.flow, *terr_params, *sel_params],
    )
    raw["label"] = country_labels(raw["code"], db.catalog())
    return raw


@functools.lru_cache(maxsize=16)
def _france_series(db: Database, version: str, flow: str, by: str, level: str) -> pd.DataFrame:
    """France's every year by product or partner, the one full-table scan of this module:
    kept per build (``version`` is in the key). Callers must not modify the frame."""
    del version
    return _series(db, Filters(territory="FR", year=0, flow=flow, level=level), by)


# --- Indicators of every département, rankings ---------------------------------------------
@dataclass(frozen=True)
class DeptIndicators:
    """Every département's totals for a year, with the change on the previous year."""

    year: int
    prev_year: int | None
    table: pd.DataFrame  # code, name, region, region_name, exports, imports, prev_exports,
    #                      prev_imports (NA without a previous year), balance, coverage,
    #                      growth_exports, growth_imports


def departement_indicators(db: Database, year: int) -> DeptIndicators:
    """Every département's totals and changes for one year, memoised per build: rankings,
    the map and every comparison read this small table (callers copy before changing it)."""
    return _departement_indicators(db, db.version, year)


@functools.lru_cache(maxsize=16)
def _departement_indicators(db: Database, version: str, year: int) -> DeptIndicators:
    catalog = db.catalog()
    prev_year = year - 1 if (year - 1) in catalog.years else None
    raw = db.frame(
        """
        SELECT dept AS code,
               CAST(coalesce(sum(value_eur) FILTER (WHERE year = ? AND flow = 'export'), 0)
                    AS BIGINT) AS exports,
               CAST(coalesce(sum(value_eur) FILTER (WHERE year = ? AND flow = 'import'), 0)
                    AS BIGINT) AS imports,
               CAST(sum(value_eur) FILTER (WHERE year = ? AND flow = 'export') AS BIGINT)
                    AS prev_exports,
               CAST(sum(value_eur) FILTER (WHERE year = ? AND flow = 'import') AS BIGINT)
                    AS prev_imports
        FROM totals_dept
        WHERE year = ? OR year = ?
        GROUP BY dept
        """,
        [year, year, prev_year, prev_year, year, prev_year],
    )
    depts = pd.DataFrame(
        [(c, n, r, catalog.regions.get(r, r)) for c, (n, r) in catalog.departements.items()],
        columns=["code", "name", "region", "region_name"],
    )
    table = depts.merge(raw, on="code", how="left")
    table[["exports", "imports"]] = table[["exports", "imports"]].fillna(0).astype("int64")
    table["balance"] = table["exports"] - table["imports"]
    table["coverage"] = table["exports"] / table["imports"].replace(0, np.nan)
    table["growth_exports"] = growth(table["exports"], table["prev_exports"])
    table["growth_imports"] = growth(table["imports"], table["prev_imports"])
    return DeptIndicators(year, prev_year, table)


@dataclass(frozen=True)
class Rankings:
    """Départements of a scope (a région or France) ranked on every indicator."""

    scope: str  # "region" or "france"
    scope_name: str  # "Île-de-France", "France"
    year: int
    prev_year: int | None
    selected: str | None  # the département highlighted, if the territory is one
    table: pd.DataFrame  # DeptIndicators columns + rank_<column> for each indicator


def rankings(db: Database, f: Filters, scope: str) -> Rankings:
    """Rank the départements of the territory's région (``scope="region"``) or of France.

    A région as territory ranks its own départements; France ranks all of them whatever the
    scope.
    """
    if scope not in SCOPES:
        raise ValueError(f"unexpected scope {scope!r}")
    catalog = db.catalog()
    ind = departement_indicators(db, f.year)
    region = f.region_code if f.kind == "region" else catalog.region_of(f.territory)
    if f.kind == "france" or scope == "france" or region is None:
        table, scope, scope_name = ind.table.copy(), "france", "France"
    else:
        table = ind.table[ind.table["region"] == region].copy()
        scope_name = catalog.regions[region]
    for column, _, _ in INDICATORS.values():
        ranks = table[column].rank(ascending=False, method="min")
        table[f"rank_{column}"] = ranks.astype("Int64")
    selected = f.territory if f.kind == "departement" else None
    return Rankings(
        scope, scope_name, f.year, ind.prev_year, selected, table.reset_index(drop=True)
    )


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
    year: int
    table: pd.DataFrame  # code, label, exports, imports, share_exports, share_imports,
    #                      fr_share_exports, fr_share_imports, index_exports, index_imports
    total_exports: int
    total_imports: int


def year_cells(db: Database, year: int, territory: str, by: str, level: str) -> pd.DataFrame:
    """One year of a territory by product (at ``level``) or partner, both flows:
    code, label, flow, value. France's cells are memoised per build (see ``_france_cells``)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unexpected breakdown {by!r}")
    if territory == "FR":
        return _france_cells(db, db.version, year, by, level)
    return _cells(db, year, territory, by, level)


def _cells(db: Database, year: int, territory: str, by: str, level: str) -> pd.DataFrame:
    terr, terr_params = territory_predicate(territory, "t.dept")
    if by == "product":
        code_col, label_col = LEVEL_COLUMNS[level]  # KeyError for anything off the allowlist
        raw = db.frame(
            f"""
            WITH cells AS (  -- why: aggregate before the join, the detail table is large
                SELECT product, flow, sum(value_eur) AS v
                FROM trade t
                WHERE year = ? AND {terr}
                GROUP BY product, flow
            )
            SELECT p.{code_col} AS code, any_value(p.{label_col}) AS label, flow,
                   CAST(sum(v) AS BIGINT) AS value
            FROM cells JOIN product p ON p.code = cells.product
            GROUP BY p.{code_col}, flow
            """,
            [year, *terr_params],
        )
    else:
        raw = db.frame(
            f"""
            SELECT country AS code, flow, CAST(sum(value_eur) AS BIGINT) AS value
            FROM trade t
            WHERE year = ? AND {terr}
            GROUP BY country, flow
            """,
            [year, *terr_params],
        )
        raw["label"] = country_labels(raw["code"], db.catalog())
    return raw[["code", "label", "flow", "value"]]


@functools.lru_cache(maxsize=32)
def _france_cells(db: Database, version: str, year: int, by: str, level: str) -> pd.DataFrame:
    """France's year by product or partner: the reference of every specialisation index and
    the heaviest scan here (a whole year), so it is kept per build (``version`` is part of the
    key: a new load is a new build). Callers must not modify the frame."""
    del version
    return _cells(db, year, "FR", by, level)


def specialisation(db: Database, f: Filters, by: str) -> Specialisation:
    """Partner and product selections are ignored: shares compare whole territories."""
    territory = year_cells(db, f.year, f.territory, by, f.level)
    france = year_cells(db, f.year, "FR", by, f.level)
    raw = france.rename(columns={"value": "fr"}).merge(
        territory[["code", "flow", "value"]], on=["code", "flow"], how="left"
    )
    raw["value"] = raw["value"].fillna(0).astype("int64")
    # A few hundred rows at most: plain dicts are several times faster than a pandas pivot.
    slot = {
        ("export", "value"): 0,
        ("export", "fr"): 1,
        ("import", "value"): 2,
        ("import", "fr"): 3,
    }
    acc: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for code, label, flow, fr, value in raw[["code", "label", "flow", "fr", "value"]].itertuples(
        index=False, name=None
    ):
        row = acc.setdefault(code, [0, 0, 0, 0])
        row[slot[(flow, "value")]] += int(value)
        row[slot[(flow, "fr")]] += int(fr)
        labels.setdefault(code, str(label))
    codes = list(acc)
    matrix = np.array([acc[c] for c in codes], dtype="int64").reshape(len(codes), 4)
    table = pd.DataFrame({"code": codes, "label": [labels[c] for c in codes]})
    totals = {}
    for flow, col in (("export", "exports"), ("import", "imports")):
        value = matrix[:, slot[(flow, "value")]]
        fr = matrix[:, slot[(flow, "fr")]]
        table[col] = value
        total, fr_total = int(value.sum()), int(fr.sum())
        totals[col] = total
        share = value / total if total else np.full(len(table), np.nan)
        fr_share = fr / fr_total if fr_total else np.full(len(table), np.nan)
        table[f"share_{col}"] = share
        table[f"fr_share_{col}"] = fr_share
        with np.errstate(divide="ignore", invalid="ignore"):
            table[f"index_{col}"] = np.where(fr_share > 0, share / fr_share, np.nan)
    table = table.assign(_volume=table["exports"] + table["imports"])
    table = table.sort_values(["_volume", "code"], ascending=[False, True]).drop(columns="_volume")
    return Specialisation(
        by,
        f.level,
        f.year,
        table.reset_index(drop=True),
        totals["exports"],
        totals["imports"],
    )


# --- Comparison of 2 to 4 territories ------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Territories side by side, aligned: every territory has a row for the same partners
    and the same products (the union of each one's top N), plus "Autres" so parts add up."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    year: int
    flow: str
    level: str
    kpis: pd.DataFrame  # code, name, exports, imports, balance, coverage, growth_exports,
    #                     growth_imports
    partners: pd.DataFrame  # territory, territory_name, code, label, value, share
    products: pd.DataFrame  # same columns


def _members(code: str, catalog) -> list[str]:
    if code == "FR":
        return list(catalog.departements)
    if code.startswith("R"):
        return [c for c, (_, r) in catalog.departements.items() if r == code[1:]]
    return [code]


def compare(db: Database, f: Filters, codes: tuple[str, ...]) -> Comparison:
    catalog = db.catalog()
    ind = departement_indicators(db, f.year).table.set_index("code")
    members = {code: _members(code, catalog) for code in codes}
    rows = []
    for code in codes:
        sub = ind.loc[members[code]]
        exports, imports = int(sub["exports"].sum()), int(sub["imports"].sum())
        gx = gi = None
        if sub["prev_exports"].notna().any():
            px, pi = int(sub["prev_exports"].sum()), int(sub["prev_imports"].sum())
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

    national = "FR" in codes and not (f.partners or f.products)
    # France (without a selection) comes from the memoised national cells; the other
    # territories from one query per breakdown over the union of their départements.
    # (département, compared territory) pairs: a département counts for each territory that
    # contains it (93 for "93" and for "R11").
    pairs = [(d, c) for c in codes if not (c == "FR" and national) for d in members[c]]
    partners: dict[str, dict[str, int]] = {}
    products: dict[str, dict[str, int]] = {}
    # Labels per breakdown: partner and product codes overlap (CL is Chile and "Matériels de
    # transport", CA Canada and the food industries).
    labels: dict[str, dict[str, str]] = {"partner": {}, "product": {}}
    cells = _territory_cells(db, f, pairs) if pairs else None
    for by, out in (("partner", partners), ("product", products)):
        for code in codes:
            out[code] = {}
        if cells is not None:
            mine = cells[cells["by"] == by]
            for terr, key, label, value in zip(
                mine["territory"].tolist(),
                mine["code"].tolist(),
                mine["label"].tolist(),
                mine["value"].tolist(),
                strict=True,
            ):
                labels[by].setdefault(key, str(label))
                out[terr][key] = int(value)
        if national:
            france = year_cells(db, f.year, "FR", by, f.level)
            france = france[france["flow"] == f.flow]
            sums: dict[str, int] = {}
            for key, label, value in zip(
                france["code"].tolist(),
                france["label"].tolist(),
                france["value"].tolist(),
                strict=True,
            ):
                labels[by].setdefault(key, str(label))
                sums[key] = sums.get(key, 0) + int(value)
            out["FR"] = sums
    return Comparison(
        codes=codes,
        names=tuple(catalog.territory_name(c) for c in codes),
        year=f.year,
        flow=f.flow,
        level=f.level,
        kpis=kpis,
        partners=_aligned({c: partners[c] for c in codes}, labels["partner"], catalog, f.top),
        products=_aligned({c: products[c] for c in codes}, labels["product"], catalog, f.top),
    )


def _territory_cells(db: Database, f: Filters, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """One year and flow of the compared territories by partner and by product (at the level),
    with the partner and product selections, summed in SQL over each territory's départements
    (``pairs``: département, territory) in one scan: by, territory, code, label, value.
    Partners missing from the reference table are labelled as ``country_labels`` does."""
    sel, sel_params = f.selection_sql()
    code_col, label_col = LEVEL_COLUMNS[f.level]
    cells = db.frame(
        f"""
        WITH m AS (SELECT unnest(?::VARCHAR[]) AS dept, unnest(?::VARCHAR[]) AS territory),
        cells AS MATERIALIZED (
            SELECT m.territory, t.country, t.product, sum(t.value_eur) AS v
            FROM trade t JOIN m ON m.dept = t.dept
            WHERE t.year = ? AND t.flow = ? AND {sel}
            GROUP BY m.territory, t.country, t.product
        )
        SELECT 'partner' AS by, territory, country AS code,
               coalesce(any_value(c.name_fr), country || ' (non déterminé)') AS label,
               CAST(sum(v) AS BIGINT) AS value
        FROM cells LEFT JOIN country c ON c.code = cells.country
        GROUP BY territory, country
        UNION ALL
        SELECT 'product', territory, p.{code_col}, any_value(p.{label_col}),
               CAST(sum(v) AS BIGINT)
        FROM cells JOIN product p ON p.code = cells.product
        GROUP BY territory, p.{code_col}
        """,
        [[d for d, _ in pairs], [t for _, t in pairs], f.year, f.flow, *sel_params],
    )
    return cells


def _aligned(
    sums: dict[str, dict[str, int]], labels: dict[str, str], catalog, top: int
) -> pd.DataFrame:
    """Per territory, the union of every territory's top ``top`` keys, plus "Autres"."""
    keys: list[str] = []
    totals = {code: sum(v for v in s.values() if v > 0) for code, s in sums.items()}
    for s in sums.values():
        ranked = sorted((k for k, v in s.items() if v > 0), key=lambda k: (-s[k], k))
        keys.extend(k for k in ranked[:top] if k not in keys)
    # Order the union by the sum of shares over the compared territories, largest first.
    weight = {k: sum(s.get(k, 0) / max(totals[c], 1) for c, s in sums.items()) for k in keys}
    keys.sort(key=lambda k: (-weight[k], k))
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
    out = pd.DataFrame(
        rows, columns=["territory", "territory_name", "code", "label", "value", "total"]
    )
    out["share"] = out["value"] / out["total"].replace(0, np.nan)
    return out.drop(columns="total")


def default_comparison(db: Database, f: Filters) -> tuple[str, ...]:
    """The territory and its neighbours in the export ranking among territories of its kind."""
    catalog = db.catalog()
    ind = departement_indicators(db, f.year).table
    if f.kind == "departement":
        values = ind.set_index("code")["exports"]
    elif f.kind == "region":
        values = ind.groupby("region")["exports"].sum()
        values.index = "R" + values.index
    else:
        values = ind.groupby("region")["exports"].sum()
        values.index = "R" + values.index
        return tuple(values.sort_values(ascending=False).index[:3])
    order = list(values.sort_values(ascending=False, kind="stable").index)
    i = order.index(f.territory)
    neighbours = [order[j] for j in (i - 1, i + 1) if 0 <= j < len(order)]
    if len(neighbours) < 2:
        neighbours = [order[j] for j in (i + 1, i + 2, i - 1, i - 2) if 0 <= j < len(order)][:2]
    del catalog
    return (f.territory, *neighbours)
