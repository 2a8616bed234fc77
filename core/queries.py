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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.db import Database
from core.filters import LEVEL_COLUMNS, Filters, territory_predicate

OTHERS = "Autres"
TI_MIN_COMMUNES = 5  # the seeds leave out adjacent territories with fewer communes


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return num / den


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


def _totals(db: Database, years: list[int]) -> pd.DataFrame:
    return db.frame(
        """
        SELECT t.year, t.flow, t.dept, d.region, t.value_eur
        FROM totals_dept t JOIN departement d ON d.code = t.dept
        WHERE list_contains(?::INTEGER[], t.year)
        """,
        [years],
    )


def _rank(values: pd.Series, key: str) -> int | None:
    """Competition rank (1 = largest; ties share the best rank)."""
    if key not in values.index:
        return None
    return int(values.rank(ascending=False, method="min")[key])


def kpis(db: Database, f: Filters) -> Kpis:
    catalog = db.catalog()
    prev_year = f.year - 1 if (f.year - 1) in catalog.years else None
    totals = _totals(db, [f.year] + ([prev_year] if prev_year else []))

    def flow_sum(year: int, flow: str, territory: str) -> int:
        sel = totals[(totals["year"] == year) & (totals["flow"] == flow)]
        if territory.startswith("R"):
            sel = sel[sel["region"] == territory[1:]]
        elif territory != "FR":
            sel = sel[sel["dept"] == territory]
        return int(sel["value_eur"].sum())

    region = catalog.region_of(f.territory)
    cur = totals[totals["year"] == f.year]
    rank_exports = rank_imports = rank_of = None
    if f.kind != "france":
        by = "dept" if f.kind == "departement" else "region"
        key = f.territory if by == "dept" else f.territory[1:]
        per = cur.groupby(["flow", by])["value_eur"].sum()
        exp = per.get("export", pd.Series(dtype="int64"))
        imp = per.get("import", pd.Series(dtype="int64"))
        rank_exports, rank_imports = _rank(exp, key), _rank(imp, key)
        rank_of = len(catalog.departements) if by == "dept" else len(catalog.regions)

    territoires: tuple[tuple[str, int], ...] = ()
    hidden = 0
    if f.kind == "departement":
        ti = db.frame(
            "SELECT name, n_communes FROM territoire_industrie WHERE dept = ? ORDER BY name",
            [f.territory],
        )
        principal = ti[ti["n_communes"] >= TI_MIN_COMMUNES]
        territoires = tuple(
            (str(n), int(c)) for n, c in principal.itertuples(index=False, name=None)
        )
        hidden = len(ti) - len(principal)

    return Kpis(
        territory=f.territory,
        name=catalog.territory_name(f.territory),
        kind=f.kind,
        year=f.year,
        exports=flow_sum(f.year, "export", f.territory),
        imports=flow_sum(f.year, "import", f.territory),
        region_code=region,
        region_name=catalog.regions[region] if region else None,
        region_exports=flow_sum(f.year, "export", f"R{region}") if region else None,
        region_imports=flow_sum(f.year, "import", f"R{region}") if region else None,
        france_exports=flow_sum(f.year, "export", "FR"),
        france_imports=flow_sum(f.year, "import", "FR"),
        rank_exports=rank_exports,
        rank_imports=rank_imports,
        rank_of=rank_of,
        prev_year=prev_year,
        prev_exports=flow_sum(prev_year, "export", f.territory) if prev_year else None,
        prev_imports=flow_sum(prev_year, "import", f.territory) if prev_year else None,
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
    terr, terr_params = f.territory_sql()
    sel, sel_params = f.selection_sql()
    raw = db.frame(
        f"""
        SELECT country, flow, CAST(sum(value_eur) AS BIGINT) AS value_eur
        FROM trade
        WHERE year = ? AND {terr} AND {sel}
        GROUP BY country, flow
        """,
        [f.year, *terr_params, *sel_params],
    )
    wide = (
        raw.pivot_table(index="country", columns="flow", values="value_eur", aggfunc="sum")
        .reindex(columns=["import", "export"])
        .fillna(0)
        .astype("int64")
        .rename(columns={"import": "imports", "export": "exports"})
    )
    countries = db.catalog().countries.set_index("code")
    table = wide.join(countries[["name_fr", "iso3", "eu27", "zone"]], how="left")
    table = table.rename(columns={"name_fr": "name"}).reset_index(names="code")
    # Codes missing from the reference table are kept and labelled, never dropped.
    table["name"] = table["name"].fillna(table["code"] + " (non déterminé)")
    table["zone"] = table["zone"].fillna("Non déterminé")
    table["eu27"] = table["eu27"].fillna(False).astype(bool)
    total_exports, total_imports = int(table["exports"].sum()), int(table["imports"].sum())
    table["balance"] = table["exports"] - table["imports"]
    table["coverage"] = table["exports"] / table["imports"].replace(0, np.nan)
    table["share_exports"] = table["exports"] / total_exports if total_exports else np.nan
    table["share_imports"] = table["imports"] / total_imports if total_imports else np.nan
    top_exp = set(table.nlargest(f.top, "exports").query("exports > 0")["code"])
    top_imp = set(table.nlargest(f.top, "imports").query("imports > 0")["code"])
    table["main"] = table["code"].isin(top_exp | top_imp)
    table = table.assign(_volume=table["exports"] + table["imports"])
    table = table.sort_values(["_volume", "code"], ascending=[False, True]).drop(columns="_volume")
    columns = [
        "code", "name", "iso3", "eu27", "zone", "imports", "exports", "balance", "coverage",
        "share_imports", "share_exports", "main",
    ]  # fmt: skip
    return PartnerBalance(table[columns].reset_index(drop=True), total_exports, total_imports)


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
    terr, terr_params = territory_predicate(f.territory, "t.dept")
    sel, sel_params = f.selection_sql()
    parent_sql = "".join(f", any_value(p.{c}) AS {c}" for c in parents)
    table = db.frame(
        f"""
        WITH cells AS (  -- why: aggregate before the join, the detail table is large
            SELECT product, flow, sum(value_eur) AS v
            FROM trade t
            WHERE year = ? AND {terr} AND {sel}
            GROUP BY product, flow
        )
        SELECT p.{code_col} AS code, any_value(p.{label_col}) AS label{parent_sql},
               CAST(sum(v) FILTER (WHERE flow = 'import') AS BIGINT) AS imports,
               CAST(sum(v) FILTER (WHERE flow = 'export') AS BIGINT) AS exports
        FROM cells JOIN product p ON p.code = cells.product
        GROUP BY p.{code_col}
        """,
        [f.year, *terr_params, *sel_params],
    )
    for col in ("imports", "exports"):
        table[col] = table[col].fillna(0).astype("int64")
    total_exports, total_imports = int(table["exports"].sum()), int(table["imports"].sum())
    table["balance"] = table["exports"] - table["imports"]
    table["share_exports"] = table["exports"] / total_exports if total_exports else np.nan
    table["share_imports"] = table["imports"] / total_imports if total_imports else np.nan
    table = table.assign(_volume=table["exports"] + table["imports"])
    table = table.sort_values(["_volume", "code"], ascending=[False, True]).drop(columns="_volume")
    return ProductBreakdown(level, table.reset_index(drop=True), total_exports, total_imports)


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
    terr, terr_params = territory_predicate(f.territory, "t.dept")
    sel, sel_params = f.selection_sql()
    cells = db.frame(
        f"""
        WITH cells AS (
            SELECT product, country, sum(value_eur) AS v
            FROM trade t
            WHERE year = ? AND flow = ? AND {terr} AND {sel}
            GROUP BY product, country
        )
        SELECT p.{code_col} AS product, any_value(p.{label_col}) AS product_label, country,
               CAST(sum(v) AS BIGINT) AS value
        FROM cells JOIN product p ON p.code = cells.product
        GROUP BY p.{code_col}, country
        """,
        [f.year, f.flow, *terr_params, *sel_params],
    )
    names = db.catalog().countries.set_index("code")["name_fr"]
    n = f.top

    def top_keys(column: str) -> list[str]:
        sums = cells.groupby(column)["value"].sum()
        sums = sums[sums > 0].sort_index().sort_values(ascending=False, kind="stable")
        return list(sums.index[:n])

    top_products, top_countries = top_keys("product"), top_keys("country")
    prod_id = np.where(cells["product"].isin(top_products), "P:" + cells["product"], "P:" + OTHERS)
    ctry_id = np.where(cells["country"].isin(top_countries), "C:" + cells["country"], "C:" + OTHERS)
    grouped = (
        pd.DataFrame({"p": prod_id, "c": ctry_id, "value": cells["value"]})
        .groupby(["p", "c"], as_index=False)["value"]
        .sum()
    )
    grouped = grouped[grouped["value"] > 0]
    if f.flow == "export":
        grouped = grouped.rename(columns={"p": "source", "c": "target"})
    else:
        grouped = grouped.rename(columns={"c": "source", "p": "target"})

    labels = {f"P:{OTHERS}": OTHERS, f"C:{OTHERS}": OTHERS}
    plabels = cells.drop_duplicates("product").set_index("product")["product_label"]
    labels.update({f"P:{c}": str(plabels[c]) for c in top_products})
    labels.update({f"C:{c}": str(names.get(c, f"{c} (non déterminé)")) for c in top_countries})

    named = ~grouped["source"].str.endswith(OTHERS) & ~grouped["target"].str.endswith(OTHERS)
    largest = grouped[named].sort_values(
        ["value", "source", "target"], ascending=[False, True, True]
    )
    grouped["top"] = grouped.index.isin(largest.index[:n_top_links])
    grouped["source_label"] = grouped["source"].map(labels)
    grouped["target_label"] = grouped["target"].map(labels)
    links = grouped.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    links = links[["source", "target", "source_label", "target_label", "value", "top"]]

    def order(ids: list[str], prefix: str) -> tuple[str, ...]:
        present = set(links["source"]) | set(links["target"])
        ordered = [f"{prefix}:{c}" for c in ids] + [f"{prefix}:{OTHERS}"]
        return tuple(i for i in ordered if i in present)

    products_side, countries_side = order(top_products, "P"), order(top_countries, "C")
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
    totals = _totals(db, [f.year])
    codes = [("territoire", f.territory)]
    if f.kind == "departement":
        codes.append(("region", f"R{catalog.region_of(f.territory)}"))
    if f.kind != "france":
        codes.append(("france", "FR"))
    rows = []
    for scope, code in codes:
        sel = totals
        if code.startswith("R"):
            sel = totals[totals["region"] == code[1:]]
        elif code != "FR":
            sel = totals[totals["dept"] == code]
        by_flow = sel.groupby("flow")["value_eur"].sum()
        rows.append(
            ComparisonRow(
                scope,
                code,
                catalog.territory_name(code),
                int(by_flow.get("export", 0)),
                int(by_flow.get("import", 0)),
            )
        )
    return tuple(rows)


# --- Detail rows ---------------------------------------------------------------------------
def trade_rows(db: Database, f: Filters) -> pd.DataFrame:
    """The rows behind the filters, labelled (one year, both flows, the territory)."""
    terr, terr_params = territory_predicate(f.territory, "t.dept")
    sel, sel_params = f.selection_sql()
    return db.frame(
        f"""
        SELECT t.year, t.flow, t.dept, d.name AS dept_name, t.product, p.label AS product_label,
               p.a38, p.a17, t.country, coalesce(c.name_fr, t.country) AS country_name,
               t.value_eur
        FROM trade t
        JOIN departement d ON d.code = t.dept
        JOIN product p ON p.code = t.product
        LEFT JOIN country c ON c.code = t.country
        WHERE t.year = ? AND {terr} AND {sel}
        ORDER BY t.value_eur DESC
        """,
        [f.year, *terr_params, *sel_params],
    )
