"""Writing a build: the one place that turns reference tables and canonical trade rows into a
complete database file. The demonstration generator (``core.demo``) and the loader of official
files (``core.load``) both write through here; ``core.store`` then swaps the file in.

The canonical trade rows (``TRADE_SCHEMA``) are those of the customs' regional files, one per
(year, quarter, flow, département, CPF4 product, partner country), values in whole euros, mass
in kilograms (NULL when a source has none). A writer fills a staging table in any order
(``fill``); ``write_build`` then stores them sorted, with the derived tables every view reads:

- ``trade``: the detail, sorted on (dept, year, quarter, flow) with small row groups, so that one
  département's quarter is a few contiguous blocks DuckDB reads alone;
- ``trade_region`` and ``trade_france``: the same detail summed over the départements of each
  région and of France, so that a région or France view never scans the départements' rows;
- ``trade_year``, ``trade_region_year``, ``trade_france_year``: the three summed over the
  quarters of each year (about three times fewer rows), which whole-year views read;
- ``totals_dept``: one row per (year, quarter, flow, département) for key figures, ranks, maps
  and trends;
- ``slices``: one row per (year, quarter, flow) with its rows, value, fingerprint and source
  files: what the load report and the provenance banner say, and what a newer file replaces;
- ``metadata``: where the figures come from.
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
CREATE TABLE staging (
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


def write_build(
    path: Path | str, ref: Reference, fill: Fill, metadata: dict[str, object]
) -> BuildStats:
    """Write a complete database at ``path`` (a new file): reference tables, then ``fill(con)``
    inserts the trade rows into ``staging`` (``TRADE_COLUMNS`` + ``source``), then the sorted
    and derived tables. The file is complete only when this returns; callers publish it."""
    started = time.perf_counter()
    path = Path(path)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        # ATTACH takes no parameters; the path is the program's own (store.new_build_path).
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS build (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute("USE build")
        con.execute(SCHEMA_SQL)
        _insert_reference(con, ref)
        fill(con)
        rows = _finalize(con, metadata)
        con.execute("CHECKPOINT")
        con.execute("USE memory")
        con.execute("DETACH build")
    finally:
        con.close()
    return BuildStats(rows, time.perf_counter() - started)


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


def _finalize(con: duckdb.DuckDBPyConnection, metadata: dict[str, object]) -> int:
    """Sorted detail, derived tables and metadata from ``staging``; returns the row count."""
    # Codes a source used that the reference tables lack are kept, labelled, never dropped.
    con.execute(
        """
        INSERT INTO country
        SELECT DISTINCT s.country, s.country || ' (non déterminé)', NULL, false, 'Non déterminé'
        FROM staging s ANTI JOIN country c ON c.code = s.country
        """
    )
    con.execute(
        """
        CREATE TABLE slices AS
        SELECT year, quarter, flow, count(*) AS rows,
               CAST(sum(value_eur) AS BIGINT) AS value_eur,
               -- why: an order-independent fingerprint of the slice's rows, so that loading
               -- the same publication again is recognised as no change.
               bit_xor(hash(dept, product, country, value_eur, mass_kg)) AS checksum,
               string_agg(DISTINCT source, ', ' ORDER BY source) AS source
        FROM staging GROUP BY year, quarter, flow ORDER BY year, quarter, flow
        """
    )
    # why dept first: one département's rows (all its years) are contiguous, and a year or a
    # quarter of it is a narrow range the zone maps isolate. The order within a (dept, quarter,
    # flow) block does not matter to any filter, and sorting on fewer keys is much faster.
    con.execute(
        """
        CREATE TABLE trade AS
        SELECT s.year, s.quarter, s.flow, s.dept, s.product, s.country,
               s.value_eur, s.mass_kg
        FROM staging s
        ORDER BY s.dept, s.year, s.quarter, s.flow
        """
    )
    con.execute("DROP TABLE staging")
    # Each derived table sums the one before it (cheapest input) and is sorted on the keys
    # its views filter on.
    for table, keys, source, order in (
        ("trade_year", "year, flow, dept", "trade", "dept, year, flow"),
        ("trade_region", "d.region, year, quarter, flow",
         "trade t JOIN departement d ON d.code = t.dept", "d.region, year, quarter, flow"),
        ("trade_region_year", "region, year, flow", "trade_region", "region, year, flow"),
        ("trade_france", "year, quarter, flow", "trade_region", "year, quarter, flow"),
        ("trade_france_year", "year, flow", "trade_france", "year, flow"),
    ):  # fmt: skip
        con.execute(
            f"""
            CREATE TABLE {table} AS
            SELECT {keys}, product, country,
                   CAST(sum(value_eur) AS BIGINT) AS value_eur,
                   CAST(sum(mass_kg) AS BIGINT) AS mass_kg
            FROM {source}
            GROUP BY ALL
            ORDER BY {order}
            """  # noqa: S608 (constant identifiers)
        )
    con.execute(
        """
        CREATE TABLE totals_dept AS
        SELECT year, quarter, flow, dept,
               CAST(sum(value_eur) AS BIGINT) AS value_eur,
               CAST(sum(mass_kg) AS BIGINT) AS mass_kg
        FROM trade GROUP BY ALL ORDER BY year, quarter, flow, dept
        """
    )
    rows, year_min, year_max = con.execute(
        "SELECT sum(rows), min(year), max(year) FROM slices"
    ).fetchone()
    countries = con.execute("SELECT count(DISTINCT country) FROM trade_france").fetchone()[0]
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


def read_metadata(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The metadata table of a build, JSON values decoded."""
    meta: dict[str, object] = {}
    for key, value in con.execute("SELECT key, value FROM metadata").fetchall():
        try:
            meta[key] = json.loads(value)
        except ValueError:
            meta[key] = value
    return meta
