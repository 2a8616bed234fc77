"""Named query functions: a ``Filters`` in, a frozen result out. No streamlit here.

All SQL is parameterised; the only identifiers spliced in are product-level columns taken from
the allowlist ``filters.LEVEL_COLUMNS``, table names chosen by ``_source`` and predicates built
by ``Filters`` and ``Period`` themselves. Values are whole euros and masses whole kilograms
(BIGINT) from the database to the result, so totals are exact to the euro.

Every function reads one period (a year, a partial year or the last four quarters, see
``core.periods``): KPIs from the small ``totals_dept`` table (one row per quarter × flow ×
département); the other functions from the detail of the territory's level: ``trade`` for a
département (sorted on département then quarter, so DuckDB reads a few blocks), ``trade_region``
for a région, ``trade_france`` for France; the Sankey diagrams at A38 and A17 from the
territory's ``*_flows`` table (the detail summed at A38 by the build).

Partner and product selections (``pays``, ``produits``) restrict the analysis queries
(partners, products, flows, rows) but not the KPIs, whose shares and ranks compare whole
territories.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import territoires as ti
from core.db import Build, Database, DeptTotals
from core.filters import LEVEL_COLUMNS, Filters
from core.periods import Period

OTHERS = "Autres"
Reader = Database | Build  # query functions read one build: pass a pinned Build in apps


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return num / den


def _per_kg(value: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Euros per kilogram; NaN where the mass is zero or unknown (electricity, no mass)."""
    mass = np.asarray(mass, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mass > 0, np.asarray(value, dtype="float64") / mass, np.nan)


# ``source``'s ``keep``: the suffix of the territory's table summed over the other keys.
_FACES = {"country": "partners", "product": "products", "flows": "flows"}


def source(
    territory: str, period: Period, keep: str | None = None, *, region: str | None = None
) -> tuple[str, str, list]:
    """The smallest table holding a territory's detail for a period, and the predicate that
    selects them: whole years read the yearly tables (``trade_year``, ``trade_region_year``,
    ``trade_france_year``), other periods the quarterly ones. Every table has year, flow,
    product, country, value_eur and mass_kg. Table names come from this function only.

    ``keep`` (``"country"`` or ``"product"``): the caller reads only that key column (no
    selection on the other): the rows then come from the territory's table summed over the
    other key (``dept_partners``, ``region_products``…), tens of times smaller. ``"flows"``:
    the caller reads products at the A38 level (or its parent) by partner, with no product
    selection, from the territory's ``*_flows`` table, a quarter to a tenth of the detail.

    ``region``: a département's région (``Catalog.region_of``). ``trade`` is sorted on the
    région before the département, so a row group that straddles two régions holds codes from
    far apart (``74`` then ``04``) and its zone map cannot rule the département out; naming
    the région too skips all but the département's own groups (a quarter of those scanned
    without it)."""
    if keep is not None:
        face = _FACES[keep]  # KeyError off the list
        when, when_params = period.sql()
        if territory == "FR":
            return f"france_{face}", when, when_params
        if territory.startswith("R"):
            return f"region_{face}", f"region = ? AND {when}", [territory[1:], *when_params]
        return f"dept_{face}", f"dept = ? AND {when}", [territory, *when_params]
    yearly = "_year" if period.is_whole_year else ""
    if yearly:
        when, when_params = "year = ?", [period.year]
    else:
        when, when_params = period.sql()
    if territory == "FR":
        return f"trade_france{yearly}", when, when_params
    if territory.startswith("R"):
        return f"trade_region{yearly}", f"region = ? AND {when}", [territory[1:], *when_params]
    if yearly:  # sorted on the département itself
        return "trade_year", f"dept = ? AND {when}", [territory, *when_params]
    if region is None:
        return "trade", f"dept = ? AND {when}", [territory, *when_params]
    return "trade", f"region = ? AND dept = ? AND {when}", [region, territory, *when_params]


def _source(db: Reader, f: Filters, keep: str | None = None) -> tuple[str, str, list]:
    """``source`` for the filters, with the département's région from the catalog."""
    region = db.catalog().region_of(f.territory) if f.kind == "departement" else None
    return source(f.territory, f.period, keep, region=region)


def _sums(
    db: Reader, sql: str, params: list, keys: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Run an aggregate and return its key columns (object arrays) and its numeric columns
    (int64 arrays, nulls as 0 except the mass columns, whose nulls stay NaN as float)."""
    cols = list(db.columns(sql, params).values())
    return [_plain(c) for c in cols[:keys]], [_plain(c) for c in cols[keys:]]


def _plain(col: np.ndarray) -> np.ndarray:
    """A fetched column without its mask: NULLs (masked values) as None in object columns, NaN
    in numeric ones."""
    if not isinstance(col, np.ma.MaskedArray):
        return col
    if col.dtype == object:
        return col.filled(None)
    return col.astype("float64").filled(np.nan)


def _flow_sums(
    db: Reader, sql: str, params: list, to_key: dict[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Imports and exports by key of the rows ``sql`` returns (key, flow, value_eur,
    mass_kg), summed by numpy: the keys (object array, in order of first appearance), import
    and export values (int64, 0 where none), import and export masses (float, NaN where no
    row of the flow has one, as SQL's ``sum``). ``to_key`` maps each row's key to the key it
    is summed under (a CPF4 product to its level); rows it lacks are left out, as an inner
    join leaves them out.

    For the few thousand rows of a territory's one-key tables this is cheaper than DuckDB's
    hash aggregate, whose fixed cost is about a millisecond: Seine-Saint-Denis' partners in
    2024 took 2,7 ms summed by DuckDB per country and flow (4,2 ms with one filtered sum per
    flow), 1,4 ms as their 1 974 rows."""
    key, flow, value, mass = db.columns(sql, params).values()
    idx, keys = pd.factorize(_plain(key), use_na_sentinel=True)
    if to_key is not None:
        mapped = np.array([to_key.get(k) for k in keys], dtype=object)
        known = np.array([m is not None for m in mapped], dtype=bool)
        level_idx, keys = pd.factorize(mapped[known])
        remap = np.full(len(mapped), -1, dtype=np.int64)
        remap[known] = level_idx
        idx = np.where(idx >= 0, remap[np.maximum(idx, 0)], -1)
    keys = np.asarray(keys, dtype=object)
    n = len(keys)
    kept = idx >= 0
    slot = (idx * 2 + (np.asarray(flow) == "export"))[kept]  # 2i: imports, 2i + 1: exports
    values = np.zeros(2 * n, dtype=np.int64)
    np.add.at(values, slot, np.ma.filled(value, 0).astype(np.int64, copy=False)[kept])
    has_mass = ~np.ma.getmaskarray(mass)[kept]
    kg = np.zeros(2 * n, dtype=np.int64)
    np.add.at(
        kg, slot[has_mass], np.ma.filled(mass, 0).astype(np.int64, copy=False)[kept][has_mass]
    )
    weighed = np.bincount(slot[has_mass], minlength=2 * n) > 0
    kg_float = np.where(weighed, kg.astype(np.float64), np.nan)
    return keys, values[0::2], values[1::2], kg_float[0::2], kg_float[1::2]


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
    db: Reader, f: Filters, periods: list[Period], totals: DeptTotals
) -> list[dict[str, tuple[int, int | None, int]]]:
    """Per period of ``periods``: flow → (territory, its région or None, France) totals."""
    catalog = db.catalog()
    mine = totals.mask(catalog.members(f.territory))
    home = catalog.region_of(f.territory)  # the région a département belongs to
    region = totals.mask(catalog.members(f"R{home}")) if home else None
    out = []
    for period in periods:
        values, _ = totals.sums(period)
        out.append(
            {
                flow: (
                    int(values[mine, i].sum()),
                    int(values[region, i].sum()) if region is not None else None,
                    int(values[:, i].sum()),
                )
                for i, flow in enumerate(("export", "import"))
            }
        )
    return out


def _ranks(db: Reader, f: Filters, totals: DeptTotals) -> dict[str, int]:
    """Competition rank (1 = largest; ties share the best place) per flow, among départements
    for a département and among régions for a région, of those that traded that flow in the
    period (none for a territory that did not)."""
    catalog = db.catalog()
    values, rows = totals.sums(f.period)
    if f.kind == "departement":
        keys = np.array(list(catalog.departements), dtype=object)
        mine = f.territory
    else:  # régions: their départements summed
        regions = [r for _, r in catalog.departements.values()]
        keys, inverse = np.unique(np.array(regions, dtype=object), return_inverse=True)
        values = np.stack([np.bincount(inverse, weights=values[:, i]) for i in (0, 1)], axis=1)
        rows = np.stack([np.bincount(inverse, weights=rows[:, i]) for i in (0, 1)], axis=1)
        mine = f.region_code
    at = np.flatnonzero(keys == mine)
    ranks: dict[str, int] = {}
    for i, flow in enumerate(("export", "import")):
        traded = rows[:, i] > 0
        if len(at) and traded[at[0]]:
            ranks[flow] = 1 + int((values[traded, i] > values[at[0], i]).sum())
    return ranks


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


def territoires_by_region(catalog) -> dict[str, int]:
    """How many principal Territoires d'industrie each région lists (``territoires_of`` of
    every région, counted), from one grouping of the whole table: France's fiche lists them
    all, and one ``territoires_of`` per région took 5 ms each."""
    rows = catalog.territoires
    regions = rows["dept"].map(lambda d: catalog.region_of(d)).rename("region")
    sums = rows.groupby([regions, rows["id"], rows["name"]], as_index=False)[
        ["n_communes", "share"]
    ].sum()
    counts = sums[ti.is_listed(sums)].groupby("region").size()
    return {code: int(counts.get(code, 0)) for code in catalog.regions}


def kpis(db: Reader, f: Filters) -> Kpis:
    catalog = db.catalog()
    prev = catalog.previous(f.period)
    periods = [f.period] + ([prev] if prev else [])
    totals = catalog.dept_totals
    sums = _scope_sums(db, f, periods, totals)
    exp, imp = sums[0]["export"], sums[0]["import"]
    prev_exp = sums[1]["export"] if prev else None
    prev_imp = sums[1]["import"] if prev else None
    region = catalog.region_of(f.territory)

    ranks: dict[str, int] = {}
    rank_of = None
    if f.kind != "france":
        ranks = _ranks(db, f, totals)
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


def _first_ranks(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Rank 1 for the largest value, ties broken by code (as ``row_number() OVER (ORDER BY
    value DESC, code)``)."""
    order = np.lexsort((codes.astype(str), -values))
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def partner_balance(db: Reader, f: Filters) -> PartnerBalance:
    table_name, where, params = _source(db, f, None if f.products else "country")
    sel, sel_params = f.selection_sql()
    codes, imports, exports, imports_kg, exports_kg = _flow_sums(
        db,
        f"""SELECT country, flow, value_eur, mass_kg FROM {table_name}
        WHERE {where} AND {sel}""",
        [*params, *sel_params],
    )
    catalog = db.catalog()
    # Names of the period's year; codes missing from the reference are labelled, never dropped.
    name, year = catalog.country_name, f.period.year
    info = catalog.country_info
    unknown = (None, False, "Non déterminé")
    attrs = [info.get(c, unknown) for c in codes]
    total_imports, total_exports = int(imports.sum()), int(exports.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = np.where(imports > 0, exports / np.where(imports > 0, imports, 1), np.nan)
        share_imports = imports / total_imports if total_imports else np.full(len(codes), np.nan)
        share_exports = exports / total_exports if total_exports else np.full(len(codes), np.nan)
    main = ((_first_ranks(exports, codes) <= f.top) & (exports > 0)) | (
        (_first_ranks(imports, codes) <= f.top) & (imports > 0)
    )
    # Columns in their final order as numpy arrays, then one DataFrame: a few hundred rows,
    # where each pandas operation would cost more than the arithmetic.
    order = np.lexsort((codes.astype(str), -(imports + exports)))
    codes, imports, exports = codes[order], imports[order], exports[order]
    imports_kg, exports_kg = imports_kg[order], exports_kg[order]
    attrs = [attrs[i] for i in order]
    table = pd.DataFrame(
        {
            "code": codes,
            "name": np.array([name(c, year) for c in codes], dtype=object),
            "iso3": np.array([a[0] for a in attrs], dtype=object),
            "eu27": np.array([a[1] for a in attrs], dtype=bool),
            "zone": np.array([a[2] for a in attrs], dtype=object),
            "imports": imports,
            "exports": exports,
            "balance": exports - imports,
            "coverage": coverage[order],
            "share_imports": share_imports[order],
            "share_exports": share_exports[order],
            "imports_kg": imports_kg,
            "exports_kg": exports_kg,
            "main": main[order],
            "imports_per_kg": _per_kg(imports, imports_kg),
            "exports_per_kg": _per_kg(exports, exports_kg),
        },
        copy=False,
    )
    return PartnerBalance(table, total_exports, total_imports, f.period)


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


_PARENTS = {  # parent columns a level's table carries (Catalog.level_labels gives them)
    "A17": [],
    "A38": ["a17", "a17_label"],
    "A129": ["a17", "a17_label", "a38", "a38_label"],
    "CPF4": ["a17", "a17_label", "a38", "a38_label", "a129", "a129_label"],
}


def product_breakdown(db: Reader, f: Filters, level: str | None = None) -> ProductBreakdown:
    level = level or f.level
    if level not in LEVEL_COLUMNS:  # the allowlist
        raise KeyError(level)
    table_name, where, params = _source(db, f, None if f.partners else "product")
    sel, sel_params = f.selection_sql()
    # CPF4 products summed to the level in numpy: no join on the product table.
    codes, imports, exports, imports_kg, exports_kg = _flow_sums(
        db,
        f"""SELECT product, flow, value_eur, mass_kg FROM {table_name}
        WHERE {where} AND {sel}""",
        [*params, *sel_params],
        to_key=db.catalog().parent_of(level),
    )
    parents = db.catalog().level_labels(level)
    total_imports, total_exports = int(imports.sum()), int(exports.sum())
    # Sorted numpy columns, then one DataFrame (see partner_balance).
    order = np.lexsort((codes.astype(str), -(imports + exports)))
    codes, imports, exports = codes[order], imports[order], exports[order]
    imports_kg, exports_kg = imports_kg[order], exports_kg[order]
    columns: dict[str, object] = {"code": codes}
    names = [parents[c] for c in codes]
    # Object columns even when nothing matches, so that callers can join labels as text.
    columns["label"] = np.array([n[0] for n in names], dtype=object)
    for i, name in enumerate(_PARENTS[level]):
        columns[name] = np.array([n[1 + i] for n in names], dtype=object)
    nan = np.full(len(codes), np.nan)
    columns |= {
        "imports": imports,
        "exports": exports,
        "imports_kg": imports_kg,
        "exports_kg": exports_kg,
        "balance": exports - imports,
        "share_imports": imports / total_imports if total_imports else nan,
        "share_exports": exports / total_exports if total_exports else nan,
        "imports_per_kg": _per_kg(imports, imports_kg),
        "exports_per_kg": _per_kg(exports, exports_kg),
    }
    table = pd.DataFrame(columns, copy=False)
    return ProductBreakdown(level, table, total_exports, total_imports, f.period)


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


def _top_slots(keys: np.ndarray, values: np.ndarray, top: int) -> tuple[np.ndarray, list[str]]:
    """For each row, the slot of its key among the ``top`` keys with the largest positive
    totals (0…k-1, ties broken by key), or ``k`` ("Autres"); and those k keys in order."""
    codes, uniques = pd.factorize(keys)
    totals = np.bincount(codes, weights=values, minlength=len(uniques))
    order = np.lexsort((np.asarray(uniques, dtype=str), -totals))
    chosen = [i for i in order[:top] if totals[i] > 0]
    slot = np.full(len(uniques), len(chosen), dtype=np.int64)
    slot[chosen] = np.arange(len(chosen))
    return slot[codes], [str(uniques[i]) for i in chosen]


_A17_OF_A38 = "JOIN (SELECT DISTINCT a38, a17 FROM product) h ON h.a38 = t.a38"


def sankey_flows(db: Reader, f: Filters, n_top_links: int = 5) -> SankeyFlows:
    code_col, label_col = LEVEL_COLUMNS[f.level]
    sel, sel_params = f.selection_sql()
    # One row per (product at the level, country); the top N of each side and "Autres" are
    # formed below on these few thousand rows. At A38 and A17, without a product selection,
    # from the territory's flows table (summed at A38 by the build); otherwise the detail.
    if code_col in ("a38", "a17") and not f.products:
        table_name, where, params = _source(db, f, "flows")
        parent = "" if code_col == "a38" else _A17_OF_A38
        sql = f"""SELECT {code_col}, t.country, sum(t.value_eur)::BIGINT FROM {table_name} t
            {parent} WHERE {where} AND t.flow = ? AND {sel} GROUP BY ALL"""
    else:
        table_name, where, params = _source(db, f)
        sql = f"""SELECT p.{code_col}, t.country, sum(t.value_eur)::BIGINT
            FROM {table_name} t JOIN product p ON p.code = t.product
            WHERE {where} AND flow = ? AND {sel} GROUP BY ALL"""
    (products, countries), (values,) = _sums(db, sql, [*params, f.flow, *sel_params], keys=2)
    catalog = db.catalog()
    product_labels = catalog.level_labels(f.level)
    weights = values.astype("float64")  # exact: euro totals stay far below 2**53
    p_slot, top_products = _top_slots(products, weights, f.top)
    c_slot, top_countries = _top_slots(countries, weights, f.top)
    width = len(top_countries) + 1
    sums = np.bincount(
        p_slot * width + c_slot, weights=weights, minlength=(len(top_products) + 1) * width
    )
    p_ids = [f"P:{p}" for p in top_products] + [f"P:{OTHERS}"]
    c_ids = [f"C:{c}" for c in top_countries] + [f"C:{OTHERS}"]
    labels = {f"P:{OTHERS}": OTHERS, f"C:{OTHERS}": OTHERS}
    labels |= {f"P:{p}": product_labels.get(p, (p,))[0] for p in top_products}
    labels |= {f"C:{c}": catalog.country_name(c, f.period.year) for c in top_countries}
    # At most (N + 1)² links: plain Python, then one DataFrame.
    records = []
    for cell in np.flatnonzero(sums > 0):
        p_id, c_id = p_ids[cell // width], c_ids[cell % width]
        src, target = (p_id, c_id) if f.flow == "export" else (c_id, p_id)
        records.append((src, target, int(round(sums[cell]))))
    records.sort(key=lambda r: (-r[2], r[0], r[1]))
    top_flags, named_seen = [], 0
    for src, target, _ in records:
        named = not src.endswith(OTHERS) and not target.endswith(OTHERS)
        top_flags.append(named and named_seen < n_top_links)
        named_seen += named
    links = pd.DataFrame(
        {
            "source": np.array([r[0] for r in records], dtype=object),
            "target": np.array([r[1] for r in records], dtype=object),
            "source_label": np.array([labels[r[0]] for r in records], dtype=object),
            "target_label": np.array([labels[r[1]] for r in records], dtype=object),
            "value": np.array([r[2] for r in records], dtype="int64"),
            "top": np.array(top_flags, dtype=bool),
        },
        copy=False,
    )

    used = {r[0] for r in records} | {r[1] for r in records}
    products_side = tuple(n for n in p_ids if n in used)
    countries_side = tuple(n for n in c_ids if n in used)
    left, right = (
        (products_side, countries_side) if f.flow == "export" else (countries_side, products_side)
    )
    return SankeyFlows(
        f.flow, f.level, links, sum(r[2] for r in records), left, right, labels, f.period
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
    (sums,) = _scope_sums(db, f, [f.period], catalog.dept_totals)
    exp, imp = sums["export"], sums["import"]
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
def _rows_source(db: Reader, f: Filters) -> tuple[str, str, list, bool]:
    """Table, predicate and parameters of the rows behind the filters (the period, the flow,
    the territory and the selections), and whether the rows have a département (all but
    France)."""
    period, period_params = f.period_sql("t.")
    sel, sel_params = f.selection_sql()
    common = f"{period} AND t.flow = ? AND {sel}"
    common_params = [*period_params, f.flow, *sel_params]
    if f.kind == "france":
        return "trade_france", common, common_params, False
    if f.kind == "region":  # ``trade`` is sorted on the région: one range per slice
        return "trade", f"t.region = ? AND {common}", [f.region_code, *common_params], True
    region = db.catalog().region_of(f.territory)  # see ``source``: the région's zone maps
    if region is None:
        return "trade", f"t.dept = ? AND {common}", [f.territory, *common_params], True
    return (
        "trade",
        f"t.region = ? AND t.dept = ? AND {common}",
        [region, f.territory, *common_params],
        True,
    )


def _rows_sql(
    db: Reader,
    f: Filters,
    limit: int | None = None,
    least: int | None = None,
    ordered: bool = True,
) -> tuple[str, list]:
    """The rows behind the filters, largest first (ties in a fixed order), cut to ``limit``,
    of a value of at least ``least`` if given: the detail columns only, labelled by
    ``_label_rows``. Not ``ordered``: in no order (and not cut)."""
    table, where, params, has_dept = _rows_source(db, f)
    keys = "t.dept, t.product, t.country" if has_dept else "t.product, t.country"
    dept = "t.dept, " if has_dept else ""
    if least is not None:
        where, params = f"{where} AND t.value_eur >= ?", [*params, int(least)]
    sql = f"""
        SELECT t.year, t.quarter, t.flow, {dept}t.product, t.country, t.value_eur, t.mass_kg
        FROM {table} t WHERE {where}
    """
    if not ordered:
        return sql, params
    sql += f" ORDER BY t.value_eur DESC, t.year, t.quarter, {keys}"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, int(limit)]
    return sql, params


def _largest_rows(db: Reader, f: Filters, limit: int) -> pa.Table:
    """``_rows_sql(db, f, limit)``'s rows, without DuckDB's top-N: the rows of at least a
    value that leaves out none of the ``limit`` largest, sorted, cut.

    DuckDB's top-N with a limit of thousands is slow: 5 000 rows of 9 000 take it 7 ms,
    against 5 ms to sort them all. The value comes from the build's ``top_values`` (the rows
    and largest values of each département's and France's quarters, read once per build), so
    one query reads the rows: a few more than ``limit`` at most, or all of them when there are
    no more. With a partner or product selection, which those values know nothing of, it is
    the ``limit``-th largest value itself, from a first query (an aggregate over the values
    alone). The rows of at least that value hold the largest, ties included, in the same
    order."""
    least = None
    if not f.partners and not f.products:
        least = db.catalog().top_values.least(f.period.quarters, f.flow, f.territory, limit)
    if least is None:
        table, where, params, _ = _rows_source(db, f)
        ((least,),) = db.rows(
            f"SELECT list_last(max(t.value_eur, ?)) FROM {table} t WHERE {where}",
            [int(limit), *params],
        )
    if least is None:  # no row
        return db.arrow(*_rows_sql(db, f, limit))
    # The few thousand rows sorted by Arrow: DuckDB's sort of them costs about a millisecond
    # more. The same order as ``_rows_sql``'s (its ties broken on the same keys).
    sql, params = _rows_sql(db, f, least=least, ordered=False)
    rows = db.arrow(sql, params)
    keys = [("value_eur", "descending"), ("year", "ascending"), ("quarter", "ascending")]
    keys += [(c, "ascending") for c in ("dept", "product", "country") if c in rows.column_names]
    return rows.take(pc.sort_indices(rows, sort_keys=keys)[:limit])


def _label_rows(db: Reader, f: Filters, rows: pa.Table | pa.RecordBatch) -> pd.DataFrame:
    """The detail rows with their labels, in ``trade_rows``' columns: département name,
    product label and parents, partner name of the period's year (codes missing from the
    reference tables are labelled, never dropped). Labels come from the build's catalog as
    Arrow arrays, looked up for all rows at once (``db.Labels``): cheaper than joining the
    tables in the query, or than a Python lookup per distinct code. The columns are put
    together in Arrow and converted once."""
    catalog = db.catalog()
    out = {c: rows.column(c) for c in ("year", "quarter", "flow")}
    if "dept" in rows.column_names:
        out["dept"] = rows.column("dept")
        (out["dept_name"],) = catalog.dept_labels.of(out["dept"])
    out["product"] = rows.column("product")
    label, a129, a38, a17 = catalog.product_labels.of(out["product"])
    if label.null_count:  # a code the table lacks: labelled with itself
        label = pc.coalesce(label, _plain_strings(out["product"]))
    out["product_label"] = label
    out.update(a129=a129, a38=a38, a17=a17)
    out["country"] = rows.column("country")
    (name,) = catalog.country_labels_of(f.period.year).of(out["country"])
    if name.null_count:
        unknown = pc.binary_join_element_wise(
            _plain_strings(out["country"]), pa.scalar(" (non déterminé)"), ""
        )
        name = pc.coalesce(name, unknown)
    out["country_name"] = name
    out["value_eur"] = rows.column("value_eur")
    out["mass_kg"] = rows.column("mass_kg")
    return pa.table(out).to_pandas()


def _plain_strings(codes: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A column of codes as plain Arrow strings, one chunk (what the label columns are)."""
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    return codes if codes.type == pa.string() else codes.cast(pa.string())


def trade_rows(db: Reader, f: Filters, limit: int | None = None) -> pd.DataFrame:
    """The rows behind the filters, labelled, largest first; the ``limit`` largest if given.

    A France-wide year is several hundred thousand rows: pages ask for a limited grid and read
    the full rows only to build a download.
    """
    if limit is None or limit < 1:
        return _label_rows(db, f, db.arrow(*_rows_sql(db, f, limit)))
    return _label_rows(db, f, _largest_rows(db, f, limit))


def trade_rows_batches(db: Reader, f: Filters, size: int = 100_000) -> Iterator[pd.DataFrame]:
    """``trade_rows`` in order, in DataFrames of at most ``size`` rows (for downloads)."""
    sql, params = _rows_sql(db, f)
    for batch in db.batches(sql, params, size):
        yield _label_rows(db, f, batch)


@dataclass(frozen=True)
class RowsSummary:
    rows: int
    exports: int
    imports: int
    has_dept: bool = True


def trade_rows_summary(db: Reader, f: Filters) -> RowsSummary:
    """How many rows the filters select and their export and import totals (euros).

    Without a partner or product selection, from the territory's partner table, whose
    ``rows`` counts the detail rows each of its rows sums (``build.QUARTERLY``): a few
    thousand rows read instead of tens of thousands."""
    table, where, params, count = _counted_source(db, f, "country")
    ((n, exports, imports),) = db.rows(
        f"""
        SELECT CAST(coalesce({count}, 0) AS BIGINT),
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'export'), 0) AS BIGINT),
               CAST(coalesce(sum(value_eur) FILTER (WHERE flow = 'import'), 0) AS BIGINT)
        FROM {table} t WHERE {where}
        """,
        params,
    )
    return RowsSummary(int(n), int(exports), int(imports), f.kind != "france")


def _counted_source(db: Reader, f: Filters, keep: str) -> tuple[str, str, list, str]:
    """Where the rows behind the filters are counted and summed by ``keep`` (``country`` or
    ``product``): table, predicate, parameters and the count of detail rows. Without a
    selection, the territory's table by ``keep``, whose ``rows`` counts them; with one, the
    detail rows themselves (``_rows_source``)."""
    if f.partners or f.products:
        table, where, params, _ = _rows_source(db, f)
        return table, where, params, "count(*)"
    table, where, params = _source(db, f, keep)
    return table, f"{where} AND t.flow = ?", [*params, f.flow], "sum(t.rows)"


# The allowed groupings of the rows: the code and label columns of ``trade_rows``.
ROW_GROUPS = {"pays": ("country", "country_name"), "produits": ("product", "product_label")}


def trade_rows_grouped(db: Reader, f: Filters, by: str) -> pd.DataFrame:
    """The rows summed per flow and partner (``pays``) or product (``produits``): the code and
    label columns of ``trade_rows``, ``flow``, ``value_eur``, ``mass_kg`` and ``n`` (rows
    summed), in code and flow order. Labelled as ``trade_rows`` is, from the catalog. Without
    a partner or product selection, from the territory's table by partner or product, whose
    ``rows`` counts the detail rows (as ``trade_rows_summary``)."""
    code, label = ROW_GROUPS[by]  # KeyError for anything off the allowlist
    table, where, params, count = _counted_source(db, f, code)
    (codes, flows), (values, mass, n) = _sums(
        db,
        f"""
        SELECT t.{code}, t.flow, CAST(sum(t.value_eur) AS BIGINT),
               CAST(sum(t.mass_kg) AS BIGINT), CAST({count} AS BIGINT)
        FROM {table} t WHERE {where}
        GROUP BY t.{code}, t.flow
        """,
        params,
        keys=2,
    )
    order = np.lexsort((flows.astype(str), codes.astype(str)))  # a few hundred rows
    codes, flows = codes[order], flows[order]
    catalog = db.catalog()
    if by == "pays":
        labels = [catalog.country_name(c, f.period.year) for c in codes]
    else:
        info = catalog.product_info
        labels = [info.get(p, (p,))[0] for p in codes]
    return pd.DataFrame(
        {
            code: codes,
            label: np.array(labels, dtype=object),
            "flow": flows,
            "value_eur": values[order],
            "mass_kg": mass[order],
            "n": n[order],
        }
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
        table.reset_index(drop=True), balance.total_exports, balance.total_imports, balance.period
    )
