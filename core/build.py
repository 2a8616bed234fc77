"""Writing a build: the one place that turns reference tables and canonical trade rows into a
complete database file. The demonstration generator (``core.demo``) and the loader of official
files (``core.load``) both write through here; ``core.store`` then swaps the file in.

The canonical trade rows (``TRADE_SCHEMA``) are those of the customs' regional files, one per
(year, quarter, flow, département, CPF4 product, partner country), values in whole euros, mass
in kilograms (NULL when a source has none). A writer fills a staging table in any order
(``fill``); ``write_build`` then stores them sorted, with the derived tables every view reads:

- ``trade``: the detail with each département's région, sorted on (year, quarter, flow,
  region, dept) with small row groups: a slice (year, quarter, flow) is a contiguous range,
  and one région's or département's quarter a few blocks in it that DuckDB reads alone; a load
  copies the slices it keeps as they are (``Base``);
- ``trade_region`` and ``trade_france``: the same detail summed over the départements of each
  région and of France, so that a région or France view never scans the départements' rows;
- ``trade_year``, ``trade_region_year``, ``trade_france_year``: the three summed over the
  quarters of each year (about three times fewer rows), which whole-year views read;
- ``totals_dept``: one row per (year, quarter, flow, département) for key figures, ranks, maps
  and trends;
- ``dept_partners``, ``dept_products``, ``region_partners``, ``region_products``,
  ``france_partners``, ``france_products``: each territory's quarters summed over products
  (by partner) or over partners (by product), a few hundred thousand rows at most, for the
  views that need only one of the two; their ``rows`` (and ``trade_region``'s) count the
  detail rows a territory's data grid lists, so that its counts and its sums by partner or
  product are read from them;
- ``dept_flows``, ``region_flows``, ``france_flows``: each territory's quarters by A38
  product and partner, in euros, what the Sankey diagrams at A38 and A17 read (a quarter to a
  tenth of the detail's rows); a load on top of a build copies them only if the product
  hierarchy is the same;
- ``top_values``: for each (year, quarter, flow) and each département's rows in ``trade``
  (and France's in ``trade_france``), the row count and a few of the largest values, at ranks
  ``top_ranks``: bounds from which the largest rows of any period are read in one query
  (``db.TopValues``);
- ``slices``: one row per (year, quarter, flow) with its rows, value, fingerprint and source
  files: what the load report and the provenance banner say, and what a newer file replaces;
- ``metadata``: where the figures come from.

The new rows are staged in a file of their own beside the build (``<build>.staging``), deleted
once the build is written or has failed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core import reference

# Rows per row group: DuckDB's default (122 880) makes a département's quarter a fraction of
# one group; 16 384 lets zone maps skip to the blocks a view needs (measured by the benchmark).
ROW_GROUP_SIZE = 16_384

TRADE_SCHEMA = pa.schema(
    [
        ("year", pa.int16()),
        ("quarter", pa.int8()),
        ("flow", pa.string()),  # "export" / "import"
        ("dept", pa.string()),  # "01"…"95", "20", "971"…"976", "99"
        ("product", pa.string()),  # CPF4 code
        ("country", pa.string()),
        ("value_eur", pa.int64()),
        ("mass_kg", pa.int64()),  # NULL when the source has no mass
    ]
)
TRADE_COLUMNS = tuple(TRADE_SCHEMA.names)

# The most rows a view asks for in order of value (the data grid's): ``top_values`` holds
# values down to this rank.
TOP_ROWS = 5_000


def top_ranks(rows: int) -> list[int]:
    """The ranks (1 = largest) whose values ``top_values`` keeps for a group of ``rows`` rows:
    about 1,2 apart from 1 up to ``TOP_ROWS``, and the group's last rank within it. A bound
    read from them undercounts the rows above a value by about a fifth at most (plus a row per
    group, and up to the last step, 4 770 → 5 000)."""
    last = min(rows, TOP_ROWS)
    ranks, r = [], 1
    while r < last:
        ranks.append(r)
        r = max(r + 1, r * 6 // 5)
    return [*ranks, last] if last > 0 else []


_TOP_RANKS = top_ranks(TOP_ROWS)

SCHEMA_SQL = """
CREATE TABLE region (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE departement (
    code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR NOT NULL,
    customs_code VARCHAR NOT NULL, chef_lieu VARCHAR NOT NULL
);
CREATE TABLE product (
    code VARCHAR PRIMARY KEY, label VARCHAR NOT NULL,
    a129 VARCHAR NOT NULL, a129_label VARCHAR NOT NULL,
    a38 VARCHAR NOT NULL, a38_label VARCHAR NOT NULL,
    a17 VARCHAR NOT NULL, a17_label VARCHAR NOT NULL
);
CREATE TABLE country (
    code VARCHAR PRIMARY KEY, name_fr VARCHAR NOT NULL, iso3 VARCHAR,
    eu27 BOOLEAN NOT NULL, zone VARCHAR NOT NULL
);
CREATE TABLE country_label (
    code VARCHAR NOT NULL, label VARCHAR NOT NULL,
    start_year INTEGER NOT NULL, end_year INTEGER NOT NULL
);
CREATE TABLE territoire_industrie (
    id VARCHAR NOT NULL, name VARCHAR NOT NULL, dept VARCHAR NOT NULL,
    n_communes INTEGER NOT NULL, population BIGINT NOT NULL, share DOUBLE NOT NULL
);
CREATE TABLE metadata (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE scratch.staging (
    year SMALLINT NOT NULL, quarter TINYINT NOT NULL, flow VARCHAR NOT NULL,
    dept VARCHAR NOT NULL, product VARCHAR NOT NULL, country VARCHAR NOT NULL,
    value_eur BIGINT NOT NULL, mass_kg BIGINT,
    source VARCHAR NOT NULL
);
"""


@dataclass(frozen=True)
class Reference:
    """The reference tables a build holds (all pandas, codes as text)."""

    regions: pd.DataFrame  # code, name
    depts: pd.DataFrame  # code, name, region, customs_code, chef_lieu
    products: pd.DataFrame  # code, label, a129, a129_label, a38, a38_label, a17, a17_label
    countries: pd.DataFrame  # code, name_fr, iso3, eu27, zone
    country_labels: pd.DataFrame  # code, label, start_year, end_year
    territoires: pd.DataFrame  # id, name, dept, n_communes, population, share

    @classmethod
    def load(cls) -> Reference:
        """The project's reference tables (``data/reference``)."""
        return cls(
            regions=reference.load_regions(),
            depts=reference.load_departements(),
            products=reference.load_products(),
            countries=reference.load_countries(),
            country_labels=reference.country_labels(),
            territoires=reference.load_territoires_industrie(),
        )

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Reference:
        """The reference tables of an existing build (a connection on it)."""

        def df(sql: str) -> pd.DataFrame:
            return con.sql(sql).df()

        countries = df("SELECT code, name_fr, iso3, eu27, zone FROM country ORDER BY code")
        countries["iso3"] = countries["iso3"].fillna("")
        return cls(
            regions=df("SELECT code, name FROM region ORDER BY code"),
            depts=df("SELECT * FROM departement ORDER BY code"),
            products=df("SELECT * FROM product ORDER BY code"),
            countries=countries,
            country_labels=df("SELECT * FROM country_label"),
            territoires=df("SELECT * FROM territoire_industrie"),
        )


def _insert_reference(con: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    for name, frame in (
        ("r_region", ref.regions),
        ("r_dept", ref.depts),
        ("r_product", ref.products),
        ("r_country", ref.countries),
        ("r_country_label", ref.country_labels),
        ("r_ti", ref.territoires),
    ):
        con.register(name, frame)
    con.execute("INSERT INTO region SELECT code, name FROM r_region")
    con.execute(
        "INSERT INTO departement SELECT code, name, region, customs_code, chef_lieu FROM r_dept"
    )
    con.execute(
        """INSERT INTO product SELECT code, label, a129, a129_label, a38, a38_label, a17,
        a17_label FROM r_product"""
    )
    con.execute(
        "INSERT INTO country SELECT code, name_fr, nullif(iso3, ''), eu27, zone FROM r_country"
    )
    con.execute(
        "INSERT INTO country_label SELECT code, label, start_year, end_year FROM r_country_label"
    )
    con.execute(
        """INSERT INTO territoire_industrie
        SELECT id, name, dept, n_communes, population, share FROM r_ti"""
    )
    for name in ("r_region", "r_dept", "r_product", "r_country", "r_country_label", "r_ti"):
        con.unregister(name)


@dataclass(frozen=True)
class BuildStats:
    rows: int
    seconds: float


Fill = Callable[[duckdb.DuckDBPyConnection], None]


@dataclass(frozen=True)
class SortedFill:
    """A fill whose rows come already in ``trade``'s order, each with its département's
    région: ``insert(con)`` appends them to ``trade`` itself (``TRADE_COLUMNS`` + ``region``),
    sorted on (year, quarter, flow, region, dept) as ``_TRADE_SORTED`` sorts them, and
    ``source`` names them in ``slices``. No staging copy of the rows and no sort of the whole
    table: the demonstration's generator sorts its own rows, a few million at a time, while
    DuckDB writes the previous ones. Builds from nothing only (never with a ``Base``)."""

    insert: Fill
    source: str


@dataclass(frozen=True)
class Base:
    """The current build a load starts from, and its slices to keep: their rows and derived
    rows are copied as they are (no re-aggregation), the other slices come from ``fill``."""

    path: Path
    keep: frozenset[tuple[int, int, str]]  # (year, quarter, flow)


def write_build(
    path: Path | str,
    ref: Reference,
    fill: Fill | SortedFill,
    metadata: dict[str, object],
    base: Base | None = None,
) -> BuildStats:
    """Write a complete database at ``path`` (a new file): reference tables, then ``fill(con)``
    inserts the new trade rows into ``staging`` (``TRADE_COLUMNS`` + ``source``), then the
    sorted and derived tables, with the slices ``base`` keeps copied from the current build. The
    file is complete only when this returns; callers publish it. A ``SortedFill`` appends to
    ``trade`` directly (a build from nothing)."""
    if isinstance(fill, SortedFill) and base is not None:
        raise ValueError("a sorted fill builds from nothing: it cannot keep a base's slices")
    started = time.perf_counter()
    path = Path(path)
    # ``staging`` lives in a file of its own, removed afterwards: in the build's file, the
    # blocks it leaves when dropped stayed in the file (a quarter of its size).
    scratch = path.with_name(f"{path.name}.staging")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        # Codes are a few characters: FSST never wins over a dictionary for them, but trying it
        # on every string segment costs about a tenth of writing a large table.
        con.execute("SET disabled_compression_methods = 'fsst'")
        con.execute(f"ATTACH {_quoted(path)} AS build (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute(f"ATTACH {_quoted(scratch)} AS scratch")
        con.execute("USE build")
        con.execute("SET search_path = 'build.main,scratch.main'")  # ``staging`` by its name
        con.execute(SCHEMA_SQL)
        _insert_reference(con, ref)
        if isinstance(fill, SortedFill):
            # ``trade`` empty, with the columns and types the staging path gives it.
            con.execute(
                "CREATE TABLE trade AS " + _TRADE_SORTED.format(source="staging") + " LIMIT 0"
            )
            fill.insert(con)
            rows = _finalize(con, metadata, sorted_source=fill.source)
        else:
            fill(con)
            rows = _finalize(con, metadata, base)
        con.execute("CHECKPOINT build")
        con.execute("USE memory")
        con.execute("DETACH build")
    finally:
        con.close()
        for leftover in (scratch, scratch.with_name(f"{scratch.name}.wal")):
            leftover.unlink(missing_ok=True)
    return BuildStats(rows, time.perf_counter() - started)


def _quoted(path: Path) -> str:
    # ATTACH takes no parameters; paths are the program's own (store.new_build_path, builds).
    return "'" + str(path).replace("'", "''") + "'"


def arrow_fill(table: pa.Table | pa.RecordBatchReader, source: str) -> Fill:
    """A ``fill`` that inserts canonical rows from Arrow (every row from one source)."""

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        con.register("f_rows", table)
        con.execute(
            """INSERT INTO staging SELECT year, quarter, flow, dept, product, country,
            value_eur, mass_kg, ? FROM f_rows""",
            [source],
        )
        con.unregister("f_rows")

    return fill


# The quarterly tables, each summed from the one before (its cheapest input): name, parent,
# join, columns beyond (year, quarter, flow), sort key, and how its ``rows`` column counts
# (None: no such column). All are sorted time first, then by territory: a slice (year,
# quarter, flow) is a contiguous range, so that a load copies the slices it keeps as they are,
# and a territory is a narrow range within it for the zone maps.
#
# ``rows``: how many rows of the detail a territory's data grid lists (``trade`` for a
# département or a région, ``trade_france`` for France) each row sums, so that the grid's
# counts and its sums by partner or product are read from these small tables.
_EUROS = "CAST(sum(value_eur) AS BIGINT) AS value_eur"
_VALUE = f"{_EUROS}, CAST(sum(mass_kg) AS BIGINT) AS mass_kg"
_COUNT, _SUM_ROWS = "count(*)", "sum(t.rows)"
# ``*_flows``: products at the A38 level by partner, in euros (no mass), what a Sankey
# diagram at A38 or A17 (A38's parent) sums: a quarter to a tenth of the detail's rows. Codes
# the product table lacks have no level and are left out, as the diagram's join leaves them
# out.
_BY_A38 = "JOIN product p ON p.code = t.product"
_EUROS_ONLY = frozenset({"dept_flows", "region_flows", "france_flows"})
QUARTERLY = (
    ("trade_region", "trade", "", "t.region, t.product, t.country", "region", _COUNT),
    ("trade_france", "trade_region", "", "t.product, t.country", None, None),
    ("totals_dept", "trade", "", "t.dept", "dept", None),
    ("dept_partners", "trade", "", "t.dept, t.country", "dept", _COUNT),
    ("dept_products", "trade", "", "t.dept, t.product", "dept", _COUNT),
    ("region_partners", "trade_region", "", "t.region, t.country", "region", _SUM_ROWS),
    ("region_products", "trade_region", "", "t.region, t.product", "region", _SUM_ROWS),
    ("france_partners", "trade_france", "", "t.country", None, _COUNT),
    ("france_products", "trade_france", "", "t.product", None, _COUNT),
    ("dept_flows", "trade", _BY_A38, "t.dept, p.a38, t.country", "dept", None),
    ("region_flows", "trade_region", _BY_A38, "t.region, p.a38, t.country", "region", None),
    ("france_flows", "region_flows", "", "t.a38, t.country", None, None),
)  # fmt: skip


def _by_hierarchy() -> frozenset[str]:
    """The quarterly tables summed through the product hierarchy (a join, or a parent summed
    through it): a load on top of a build copies their kept slices only if the build's
    hierarchy is the same."""
    out: set[str] = set()
    for table, parent, join, *_ in QUARTERLY:
        if join or parent in out:
            out.add(table)
    return frozenset(out)


_BY_HIERARCHY = _by_hierarchy()


def _sums(table: str, count: str | None) -> str:
    """The summed columns of a quarterly table: value, mass (but in ``_EUROS_ONLY``) and, if
    it has one, rows."""
    value = _EUROS if table in _EUROS_ONLY else _VALUE
    return value if count is None else f"{value}, CAST({count} AS INTEGER) AS rows"


# The yearly tables: name, keys beyond (year, flow), quarterly source, sort key.
YEARLY = (
    ("trade_year", "dept, product, country", "trade", "dept"),
    ("trade_region_year", "region, product, country", "trade_region", "region"),
    ("trade_france_year", "product, country", "trade_france", None),
)  # fmt: skip
_SLICE = "year = ? AND quarter = ? AND flow = ?"
_TRADE = "year, quarter, flow, dept, product, country, value_eur, mass_kg"
# ``trade`` also carries each département's région and is sorted on it before the
# département: a région's rows are one contiguous range of a slice, which the zone maps skip to
# (its départements' codes are scattered: Auvergne-Rhône-Alpes is 01, 03, 07… 74).
_TRADE_SORTED = (
    f"SELECT s.{_TRADE.replace(', ', ', s.')}, d.region FROM {{source}} s "
    "LEFT JOIN departement d ON d.code = s.dept "
    "ORDER BY s.year, s.quarter, s.flow, d.region, s.dept"
)


def _finalize(
    con: duckdb.DuckDBPyConnection,
    metadata: dict[str, object],
    base: Base | None = None,
    sorted_source: str | None = None,
) -> int:
    """Sorted detail, derived tables and metadata from ``staging`` (and the slices ``base``
    keeps), or from ``trade`` already written by a ``SortedFill`` whose rows are
    ``sorted_source``; returns the row count."""
    rows_table = "staging" if sorted_source is None else "trade"
    new = {
        (int(y), int(q), str(f))
        for y, q, f in con.execute(
            f"SELECT DISTINCT year, quarter, flow FROM {rows_table}"
        ).fetchall()
    }
    kept = sorted(base.keep - new) if base is not None else []
    if kept:
        con.execute(f"ATTACH {_quoted(base.path)} AS base (READ_ONLY)")
    try:
        _slices(con, kept, sorted_source)
        _quarterly(con, kept, written=sorted_source is not None)
        _yearly(con, kept, new)
        _top_values(con)
    finally:
        if kept:
            con.execute("DETACH base")
    # Codes a source used that the reference tables lack are kept, labelled, never dropped.
    con.execute(
        """
        INSERT INTO country
        SELECT DISTINCT t.country, t.country || ' (non déterminé)', NULL, false, 'Non déterminé'
        FROM trade_france_year t ANTI JOIN country c ON c.code = t.country
        """
    )
    rows, year_min, year_max = con.execute(
        "SELECT sum(rows), min(year), max(year) FROM slices"
    ).fetchone()
    countries = con.execute("SELECT count(DISTINCT country) FROM trade_france_year").fetchone()[0]
    meta = {
        "rows": int(rows or 0),
        "year_min": year_min,
        "year_max": year_max,
        "countries_used": countries,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **metadata,
    }
    con.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in meta.items()],
    )
    return int(rows or 0)


def _slices(
    con: duckdb.DuckDBPyConnection,
    kept: list[tuple[int, int, str]],
    sorted_source: str | None = None,
) -> None:
    """``slices``: each new (year, quarter, flow) of ``staging``, or of ``trade`` when a
    ``SortedFill`` wrote it (its rows all from ``sorted_source``), then the kept ones."""
    if sorted_source is None:
        rows, source, params = "staging", "string_agg(DISTINCT source, ', ' ORDER BY source)", []
    else:
        rows, source, params = "trade", "?::VARCHAR", [sorted_source]
    con.execute(
        f"""
        CREATE TEMP TABLE new_slices AS
        SELECT year, quarter, flow, count(*) AS rows,
               CAST(sum(value_eur) AS BIGINT) AS value_eur,
               -- why: an order-independent fingerprint of the slice's rows, so that loading
               -- the same publication again is recognised as no change.
               bit_xor(hash(dept, product, country, value_eur, mass_kg)) AS checksum,
               {source} AS source
        FROM {rows} GROUP BY year, quarter, flow
        """,
        params,
    )
    if kept:
        con.register("kept_slices", pa.table({
            "year": [y for y, _, _ in kept], "quarter": [q for _, q, _ in kept],
            "flow": [f for _, _, f in kept],
        }))  # fmt: skip
        con.execute(
            """INSERT INTO new_slices
            SELECT year, quarter, flow, rows, value_eur, checksum, source
            FROM base.slices SEMI JOIN kept_slices USING (year, quarter, flow)"""
        )
        con.unregister("kept_slices")
    con.execute("CREATE TABLE slices AS SELECT * FROM new_slices ORDER BY year, quarter, flow")
    con.execute("DROP TABLE new_slices")


def _quarterly(
    con: duckdb.DuckDBPyConnection, kept: list[tuple[int, int, str]], written: bool = False
) -> None:
    """``trade`` (unless a ``SortedFill`` has ``written`` it) and the quarterly tables. Without
    kept slices each is one sorted CREATE; with kept slices the new part is built apart (only
    the new rows are sorted and summed) and the table is then appended slice by slice in time
    order, kept slices copied from ``base``."""
    new = "new_" if kept else ""
    kind = "TEMP TABLE" if kept else "TABLE"
    if not written:
        con.execute(f"CREATE {kind} {new}trade AS " + _TRADE_SORTED.format(source="staging"))
    con.execute("DROP TABLE staging")
    for table, parent, join, columns, key, count in QUARTERLY:
        order = "year, quarter, flow" + (f", {key}" if key else "")
        con.execute(
            f"""CREATE {kind} {new}{table} AS
            SELECT t.year, t.quarter, t.flow, {columns}, {_sums(table, count)}
            FROM {new}{parent} t {join} GROUP BY ALL ORDER BY {order}"""
        )
    if not kept:
        return
    keep = set(kept)
    slices = [
        (int(y), int(q), str(f))
        for y, q, f in con.execute("SELECT year, quarter, flow FROM slices").fetchall()
    ]
    derived = {t: rest for t, *rest in QUARTERLY}  # parent, join, columns, key, count
    hierarchy = "SELECT code, a38 FROM {}product"
    same_hierarchy = not con.execute(
        f"({hierarchy.format('')} EXCEPT {hierarchy.format('base.')}) UNION ALL "
        f"({hierarchy.format('base.')} EXCEPT {hierarchy.format('')}) LIMIT 1"
    ).fetchall()
    in_base = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'base'").fetchall()}  # fmt: skip
    for table in ["trade", *derived]:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM new_{table} LIMIT 0")
        names = _columns(con, f"new_{table}")
        columns = ", ".join(names)
        # Builds written by an earlier version: ``trade`` without its région gets it from the
        # join (and its order); a derived table they lack, or whose columns they lack (its
        # ``rows``), is summed from its parent, already complete here (parents come first in
        # QUARTERLY).
        old_trade = table == "trade" and "region" not in _columns(con, "base.trade")
        copied = (
            table in in_base
            and set(names) <= set(_columns(con, f"base.{table}"))
            and (table not in _BY_HIERARCHY or same_hierarchy)
        )
        for y, q, f in slices:
            if (y, q, f) not in keep:
                select = f"SELECT {columns} FROM new_{table} WHERE {_SLICE}"
            elif old_trade:
                select = _TRADE_SORTED.format(source=f"(SELECT * FROM base.trade WHERE {_SLICE})")
            elif copied:
                select = f"SELECT {columns} FROM base.{table} WHERE {_SLICE}"
            else:
                parent, join, keys, key, count = derived[table]
                order = "year, quarter, flow" + (f", {key}" if key else "")
                select = (
                    f"SELECT t.year, t.quarter, t.flow, {keys}, {_sums(table, count)} "
                    f"FROM {parent} t {join} "
                    "WHERE t.year = ? AND t.quarter = ? AND t.flow = ? "
                    f"GROUP BY ALL ORDER BY {order}"
                )
            con.execute(f"INSERT INTO {table} {select}", [y, q, f])
        con.execute(f"DROP TABLE new_{table}")


def _top_values(con: duckdb.DuckDBPyConnection) -> None:
    """``top_values`` from the complete ``trade`` and ``trade_france`` (about 2 s for 27
    million rows: one bounded heap of values per group). ``vals`` holds the values at
    ``top_ranks(rows)``: the ranks list is cut where the group's own values end, then its last
    value is added."""
    heaps = []
    for source, region, territory in (
        ("trade", "region", "dept"),
        ("trade_france", "NULL::VARCHAR", "'FR'"),
    ):
        heaps.append(
            f"""SELECT year, quarter, flow, {region} AS region, {territory} AS territory,
                   count(*) AS rows, max(value_eur, {TOP_ROWS}) AS top
            FROM {source} GROUP BY ALL"""
        )
    con.execute(
        f"""CREATE TABLE top_values AS
        SELECT year, quarter, flow, region, territory, rows,
               list_select(top, list_append(list_filter(?::INTEGER[], lambda r: r < len(top)),
                                            len(top))) AS vals
        FROM ({" UNION ALL ".join(heaps)})
        ORDER BY year, quarter, flow, territory""",
        [_TOP_RANKS],
    )


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _yearly(
    con: duckdb.DuckDBPyConnection,
    kept: list[tuple[int, int, str]],
    new: set[tuple[int, int, str]],
) -> None:
    """The yearly tables; a (year, flow) whose quarters are all kept, and were the same in
    the current build, is copied; the others are summed from the quarterly tables."""
    groups = sorted({(y, f) for y, _, f in [*kept, *new]})
    copy: set[tuple[int, str]] = set()
    if kept:
        base_quarters: dict[tuple[int, str], set[int]] = {}
        for y, q, f in con.execute("SELECT year, quarter, flow FROM base.slices").fetchall():
            base_quarters.setdefault((int(y), str(f)), set()).add(int(q))
        kept_set = set(kept)
        for y, f in groups:
            mine = {q for yy, q, ff in [*kept, *new] if (yy, ff) == (y, f)}
            if all((y, q, f) in kept_set for q in mine) and base_quarters.get((y, f)) == mine:
                copy.add((y, f))
    for table, keys, source, key in YEARLY:
        order = "year, flow" + (f", {key}" if key else "")
        query = f"SELECT year, flow, {keys}, {_VALUE} FROM {source}"
        if not copy:
            con.execute(f"CREATE TABLE {table} AS {query} GROUP BY ALL ORDER BY {order}")
            continue
        con.execute(f"CREATE TABLE {table} AS {query} WHERE FALSE GROUP BY ALL")
        columns = ", ".join(r[0] for r in con.execute(f"DESCRIBE {table}").fetchall())
        for y, f in groups:
            if (y, f) in copy:
                con.execute(
                    f"INSERT INTO {table} SELECT {columns} FROM base.{table} "
                    "WHERE year = ? AND flow = ?",
                    [y, f],
                )
            else:
                con.execute(
                    f"INSERT INTO {table} {query} WHERE year = ? AND flow = ? "
                    f"GROUP BY ALL ORDER BY {order}",
                    [y, f],
                )


def outdated(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What a build opened on ``con`` lacks of this version's layout (empty when current):
    builds written by an earlier version are read by no page until rebuilt."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    wanted = [
        "trade", *(t for t, *_ in QUARTERLY), *(t for t, *_ in YEARLY), "top_values", "slices"
    ]  # fmt: skip
    missing = [t for t in wanted if t not in tables]
    if "trade" in tables and "region" not in _columns(con, "trade"):
        missing.append("trade.region")
    missing += [
        f"{t}.rows"
        for t, *_, count in QUARTERLY
        if count is not None and t in tables and "rows" not in _columns(con, t)
    ]
    return missing


def read_metadata(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The metadata table of a build, JSON values decoded."""
    meta: dict[str, object] = {}
    for key, value in con.execute("SELECT key, value FROM metadata").fetchall():
        try:
            meta[key] = json.loads(value)
        except ValueError:
            meta[key] = value
    return meta
