"""The embedded demonstration database: calibration, shape and determinism."""

from __future__ import annotations

import hashlib

import pytest

from core import demo, queries
from core.filters import Filters
from core.formatting import format_percent

NN = "\u202f"

# DESIGN calibration table, 2024, millions of euros (Aisne's import total is our choice).
CALIBRATION = [
    ("FR", 580_354.5, 684_776.3),
    ("R11", 141_666.3, 192_202.9),
    ("R32", 68_021.0, 85_786.3),
    ("R44", 67_665.4, 63_519.7),
    ("93", 12_148.6, 15_695.4),
    ("95", 24_188.7, 25_441.3),
    ("59", 28_822.9, 40_986.6),
    ("02", 3_517.5, None),
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


@pytest.mark.parametrize(("territory", "exports", "imports"), CALIBRATION)
def test_2024_totals_match_the_design_calibration_to_the_euro(demo_db, territory, exports, imports):
    k = queries.kpis(demo_db, Filters(territory, 2024))
    assert k.exports == round(exports * 10) * 100_000
    if imports is not None:
        assert k.imports == round(imports * 10) * 100_000


@pytest.mark.parametrize(("dept", "flow", "region_share", "france_share"), SEED_SHARES)
def test_shares_read_as_printed_in_the_seeds(demo_db, dept, flow, region_share, france_share):
    k = queries.kpis(demo_db, Filters(dept, 2024))
    region = k.share_region_exports if flow == "export" else k.share_region_imports
    france = k.share_france_exports if flow == "export" else k.share_france_imports
    assert format_percent(region, 1) == f"{region_share}{NN}%"
    assert format_percent(france, 2) == f"{france_share}{NN}%"


@pytest.mark.parametrize("flow", ["export", "import"])
def test_france_partner_shares_follow_the_design(demo_db, flow):
    result = queries.partner_balance(demo_db, Filters("FR", 2024, flow=flow))
    values = result.table.set_index("code")["exports" if flow == "export" else "imports"]
    total = result.total_exports if flow == "export" else result.total_imports
    for code, national in demo.TOP_PARTNERS[flow].items():
        expected = national / demo.NATIONAL_BASIS[flow]
        # Exact to 0,1 M€ on the value implied by the share.
        assert abs(values[code] - expected * total) < 50_000, code


def test_shape_years_rows_codes_and_special_partners(demo_db):
    per_year = demo_db.frame("SELECT year, count(*) AS n FROM trade GROUP BY year ORDER BY year")
    assert per_year["year"].tolist() == list(range(2019, 2025))
    assert per_year["n"].between(500_000, 1_000_000).all()  # sparse like real data
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
    assert stats["products"] == 74
    assert stats["countries"] >= 150
    assert stats["special"] >= 5
    assert stats["smallest"] > 0
    # Cells are sparse: far fewer rows than département × product × partner.
    assert per_year["n"].iloc[-1] < 0.5 * 101 * 74 * stats["countries"] * 2


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
    top = demo_db.frame(
        """
        SELECT product FROM trade WHERE year = 2024 AND dept = ? AND flow = ?
        GROUP BY product ORDER BY sum(value_eur) DESC LIMIT 1
        """,
        [dept, flow],
    )
    assert top["product"][0] == product


def test_trends_exist_and_are_plausible(demo_db):
    totals = demo_db.frame(
        "SELECT year, flow, CAST(sum(value_eur) AS BIGINT) AS v FROM totals_dept GROUP BY ALL"
    ).set_index(["flow", "year"])["v"]
    # 2020 fell, 2022 imports jumped with energy prices; no year moves by more than 40 %.
    assert totals["export", 2020] < 0.85 * totals["export", 2019]
    assert totals["import", 2022] > 1.2 * totals["import", 2021]
    for flow in ("export", "import"):
        changes = totals[flow].sort_index().pct_change().dropna()
        assert changes.abs().max() < 0.4


def test_generation_is_deterministic(demo_db):
    """Generating again gives exactly the rows of the built database."""
    table = demo.generate(demo.Reference.load())
    fresh = hashlib.sha256()
    stored = hashlib.sha256()
    frame = table.to_pandas().sort_values(["year", "flow", "dept", "product", "country"])
    fresh.update(frame.to_csv(index=False).encode())
    built = demo_db.frame(
        "SELECT year, flow, dept, product, country, value_eur FROM trade "
        "ORDER BY year, flow, dept, product, country"
    )
    built["year"] = built["year"].astype(frame["year"].dtype)
    stored.update(built.to_csv(index=False).encode())
    assert fresh.hexdigest() == stored.hexdigest()


def test_metadata_says_demonstration(demo_db):
    catalog = demo_db.catalog()
    assert catalog.is_demo
    assert catalog.metadata["label"] == "Données de démonstration"
    assert catalog.metadata["rows"] > 3_000_000
