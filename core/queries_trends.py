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
    names = catalog.country_names(year)
    return pd.Series([names.get(c, f"{c} (non déterminé)") for c in codes], index=codes.index)


def _yearly_source(territory: str) -> tuple[str, str, list]:
    """The yearly table of a territory's level and the predicate selecting the territory (for
    series over whole years)."""
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


def trend(db: Reader, f: Filters) -> Trend:
    catalog = db.catalog()
    terr, params = territory_predicate(f.territory, "dept")
    raw = db.frame(
        f"""
        SELECT year::INTEGER AS year, quarter::INTEGER AS quarter,
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT) AS exports,
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT) AS imports
        FROM totals_dept
        WHERE {terr}
        GROUP BY year, quarter
        """,
        params,
    )
    # Every loaded quarter appears, even one where the territory traded nothing.
    quarters = pd.DataFrame(list(catalog.quarters), columns=["year", "quarter"])
    q = quarters.merge(raw, on=["year", "quarter"], how="left").fillna(0)
    q[["exports", "imports"]] = q[["exports", "imports"]].astype("int64")
    q["balance"] = q["exports"] - q["imports"]
    q["label"] = [f"T{qq} {y}" for y, qq in zip(q["year"], q["quarter"], strict=True)]
    by_q = {(y, qq): (x, m) for y, qq, x, m in q[["year", "quarter", "exports", "imports"]]
            .itertuples(index=False, name=None)}  # fmt: skip
    prev = [by_q.get((y - 1, qq)) for y, qq in zip(q["year"], q["quarter"], strict=True)]
    q["growth_exports"] = growth(q["exports"], pd.Series([p[0] if p else np.nan for p in prev]))
    q["growth_imports"] = growth(q["imports"], pd.Series([p[1] if p else np.nan for p in prev]))

    rows = []
    for year, period in sorted(catalog.year_periods.items()):
        mine = q[q["year"] == year]
        exports, imports = int(mine["exports"].sum()), int(mine["imports"].sum())
        # The same quarters a year earlier, when all loaded: never a whole year for a part.
        prev_quarters = [(year - 1, qq) for _, qq in period.quarters]
        if all(k in by_q for k in prev_quarters):
            px = sum(by_q[k][0] for k in prev_quarters)
            pm = sum(by_q[k][1] for k in prev_quarters)
        else:
            px = pm = None
        rows.append((year, period.label, period.partial, exports, imports, px, pm))
    table = pd.DataFrame(
        rows, columns=["year", "label", "partial", "exports", "imports", "prev_x", "prev_m"]
    )
    table["balance"] = table["exports"] - table["imports"]
    table["coverage"] = table["exports"] / table["imports"].replace(0, np.nan)
    table["growth_exports"] = growth(table["exports"], table["prev_x"].astype("float64"))
    table["growth_imports"] = growth(table["imports"], table["prev_m"].astype("float64"))
    table = table.drop(columns=["prev_x", "prev_m"])
    q = q[["year", "quarter", "label", "exports", "imports", "balance", "growth_exports",
           "growth_imports"]]  # fmt: skip
    return Trend(f.territory, catalog.territory_name(f.territory), table, q)


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
    raw = _series(db, f, by, years)
    first, last = years[0], years[-1]
    previous = years[-2] if len(years) > 1 else None
    # A few hundred rows at most: plain dicts are several times faster than a pandas pivot.
    col = {year: i for i, year in enumerate(years)}
    wide: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for year, code, label, value in raw[["year", "code", "label", "value"]].itertuples(
        index=False, name=None
    ):
        if int(year) not in col:
            continue
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
    top_set = set(top)
    rest_codes = [c for c in codes if c not in top_set]
    rows = []
    for i, year in enumerate(years):
        for code in top:
            rows.append((year, code, labels[code], wide[code][i]))
        if rest_codes:
            rows.append((year, OTHERS, OTHERS, sum(wide[c][i] for c in rest_codes)))
    series = pd.DataFrame(rows, columns=["year", "code", "label", "value"])
    return TrendBreakdown(
        by, f.flow, f.level, series, changes, first, last, partial[0] if partial else None
    )


def _series(db: Reader, f: Filters, by: str, years: list[int]) -> pd.DataFrame:
    """Some years of one flow of the territory by product or partner: year, code, label, value."""
    source, terr, terr_params = _yearly_source(f.territory)
    sel, sel_params = f.selection_sql()
    if by == "product":
        code_col, label_col = LEVEL_COLUMNS[f.level]  # KeyError for anything off the allowlist
        return db.frame(
            f"""
            WITH cells AS (  -- why: aggregate before the join, the detail table is large
                SELECT year, product, sum(value_eur) AS v
                FROM {source}
                WHERE {terr} AND list_contains(?::INTEGER[], year) AND flow = ? AND {sel}
                GROUP BY year, product
            )
            SELECT year::INTEGER AS year, p.{code_col} AS code,
                   any_value(p.{label_col}) AS label, CAST(sum(v) AS BIGINT) AS value
            FROM cells JOIN product p ON p.code = cells.product
            GROUP BY year, p.{code_col}
            """,
            [*terr_params, years, f.flow, *sel_params],
        )
    raw = db.frame(
        f"""
        SELECT year::INTEGER AS year, country AS code, CAST(sum(value_eur) AS BIGINT) AS value
        FROM {source}
        WHERE {terr} AND list_contains(?::INTEGER[], year) AND flow = ? AND {sel}
        GROUP BY year, country
        """,
        [*terr_params, years, f.flow, *sel_params],
    )
    raw["label"] = country_labels(raw["code"], db.catalog(), years[-1])
    return raw


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


def departement_indicators(db: Reader, period: Period) -> DeptIndicators:
    """Every département's totals and changes for one period: rankings, the map and every
    comparison read this small table (callers copy before changing it)."""
    catalog = db.catalog()
    prev = catalog.previous(period)
    where, params = period.sql()
    if prev is not None:
        prev_where, prev_params = prev.sql()
    else:
        prev_where, prev_params = "FALSE", []
    raw = db.frame(
        f"""
        SELECT dept AS code,
               CAST(coalesce(sum(value_eur) FILTER (WHERE ({where}) AND flow = 'export'), 0)
                    AS BIGINT) AS exports,
               CAST(coalesce(sum(value_eur) FILTER (WHERE ({where}) AND flow = 'import'), 0)
                    AS BIGINT) AS imports,
               CAST(sum(value_eur) FILTER (WHERE ({prev_where}) AND flow = 'export') AS BIGINT)
                    AS prev_exports,
               CAST(sum(value_eur) FILTER (WHERE ({prev_where}) AND flow = 'import') AS BIGINT)
                    AS prev_imports
        FROM totals_dept
        GROUP BY dept
        """,
        [*params, *params, *prev_params, *prev_params],
    )
    depts = pd.DataFrame(
        [(c, n, r, catalog.regions.get(r, r)) for c, (n, r) in catalog.departements.items()],
        columns=["code", "name", "region", "region_name"],
    )
    table = depts.merge(raw, on="code", how="left")
    table[["exports", "imports"]] = table[["exports", "imports"]].fillna(0).astype("int64")
    if prev is not None:
        # A département that traded nothing the year before has 0, not an unknown value.
        table[["prev_exports", "prev_imports"]] = table[["prev_exports", "prev_imports"]].fillna(0)
    table["balance"] = table["exports"] - table["imports"]
    table["coverage"] = table["exports"] / table["imports"].replace(0, np.nan)
    table["growth_exports"] = growth(table["exports"], table["prev_exports"])
    table["growth_imports"] = growth(table["imports"], table["prev_imports"])
    return DeptIndicators(period, prev, table)


@dataclass(frozen=True)
class Rankings:
    """Départements of a scope (a région or France) ranked on every indicator."""

    scope: str  # "region" or "france"
    scope_name: str  # "Île-de-France", "France"
    period: Period
    prev_period: Period | None
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
    ind = departement_indicators(db, f.period)
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
        scope, scope_name, f.period, ind.prev_period, selected, table.reset_index(drop=True)
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
    period: Period
    table: pd.DataFrame  # code, label, exports, imports, share_exports, share_imports,
    #                      fr_share_exports, fr_share_imports, index_exports, index_imports
    total_exports: int
    total_imports: int


def period_cells(
    db: Reader, period: Period, territory: str, by: str, level: str
) -> pd.DataFrame:
    """One period of a territory by product (at ``level``) or partner, both flows:
    code, label, flow, value."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unexpected breakdown {by!r}")
    table, where, params = source(territory, period)
    if by == "product":
        code_col, label_col = LEVEL_COLUMNS[level]  # KeyError for anything off the allowlist
        raw = db.frame(
            f"""
            SELECT p.{code_col} AS code, any_value(p.{label_col}) AS label, flow,
                   CAST(sum(value_eur) AS BIGINT) AS value
            FROM {table} t JOIN product p ON p.code = t.product
            WHERE {where}
            GROUP BY p.{code_col}, flow
            """,
            params,
        )
    else:
        raw = db.frame(
            f"""
            SELECT country AS code, flow, CAST(sum(value_eur) AS BIGINT) AS value
            FROM {table}
            WHERE {where}
            GROUP BY country, flow
            """,
            params,
        )
        raw["label"] = country_labels(raw["code"], db.catalog(), period.year)
    return raw[["code", "label", "flow", "value"]]


def specialisation(db: Reader, f: Filters, by: str) -> Specialisation:
    """Partner and product selections are ignored: shares compare whole territories."""
    territory = period_cells(db, f.period, f.territory, by, f.level)
    france = period_cells(db, f.period, "FR", by, f.level)
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
        f.period,
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
    ind = departement_indicators(db, f.period).table.set_index("code")
    rows = []
    for code in codes:
        sub = ind.loc[catalog.members(code)]
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

    cells = _territory_cells(db, f, codes)
    partners: dict[str, dict[str, int]] = {code: {} for code in codes}
    products: dict[str, dict[str, int]] = {code: {} for code in codes}
    # Labels per breakdown: partner and product codes overlap (CL is Chile and "Matériels de
    # transport", CA Canada and the food industries).
    labels: dict[str, dict[str, str]] = {"partner": {}, "product": {}}
    for by, out in (("partner", partners), ("product", products)):
        mine = cells[cells["by"] == by]
        for terr, key, label, value in zip(
            mine["territory"].tolist(),
            mine["code"].tolist(),
            mine["label"].tolist(),
            mine["value"].tolist(),
            strict=True,
        ):
            labels[by].setdefault(key, str(label))
            out[terr][key] = out[terr].get(key, 0) + int(value)
    return Comparison(
        codes=codes,
        names=tuple(catalog.territory_name(c) for c in codes),
        period=f.period,
        flow=f.flow,
        level=f.level,
        kpis=kpis,
        partners=_aligned(partners, labels["partner"], catalog, f.top),
        products=_aligned(products, labels["product"], catalog, f.top),
    )


def _territory_cells(db: Reader, f: Filters, codes: tuple[str, ...]) -> pd.DataFrame:
    """One period and flow of the compared territories by partner and by product (at the
    level), with the partner and product selections, each territory read from the detail table
    of its level, in one query: by, territory, code, label, value."""
    sel, sel_params = f.selection_sql()
    code_col, label_col = LEVEL_COLUMNS[f.level]
    parts, params = [], []
    for code in codes:
        table, where, where_params = source(code, f.period)
        parts.append(
            f"""SELECT ?::VARCHAR AS territory, country, product, value_eur
            FROM {table} WHERE {where} AND flow = ? AND {sel}"""
        )
        params += [code, *where_params, f.flow, *sel_params]
    cells = db.frame(
        f"""
        WITH cells AS MATERIALIZED (
            SELECT territory, country, product, sum(value_eur) AS v
            FROM ({" UNION ALL ".join(parts)})
            GROUP BY territory, country, product
        )
        SELECT 'partner' AS by, territory, country AS code, NULL AS label,
               CAST(sum(v) AS BIGINT) AS value
        FROM cells
        GROUP BY territory, country
        UNION ALL
        SELECT 'product', territory, p.{code_col}, any_value(p.{label_col}),
               CAST(sum(v) AS BIGINT)
        FROM cells JOIN product p ON p.code = cells.product
        GROUP BY territory, p.{code_col}
        """,
        params,
    )
    partner = cells["by"] == "partner"
    cells.loc[partner, "label"] = country_labels(
        cells.loc[partner, "code"], db.catalog(), f.period.year
    )
    return cells


def _aligned(
    sums: dict[str, dict[str, int]], labels: dict[str, str], catalog, top: int
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
    rows = []
    for code, s in sums.items():
        total = totals[code]
        name = catalog.territory_name(code)
        shown = 0
        for k in keys:
            value = max(s.get(k, 0), 0)
            shown += value
            rows.append((code, name, k, labels.get(k, k), value, total))
        rows.append((code, name, OTHERS, OTHERS, total - shown, total))
    out = pd.DataFrame(
        rows, columns=["territory", "territory_name", "code", "label", "value", "total"]
    )
    out["share"] = out["value"] / out["total"].replace(0, np.nan)
    return out.drop(columns="total")


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
