"""Named query functions: a ``Filters`` in, a frozen result out. No streamlit here.

All SQL is parameterised; the only identifiers spliced in are product-level columns taken from
the allowlist ``filters.LEVEL_COLUMNS``, table names chosen by ``_source`` and predicates built
by ``Filters`` and ``Period`` themselves. Values are whole euros and masses whole kilograms
(BIGINT) from the database to the result, so totals are exact to the euro.

Every function reads one period (a year, a partial year or the last four quarters, see
``core.periods``): KPIs from the small ``totals_dept`` table (one row per quarter × flow ×
département); the other functions from the detail of the territory's level: ``trade`` for a
département (sorted on département then quarter, so DuckDB reads a few blocks), ``trade_region``
for a région, ``trade_france`` for France.

Partner and product selections (``pays``, ``produits``) restrict the analysis queries
(partners, products, flows, rows) but not the KPIs, whose shares and ranks compare whole
territories.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import territoires as ti
from core.db import Build, Database
from core.filters import LEVEL_COLUMNS, Filters, territory_predicate
from core.periods import Period

OTHERS = "Autres"
Reader = Database | Build  # query functions read one build: pass a pinned Build in apps


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return num / den


def _per_kg(value: pd.Series, mass: pd.Series) -> pd.Series:
    """Euros per kilogram; NaN where the mass is zero or unknown (electricity, no mass)."""
    mass = mass.astype("float64").replace(0, np.nan)
    return value.astype("float64") / mass


def _source(f: Filters) -> tuple[str, str, list]:
    """The detail table of the territory's level and the predicate selecting the territory
    and the period on it (every table has year, quarter, flow, product, country, value_eur and
    mass_kg). Table names come from this function only."""
    period, period_params = f.period_sql()
    if f.kind == "france":
        return "trade_france", period, period_params
    if f.kind == "region":
        return "trade_region", f"region = ? AND {period}", [f.region_code, *period_params]
    return "trade", f"dept = ? AND {period}", [f.territory, *period_params]


# --- KPIs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kpis:
    territory: str
    name: str
    kind: str  # "france", "region" or "departement"
    period: Period
    exports: int
    imports: int
    region_code: str | None
    region_name: str | None
    region_exports: int | None
    region_imports: int | None
    france_exports: int
    france_imports: int
    rank_exports: int | None
    rank_imports: int | None
    rank_of: int | None  # number of départements (or régions) ranked
    prev_period: Period | None  # the same quarters a year earlier, when loaded
    prev_exports: int | None
    prev_imports: int | None
    territoires: tuple[tuple[str, int], ...]  # principal Territoires d'industrie (name, communes)
    territoires_hidden: int  # territories left out (too few communes and people here)

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def balance(self) -> int:
        return self.exports - self.imports

    @property
    def coverage(self) -> float | None:
        return _ratio(self.exports, self.imports)

    @property
    def share_region_exports(self) -> float | None:
        return _ratio(self.exports, self.region_exports)

    @property
    def share_region_imports(self) -> float | None:
        return _ratio(self.imports, self.region_imports)

    @property
    def share_france_exports(self) -> float | None:
        # France's share of itself says nothing: no figure rather than "100 %".
        return None if self.kind == "france" else _ratio(self.exports, self.france_exports)

    @property
    def share_france_imports(self) -> float | None:
        return None if self.kind == "france" else _ratio(self.imports, self.france_imports)

    @property
    def change_exports(self) -> float | None:
        r = _ratio(self.exports, self.prev_exports)
        return None if r is None else r - 1

    @property
    def change_imports(self) -> float | None:
        r = _ratio(self.imports, self.prev_imports)
        return None if r is None else r - 1


def _scope_sums(
    db: Reader, f: Filters, periods: list[Period]
) -> dict[tuple[int, str], tuple[int, int | None, int]]:
    """(period index in ``periods``, flow) → (territory, its région or None, France) totals,
    from ``totals_dept``."""
    catalog = db.catalog()
    dept = f.territory if f.kind == "departement" else None
    region = f.region_code
    home_region = catalog.region_of(f.territory)  # the région a département belongs to
    out: dict[tuple[int, str], tuple[int, int | None, int]] = {}
    for i, period in enumerate(periods):
        where, params = period.sql("t.")
        rows = db.rows(
            f"""
            SELECT t.flow,
                   CAST(coalesce(sum(t.value_eur) FILTER (
                       WHERE ? OR t.dept = ? OR d.region = ?), 0) AS BIGINT),
                   CAST(sum(t.value_eur) FILTER (WHERE d.region = ?) AS BIGINT),
                   CAST(sum(t.value_eur) AS BIGINT)
            FROM totals_dept t JOIN departement d ON d.code = t.dept
            WHERE {where}
            GROUP BY t.flow
            """,
            [f.kind == "france", dept, region, home_region, *params],
        )
        for fl, a, b, c in rows:
            out[(i, fl)] = (int(a), b if b is None else int(b), int(c))
    return out


def _ranks(db: Reader, f: Filters) -> dict[str, int]:
    """Competition rank (1 = largest; ties share the best place) per flow, among départements
    for a département and among régions for a région."""
    by_dept = f.kind == "departement"
    where, params = f.period_sql("t.")
    rows = db.rows(
        f"""
        WITH per AS (
            SELECT t.flow, CASE WHEN ? THEN t.dept ELSE d.region END AS key,
                   sum(t.value_eur) AS v
            FROM totals_dept t JOIN departement d ON d.code = t.dept
            WHERE {where}
            GROUP BY ALL
        )
        SELECT flow, rank FROM (
            SELECT flow, key, rank() OVER (PARTITION BY flow ORDER BY v DESC) AS rank FROM per
        ) WHERE key = ?
        """,
        [by_dept, *params, f.territory if by_dept else f.region_code],
    )
    return {flow: int(rank) for flow, rank in rows}


def territoires_of(catalog, territory: str) -> tuple[tuple[tuple[str, int], ...], int]:
    """The principal Territoires d'industrie of a département or a région (name, communes)
    and how many were left out, by the rule of the ANCT fact sheets (``core.territoires``):
    at least 5 communes there, or at least 20 % of the territory's people living there. A
    région counts the communes and people of all its départements. France lists none."""
    if territory == "FR":
        return (), 0
    rows = catalog.territoires[catalog.territoires["dept"].isin(catalog.members(territory))]
    if rows.empty:
        return (), 0
    if territory.startswith("R"):
        rows = rows.groupby(["id", "name"], as_index=False)[
            ["n_communes", "population", "share"]
        ].sum()
    listed, hidden = ti.principal(rows)
    names = tuple(zip(listed["name"], listed["n_communes"].astype(int), strict=True))
    return names, hidden


def kpis(db: Reader, f: Filters) -> Kpis:
    catalog = db.catalog()
    prev = catalog.previous(f.period)
    sums = _scope_sums(db, f, [f.period] + ([prev] if prev else []))
    empty = (0, None, 0)
    exp, imp = sums.get((0, "export"), empty), sums.get((0, "import"), empty)
    prev_exp = sums.get((1, "export"), empty) if prev else None
    prev_imp = sums.get((1, "import"), empty) if prev else None
    region = catalog.region_of(f.territory)

    ranks: dict[str, int] = {}
    rank_of = None
    if f.kind != "france":
        ranks = _ranks(db, f)
        rank_of = len(catalog.departements) if f.kind == "departement" else len(catalog.regions)
    territoires, hidden = territoires_of(catalog, f.territory)

    return Kpis(
        territory=f.territory,
        name=catalog.territory_name(f.territory),
        kind=f.kind,
        period=f.period,
        exports=exp[0],
        imports=imp[0],
        region_code=region,
        region_name=catalog.regions[region] if region else None,
        region_exports=(exp[1] or 0) if region else None,
        region_imports=(imp[1] or 0) if region else None,
        france_exports=exp[2],
        france_imports=imp[2],
        rank_exports=ranks.get("export"),
        rank_imports=ranks.get("import"),
        rank_of=rank_of,
        prev_period=prev,
        prev_exports=prev_exp[0] if prev_exp else None,
        prev_imports=prev_imp[0] if prev_imp else None,
        territoires=territoires,
        territoires_hidden=hidden,
    )


# --- Partners ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartnerBalance:
    """Every partner of the territory; ``main`` flags the union of the top-N of each flow."""

    table: pd.DataFrame  # code, name, iso3, eu27, zone, imports, exports, balance, coverage,
    #                      share_imports, share_exports, imports_kg, exports_kg,
    #                      imports_per_kg, exports_per_kg, main
    total_exports: int
    total_imports: int
    period: Period | None = None

    @property
    def main(self) -> pd.DataFrame:
        return self.table[self.table["main"]].reset_index(drop=True)


def partner_balance(db: Reader, f: Filters) -> PartnerBalance:
    source, where, params = _source(f)
    sel, sel_params = f.selection_sql()
    table = db.frame(
        f"""
        WITH agg AS (
            SELECT country,
                   CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT)
                       AS imports,
                   CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT)
                       AS exports,
                   CAST(sum(mass_kg) FILTER (WHERE flow = 'import') AS BIGINT) AS imports_kg,
                   CAST(sum(mass_kg) FILTER (WHERE flow = 'export') AS BIGINT) AS exports_kg
            FROM {source}
            WHERE {where} AND {sel}
            GROUP BY country
        ),
        ranked AS (
            SELECT *,
                   row_number() OVER (ORDER BY exports DESC, country) AS rank_exports,
                   row_number() OVER (ORDER BY imports DESC, country) AS rank_imports,
                   sum(imports) OVER () AS total_imports,
                   sum(exports) OVER () AS total_exports
            FROM agg
        )
        SELECT r.country AS code, c.iso3, coalesce(c.eu27, false) AS eu27,
               coalesce(c.zone, 'Non déterminé') AS zone,
               imports, exports, exports - imports AS balance,
               exports / nullif(imports, 0) AS coverage,
               imports / nullif(total_imports, 0) AS share_imports,
               exports / nullif(total_exports, 0) AS share_exports,
               imports_kg, exports_kg,
               (rank_exports <= ? AND exports > 0) OR (rank_imports <= ? AND imports > 0) AS main
        FROM ranked r LEFT JOIN country c ON c.code = r.country
        ORDER BY imports + exports DESC, code
        """,
        [*params, *sel_params, f.top, f.top],
    )
    # Names of the period's year; codes missing from the reference are labelled, never dropped.
    names = db.catalog().country_names(f.period.year)
    table.insert(1, "name", [names.get(c, f"{c} (non déterminé)") for c in table["code"]])
    table["imports_per_kg"] = _per_kg(table["imports"], table["imports_kg"])
    table["exports_per_kg"] = _per_kg(table["exports"], table["exports_kg"])
    return PartnerBalance(
        table, int(table["exports"].sum()), int(table["imports"].sum()), f.period
    )


# --- Products ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductBreakdown:
    level: str
    table: pd.DataFrame  # code, label, parents (a17, a17_label, a38, a38_label, a129,
    #                      a129_label as far as the level allows), imports, exports, balance,
    #                      share_imports, share_exports, imports_kg, exports_kg,
    #                      imports_per_kg, exports_per_kg
    total_exports: int
    total_imports: int
    period: Period | None = None


_PARENTS = {
    "A17": [],
    "A38": ["a17", "a17_label"],
    "A129": ["a17", "a17_label", "a38", "a38_label"],
    "CPF4": ["a17", "a17_label", "a38", "a38_label", "a129", "a129_label"],
}


def product_breakdown(db: Reader, f: Filters, level: str | None = None) -> ProductBreakdown:
    level = level or f.level
    code_col, label_col = LEVEL_COLUMNS[level]  # KeyError for anything off the allowlist
    parents = _PARENTS[level]
    source, where, params = _source(f)
    sel, sel_params = f.selection_sql()
    parent_sql = "".join(f", any_value(p.{c}) AS {c}" for c in parents)
    table = db.frame(
        f"""
        WITH cells AS (  -- why: aggregate before the join, the detail table is large
            SELECT product, flow, sum(value_eur) AS v, sum(mass_kg) AS kg
            FROM {source}
            WHERE {where} AND {sel}
            GROUP BY product, flow
        ),
        grouped AS (
            SELECT p.{code_col} AS code, any_value(p.{label_col}) AS label{parent_sql},
                   CAST(coalesce(sum(v) FILTER (WHERE flow = 'import'), 0) AS BIGINT) AS imports,
                   CAST(coalesce(sum(v) FILTER (WHERE flow = 'export'), 0) AS BIGINT) AS exports,
                   CAST(sum(kg) FILTER (WHERE flow = 'import') AS BIGINT) AS imports_kg,
                   CAST(sum(kg) FILTER (WHERE flow = 'export') AS BIGINT) AS exports_kg
            FROM cells JOIN product p ON p.code = cells.product
            GROUP BY p.{code_col}
        )
        SELECT *, exports - imports AS balance,
               imports / nullif(sum(imports) OVER (), 0) AS share_imports,
               exports / nullif(sum(exports) OVER (), 0) AS share_exports
        FROM grouped
        ORDER BY imports + exports DESC, code
        """,
        [*params, *sel_params],
    )
    table["imports_per_kg"] = _per_kg(table["imports"], table["imports_kg"])
    table["exports_per_kg"] = _per_kg(table["exports"], table["exports_kg"])
    return ProductBreakdown(
        level, table, int(table["exports"].sum()), int(table["imports"].sum()), f.period
    )


# --- Sankey flows --------------------------------------------------------------------------
@dataclass(frozen=True)
class SankeyFlows:
    """Links of a product ↔ country Sankey that add up to ``total``.

    Exports go from products (left) to countries (right), imports from countries (left) to
    products (right). Beyond the top N of each side, products and countries are grouped into
    "Autres". ``links.top`` flags the five largest links between two named nodes.
    """

    flow: str
    level: str
    links: pd.DataFrame  # source, target, source_label, target_label, value, top
    total: int
    left: tuple[str, ...]  # node ids, largest first, "Autres" last
    right: tuple[str, ...]
    labels: dict[str, str]  # node id → label
    period: Period | None = None

    def node_totals(self) -> dict[str, int]:
        """Value through each node (what the node's label states)."""
        out: dict[str, int] = {}
        for src, tgt, value in zip(
            self.links["source"], self.links["target"], self.links["value"], strict=True
        ):
            out[src] = out.get(src, 0) + int(value)
            out[tgt] = out.get(tgt, 0) + int(value)
        return out


def sankey_flows(db: Reader, f: Filters, n_top_links: int = 5) -> SankeyFlows:
    code_col, label_col = LEVEL_COLUMNS[f.level]
    source, where, params = _source(f)
    sel, sel_params = f.selection_sql()
    # One row per (product group, country group): groups beyond the top N are NULL (Autres).
    rows = db.rows(
        f"""
        WITH detail AS (  -- why: aggregate before the join, the detail table is large
            SELECT product, country, sum(value_eur) AS v
            FROM {source}
            WHERE {where} AND flow = ? AND {sel}
            GROUP BY product, country
        ),
        cells AS (
            SELECT p.{code_col} AS product, country, sum(v) AS v
            FROM detail JOIN product p ON p.code = detail.product
            GROUP BY ALL
        ),
        products AS (
            SELECT product, row_number() OVER (ORDER BY sum(v) DESC, product) AS rank
            FROM cells GROUP BY product HAVING sum(v) > 0
        ),
        countries AS (
            SELECT country, row_number() OVER (ORDER BY sum(v) DESC, country) AS rank
            FROM cells GROUP BY country HAVING sum(v) > 0
        )
        SELECT CASE WHEN pr.rank <= ? THEN pr.rank END AS p_rank,
               CASE WHEN pr.rank <= ? THEN cells.product END AS product,
               CASE WHEN cr.rank <= ? THEN cr.rank END AS c_rank,
               CASE WHEN cr.rank <= ? THEN cells.country END AS country,
               CAST(sum(v) AS BIGINT) AS value
        FROM cells
        JOIN products pr USING (product)
        JOIN countries cr USING (country)
        GROUP BY ALL
        HAVING sum(v) > 0
        """,
        [*params, f.flow, *sel_params, f.top, f.top, f.top, f.top],
    )
    catalog = db.catalog()
    names = catalog.country_names(f.period.year)
    product_labels = dict(
        catalog.products[[code_col, label_col]].drop_duplicates(code_col).itertuples(index=False)
    )
    labels = {f"P:{OTHERS}": OTHERS, f"C:{OTHERS}": OTHERS}
    p_rank: dict[str, int] = {}
    c_rank: dict[str, int] = {}
    records = []
    for pr, product, cr, country, value in rows:
        p_id = f"P:{product}" if product is not None else f"P:{OTHERS}"
        c_id = f"C:{country}" if country is not None else f"C:{OTHERS}"
        if product is not None:
            p_rank[p_id] = pr
            labels[p_id] = str(product_labels.get(product, product))
        if country is not None:
            c_rank[c_id] = cr
            labels[c_id] = str(names.get(country, f"{country} (non déterminé)"))
        src, target = (p_id, c_id) if f.flow == "export" else (c_id, p_id)
        records.append((src, target, int(value)))

    links = pd.DataFrame(records, columns=["source", "target", "value"])
    links = links.sort_values(["value", "source", "target"], ascending=[False, True, True])
    links = links.reset_index(drop=True)
    named = ~links["source"].str.endswith(OTHERS) & ~links["target"].str.endswith(OTHERS)
    links["top"] = False
    links.loc[links.index[named][:n_top_links], "top"] = True
    links["source_label"] = links["source"].map(labels)
    links["target_label"] = links["target"].map(labels)
    links = links[["source", "target", "source_label", "target_label", "value", "top"]]

    def order(ranks: dict[str, int], prefix: str) -> tuple[str, ...]:
        ordered = sorted(ranks, key=ranks.get)
        if any(node.endswith(OTHERS) for node in (*links["source"], *links["target"])
               if node.startswith(prefix)):  # fmt: skip
            ordered.append(f"{prefix}:{OTHERS}")
        return tuple(ordered)

    products_side, countries_side = order(p_rank, "P"), order(c_rank, "C")
    left, right = (
        (products_side, countries_side) if f.flow == "export" else (countries_side, products_side)
    )
    return SankeyFlows(
        f.flow, f.level, links, int(links["value"].sum()), left, right, labels, f.period
    )


# --- Comparison block ----------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonRow:
    scope: str  # "territoire", "region" or "france"
    code: str
    name: str
    exports: int
    imports: int


def comparison(db: Reader, f: Filters) -> tuple[ComparisonRow, ...]:
    """The territory, its région (for a département) and France, for the same period."""
    catalog = db.catalog()
    sums = _scope_sums(db, f, [f.period])
    exp = sums.get((0, "export"), (0, None, 0))
    imp = sums.get((0, "import"), (0, None, 0))
    rows = [
        ComparisonRow(
            "territoire", f.territory, catalog.territory_name(f.territory), exp[0], imp[0]
        )
    ]
    if f.kind == "departement":
        code = f"R{catalog.region_of(f.territory)}"
        rows.append(
            ComparisonRow("region", code, catalog.territory_name(code), exp[1] or 0, imp[1] or 0)
        )
    if f.kind != "france":
        rows.append(ComparisonRow("france", "FR", "France", exp[2], imp[2]))
    return tuple(rows)


# --- Detail rows ---------------------------------------------------------------------------
# The rows behind the filters: the customs' own rows (quarter, flow, département, CPF4 product,
# partner) for a département or a région; for France, the national rows of ``trade_france``
# (quarter, flow, product, partner: every département summed), which a spreadsheet can hold.
def _rows_source(f: Filters) -> tuple[str, str, list, bool]:
    """Table, predicate and parameters of the rows behind the filters (the period, the flow,
    the territory and the selections), and whether the rows have a département (all but
    France)."""
    period, period_params = f.period_sql("t.")
    sel, sel_params = f.selection_sql()
    common = f"{period} AND t.flow = ? AND {sel}"
    common_params = [*period_params, f.flow, *sel_params]
    if f.kind == "france":
        return "trade_france", common, common_params, False
    terr, terr_params = territory_predicate(f.territory, "t.dept")
    return "trade", f"{terr} AND {common}", [*terr_params, *common_params], True


def _rows_sql(f: Filters, limit: int | None = None) -> tuple[str, list]:
    """The labelled rows behind the filters, largest first: the rows are chosen (and cut to
    ``limit``) on the detail table alone, then labelled, so a short grid does not label them
    all."""
    table, where, params, has_dept = _rows_source(f)
    keys = "t.dept, t.product, t.country" if has_dept else "t.product, t.country"
    order = f"t.value_eur DESC, t.year, t.quarter, {keys}"
    cut = ""
    if limit is not None:
        cut = f"ORDER BY {order} LIMIT ?"
        params = [*params, int(limit)]
    dept_cols = "t.dept, d.name AS dept_name," if has_dept else ""
    dept_join = "JOIN departement d ON d.code = t.dept" if has_dept else ""
    sql = f"""
        SELECT t.year, t.quarter, t.flow, {dept_cols} t.product, p.label AS product_label,
               p.a129, p.a38, p.a17, t.country,
               coalesce(c.name_fr, t.country || ' (non déterminé)') AS country_name,
               t.value_eur, t.mass_kg
        FROM (SELECT * FROM {table} t WHERE {where} {cut}) t
        {dept_join}
        JOIN product p ON p.code = t.product
        LEFT JOIN country c ON c.code = t.country
        ORDER BY {order}
    """
    return sql, params


def _rename_countries(db: Reader, f: Filters, rows: pd.DataFrame) -> pd.DataFrame:
    """Partner names of the period's year (codes that changed meaning)."""
    names = db.catalog().country_names(f.period.year)
    if len(rows):
        rows["country_name"] = [
            names.get(c, n) for c, n in zip(rows["country"], rows["country_name"], strict=True)
        ]
    return rows


def trade_rows(db: Reader, f: Filters, limit: int | None = None) -> pd.DataFrame:
    """The rows behind the filters, labelled, largest first; the ``limit`` largest if given.

    A France-wide year is several hundred thousand rows: pages ask for a limited grid and read
    the full rows only to build a download.
    """
    return _rename_countries(db, f, db.frame(*_rows_sql(f, limit)))


def trade_rows_batches(db: Reader, f: Filters, size: int = 100_000) -> Iterator[pd.DataFrame]:
    """``trade_rows`` in order, in DataFrames of at most ``size`` rows (for downloads)."""
    sql, params = _rows_sql(f)
    for batch in db.batches(sql, params, size):
        yield _rename_countries(db, f, batch)


@dataclass(frozen=True)
class RowsSummary:
    rows: int
    exports: int
    imports: int
    has_dept: bool = True


def trade_rows_summary(db: Reader, f: Filters) -> RowsSummary:
    """How many rows the filters select and their export and import totals (euros)."""
    table, where, params, has_dept = _rows_source(f)
    ((n, exports, imports),) = db.rows(
        f"""
        SELECT count(*),
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT),
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT)
        FROM {table} t WHERE {where}
        """,
        params,
    )
    return RowsSummary(int(n), int(exports), int(imports), has_dept)


# The allowed groupings of the rows: the code and label columns of ``trade_rows``, and how the
# label is found.
ROW_GROUPS = {
    "pays": ("country", "country_name", "coalesce(c.name_fr, g.country || ' (non déterminé)')",
             "LEFT JOIN country c ON c.code = g.country"),
    "produits": ("product", "product_label", "p.label", "JOIN product p ON p.code = g.product"),
}  # fmt: skip


def trade_rows_grouped(db: Reader, f: Filters, by: str) -> pd.DataFrame:
    """The rows summed per flow and partner (``pays``) or product (``produits``): the code and
    label columns of ``trade_rows``, ``flow``, ``value_eur``, ``mass_kg`` and ``n`` (rows
    summed)."""
    code, label, label_sql, join = ROW_GROUPS[by]  # KeyError for anything off the allowlist
    table, where, params, _ = _rows_source(f)
    out = db.frame(
        f"""
        WITH g AS (
            SELECT t.{code}, t.flow, sum(t.value_eur) AS v, sum(t.mass_kg) AS kg,
                   count(*) AS n
            FROM {table} t WHERE {where}
            GROUP BY t.{code}, t.flow
        )
        SELECT g.{code}, {label_sql} AS {label}, g.flow, CAST(g.v AS BIGINT) AS value_eur,
               CAST(g.kg AS BIGINT) AS mass_kg, g.n
        FROM g {join}
        ORDER BY g.{code}, g.flow
        """,
        params,
    )
    return _rename_countries(db, f, out) if by == "pays" else out


# --- Partner zone ----------------------------------------------------------------------------
ZONES = ("tous", "ue", "hors-ue")


def restrict_zone(balance: PartnerBalance, zone: str, top: int) -> PartnerBalance:
    """The partners of one zone (``ue``: the EU 27; ``hors-ue``: the others; ``tous``), with
    ``main`` recomputed as the union of the zone's top-N importers and exporters.

    Totals and shares stay those of the whole territory, so a share still reads "of the
    territory's imports"; no database access (a pure transform of ``partner_balance``).
    """
    if zone not in ZONES:
        raise ValueError(f"unknown zone {zone!r}")
    table = balance.table
    if zone == "ue":
        table = table[table["eu27"]]
    elif zone == "hors-ue":
        table = table[~table["eu27"]]
    table = table.copy()
    top_exp = set(table.nlargest(top, "exports").query("exports > 0")["code"])
    top_imp = set(table.nlargest(top, "imports").query("imports > 0")["code"])
    table["main"] = table["code"].isin(top_exp | top_imp)
    return PartnerBalance(
        table.reset_index(drop=True), balance.total_exports, balance.total_imports, balance.period
    )
