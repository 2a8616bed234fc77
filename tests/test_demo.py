"""The embedded demonstration database: calibration, the official shape (quarters, CPF4, mass,
the customs' départements), specialisations, determinism and the customs' layout."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from core import demo, queries, reference
from core.build import Reference
from core.filters import Filters
from core.formatting import format_percent
from core.periods import Period

NN = "\u202f"
Y2024 = Period.of_year(2024)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "dgddi"

# DESIGN calibration table, 2024, millions of euros (Aisne's imports: the demo's choice).
CALIBRATION = [
    ("FR", 580_354.5, 684_776.3),
    ("R11", 141_666.3, 192_202.9),
    ("R32", 68_021.0, 85_786.3),
    ("R44", 67_665.4, 63_519.7),
    ("93", 12_148.6, 15_695.4),
    ("95", 24_188.7, 25_441.3),
    ("59", 28_822.9, 40_986.6),
    ("02", 3_517.5, 2_874.3),
    ("08", 2_211.8, 1_400.6),
]

# The seeds' printed shares (région with one decimal, France with two), in French format.
SEED_SHARES = [
    ("93", "export", "8,6", "2,09"),
    ("93", "import", "8,2", "2,29"),
    ("95", "export", "17,1", "4,17"),
    ("95", "import", "13,2", "3,72"),
    ("59", "export", "42,4", "4,97"),
    ("59", "import", "47,8", "5,99"),
    ("02", "export", "5,2", "0,61"),
    ("08", "export", "3,3", "0,38"),
    ("08", "import", "2,2", "0,20"),
]


@pytest.fixture(scope="module")
def catalog(demo_db):
    return demo_db.catalog()


# --- Calibration -----------------------------------------------------------------------------
@pytest.mark.parametrize(("territory", "exports", "imports"), CALIBRATION)
def test_2024_totals_match_the_design_calibration_to_the_euro(demo_db, territory, exports, imports):
    k = queries.kpis(demo_db, Filters(territory, Y2024))
    assert k.exports == round(exports * 10) * 100_000
    assert k.imports == round(imports * 10) * 100_000


def test_the_figure_the_seeds_do_not_publish_is_named(catalog):
    assert demo.DEPT_TOTALS["02"][1] == 2_874.3
    note = catalog.unpublished("02", "import", Y2024)
    assert note is not None and "non publié" in note and f"2{NN}874,3" not in note
    assert "2 874,3 M€" in note
    assert catalog.unpublished("02", "export", Y2024) is None
    assert catalog.unpublished("02", "import", Period.of_year(2023)) is None
    assert catalog.unpublished("59", "import", Y2024) is None


@pytest.mark.parametrize(("dept", "flow", "region_share", "france_share"), SEED_SHARES)
def test_shares_read_as_printed_in_the_seeds(demo_db, dept, flow, region_share, france_share):
    k = queries.kpis(demo_db, Filters(dept, Y2024))
    region = k.share_region_exports if flow == "export" else k.share_region_imports
    france = k.share_france_exports if flow == "export" else k.share_france_imports
    assert format_percent(region, 1) == f"{region_share}{NN}%"
    assert format_percent(france, 2) == f"{france_share}{NN}%"


@pytest.mark.parametrize("flow", ["export", "import"])
def test_france_partner_shares_follow_the_design(demo_db, flow):
    result = queries.partner_balance(demo_db, Filters("FR", Y2024, flow=flow))
    values = result.table.set_index("code")["exports" if flow == "export" else "imports"]
    total = result.total_exports if flow == "export" else result.total_imports
    for code, national in demo.TOP_PARTNERS[flow].items():
        expected = national / demo.NATIONAL_BASIS[flow]
        # Exact to 0,1 M€ on the value implied by the share.
        assert abs(values[code] - expected * total) < 50_000, code


# --- The official shape ----------------------------------------------------------------------
def test_years_2019_to_2024_are_whole_and_2025_has_two_quarters(catalog):
    assert catalog.years == tuple(range(2019, 2026))
    assert [q for y, q in catalog.quarters if y == 2025] == [1, 2]
    assert all([q for y, q in catalog.quarters if y == year] == [1, 2, 3, 4]
               for year in range(2019, 2025))  # fmt: skip
    assert [p.token for p in catalog.periods[:3]] == ["12m", "2025", "2024"]
    assert catalog.period("2025").label == "2025 (T1\u2013T2)"
    assert catalog.default_period == Y2024


def test_rows_are_sparse_quarterly_cpf4_rows(demo_db):
    per_year = demo_db.frame(
        "SELECT year, count(*) AS n FROM trade GROUP BY year ORDER BY year"
    ).set_index("year")["n"]
    assert per_year.loc[2019:2024].between(3_000_000, 6_000_000).all()
    assert 0.35 < per_year[2025] / per_year[2024] < 0.65  # two quarters of four
    stats = demo_db.frame(
        """
        SELECT count(DISTINCT dept) AS depts, count(DISTINCT product) AS products,
               count(DISTINCT country) AS countries,
               count(DISTINCT country) FILTER (WHERE country LIKE 'Q_') AS special,
               min(value_eur) AS smallest
        FROM trade WHERE year = 2024
        """
    ).iloc[0]
    assert stats["depts"] == 101
    assert 250 <= stats["products"] <= 576  # CPF4 codes, not the 76 A129 goods
    assert stats["countries"] >= 150
    assert stats["special"] >= 5
    assert stats["smallest"] > 0


def test_every_product_is_a_cpf4_goods_code_under_its_a129(demo_db):
    used = demo_db.frame(
        """
        SELECT DISTINCT t.product, p.a129, p.a38, p.a17
        FROM trade_france t LEFT JOIN product p ON p.code = t.product
        """
    )
    assert used["a129"].notna().all()  # every code in the product table
    assert used["product"].str.fullmatch(r"[0-9]{4}").all()
    goods = reference.load_a129()
    assert set(used["a129"]) <= set(goods.loc[goods["goods"], "code"])
    for code, a129 in zip(used["product"], used["a129"], strict=True):
        assert reference.a129_of_cpf4(code) == a129, code


def test_mass_is_given_and_zero_only_for_electricity(demo_db):
    mass = demo_db.frame(
        """
        SELECT p.a129 = 'D35A' AS electricity, count(*) AS n,
               count(*) FILTER (WHERE mass_kg IS NULL) AS unknown,
               count(*) FILTER (WHERE mass_kg = 0) AS zero, min(mass_kg) AS lightest
        FROM trade t JOIN product p ON p.code = t.product
        WHERE t.year = 2024
        GROUP BY ALL
        """
    ).set_index("electricity")
    assert mass["unknown"].sum() == 0
    assert mass.loc[True, "zero"] == mass.loc[True, "n"] > 0  # electricity: no mass
    assert mass.loc[False, "zero"] == 0 and mass.loc[False, "lightest"] >= 1


def test_the_customs_departements_are_present_and_corsica_is_one(demo_db):
    present = {
        d for (d,) in demo_db.rows("SELECT DISTINCT dept FROM totals_dept WHERE year = 2024")
    }
    assert {"20", "99", "971", "972", "973", "974", "976"} <= present
    assert not {"2A", "2B", "975", "9A"} & present
    monaco = queries.kpis(demo_db, Filters("99", Y2024))
    assert monaco.region_code == "93" and monaco.exports > 0
    # France is the sum of everything loaded, Monaco and the overseas départements included.
    assert queries.kpis(demo_db, Filters("FR", Y2024)).exports == sum(
        v for (v,) in demo_db.rows(
            "SELECT sum(value_eur) FROM totals_dept WHERE year = 2024 AND flow = 'export' "
            "GROUP BY dept"
        )
    )  # fmt: skip


@pytest.mark.parametrize(
    ("dept", "flow", "product"),
    [
        ("31", "export", "C30C"),  # aerospace in Haute-Garonne
        ("16", "export", "C11Z"),  # cognac in Charente
        ("33", "export", "C11Z"),  # wine in Gironde
        ("51", "export", "C11Z"),  # champagne in the Marne
        ("27", "export", "C21Z"),  # pharmaceuticals in the Eure
        ("13", "import", "B06Z"),  # crude oil and gas at Fos-sur-Mer
        ("76", "import", "B06Z"),  # and at Le Havre
        ("63", "export", "C22A"),  # tyres in Puy-de-Dôme
    ],
)
def test_departement_specialisations_are_recognisable(demo_db, dept, flow, product):
    top = demo_db.rows(
        """
        SELECT p.a129 FROM trade t JOIN product p ON p.code = t.product
        WHERE t.year = 2024 AND t.dept = ? AND t.flow = ?
        GROUP BY p.a129 ORDER BY sum(t.value_eur) DESC LIMIT 1
        """,
        [dept, flow],
    )
    assert top == [(product,)]


def test_trends_exist_and_are_plausible(demo_db):
    totals = demo_db.frame(
        "SELECT year, flow, CAST(sum(value_eur) AS BIGINT) AS v FROM totals_dept "
        "WHERE year <= 2024 GROUP BY ALL"
    ).set_index(["flow", "year"])["v"]
    # 2020 fell, 2022 imports jumped with energy prices; no year moves by more than 40 %.
    assert totals["export", 2020] < 0.85 * totals["export", 2019]
    assert totals["import", 2022] > 1.2 * totals["import", 2021]
    for flow in ("export", "import"):
        changes = totals[flow].sort_index().pct_change().dropna()
        assert changes.abs().max() < 0.4


def test_the_partial_year_compares_with_the_same_quarters(demo_db):
    h1 = Period.of_year(2025, (1, 2))
    k = queries.kpis(demo_db, Filters("FR", h1))
    assert k.prev_period == Period.of_year(2024, (1, 2))
    whole = queries.kpis(demo_db, Filters("FR", Y2024))
    assert 0.4 < k.prev_exports / whole.exports < 0.6  # about half of 2024
    assert -0.2 < k.change_exports < 0.2  # a half year against a half year


def test_metadata_says_demonstration(demo_db, catalog):
    assert catalog.is_demo
    assert catalog.metadata["label"] == "Données de démonstration"
    assert catalog.metadata["seed"] == demo.SEED
    assert catalog.metadata["rows"] == demo_db.rows("SELECT count(*) FROM trade")[0][0]
    assert (catalog.metadata["year_min"], catalog.metadata["year_max"]) == (2019, 2025)
    assert demo_db.rows("SELECT DISTINCT source FROM slices") == [(demo.DEMO_SOURCE,)]


# --- Determinism -----------------------------------------------------------------------------
def test_generation_is_deterministic(demo_db):
    """The first chunk generated again (2019 exports) is exactly the built rows."""
    chunk = next(demo.generate_chunks(Reference.load()))
    assert set(pc.unique(chunk["year"]).to_pylist()) == {2019}
    assert set(pc.unique(chunk["flow"]).to_pylist()) == {"export"}
    columns = ["quarter", "dept", "product", "country", "value_eur", "mass_kg"]
    fresh = chunk.to_pandas()[columns]
    for column in ("dept", "product", "country"):
        fresh[column] = fresh[column].astype(str)
    built = demo_db.frame(
        "SELECT quarter, dept, product, country, value_eur, mass_kg FROM trade "
        "WHERE year = 2019 AND flow = 'export'"
    )
    order = ["dept", "quarter", "product", "country"]
    fresh = fresh.sort_values(order, ignore_index=True).astype({"quarter": "int64"})
    built = built.sort_values(order, ignore_index=True).astype({"quarter": "int64"})
    pd.testing.assert_frame_equal(fresh, built, check_dtype=False)


# --- Written in trade's order ---------------------------------------------------------------
def test_the_generated_rows_are_stored_in_trade_order(demo_path):
    """The generator sorts its rows itself (``build.SortedFill``): ``trade`` is stored in
    (year, quarter, flow, région, département) order, as a build sorting it would store it,
    so that zone maps skip to a territory's rows. In that order, each département's quarter
    and flow is one unbroken run of row ids, right after the previous one's. (A connection
    of its own: a page-sized buffer limit is not what a scan of every row is for.)"""
    con = duckdb.connect()
    con.execute("ATTACH ? AS demo (READ_ONLY)", [str(demo_path)])
    groups = con.execute(
        """SELECT year, quarter, flow, region, dept, min(rowid), max(rowid), count(*)
        FROM demo.trade GROUP BY ALL ORDER BY year, quarter, flow, region, dept"""
    ).fetchall()
    ((total,),) = con.execute("SELECT sum(rows) FROM demo.slices").fetchall()
    con.close()
    assert len(groups) > 5_000
    following = 0
    for *key, first, last, rows in groups:
        assert (first, last) == (following, following + rows - 1), key
        following = last + 1
    assert following == total


def _part(year: int, flow: str, rows: list[tuple[int, int, int]]) -> pa.Table:
    """A generated chunk: (quarter, index of the département, value) rows."""
    return pa.table({
        "year": pa.array([year] * len(rows), pa.int16()),
        "quarter": pa.array([q for q, _, _ in rows], pa.int8()),
        "flow": pa.DictionaryArray.from_arrays(pa.array([0] * len(rows), pa.int8()), [flow]),
        "dept": pa.DictionaryArray.from_arrays(
            pa.array([d for _, d, _ in rows], pa.int16()), ["93", "971", "01", "75"]
        ),
        "value_eur": pa.array([v for _, _, v in rows], pa.int64()),
    })  # fmt: skip


def test_generated_chunks_are_given_in_trade_order():
    # Départements 93, 971, 01, 75 (in the generator's order) of régions 11, 01, 84, 11:
    # in a quarter, Guadeloupe (01) comes first, then Paris and Seine-Saint-Denis (11), then
    # Ain (84). The generator gives every year's exports before the imports.
    depts = np.array(["93", "971", "01", "75"])
    regions = np.array(["11", "01", "84", "11"])
    chunks = [
        _part(2019, "export", [(2, 0, 1), (1, 2, 2), (1, 0, 3), (1, 3, 4), (1, 1, 5), (2, 1, 11)]),
        _part(2020, "export", [(4, 3, 6)]),
        _part(2019, "import", [(1, 2, 7), (3, 1, 8)]),
        _part(2020, "import", [(4, 0, 9), (4, 1, 10)]),
    ]
    given = list(demo.in_trade_order(demo.by_quarter(chunks, depts, regions), (2019, 2020)))
    got = [
        (t["year"][0].as_py(), t["quarter"][0].as_py(), t["flow"][0].as_py(),
         [(r, depts[d], v) for r, d, v in zip(t["region"].to_pylist(),
                                              t["dept"].combine_chunks().indices.to_pylist(),
                                              t["value_eur"].to_pylist(), strict=True)])
        for t in given
    ]  # fmt: skip
    assert got == [
        (2019, 1, "export", [("01", "971", 5), ("11", "75", 4), ("11", "93", 3), ("84", "01", 2)]),
        (2019, 1, "import", [("84", "01", 7)]),
        (2019, 2, "export", [("01", "971", 11), ("11", "93", 1)]),
        (2019, 3, "import", [("01", "971", 8)]),
        (2020, 4, "export", [("11", "75", 6)]),
        (2020, 4, "import", [("01", "971", 10), ("11", "93", 9)]),
    ]
    # A flow missing would leave a year's rows out: refused, not written short.
    with pytest.raises(RuntimeError, match="not given in order"):
        list(demo.in_trade_order(demo.by_quarter(chunks[:3], depts, regions), (2019, 2020)))


# --- The customs' layout ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def official_2025(tmp_path_factory) -> Path:
    """The demonstration data of 2025 written as the customs publish it (one ZIP)."""
    paths = demo.write_official(tmp_path_factory.mktemp("official"), years=[2025])
    assert [p.name for p in paths] == ["demo_regional_2025.zip"]
    return paths[0]


def _customs_regions() -> dict[str, str]:
    """Customs département code → customs région code, from their Departement_region.txt."""
    path = SHARED / "Departement_region.txt"
    if not path.exists():
        pytest.skip(f"customs reference not found: {path}")
    text = path.read_bytes().decode("utf-8-sig")
    return {r[0]: r[2] for r in csv.reader(io.StringIO(text), delimiter=";") if r}


def test_official_files_have_ten_fields_crlf_and_the_customs_codes(official_2025):
    with zipfile.ZipFile(official_2025) as archive:
        assert sorted(archive.namelist()) == ["2025_CPF4PAYSE.txt", "2025_CPF4PAYSI.txt"]
        raw = archive.read("2025_CPF4PAYSE.txt")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM, no header: data from line one
    lines = raw.decode("utf-8").split("\r\n")[:-1]
    regions = _customs_regions()
    seen = set()
    for line in lines[:: max(1, len(lines) // 20_000)]:  # a sample of every part of the file
        fields = line.split(";")
        assert len(fields) == 10, line
        flux, quarter, year, dept, region, a129, cpf4, country, value, mass = fields
        assert (flux, year) == ("E", "2025") and quarter in ("1", "2")
        assert regions[dept] == region, line
        assert reference.a129_of_cpf4(cpf4) == a129, line
        assert len(country) == 2 and country.isupper()
        assert value.isdigit() and int(value) > 0 and mass.isdigit()
        seen.add(dept)
    depts = {line.split(";")[3] for line in lines}
    assert {"20", "99", "9A", "9B", "9C", "9D", "9E", "01", "02"} <= depts
    assert not {"2A", "2B", "971", "976", "1", "2"} & depts
    assert len(seen) > 50


def test_official_files_hold_exactly_the_built_rows_of_the_year(official_2025, demo_db, tmp_path):
    """Read back as the build reads them (9A → 971), the files give each (quarter, flow) slice
    of 2025 its rows, its value and its fingerprint (``core.build``'s ``slices``)."""
    with zipfile.ZipFile(official_2025) as archive:
        archive.extractall(tmp_path)
    files = sorted(str(p) for p in tmp_path.glob("2025_CPF4PAYS*.txt"))
    assert len(files) == 2
    columns = {
        "flux": "VARCHAR", "quarter": "BIGINT", "year": "BIGINT", "dept": "VARCHAR",
        "region": "VARCHAR", "a129": "VARCHAR", "product": "VARCHAR", "country": "VARCHAR",
        "value_eur": "BIGINT", "mass_kg": "BIGINT",
    }  # fmt: skip
    with duckdb.connect() as con:
        written = con.execute(
            """
            WITH w AS (
                SELECT year, quarter, CASE flux WHEN 'E' THEN 'export' ELSE 'import' END AS flow,
                       CASE dept WHEN '9A' THEN '971' WHEN '9B' THEN '972' WHEN '9C' THEN '973'
                                 WHEN '9D' THEN '974' WHEN '9E' THEN '976' ELSE dept END AS dept,
                       product, country, value_eur, mass_kg
                FROM read_csv(?, delim = ';', header = false, columns = ?)
            )
            SELECT year, quarter, flow, count(*), CAST(sum(value_eur) AS BIGINT),
                   bit_xor(hash(dept, product, country, value_eur, mass_kg))
            FROM w GROUP BY ALL ORDER BY ALL
            """,
            [files, columns],
        ).fetchall()
    stored = demo_db.rows(
        "SELECT year, quarter, flow, rows, value_eur, checksum FROM slices WHERE year = 2025 "
        "ORDER BY ALL"
    )
    assert [r[:3] for r in stored] == [(2025, 1, "export"), (2025, 1, "import"),
                                       (2025, 2, "export"), (2025, 2, "import")]  # fmt: skip
    assert written == stored  # same rows, to the euro and the kilogram
