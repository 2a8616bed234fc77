"""Writing a build (core.build): the sorted detail, the région and France tables, the quarter
totals, the slices and their fingerprints, unknown partner codes, row groups and metadata."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from core import build
from tests import fixture_data as fx

M = 1_000_000


# Cursors of the session's databases: DuckDB refuses a second connection to an open file
# with another configuration.
@pytest.fixture(scope="module")
def con(fixture_db):
    cursor = fixture_db.cursor()
    yield cursor
    cursor.close()


@pytest.fixture(scope="module")
def qcon(quarters_db):
    cursor = quarters_db.cursor()
    yield cursor
    cursor.close()


def rows(connection, sql: str, params: list | None = None) -> list[tuple]:
    return connection.execute(sql, params or []).fetchall()


def difference(connection, left: str, right: str) -> list[tuple]:
    """Rows of one query missing from the other, both ways (empty when they are equal)."""
    return rows(connection, f"({left} EXCEPT ALL {right}) UNION ALL ({right} EXCEPT ALL {left})")


# --- Derived tables equal the detail ----------------------------------------------------------
@pytest.mark.parametrize("which", ["con", "qcon"])
def test_trade_region_is_trade_summed_over_the_departements_of_each_region(which, request):
    connection = request.getfixturevalue(which)
    from_trade = """
        SELECT d.region, t.year, t.quarter, t.flow, t.product, t.country,
               CAST(sum(t.value_eur) AS BIGINT), CAST(sum(t.mass_kg) AS BIGINT)
        FROM trade t JOIN departement d ON d.code = t.dept GROUP BY ALL"""
    stored = """SELECT region, year, quarter, flow, product, country, value_eur, mass_kg
        FROM trade_region"""
    assert difference(connection, from_trade, stored) == []


@pytest.mark.parametrize("which", ["con", "qcon"])
def test_trade_france_is_trade_summed_over_every_departement(which, request):
    connection = request.getfixturevalue(which)
    from_trade = """
        SELECT year, quarter, flow, product, country, CAST(sum(value_eur) AS BIGINT),
               CAST(sum(mass_kg) AS BIGINT)
        FROM trade GROUP BY ALL"""
    stored = "SELECT year, quarter, flow, product, country, value_eur, mass_kg FROM trade_france"
    assert difference(connection, from_trade, stored) == []


@pytest.mark.parametrize("which", ["con", "qcon"])
@pytest.mark.parametrize(
    ("table", "territory", "key"),
    [("region_partners", "d.region", "country"), ("region_products", "d.region", "product"),
     ("france_partners", None, "country"), ("france_products", None, "product"),
     ("dept_partners", "t.dept", "country"), ("dept_products", "t.dept", "product")],
)  # fmt: skip
def test_partner_and_product_tables_are_trade_summed_over_the_other_key(
    which, table, territory, key, request
):
    connection = request.getfixturevalue(which)
    keys = f"{territory}, t.{key}" if territory else f"t.{key}"
    stored_keys = f"{territory.split('.')[1]}, {key}" if territory else key
    from_trade = f"""
        SELECT t.year, t.quarter, t.flow, {keys}, CAST(sum(t.value_eur) AS BIGINT),
               CAST(sum(t.mass_kg) AS BIGINT)
        FROM trade t JOIN departement d ON d.code = t.dept GROUP BY ALL"""
    stored = f"SELECT year, quarter, flow, {stored_keys}, value_eur, mass_kg FROM {table}"
    assert difference(connection, from_trade, stored) == []
    assert rows(connection, f"SELECT count(*) FROM {table}")[0][0] > 0
    # ``rows``: the rows of the detail the territory's grid lists that each row sums (those of
    # ``trade`` for a département or a région, of ``trade_france`` for France).
    detail = (
        "trade_france t" if territory is None else "trade t JOIN departement d ON d.code = t.dept"
    )
    counted = f"SELECT t.year, t.quarter, t.flow, {keys}, count(*) FROM {detail} GROUP BY ALL"
    stored = f"SELECT year, quarter, flow, {stored_keys}, rows FROM {table}"
    assert difference(connection, counted, stored) == []


@pytest.mark.parametrize("which", ["con", "qcon"])
@pytest.mark.parametrize(
    ("table", "territory"),
    [("dept_flows", "t.dept"), ("region_flows", "d.region"), ("france_flows", None)],
)
def test_flows_tables_are_trade_summed_by_a38_product_and_partner(which, table, territory, request):
    connection = request.getfixturevalue(which)
    keys = f"{territory}, p.a38, t.country" if territory else "p.a38, t.country"
    stored_keys = (f"{territory.split('.')[1]}, " if territory else "") + "a38, country"
    from_trade = f"""
        SELECT t.year, t.quarter, t.flow, {keys}, CAST(sum(t.value_eur) AS BIGINT)
        FROM trade t JOIN departement d ON d.code = t.dept JOIN product p ON p.code = t.product
        GROUP BY ALL"""
    stored = f"SELECT year, quarter, flow, {stored_keys}, value_eur FROM {table}"
    assert difference(connection, from_trade, stored) == []
    assert rows(connection, f"SELECT count(*) FROM {table}")[0][0] > 0


def test_flows_by_hand_sum_the_products_of_one_a38_level_and_leave_unknown_codes_out(tmp_path):
    # 2024 T1 exports: meat (1011) and wine (1102) are both « CA ».
    path = _write(tmp_path / "flows.duckdb", _canonical([
        (2024, 1, "export", "93", "1011", "DE", 5),
        (2024, 1, "export", "93", "1102", "DE", 7),
        (2024, 1, "export", "95", "1011", "DE", 2),
        (2024, 1, "export", "93", "2120", "US", 3),
        (2024, 1, "export", "93", "9999", "DE", 4),  # a code the product table lacks
    ]), "x.zip")  # fmt: skip
    con = duckdb.connect(str(path), read_only=True)
    assert rows(con, "SELECT dept, a38, country, value_eur FROM dept_flows ORDER BY ALL") == [
        ("93", "CA", "DE", 12 * M), ("93", "CF", "US", 3 * M), ("95", "CA", "DE", 2 * M),
    ]  # fmt: skip
    assert rows(con, "SELECT region, a38, country, value_eur FROM region_flows ORDER BY ALL") == [
        ("11", "CA", "DE", 14 * M), ("11", "CF", "US", 3 * M)
    ]  # fmt: skip
    assert rows(con, "SELECT a38, country, value_eur FROM france_flows ORDER BY ALL") == [
        ("CA", "DE", 14 * M), ("CF", "US", 3 * M)
    ]  # fmt: skip
    assert "mass_kg" not in build._columns(con, "france_flows")  # euros only
    # The detail keeps the unknown code: the grid lists it, the diagram cannot place it.
    assert rows(con, "SELECT count(*) FROM trade WHERE product = '9999'") == [(1,)]


@pytest.mark.parametrize("which", ["con", "qcon"])
def test_trade_region_counts_the_rows_of_trade_each_of_its_rows_sums(which, request):
    connection = request.getfixturevalue(which)
    counted = (
        "SELECT year, quarter, flow, region, product, country, count(*) FROM trade GROUP BY ALL"
    )
    stored = "SELECT year, quarter, flow, region, product, country, rows FROM trade_region"
    assert difference(connection, counted, stored) == []


def test_rows_by_hand_count_the_departements_rows_for_a_region_and_frances_for_france(tmp_path):
    # 2024 T1 exports to Germany: 93 and 95 (both Île-de-France) sell 2120, 93 also 3030.
    path = _write(tmp_path / "rows.duckdb", _canonical([
        (2024, 1, "export", "93", "2120", "DE", 5),
        (2024, 1, "export", "95", "2120", "DE", 7),
        (2024, 1, "export", "93", "3030", "DE", 11),
    ]), "x.zip")  # fmt: skip
    con = duckdb.connect(str(path), read_only=True)
    assert rows(con, "SELECT product, rows FROM trade_region ORDER BY product") == [
        ("2120", 2), ("3030", 1)
    ]  # fmt: skip
    # Île-de-France's grid lists the three rows of its départements…
    assert rows(con, "SELECT country, rows FROM region_partners") == [("DE", 3)]
    assert rows(con, "SELECT product, rows FROM region_products ORDER BY product") == [
        ("2120", 2), ("3030", 1)
    ]  # fmt: skip
    # …France's the two rows of trade_france (2120 summed over 93 and 95, and 3030).
    assert rows(con, "SELECT country, rows, value_eur FROM france_partners") == [("DE", 2, 23 * M)]
    assert rows(con, "SELECT dept, rows FROM dept_partners ORDER BY dept") == [("93", 2), ("95", 1)]


@pytest.mark.parametrize("which", ["con", "qcon"])
def test_totals_dept_is_one_row_per_quarter_flow_and_departement(which, request):
    connection = request.getfixturevalue(which)
    from_trade = """
        SELECT year, quarter, flow, dept, CAST(sum(value_eur) AS BIGINT),
               CAST(sum(mass_kg) AS BIGINT)
        FROM trade GROUP BY ALL"""
    stored = "SELECT year, quarter, flow, dept, value_eur, mass_kg FROM totals_dept"
    assert difference(connection, from_trade, stored) == []


@pytest.mark.parametrize("which", ["con", "qcon"])
def test_top_values_hold_each_quarters_rows_and_values_at_the_ranks(which, request):
    """For each département's quarter and flow in ``trade`` and France's in ``trade_france``:
    the rows, and the values at ``top_ranks(rows)`` of the values sorted largest first,
    computed here in Python."""
    connection = request.getfixturevalue(which)
    expected = {}
    for source, territory in (("trade", "dept"), ("trade_france", "'FR'")):
        groups: dict[tuple, list[int]] = {}
        for y, q, f, code, value in rows(
            connection, f"SELECT year, quarter, flow, {territory}, value_eur FROM {source}"
        ):
            groups.setdefault((y, q, f, code), []).append(value)
        for key, values in groups.items():
            values.sort(reverse=True)
            expected[key] = (len(values), [values[r - 1] for r in build.top_ranks(len(values))])
    stored = rows(connection, "SELECT year, quarter, flow, territory, rows, vals FROM top_values")
    assert {(y, q, f, c): (n, v) for y, q, f, c, n, v in stored} == expected
    assert len(stored) == len(expected)
    # By hand: 93's 2024 T1 exports are one row, 2120 → DE: 100 M€ in the yearly fixture,
    # 20 M€ in the quarterly one.
    by_hand = {"con": 100 * M, "qcon": 20 * M}[which]
    assert [("11", 1, [by_hand])] == rows(
        connection, "SELECT region, rows, vals FROM top_values WHERE year = 2024 AND "
        "quarter = 1 AND flow = 'export' AND territory = '93'"
    )  # fmt: skip
    # France's: every département's rows summed by product and partner, its largest first.
    france = rows(connection, "SELECT value_eur FROM trade_france WHERE year = 2024 AND "
                  "quarter = 1 AND flow = 'export' ORDER BY value_eur DESC")  # fmt: skip
    assert rows(connection, "SELECT region, rows, vals[1] FROM top_values WHERE year = 2024 "
                "AND quarter = 1 AND flow = 'export' AND territory = 'FR'") == [
        (None, len(france), france[0][0])
    ]  # fmt: skip


def test_top_ranks_step_about_a_fifth_and_end_at_the_last_row():
    assert build.top_ranks(0) == []
    assert build.top_ranks(1) == [1]
    assert build.top_ranks(12) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]
    assert build.top_ranks(20) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 19, 20]
    full = build.top_ranks(build.TOP_ROWS)
    assert full == build.top_ranks(10**9)  # no rank beyond TOP_ROWS
    assert full[-3:] == [3_975, 4_770, 5_000]
    assert all(b <= max(a + 1, a * 6 // 5) for a, b in zip(full, full[1:], strict=False))


def test_monaco_is_counted_in_provence_alpes_cote_d_azur_and_in_france(qcon):
    # Monaco exported 3030 to DE: 8 M€ in 2023 T4 and 6 M€ in 2024 T2 (9 M€ in 2025 T2).
    assert rows(qcon, "SELECT year, quarter, value_eur FROM trade_region WHERE region = '93' "
                "ORDER BY year, quarter") == [(2023, 4, 8 * M), (2024, 2, 6 * M), (2025, 2, 9 * M)]  # fmt: skip
    # France in 2024 T2, 3030 to DE: Monaco alone.
    assert rows(qcon, "SELECT value_eur FROM trade_france WHERE year = 2024 AND quarter = 2 "
                "AND product = '3030' AND country = 'DE'") == [(6 * M,)]  # fmt: skip
    # Guadeloupe's exports in its own région 01, under its INSEE code.
    assert rows(qcon, "SELECT DISTINCT dept FROM trade WHERE dept LIKE '97%'") == [("971",)]
    assert rows(qcon, "SELECT customs_code FROM departement WHERE code = '971'") == [("9A",)]


def test_totals_by_hand(con):
    # 2024 exports of 93 by quarter: DE 100 (T1), US 50 (T2), US 30 (T3), CN 20 (T4).
    got = rows(con, "SELECT quarter, value_eur, mass_kg FROM totals_dept WHERE year = 2024 AND "
               "flow = 'export' AND dept = '93' ORDER BY quarter")  # fmt: skip
    assert got == [(1, 100 * M, 100_000), (2, 50 * M, 50_000), (3, 30 * M, 30_000),
                   (4, 20 * M, 20_000)]  # fmt: skip
    assert rows(con, "SELECT sum(value_eur) FROM trade_region WHERE region = '11' AND "
                "year = 2024 AND flow = 'export'") == [(700 * M,)]  # fmt: skip


SORT_KEYS = {
    "trade": "year, quarter, flow, region, dept",
    "region_partners": "year, quarter, flow, region",
    "region_products": "year, quarter, flow, region",
    "france_partners": "year, quarter, flow",
    "france_products": "year, quarter, flow",
    "trade_region": "year, quarter, flow, region",
    "trade_france": "year, quarter, flow",
    "totals_dept": "year, quarter, flow, dept",
    "dept_partners": "year, quarter, flow, dept",
    "dept_products": "year, quarter, flow, dept",
    "dept_flows": "year, quarter, flow, dept",
    "region_flows": "year, quarter, flow, region",
    "france_flows": "year, quarter, flow",
    "trade_year": "year, flow, dept",
    "trade_region_year": "year, flow, region",
    "trade_france_year": "year, flow",
    "top_values": "year, quarter, flow, territory",
    "slices": "year, quarter, flow",
}


def assert_sorted(connection, table: str) -> None:
    name = table.rsplit(".", 1)[-1]
    stored = rows(connection, f"SELECT {SORT_KEYS[name]} FROM {table} ORDER BY rowid")
    assert stored == sorted(stored), table


def test_every_table_is_sorted_time_first_then_by_territory(con, qcon):
    # A slice (year, quarter, flow) is a contiguous range: a load copies the ones it keeps.
    for connection in (con, qcon):
        for table in SORT_KEYS:
            assert_sorted(connection, table)
    assert "staging" not in {r[0] for r in rows(con, "SELECT table_name FROM duckdb_tables()")}


# --- Slices -----------------------------------------------------------------------------------
def test_slices_count_rows_and_value_per_quarter_and_flow(con):
    got = rows(con, "SELECT year, quarter, flow, rows, value_eur, source FROM slices "
               "WHERE year = 2024 ORDER BY quarter, flow")  # fmt: skip
    assert got == [
        # T1 exports: 93 DE 100, 95 DE 300, 59 DE 50; T1 imports: 93 CN 120, 75 DE 50.
        (2024, 1, "export", 3, 450 * M, "fixture"),
        (2024, 1, "import", 2, 170 * M, "fixture"),
        (2024, 2, "export", 3, 160 * M, "fixture"),  # 93 US 50, 95 BE 100, 59 QU 10
        (2024, 2, "import", 2, 180 * M, "fixture"),  # 93 US 80, 59 BE 100
        (2024, 3, "export", 3, 220 * M, "fixture"),  # 93 US 30, 75 BE 100, 02 BE 90
        (2024, 3, "import", 2, 110 * M, "fixture"),  # 93 BE 50, 59 DE 60
        (2024, 4, "export", 2, 270 * M, "fixture"),  # 93 CN 20, 59 BE 250
        (2024, 4, "import", 2, 210 * M, "fixture"),  # 95 US 200, 02 BE 10
    ]
    assert rows(con, "SELECT count(*), sum(rows) FROM slices") == [(16, 29)]


def _checksums(path: Path) -> dict[tuple, int]:
    with duckdb.connect(str(path), read_only=True) as connection:
        got = rows(connection, "SELECT year, quarter, flow, checksum FROM slices")
    return {(y, q, f): c for y, q, f, c in got}


def test_the_fingerprint_ignores_row_order_and_sees_one_changed_value(tmp_path, con):
    quarterly = fx.quarterly(fx.ROWS)
    stored = {
        (y, q, f): c for y, q, f, c in rows(con, "SELECT year, quarter, flow, checksum FROM slices")
    }
    shuffled = fx.write_quarters(tmp_path / "shuffled.duckdb", quarterly[::-1], "fixture")
    assert _checksums(shuffled) == stored
    changed_rows = [
        (*r[:6], r[6] + 1) if r[:6] == (2024, 1, "export", "93", "2120", "DE") else r
        for r in quarterly
    ]
    changed = _checksums(fx.write_quarters(tmp_path / "changed.duckdb", changed_rows, "fixture"))
    assert changed[(2024, 1, "export")] != stored[(2024, 1, "export")]
    assert {k: v for k, v in changed.items() if k != (2024, 1, "export")} == {
        k: v for k, v in stored.items() if k != (2024, 1, "export")
    }


def test_the_fingerprint_sees_a_row_moved_to_another_departement(tmp_path, con):
    moved = [
        (*r[:3], "95", *r[4:]) if r[:6] == (2024, 1, "export", "93", "2120", "DE") else r
        for r in fx.quarterly(fx.ROWS)
    ]
    got = _checksums(fx.write_quarters(tmp_path / "moved.duckdb", moved, "fixture"))
    stored = dict(
        ((y, q, f), c)
        for y, q, f, c in rows(con, "SELECT year, quarter, flow, checksum FROM slices")
    )
    assert got[(2024, 1, "export")] != stored[(2024, 1, "export")]


# --- Reference tables and unknown codes -------------------------------------------------------
def test_unknown_partner_codes_get_a_non_determine_country_row(con):
    assert rows(con, "SELECT code, name_fr, iso3, eu27, zone FROM country WHERE code = 'ZZ'") == [
        ("ZZ", "ZZ (non déterminé)", None, False, "Non déterminé")
    ]
    # Known codes keep their own row; the empty iso3 of the reference is stored as NULL.
    assert rows(con, "SELECT name_fr, iso3 FROM country WHERE code IN ('DE', 'QU') "
                "ORDER BY code") == [("Allemagne", "DEU"), ("Pays non déterminés", None)]  # fmt: skip
    assert rows(con, "SELECT count(*) FROM country") == [(6,)]


def test_reference_tables_read_back_as_written(con):
    ref = build.Reference.read(con)
    pd.testing.assert_frame_equal(ref.regions, fx.REGIONS)
    pd.testing.assert_frame_equal(ref.depts, fx.DEPTS)
    pd.testing.assert_frame_equal(ref.products, fx.PRODUCTS)
    assert ref.countries["code"].tolist() == ["BE", "CN", "DE", "QU", "US", "ZZ"]
    assert ref.countries.set_index("code").loc["QU", "iso3"] == ""
    assert len(ref.country_labels) == 5
    assert ref.territoires["n_communes"].tolist() == [8, 3, 17]


# --- Metadata ---------------------------------------------------------------------------------
def test_metadata_says_what_the_build_holds(con):
    meta = build.read_metadata(con)
    assert meta["source"] == "test" and meta["files"] == ["fixture"]
    assert (meta["rows"], meta["year_min"], meta["year_max"]) == (29, 2023, 2024)
    assert meta["countries_used"] == 6  # BE, CN, DE, QU, US, ZZ
    assert meta["built_at"].endswith("+00:00")
    stored = dict(rows(con, "SELECT key, value FROM metadata"))
    assert json.loads(stored["files"]) == ["fixture"] and stored["source"] == "test"


# --- Row groups, masses and build statistics --------------------------------------------------
def test_large_builds_are_stored_in_small_row_groups_with_null_masses_kept(tmp_path):
    depts, products = fx.DEPTS["code"].tolist(), fx.PRODUCTS["code"].tolist()
    countries = fx.COUNTRIES["code"].tolist()
    generated = [
        (2000 + y, q, "export", d, p, c, 1_000 + i, None if i % 7 == 0 else i)
        for i, (y, q, d, p, c) in enumerate(
            (y, q, d, p, c)
            for y in range(100)
            for q in (1, 2, 3, 4)
            for d in depts
            for p in products
            for c in countries
        )
    ]
    assert len(generated) == 40_000
    ref = build.Reference(fx.REGIONS, fx.DEPTS, fx.PRODUCTS, fx.COUNTRIES, fx.COUNTRY_LABELS,
                          fx.TERRITOIRES)  # fmt: skip
    columns = list(zip(*generated, strict=True))
    table = pa.table(
        {name: pa.array(values, build.TRADE_SCHEMA.field(name).type)
         for name, values in zip(build.TRADE_COLUMNS, columns, strict=True)}
    )  # fmt: skip
    path = tmp_path / "large.duckdb"
    stats = build.write_build(path, ref, build.arrow_fill(table, "large"), {"source": "test"})
    assert stats.rows == 40_000 and stats.seconds > 0
    with duckdb.connect(str(path), read_only=True) as connection:
        groups = rows(
            connection,
            "SELECT row_group_id, max(start + count) - min(start) FROM pragma_storage_info('trade') "
            "WHERE column_name = 'value_eur' GROUP BY ALL ORDER BY 1",
        )
        assert len(groups) == 3  # 16 384 + 16 384 + 7 232 rows
        assert [n for _, n in groups] == [build.ROW_GROUP_SIZE, build.ROW_GROUP_SIZE, 7_232]
        nulls = rows(connection, "SELECT count(*) FROM trade WHERE mass_kg IS NULL")[0][0]
        assert nulls == len([r for r in generated if r[7] is None])
        assert rows(connection, "SELECT DISTINCT source FROM slices") == [("large",)]


# --- Builds on top of a current build (what a load does) -------------------------------------
def _canonical(rows_m: list[tuple]) -> pa.Table:
    """(year, quarter, flow, dept, CPF4, country, M€) rows as canonical Arrow rows."""
    cols = list(zip(*rows_m, strict=True))
    return pa.table({
        "year": pa.array(cols[0], pa.int16()), "quarter": pa.array(cols[1], pa.int8()),
        "flow": pa.array(cols[2]), "dept": pa.array(cols[3]), "product": pa.array(cols[4]),
        "country": pa.array(cols[5]), "value_eur": pa.array([v * M for v in cols[6]], pa.int64()),
        "mass_kg": pa.array([v * 1000 for v in cols[6]], pa.int64()),
    })  # fmt: skip


OLD = [  # 2023 T1–T4 exports and imports, 2024 T1 exports
    *[(2023, q, "export", "93", "2120", "DE", 10 * q) for q in (1, 2, 3, 4)],
    *[(2023, q, "import", "59", "1011", "BE", 5 * q) for q in (1, 2, 3, 4)],
    (2023, 2, "export", "95", "3030", "US", 7),
    (2024, 1, "export", "93", "2120", "DE", 11),
    (2024, 1, "export", "02", "1011", "BE", 3),
]
NEW = [  # a revised 2024 T1 export slice and a new 2024 T2
    (2024, 1, "export", "93", "2120", "DE", 12),
    (2024, 1, "export", "59", "1011", "ZZ", 4),
    (2024, 2, "export", "93", "2120", "US", 9),
]
TABLES = ["trade", "trade_region", "trade_france", "totals_dept", "trade_year",
          "trade_region_year", "trade_france_year", "region_partners", "region_products",
          "france_partners", "france_products", "dept_partners", "dept_products",
          "dept_flows", "region_flows", "france_flows", "top_values"]  # fmt: skip


def _write(path: Path, table: pa.Table, source: str, base: build.Base | None = None) -> Path:
    ref = build.Reference(fx.REGIONS, fx.DEPTS, fx.PRODUCTS, fx.COUNTRIES, fx.COUNTRY_LABELS,
                          fx.TERRITOIRES)  # fmt: skip
    build.write_build(path, ref, build.arrow_fill(table, source), {"source": "t"}, base)
    return path


def test_a_build_on_top_keeps_slices_as_they_were_and_equals_a_build_from_scratch(tmp_path):
    old = _write(tmp_path / "old.duckdb", _canonical(OLD), "ancien.zip")
    keep = frozenset({(2023, q, f) for q in (1, 2, 3, 4) for f in ("export", "import")}
                     | {(2024, 1, "export")})  # fmt: skip
    # 2024 T1 export is in the new rows too: the new slice wins over the kept one.
    on_top = _write(tmp_path / "on_top.duckdb", _canonical(NEW), "nouveau.zip",
                    build.Base(old, keep))  # fmt: skip
    expected = [r for r in OLD if (r[0], r[1], r[2]) != (2024, 1, "export")] + NEW
    scratch = _write(tmp_path / "scratch.duckdb", _canonical(expected), "x.zip")
    con = duckdb.connect()
    con.execute(f"ATTACH '{on_top}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{scratch}' AS b (READ_ONLY)")
    for table in TABLES:
        assert difference(con, f"SELECT * FROM a.{table}", f"SELECT * FROM b.{table}") == []
    for table in [*TABLES, "slices"]:
        assert_sorted(con, f"a.{table}")
    # Slices: the kept ones with their own source, the new ones with the new file's.
    slices = rows(con, "SELECT year, quarter, flow, rows, value_eur, source FROM a.slices "
                  "ORDER BY ALL")  # fmt: skip
    assert slices[:2] == [(2023, 1, "export", 1, 10 * M, "ancien.zip"),
                          (2023, 1, "import", 1, 5 * M, "ancien.zip")]  # fmt: skip
    assert slices[-2:] == [(2024, 1, "export", 2, 16 * M, "nouveau.zip"),
                           (2024, 2, "export", 1, 9 * M, "nouveau.zip")]  # fmt: skip
    assert len(slices) == 10
    # The unknown partner of the new rows gets its labelled row.
    assert rows(con, "SELECT name_fr FROM a.country WHERE code = 'ZZ'") == [("ZZ (non déterminé)",)]
    # 2023 exports: 93 sums its four quarters (10 + 20 + 30 + 40).
    assert rows(con, "SELECT value_eur FROM a.trade_year WHERE year = 2023 AND flow = 'export' "
                "AND dept = '93'") == [(100 * M,)]  # fmt: skip
    assert rows(con, "SELECT sum(value_eur) FROM a.trade_france_year WHERE year = 2024") == [
        (25 * M,)
    ]


def test_a_build_on_top_of_an_earlier_version_gives_the_same_tables_as_from_scratch(tmp_path):
    # Builds written before ``trade`` carried the région, before the partner and product
    # tables and before ``trade_region`` counted its rows: a load on top of one still keeps its
    # slices, with the région joined and the région order restored, and the missing tables and
    # columns summed from their parents.
    old = _write(tmp_path / "old.duckdb", _canonical(OLD), "ancien.zip")
    con = duckdb.connect(str(old))
    con.execute("CREATE TABLE t2 AS SELECT * EXCLUDE (region) FROM trade "
                "ORDER BY year, quarter, flow, dept")  # fmt: skip
    con.execute("DROP TABLE trade")
    con.execute("ALTER TABLE t2 RENAME TO trade")
    for table in ("region_partners", "region_products", "france_partners", "france_products",
                  "dept_partners", "dept_products", "dept_flows", "region_flows",
                  "france_flows"):  # fmt: skip
        con.execute(f"DROP TABLE {table}")  # nor these tables
    con.execute("ALTER TABLE trade_region DROP COLUMN rows")  # nor the rows they sum
    con.close()
    keep = frozenset({(2023, q, f) for q in (1, 2, 3, 4) for f in ("export", "import")})
    on_top = _write(tmp_path / "on_top.duckdb", _canonical(NEW), "nouveau.zip",
                    build.Base(old, keep))  # fmt: skip
    expected = [r for r in OLD if r[0] == 2023] + NEW
    scratch = _write(tmp_path / "scratch.duckdb", _canonical(expected), "x.zip")
    con = duckdb.connect()
    con.execute(f"ATTACH '{on_top}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{scratch}' AS b (READ_ONLY)")
    for table in TABLES:
        assert difference(con, f"SELECT * FROM a.{table}", f"SELECT * FROM b.{table}") == []
    assert_sorted(con, "a.trade")
    # 2023 T2 exports: 93 (Île-de-France) and 95 (Île-de-France), each with its région.
    assert rows(con, "SELECT dept, region FROM a.trade WHERE year = 2023 AND quarter = 2 AND "
                "flow = 'export' ORDER BY dept") == [("93", "11"), ("95", "11")]  # fmt: skip


def test_a_build_on_top_sums_the_flows_again_when_the_product_hierarchy_changed(tmp_path):
    # The kept build said meat (1011) was « CF »: its flows tables say so too. The new build's
    # product table puts it in « CA »: its kept slices are summed again, not copied.
    old = _write(tmp_path / "old.duckdb", _canonical(OLD), "ancien.zip")
    con = duckdb.connect(str(old))
    con.execute("UPDATE product SET a38 = 'CF', a17 = 'C5' WHERE code = '1011'")
    for table in ("dept_flows", "region_flows", "france_flows"):
        con.execute(f"UPDATE {table} SET a38 = 'CF' WHERE a38 = 'CA'")
    con.execute("UPDATE dept_products SET mass_kg = 1 WHERE year = 2023")  # a mark
    con.close()
    keep = frozenset({(2023, q, f) for q in (1, 2, 3, 4) for f in ("export", "import")})
    on_top = _write(tmp_path / "on_top.duckdb", _canonical(NEW), "nouveau.zip",
                    build.Base(old, keep))  # fmt: skip
    con = duckdb.connect(str(on_top), read_only=True)
    # 2023 imports: Nord's meat from Belgium, 5 + 10 + 15 + 20, under « CA » again.
    for table in ("dept_flows", "region_flows", "france_flows"):
        assert rows(con, f"SELECT a38, sum(value_eur) FROM {table} WHERE year = 2023 "
                    "AND flow = 'import' GROUP BY ALL") == [("CA", 50 * M)], table  # fmt: skip
    # Tables that do not go through the hierarchy are still copied (the mark is kept).
    assert rows(con, "SELECT DISTINCT mass_kg FROM dept_products WHERE year = 2023") == [(1,)]


def test_a_sorted_fill_appends_to_trade_itself_and_gives_the_same_build(tmp_path):
    # The demonstration's generator sorts its own rows and appends them to ``trade`` (no
    # staging copy, no sort of the whole table): the build is the one the staging path gives,
    # ``slices`` (counts, sums, fingerprints, source) included.
    staged = _write(tmp_path / "staged.duckdb", _canonical(OLD), "x.zip")
    region = dict(zip(fx.DEPTS["code"], fx.DEPTS["region"], strict=True))
    table = _canonical(OLD)
    table = table.append_column("region", pa.array([region[d] for d in table["dept"].to_pylist()]))
    ordered = table.sort_by(
        [(c, "ascending") for c in ("year", "quarter", "flow", "region", "dept")]
    )
    # 2023 T1: Seine-Saint-Denis' exports, then Nord's imports (flow before région).
    assert ordered.slice(0, 2)["dept"].to_pylist() == ["93", "59"]

    def insert(con: duckdb.DuckDBPyConnection) -> None:
        for start in range(0, ordered.num_rows, 3):  # in several appends, as the demo does
            con.register("part", ordered.slice(start, 3))
            con.execute("INSERT INTO trade SELECT year, quarter, flow, dept, product, country, "
                        "value_eur, mass_kg, region FROM part")  # fmt: skip
            con.unregister("part")

    ref = build.Reference(fx.REGIONS, fx.DEPTS, fx.PRODUCTS, fx.COUNTRIES, fx.COUNTRY_LABELS,
                          fx.TERRITOIRES)  # fmt: skip
    path = tmp_path / "sorted.duckdb"
    stats = build.write_build(path, ref, build.SortedFill(insert, "x.zip"), {"source": "t"})
    assert stats.rows == len(OLD)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sorted.duckdb", "staged.duckdb"]
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{staged}' AS b (READ_ONLY)")
    for table_name in [*TABLES, "slices", "country"]:
        assert difference(con, f"SELECT * FROM a.{table_name}",
                          f"SELECT * FROM b.{table_name}") == [], table_name  # fmt: skip
        if table_name in SORT_KEYS:
            assert_sorted(con, f"a.{table_name}")
    assert rows(con, "SELECT DISTINCT source FROM a.slices") == [("x.zip",)]
    with pytest.raises(ValueError, match="from nothing"):
        build.write_build(tmp_path / "c.duckdb", ref, build.SortedFill(insert, "x.zip"),
                          {"source": "t"}, build.Base(staged, frozenset()))  # fmt: skip
    assert not (tmp_path / "c.duckdb").exists()


def test_staging_is_written_apart_and_removed_even_when_the_fill_fails(tmp_path):
    # The rows are staged in a file of their own beside the build, deleted afterwards: in the
    # build's file, the blocks of the dropped table stayed (a quarter of its size).
    _write(tmp_path / "b.duckdb", _canonical(OLD), "x.zip")
    assert [p.name for p in tmp_path.iterdir()] == ["b.duckdb"]
    tables = rows(duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True),
                  "SELECT table_name FROM duckdb_tables()")  # fmt: skip
    assert ("staging",) not in tables and ("trade",) in tables

    def failing(con: duckdb.DuckDBPyConnection) -> None:
        build.arrow_fill(_canonical(OLD), "x.zip")(con)
        assert (tmp_path / "c.duckdb.staging").exists()
        raise RuntimeError("a fill that fails half-way")

    ref = build.Reference(fx.REGIONS, fx.DEPTS, fx.PRODUCTS, fx.COUNTRIES, fx.COUNTRY_LABELS,
                          fx.TERRITOIRES)  # fmt: skip
    with pytest.raises(RuntimeError):
        build.write_build(tmp_path / "c.duckdb", ref, failing, {"source": "t"})
    assert not any(p.name.startswith("c.duckdb.") for p in tmp_path.iterdir())


def test_pruning_old_builds_takes_their_leftover_files_too(tmp_path, monkeypatch):
    from core import store

    monkeypatch.setenv("COMEX_DATA_DIR", str(tmp_path))
    builds = store.builds_dir()
    builds.mkdir(parents=True, exist_ok=True)
    names = [f"comex-2026010{i}T000000000000-demo.duckdb" for i in range(1, 7)]
    for name in names:
        (builds / name).write_bytes(b"")
    for suffix in (".wal", ".staging", ".staging.wal"):  # a build interrupted by a crash
        (builds / f"{names[0]}{suffix}").write_bytes(b"")
    store.prune(keep=[builds / names[1]])
    kept = sorted(p.name for p in builds.iterdir())
    # The newest KEEP_BUILDS and the one kept; nothing of the oldest.
    assert kept == sorted([names[1], *names[-store.KEEP_BUILDS :]])


def test_a_build_of_an_earlier_layout_is_refused_with_a_french_message(tmp_path):
    from core import demo
    from core.db import Build, DataUnavailable

    path = _write(tmp_path / "old.duckdb", _canonical(OLD), "ancien.zip")
    assert build.outdated(duckdb.connect(str(path), read_only=True)) == []
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE france_products")
    con.execute("UPDATE metadata SET value = 'demo' WHERE key = 'source'")
    con.close()
    with pytest.raises(DataUnavailable) as refused:
        Build(str(path))
    assert str(refused.value).startswith(
        "La base de données old.duckdb a été construite par une version antérieure de "
        "l'application (il lui manque : france_products). Reconstruisez-la : « make demo-db »"
    )
    assert demo._outdated_demo(path)  # `make demo-db` rebuilds an outdated demonstration…
    con = duckdb.connect(str(path))
    con.execute("UPDATE metadata SET value = 'official' WHERE key = 'source'")
    con.close()
    assert not demo._outdated_demo(path)  # …never official data


def test_a_build_whose_tables_lack_their_rows_is_outdated(tmp_path):
    path = _write(tmp_path / "old.duckdb", _canonical(OLD), "ancien.zip")
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE dept_partners DROP COLUMN rows")
    con.execute("ALTER TABLE france_products DROP COLUMN rows")
    assert build.outdated(con) == ["dept_partners.rows", "france_products.rows"]
    con.close()
