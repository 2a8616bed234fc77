"""Named query functions: a ``Filters`` in, a frozen result out. No streamlit here.

All SQL is parameterised; the only identifiers spliced in are product-level columns taken from
the allowlist ``filters.LEVEL_COLUMNS`` and predicates built by ``Filters`` itself. Values are
whole euros (BIGINT) from the database to the result, so totals are exact to the euro.

KPIs read the small ``totals_dept`` table (one row per year × flow × département); the other
functions aggregate ``trade`` for one year, which DuckDB reads by skipping the blocks of other
years because the table is sorted on (year, flow, dept).

Partner and product selections (``pays``, ``produits``) restrict the analysis queries
(partners, products, flows, rows) but not the KPIs, whose shares and ranks compare whole
territories.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from core.db import Database
from core.filters import LEVEL_COLUMNS, Filters, territory_predicate

OTHERS = "Autres"
TI_MIN_COMMUNES = 5  # the seeds leave out adjacent territories with fewer communes


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return num / den


def _source(f: Filters) -> tuple[str, str, list]:
    """The table to aggregate and the territory predicate on it.

    France-wide views read the pre-aggregated ``totals_france`` (same columns but ``dept``);
    a région or a département reads ``trade``, whose sort order lets DuckDB skip other blocks.
    """
    if f.kind == "france":
        return "totals_france", "TRUE", []
    terr, params = territory_predicate(f.territory, "t.dept")
    return "trade", terr, params


# --- KPIs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kpis:
    territory: str
    name: str
    kind: str  # "france", "region" or "departement"
    year: int
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
    prev_year: int | None
    prev_exports: int | None
    prev_imports: int | None
    territoires: tuple[tuple[str, int], ...]  # principal Territoires d'industrie (name, communes)
    territoires_hidden: int  # adjacent territories left out (< 5 communes here)

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
    db: Database, f: Filters, years: list[int]
) -> dict[tuple[int, str], tuple[int, int | None, int]]:
    """(year, flow) → (territory, its région or None, France) totals, from ``totals_dept``."""
    catalog = db.catalog()
    dept = f.territory if f.kind == "departement" else None
    region = f.region_code
    home_region = catalog.region_of(f.territory)  # the région a département belongs to
    rows = db.rows(
        """
        SELECT t.year, t.flow,
               CAST(coalesce(sum(t.value_eur) FILTER (
                   WHERE ? OR t.dept = ? OR d.region = ?), 0) AS BIGINT),
               CAST(sum(t.value_eur) FILTER (WHERE d.region = ?) AS BIGINT),
               CAST(sum(t.value_eur) AS BIGINT)
        FROM totals_dept t JOIN departement d ON d.code = t.dept
        WHERE list_contains(?::INTEGER[], t.year)
        GROUP BY t.year, t.flow
        """,
        [f.kind == "france", dept, region, home_region, years],
    )
    return {(int(y), fl): (int(a), b if b is None else int(b), int(c)) for y, fl, a, b, c in rows}


def _ranks(db: Database, f: Filters) -> dict[str, int]:
    """Competition rank (1 = largest; ties share the best place) per flow, among départements
    for a département and among régions for a région."""
    by_dept = f.kind == "departement"
    rows = db.rows(
        """
        WITH per AS (
            SELECT t.flow, CASE WHEN ? THEN t.dept ELSE d.region END AS key,
                   sum(t.value_eur) AS v
            FROM totals_dept t JOIN departement d ON d.code = t.dept
            WHERE t.year = ?
            GROUP BY ALL
        )
        SELECT flow, rank FROM (
            SELECT flow, key, rank() OVER (PARTITION BY flow ORDER BY v DESC) AS rank FROM per
        ) WHERE key = ?
        """,
        [by_dept, f.year, f.territory if by_dept else f.region_code],
    )
    return {flow: int(rank) for flow, rank in rows}


def kpis(db: Database, f: Filters) -> Kpis:
    catalog = db.catalog()
    prev_year = f.year - 1 if (f.year - 1) in catalog.years else None
    sums = _scope_sums(db, f, [f.year] + ([prev_year] if prev_year else []))
    empty = (0, None, 0)
    exp, imp = sums.get((f.year, "export"), empty), sums.get((f.year, "import"), empty)
    prev_exp = sums.get((prev_year, "export"), empty) if prev_year else None
    prev_imp = sums.get((prev_year, "import"), empty) if prev_year else None
    region = catalog.region_of(f.territory)

    ranks: dict[str, int] = {}
    rank_of = None
    if f.kind != "france":
        ranks = _ranks(db, f)
        rank_of = len(catalog.departements) if f.kind == "departement" else len(catalog.regions)

    territoires: tuple[tuple[str, int], ...] = ()
    hidden = 0
    if f.kind == "departement":
        ti = db.rows(
            "SELECT name, n_communes FROM territoire_industrie WHERE dept = ? ORDER BY name",
            [f.territory],
        )
        territoires = tuple((str(n), int(c)) for n, c in ti if c >= TI_MIN_COMMUNES)
        hidden = len(ti) - len(territoires)

    return Kpis(
        territory=f.territory,
        name=catalog.territory_name(f.territory),
        kind=f.kind,
        year=f.year,
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
        prev_year=prev_year,
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
    #                      share_imports, share_exports, main
    total_exports: int
    total_imports: int

    @property
    def main(self) -> pd.DataFrame:
        return self.table[self.table["main"]].reset_index(drop=True)


def partner_balance(db: Database, f: Filters) -> PartnerBalance:
    source, terr, terr_params = _source(f)
    sel, sel_params = f.selection_sql()
    table = db.frame(
        f"""
        WITH agg AS (
            SELECT country,
                   CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT)
                       AS imports,
                   CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT)
                       AS exports
            FROM {source} t
            WHERE year = ? AND {terr} AND {sel}
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
        SELECT r.country AS code,
               -- Codes missing from the reference table are kept and labelled, never dropped.
               coalesce(c.name_fr, r.country || ' (non déterminé)') AS name,
               c.iso3, coalesce(c.eu27, false) AS eu27, coalesce(c.zone, 'Non déterminé') AS zone,
               imports, exports, exports - imports AS balance,
               exports / nullif(imports, 0) AS coverage,
               imports / nullif(total_imports, 0) AS share_imports,
               exports / nullif(total_exports, 0) AS share_exports,
               (rank_exports <= ? AND exports > 0) OR (rank_imports <= ? AND imports > 0) AS main
        FROM ranked r LEFT JOIN country c ON c.code = r.country
        ORDER BY imports + exports DESC, code
        """,
        [f.year, *terr_params, *sel_params, f.top, f.top],
    )
    return PartnerBalance(table, int(table["exports"].sum()), int(table["imports"].sum()))


# --- Products ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductBreakdown:
    level: str
    table: pd.DataFrame  # code, label, a17, a17_label, a38, a38_label (as far as the level
    #                      allows), imports, exports, balance, share_imports, share_exports
    total_exports: int
    total_imports: int


_PARENTS = {"A17": ["a17", "a17_label"], "A38": ["a17", "a17_label"], "A129": ["a17", "a17_label", "a38", "a38_label"]}  # fmt: skip


def product_breakdown(db: Database, f: Filters, level: str | None = None) -> ProductBreakdown:
    level = level or f.level
    code_col, label_col = LEVEL_COLUMNS[level]  # KeyError for anything off the allowlist
    parents = [c for c in _PARENTS[level] if c not in (code_col, label_col)]
    source, terr, terr_params = _source(f)
    sel, sel_params = f.selection_sql()
    parent_sql = "".join(f", any_value(p.{c}) AS {c}" for c in parents)
    table = db.frame(
        f"""
        WITH cells AS (  -- why: aggregate before the join, the detail table is large
            SELECT product, flow, sum(value_eur) AS v
            FROM {source} t
            WHERE year = ? AND {terr} AND {sel}
            GROUP BY product, flow
        ),
        grouped AS (
            SELECT p.{code_col} AS code, any_value(p.{label_col}) AS label{parent_sql},
                   CAST(coalesce(sum(v) FILTER (WHERE flow = 'import'), 0) AS BIGINT) AS imports,
                   CAST(coalesce(sum(v) FILTER (WHERE flow = 'export'), 0) AS BIGINT) AS exports
            FROM cells JOIN product p ON p.code = cells.product
            GROUP BY p.{code_col}
        )
        SELECT *, exports - imports AS balance,
               imports / nullif(sum(imports) OVER (), 0) AS share_imports,
               exports / nullif(sum(exports) OVER (), 0) AS share_exports
        FROM grouped
        ORDER BY imports + exports DESC, code
        """,
        [f.year, *terr_params, *sel_params],
    )
    return ProductBreakdown(level, table, int(table["exports"].sum()), int(table["imports"].sum()))


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


def sankey_flows(db: Database, f: Filters, n_top_links: int = 5) -> SankeyFlows:
    code_col, label_col = LEVEL_COLUMNS[f.level]
    source, terr, terr_params = _source(f)
    sel, sel_params = f.selection_sql()
    # One row per (product group, country group): groups beyond the top N are NULL (Autres).
    rows = db.rows(
        f"""
        WITH detail AS (  -- why: aggregate before the join, the detail table is large
            SELECT product, country, sum(value_eur) AS v
            FROM {source} t
            WHERE year = ? AND flow = ? AND {terr} AND {sel}
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
        [f.year, f.flow, *terr_params, *sel_params, f.top, f.top, f.top, f.top],
    )
    catalog = db.catalog()
    names = dict(zip(catalog.countries["code"], catalog.countries["name_fr"], strict=True))
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
        source, target = (p_id, c_id) if f.flow == "export" else (c_id, p_id)
        records.append((source, target, int(value)))

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
    return SankeyFlows(f.flow, f.level, links, int(links["value"].sum()), left, right, labels)


# --- Comparison block ----------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonRow:
    scope: str  # "territoire", "region" or "france"
    code: str
    name: str
    exports: int
    imports: int


def comparison(db: Database, f: Filters) -> tuple[ComparisonRow, ...]:
    """The territory, its région (for a département) and France, for the same year."""
    catalog = db.catalog()
    sums = _scope_sums(db, f, [f.year])
    exp = sums.get((f.year, "export"), (0, None, 0))
    imp = sums.get((f.year, "import"), (0, None, 0))
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
def _rows_where(f: Filters) -> tuple[str, list]:
    """The predicate on ``trade t`` of the rows behind the filters (one year, both flows)."""
    terr, terr_params = territory_predicate(f.territory, "t.dept")
    sel, sel_params = f.selection_sql()
    return f"t.year = ? AND {terr} AND {sel}", [f.year, *terr_params, *sel_params]


_ROWS_ORDER = "t.value_eur DESC, t.flow, t.dept, t.product, t.country"


def _rows_sql(f: Filters, limit: int | None = None) -> tuple[str, list]:
    """The labelled rows behind the filters, largest first: the rows are chosen (and cut to
    ``limit``) on ``trade`` alone, then labelled, so a short grid does not label them all."""
    where, params = _rows_where(f)
    cut = ""
    if limit is not None:
        cut = f"ORDER BY {_ROWS_ORDER} LIMIT ?"
        params.append(int(limit))
    sql = f"""
        SELECT t.year, t.flow, t.dept, d.name AS dept_name, t.product, p.label AS product_label,
               p.a38, p.a17, t.country, coalesce(c.name_fr, t.country) AS country_name,
               t.value_eur
        FROM (SELECT * FROM trade t WHERE {where} {cut}) t
        JOIN departement d ON d.code = t.dept
        JOIN product p ON p.code = t.product
        LEFT JOIN country c ON c.code = t.country
        ORDER BY {_ROWS_ORDER}
    """
    return sql, params


def trade_rows(db: Database, f: Filters, limit: int | None = None) -> pd.DataFrame:
    """The rows behind the filters, labelled, largest first; the ``limit`` largest if given.

    A France-wide year is about 700 000 rows (≈ 120 MB in pandas): pages ask for a limited
    grid and read the full rows only to build a download.
    """
    return db.frame(*_rows_sql(f, limit))


def trade_rows_batches(db: Database, f: Filters, size: int = 100_000) -> Iterator[pd.DataFrame]:
    """``trade_rows`` in order, in DataFrames of at most ``size`` rows (for downloads)."""
    sql, params = _rows_sql(f)
    yield from db.batches(sql, params, size)


@dataclass(frozen=True)
class RowsSummary:
    rows: int
    exports: int
    imports: int


def trade_rows_summary(db: Database, f: Filters) -> RowsSummary:
    """How many rows the filters select and their export and import totals (euros)."""
    where, params = _rows_where(f)
    ((n, exports, imports),) = db.rows(
        f"""
        SELECT count(*),
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT),
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT)
        FROM trade t WHERE {where}
        """,
        params,
    )
    return RowsSummary(int(n), int(exports), int(imports))


# The allowed groupings of the rows: the code and label columns of ``trade_rows``, and how the
# label is found.
ROW_GROUPS = {
    "pays": ("country", "country_name", "coalesce(c.name_fr, g.country)",
             "LEFT JOIN country c ON c.code = g.country"),
    "produits": ("product", "product_label", "p.label", "JOIN product p ON p.code = g.product"),
}  # fmt: skip


def trade_rows_grouped(db: Database, f: Filters, by: str) -> pd.DataFrame:
    """The rows summed per flow and partner (``pays``) or product (``produits``): the code and
    label columns of ``trade_rows``, ``flow``, ``value_eur`` and ``n`` (rows summed)."""
    code, label, label_sql, join = ROW_GROUPS[by]  # KeyError for anything off the allowlist
    where, params = _rows_where(f)
    return db.frame(
        f"""
        WITH g AS (
            SELECT t.{code}, t.flow, sum(t.value_eur) AS v, count(*) AS n
            FROM trade t WHERE {where}
            GROUP BY t.{code}, t.flow
        )
        SELECT g.{code}, {label_sql} AS {label}, g.flow, CAST(g.v AS BIGINT) AS value_eur, g.n
        FROM g {join}
        ORDER BY g.{code}, g.flow
        """,
        params,
    )


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
        table.reset_index(drop=True), balance.total_exports, balance.total_imports
    )
