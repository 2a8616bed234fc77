"""Query core on the hand-made fixtures: every expected figure is computed by hand from the
tables in tests/fixture_data.py (values in millions of euros there, euros here).

``fixture_db``: whole years 2023 and 2024. ``quarters_db``: quarter by quarter, with a partial
2025 (T1–T2), « 12 derniers mois », Corse, Guadeloupe and Monaco, and masses by product.
``labels_db``: partner codes whose meaning changed (XK, XS).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from core import queries, tables, texts
from core.filters import Filters
from core.periods import Period

M = 1_000_000
NN = "\u202f"
EN = "\u2013"
Y2023, Y2024 = Period.of_year(2023), Period.of_year(2024)
H1_2024, H1_2025 = Period.of_year(2024, (1, 2)), Period.of_year(2025, (1, 2))
T1_2024, T1_2025 = Period.of_year(2024, (1,)), Period.of_year(2025, (1,))
ROLLING = Period.last_four(2025, 2)  # T3 2024 – T2 2025


def F(territory: str, period: Period = Y2024, **kw) -> Filters:  # noqa: N802
    return Filters(territory, period, **kw)


# --- Sums by key and flow -------------------------------------------------------------------
def test_flow_sums_add_values_and_masses_by_key_and_flow_as_sql_sum_does(fixture_db):
    rows = """SELECT * FROM (VALUES ('DE', 'export', 10, NULL), ('DE', 'export', 5, 7),
        ('US', 'import', 3, NULL), ('FR', 'export', 2, NULL), ('FR', 'import', 1, 4),
        ('FR', 'import', 6, 0), ('ZZ', 'export', 9, 9)) t(k, flow, v, m)"""
    keys, imports, exports, imports_kg, exports_kg = queries._flow_sums(fixture_db, rows, [])
    got = {
        k: (int(i), int(e), None if np.isnan(ik) else ik, None if np.isnan(ek) else ek)
        for k, i, e, ik, ek in zip(keys, imports, exports, imports_kg, exports_kg, strict=True)
    }
    # A flow with no row: value 0, no mass; NULL masses left out of the sum, which is NULL
    # when every mass of the flow is.
    assert got == {
        "DE": (0, 15, None, 7.0),
        "US": (3, 0, None, None),
        "FR": (7, 2, 4.0, None),
        "ZZ": (0, 9, None, 9.0),
    }
    # Keys summed under others: DE and FR under EU, ZZ (unmapped) left out.
    keys, imports, exports, _, exports_kg = queries._flow_sums(
        fixture_db, rows, [], to_key={"DE": "EU", "FR": "EU", "US": "US"}
    )
    assert dict(zip(keys, zip(imports.tolist(), exports.tolist(), strict=True), strict=True)) == {
        "EU": (7, 17), "US": (3, 0)
    }  # fmt: skip
    assert exports_kg.tolist()[0] == 7.0
    empty = queries._flow_sums(fixture_db, rows.replace("t(k", "t(k") + " WHERE v < 0", [])
    assert [len(a) for a in empty] == [0, 0, 0, 0, 0]


class _Rows:
    """A build that answers one query with fixed numpy columns."""

    def __init__(self, **cols: list) -> None:
        self.cols = {k: np.array(v, dtype=object if k == "dept" else None) for k, v in cols.items()}

    def columns(self, sql: str, params: list | None = None) -> dict[str, np.ndarray]:
        return self.cols


def test_dept_totals_sum_each_period_by_hand_and_leave_out_codes_the_catalog_lacks():
    from core.db import DeptTotals

    q = [8096, 8097, 8100, 8100, 8101, 8099]  # 2024 T1, T2, 2025 T1 (twice), T2, 2024 T4
    rows = _Rows(
        dept=["02", "01", "01", "99", "01", "02"],
        export=[True, True, False, True, True, False],
        q=q,
        value_eur=[5, 7, 11, 1000, 13, 17],
    )
    totals = DeptTotals.read(rows, ["01", "02"])
    assert len(totals.value) == 5  # « 99 » left out
    values, counts = totals.sums(Period.of_year(2024))
    assert values.tolist() == [[7, 0], [5, 17]]  # (exports, imports) of 01, then 02
    assert counts.tolist() == [[1, 0], [1, 1]]
    values, counts = totals.sums(Period.of_year(2025, (1, 2)))
    assert values.tolist() == [[13, 11], [0, 0]]
    assert counts.tolist() == [[1, 1], [0, 0]]
    assert totals.mask(["02", "99"]).tolist() == [False, True]


# --- KPIs (whole years) ---------------------------------------------------------------------
def test_kpis_of_a_departement(fixture_db):
    k = queries.kpis(fixture_db, F("93"))
    assert (k.exports, k.imports) == (200 * M, 250 * M)
    assert k.balance == -50 * M  # negative balance
    assert k.coverage == pytest.approx(0.8)
    assert (k.name, k.kind, k.period, k.year) == ("Seine-Saint-Denis", "departement", Y2024, 2024)
    assert (k.region_code, k.region_name) == ("11", "Île-de-France")
    assert (k.region_exports, k.region_imports) == (700 * M, 500 * M)
    assert (k.france_exports, k.france_imports) == (1_100 * M, 670 * M)
    assert k.share_region_exports == pytest.approx(200 / 700)
    assert k.share_region_imports == pytest.approx(250 / 500)
    assert k.share_france_exports == pytest.approx(200 / 1_100)
    assert k.share_france_imports == pytest.approx(250 / 670)
    # Exports: 95 400, 59 310, 93 200, 75 100, 02 90 → 3rd; imports: 93 is first.
    assert (k.rank_exports, k.rank_imports, k.rank_of) == (3, 1, 5)
    assert (k.prev_period, k.prev_exports, k.prev_imports) == (Y2023, 160 * M, 200 * M)
    assert k.change_exports == pytest.approx(0.25)
    assert k.change_imports == pytest.approx(0.25)


def test_kpis_ranks_share_the_best_place_on_ties(fixture_db):
    # 2023 exports: 95 400, 59 300, 93 160, then 75 and 02 both 100.
    assert queries.kpis(fixture_db, F("75", Y2023)).rank_exports == 4
    assert queries.kpis(fixture_db, F("02", Y2023)).rank_exports == 4


def test_kpis_without_previous_year_have_no_change(fixture_db):
    k = queries.kpis(fixture_db, F("93", Y2023))
    assert (k.prev_period, k.prev_exports, k.prev_imports) == (None, None, None)
    assert k.change_exports is None and k.change_imports is None


def test_kpis_of_a_region(fixture_db):
    k = queries.kpis(fixture_db, F("R32"))
    assert (k.exports, k.imports) == (400 * M, 170 * M)
    assert k.balance == 230 * M  # positive balance
    assert (k.kind, k.name, k.region_code, k.region_exports) == (
        "region", "Hauts-de-France", None, None
    )  # fmt: skip
    assert k.share_region_exports is None
    assert k.share_france_exports == pytest.approx(400 / 1_100)
    assert k.share_france_imports == pytest.approx(170 / 670)
    # Régions: 11 exports 700 and imports 500, 32 400 and 170.
    assert (k.rank_exports, k.rank_imports, k.rank_of) == (2, 2, 2)
    # 2023: 59 300 + 02 100 exported, 150 + 10 imported.
    assert (k.prev_exports, k.prev_imports) == (400 * M, 160 * M)
    assert k.change_exports == 0
    assert k.change_imports == pytest.approx(170 / 160 - 1)
    r11 = queries.kpis(fixture_db, F("R11"))
    assert (r11.exports, r11.imports, r11.rank_exports, r11.rank_imports) == (
        700 * M, 500 * M, 1, 1
    )  # fmt: skip


def test_kpis_of_france(fixture_db):
    k = queries.kpis(fixture_db, F("FR"))
    assert (k.exports, k.imports) == (1_100 * M, 670 * M)
    assert (k.kind, k.name) == ("france", "France")
    assert k.rank_exports is None and k.rank_of is None
    assert k.share_france_exports is None and k.share_region_exports is None
    # 2023: exports 160 + 400 + 100 + 300 + 100, imports 200 + 250 + 50 + 150 + 10.
    assert (k.prev_exports, k.prev_imports) == (1_060 * M, 660 * M)
    assert k.change_exports == pytest.approx(1_100 / 1_060 - 1)
    assert k.territoires == () and k.territoires_hidden == 0


# --- KPIs of a partial year and of « 12 derniers mois » ------------------------------------
def test_kpis_of_a_partial_year_compare_with_the_same_quarters(quarters_db):
    k = queries.kpis(quarters_db, F("93", H1_2025))
    assert (k.exports, k.imports) == (80 * M, 20 * M)  # 25 + 55, 15 + 5
    assert k.prev_period == H1_2024  # never the whole of 2024 (140 and 100)
    assert (k.prev_exports, k.prev_imports) == (50 * M, 25 * M)  # 20 + 30, 10 + 15
    assert k.change_exports == pytest.approx(0.6)
    assert k.change_imports == pytest.approx(-0.2)
    # Région 11 = 93 + 95 (30 + 30 exported, 30 + 30 imported); France adds 59, 20, 971, 99.
    assert (k.region_exports, k.region_imports) == (140 * M, 80 * M)
    assert (k.france_exports, k.france_imports) == (174 * M, 92 * M)
    assert k.share_region_exports == pytest.approx(80 / 140)
    assert k.share_france_exports == pytest.approx(80 / 174)
    # Exports: 93 80, 95 60, 59 20, 99 9, 971 3, 20 2; imports: 95 60, 93 20, 971 12.
    assert (k.rank_exports, k.rank_imports, k.rank_of) == (1, 2, 6)


def test_kpis_of_one_quarter_compare_with_that_quarter_a_year_earlier(quarters_t1_db):
    k = queries.kpis(quarters_t1_db, F("93", T1_2025))
    assert k.period.label == "2025 (T1)"
    assert (k.exports, k.imports) == (25 * M, 15 * M)
    assert k.prev_period == T1_2024
    assert (k.prev_exports, k.prev_imports) == (20 * M, 10 * M)
    assert k.change_exports == pytest.approx(0.25)
    assert k.change_imports == pytest.approx(0.5)
    # France in 2025 T1: exports 93 25 + 95 30 + 59 20 + 971 3, imports 15 + 30 + 6.
    assert (k.france_exports, k.france_imports) == (78 * M, 51 * M)


def test_kpis_of_the_last_twelve_months(quarters_db):
    k = queries.kpis(quarters_db, F("93", ROLLING))
    # T3 2024 – T2 2025: exports 40 + 50 + 25 + 55, imports 35 + 40 + 15 + 5.
    assert (k.exports, k.imports) == (170 * M, 95 * M)
    assert k.prev_period == ROLLING.previous()
    # T3 2023 – T2 2024: exports 30 + 40 + 20 + 30, imports 20 + 20 + 10 + 15.
    assert (k.prev_exports, k.prev_imports) == (120 * M, 65 * M)
    assert k.change_exports == pytest.approx(170 / 120 - 1)
    assert k.change_imports == pytest.approx(95 / 65 - 1)
    # 95 exported 60 + 60 + 30 + 30 and imported 25 + 25 + 30 + 30; France exports
    # 170 + 180 + 59 (10 + 10 + 20) + 20 (4 + 2) + 971 3 + 99 9.
    assert (k.region_exports, k.region_imports) == (350 * M, 205 * M)
    assert k.france_exports == 408 * M
    assert k.france_imports == (95 + 110 + 22) * M
    assert (k.rank_exports, k.rank_imports) == (2, 2)


def test_kpis_of_the_customs_special_departements(quarters_db):
    monaco = queries.kpis(quarters_db, F("99"))
    assert (monaco.name, monaco.region_code) == ("Principauté de Monaco", "93")
    assert monaco.region_name == "Provence-Alpes-Côte d'Azur"
    assert (monaco.exports, monaco.region_exports) == (6 * M, 6 * M)
    assert monaco.share_region_exports == 1
    assert monaco.france_exports == 431 * M  # France includes Monaco
    assert (monaco.prev_exports, monaco.change_exports) == (8 * M, pytest.approx(-0.25))
    corse = queries.kpis(quarters_db, F("20"))
    assert (corse.exports, corse.imports, corse.coverage) == (4 * M, 0, None)
    assert (corse.prev_exports, corse.change_exports) == (0, None)  # nothing in 2023
    assert corse.region_name == "Corse"
    # A territory with no trade in the period: zeros, no rank.
    quiet = queries.kpis(quarters_db, F("20", Y2023))
    assert (quiet.exports, quiet.imports, quiet.rank_exports) == (0, 0, None)
    guadeloupe = queries.kpis(quarters_db, F("971", H1_2025))
    assert (guadeloupe.exports, guadeloupe.imports) == (3 * M, 12 * M)
    assert (guadeloupe.prev_exports, guadeloupe.prev_imports) == (1 * M, 10 * M)
    assert (guadeloupe.region_code, guadeloupe.region_name) == ("01", "Guadeloupe")


# --- Territoires d'industrie -----------------------------------------------------------------
def test_territoires_below_five_communes_are_left_out_and_counted(fixture_db):
    k = queries.kpis(fixture_db, F("93"))
    assert k.territoires == (("Grand Roissy Le Bourget", 8),)
    assert k.territoires_hidden == 1
    assert texts.territoires_footnote(k.territoires_hidden).startswith("* Les Territoires")
    assert texts.territoires_footnote(queries.kpis(fixture_db, F("95")).territoires_hidden) is None


def test_territoires_of_a_region_count_the_communes_of_all_its_departements(fixture_db):
    catalog = fixture_db.catalog()
    # Grand Roissy: 8 communes in 93 and 17 in 95; the neighbour: 3 communes, 10 %.
    assert queries.territoires_of(catalog, "R11") == ((("Grand Roissy Le Bourget", 25),), 1)
    assert queries.territoires_of(catalog, "95") == ((("Grand Roissy Le Bourget", 17),), 0)
    assert queries.territoires_of(catalog, "R32") == ((), 0)
    assert queries.territoires_of(catalog, "FR") == ((), 0)


def test_territoires_by_region_counts_what_each_region_lists(fixture_db, demo_db):
    # By hand on the fixture: Île-de-France lists Grand Roissy Le Bourget (25 communes).
    counts = queries.territoires_by_region(fixture_db.catalog())
    assert counts["11"] == 1 and counts["32"] == 0
    # On the demo's real list: the same as territoires_of, région by région.
    catalog = demo_db.catalog()
    counts = queries.territoires_by_region(catalog)
    assert counts == {r: len(queries.territoires_of(catalog, f"R{r}")[0]) for r in catalog.regions}
    assert sum(counts.values()) > 150  # the real list has 183 territories


def test_territoires_listed_by_share_of_population_and_summed_over_a_region(quarters_db):
    catalog = quarters_db.catalog()
    # 95: Boucle has one commune but 25 % of its people there (listed); Roissy 3 communes and
    # 15 %, Seine Aval 1 commune and 4 % (left out).
    assert queries.territoires_of(catalog, "95") == ((("Boucle", 1),), 2)
    assert queries.territoires_of(catalog, "93") == ((), 1)  # Roissy: 3 communes, 15 %
    # Île-de-France: Roissy 3 + 3 communes (30 %), Boucle 25 %; Seine Aval still out.
    assert queries.territoires_of(catalog, "R11") == ((("Boucle", 1), ("Roissy", 6)), 1)
    k = queries.kpis(quarters_db, F("R11"))
    assert (k.territoires, k.territoires_hidden) == ((("Boucle", 1), ("Roissy", 6)), 1)


def test_total_sentence_follows_the_seeds(fixture_db):
    k = queries.kpis(fixture_db, F("93"))
    assert texts.total_sentence(k, "export") == (
        "Total des exportations : 200,0 millions d'euros, "
        f"soit 28,6{NN}% de la valeur exportée par la région Île-de-France, "
        f"soit 18,18{NN}% de la valeur exportée au niveau national"
    )
    france = queries.kpis(fixture_db, F("FR"))
    assert texts.total_sentence(france, "import") == (
        "Total des importations : 670,0 millions d'euros"
    )


# --- Partners -------------------------------------------------------------------------------
def test_partner_balance_keeps_the_union_of_both_top_lists(fixture_db):
    result = queries.partner_balance(fixture_db, F("93", top=2))
    table = result.table.set_index("code")
    # Exports DE 100, US 80, CN 20; imports CN 120, US 80, BE 50.
    assert result.table["code"].tolist() == ["US", "CN", "DE", "BE"]  # by imports + exports
    assert set(result.main["code"]) == {"DE", "US", "CN"}  # top-2 exports ∪ top-2 imports
    assert not table.loc["BE", "main"]
    assert table.loc["DE", "balance"] == 100 * M
    assert table.loc["CN", "balance"] == -100 * M
    assert table.loc["US", "balance"] == 0
    assert table.loc["BE", ["imports", "exports"]].tolist() == [50 * M, 0]
    assert math.isnan(table.loc["DE", "coverage"])  # no imports from DE: no coverage rate
    assert table.loc["CN", "coverage"] == pytest.approx(20 / 120)
    assert table.loc["US", "share_exports"] == pytest.approx(80 / 200)
    assert table.loc["CN", "share_imports"] == pytest.approx(120 / 250)
    assert (result.total_exports, result.total_imports) == (200 * M, 250 * M)
    assert table.loc["DE", "name"] == "Allemagne" and bool(table.loc["DE", "eu27"])
    assert (table.loc["US", "iso3"], table.loc["US", "zone"]) == ("USA", "Amérique du Nord")
    assert result.period == Y2024


def test_partner_balance_gives_mass_and_value_per_kilogram(fixture_db):
    table = queries.partner_balance(fixture_db, F("93")).table.set_index("code")
    # One kilogram per 1 000 euros in this fixture.
    assert table.loc["US", ["exports_kg", "imports_kg"]].tolist() == [80_000, 80_000]
    assert table.loc["CN", "imports_kg"] == 120_000
    assert table.loc["US", "exports_per_kg"] == pytest.approx(1_000)
    assert math.isnan(table.loc["DE", "imports_kg"])  # no import at all: no mass
    assert math.isnan(table.loc["DE", "imports_per_kg"])


def test_partner_balance_mass_of_a_partial_year(quarters_db):
    table = queries.partner_balance(quarters_db, F("FR", H1_2025)).table.set_index("code")
    # Exports: DE = 93 2120 80 M€ (800 000 kg) + 99 3030 9 M€ (9 000 kg); US = 95 3030 60 M€
    # (60 000 kg) + 971 1011 3 M€ (600 000 kg); BE = 59 1011 20 M€ (4 000 000 kg) + Corse's
    # wine 2 M€ published without mass.
    assert table.loc["DE", ["exports", "exports_kg"]].tolist() == [89 * M, 809_000]
    assert table.loc["US", ["exports", "exports_kg"]].tolist() == [63 * M, 660_000]
    assert table.loc["BE", ["exports", "exports_kg"]].tolist() == [22 * M, 4_000_000]
    assert table.loc["DE", "exports_per_kg"] == pytest.approx(89e6 / 809_000)
    assert table.loc["BE", "exports_per_kg"] == pytest.approx(5.5)
    # Imports: CN 20 M€ of pharmaceuticals, US 60 M€ of aircraft, BE 12 M€ of meat.
    assert table.loc["CN", ["imports", "imports_kg"]].tolist() == [20 * M, 200_000]
    assert table.loc["BE", "imports_per_kg"] == pytest.approx(5)
    assert table.loc["US", "imports_per_kg"] == pytest.approx(1_000)


def test_partner_codes_missing_from_reference_are_kept_and_labelled(fixture_db):
    result = queries.partner_balance(fixture_db, F("59", Y2023))
    row = result.table.set_index("code").loc["ZZ"]
    assert row["exports"] == 300 * M
    assert row["name"] == "ZZ (non déterminé)" and row["zone"] == "Non déterminé"
    assert not row["eu27"]


def test_partner_selection_restricts_the_rows(fixture_db):
    result = queries.partner_balance(fixture_db, F("93", partners=("US",)))
    assert result.table["code"].tolist() == ["US"]
    assert (result.total_exports, result.total_imports) == (80 * M, 80 * M)


def test_restrict_zone_keeps_the_territory_totals_and_recomputes_main(fixture_db):
    balance = queries.partner_balance(fixture_db, F("93", top=1))
    eu = queries.restrict_zone(balance, "ue", 1)
    assert eu.table["code"].tolist() == ["DE", "BE"]
    assert set(eu.main["code"]) == {"DE", "BE"}  # top export DE, top import BE
    assert (eu.total_exports, eu.total_imports) == (200 * M, 250 * M)
    outside = queries.restrict_zone(balance, "hors-ue", 1)
    assert outside.table["code"].tolist() == ["US", "CN"]
    assert set(outside.main["code"]) == {"US", "CN"}  # top export US 80, top import CN 120
    assert queries.restrict_zone(balance, "tous", 10).table["main"].all()
    with pytest.raises(ValueError):
        queries.restrict_zone(balance, "asie", 1)


# --- Products -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("A17", {"C5": (150, 120), "C4": (30, 80), "C1": (20, 50)}),
        ("A38", {"CF": (150, 120), "CL": (30, 80), "CA": (20, 50)}),
        ("A129", {"C21Z": (150, 120), "C30C": (30, 80), "C10A": (0, 50), "C11Z": (20, 0)}),
        ("CPF4", {"2120": (150, 120), "3030": (30, 80), "1011": (0, 50), "1102": (20, 0)}),
    ],
)
def test_product_breakdown_rolls_up_by_level(fixture_db, level, expected):
    result = queries.product_breakdown(fixture_db, F("93", level=level))
    table = result.table
    assert result.level == level
    got = {c: (x // M, m // M) for c, x, m in zip(table["code"], table["exports"],
                                                 table["imports"], strict=True)}  # fmt: skip
    assert got == expected
    assert list(table["code"]) == list(expected)  # largest imports + exports first, then code
    assert (table["balance"] == table["exports"] - table["imports"]).all()
    assert table["share_exports"].sum() == pytest.approx(1.0)
    assert table["share_imports"].sum() == pytest.approx(1.0)
    assert (result.total_exports, result.total_imports) == (200 * M, 250 * M)


def test_product_breakdown_carries_the_parents_of_its_level(fixture_db):
    a38 = queries.product_breakdown(fixture_db, F("93", level="A38")).table.set_index("code")
    assert a38.loc["CA", ["label", "a17", "a17_label"]].tolist() == ["Agroalimentaire", "C1", "IAA"]
    assert "a38" not in a38.columns
    cpf4 = queries.product_breakdown(fixture_db, F("93"), level="CPF4").table.set_index("code")
    assert cpf4.loc["2120", ["label", "a129", "a129_label", "a38", "a17"]].tolist() == [
        "Préparations pharmaceutiques", "C21Z", "Produits pharmaceutiques", "CF", "C5",
    ]  # fmt: skip
    assert cpf4.loc["2120", "exports_kg"] == 150_000
    assert cpf4.loc["2120", "exports_per_kg"] == pytest.approx(1_000)
    assert math.isnan(cpf4.loc["1102", "imports_per_kg"])


def test_product_breakdown_of_the_last_twelve_months_with_mass(quarters_db):
    t = queries.product_breakdown(quarters_db, F("FR", ROLLING, level="CPF4")).table
    t = t.set_index("code")
    # T3 2024 – T2 2025 exports: 3030 = 95 180 + 99 9; 2120 = 93 170; 1011 = 59 40 + 971 3;
    # 1102 = Corse 4 + 2 (no mass).
    assert (t["exports"] // M).to_dict() == {"3030": 189, "2120": 170, "1011": 43, "1102": 6}
    assert t.loc["2120", "exports_kg"] == 1_700_000
    assert t.loc["1011", "exports_per_kg"] == pytest.approx(5)
    assert t.loc["1102", "exports_kg"] == 0
    assert math.isnan(t.loc["1102", "exports_per_kg"])  # zero mass: no value per kilogram
    # Imports: 3030 = 95 110, 2120 = 93 95, 1011 = 971 22.
    assert (t["imports"] // M).to_dict() == {"3030": 110, "2120": 95, "1011": 22, "1102": 0}


def test_product_selection_takes_a129_and_cpf4_codes(fixture_db):
    by_a129 = queries.product_breakdown(fixture_db, F("93", level="A129", products=("C21Z",)))
    assert by_a129.table["code"].tolist() == ["C21Z"]
    assert (by_a129.total_exports, by_a129.total_imports) == (150 * M, 120 * M)
    by_cpf4 = queries.product_breakdown(
        fixture_db, F("93", level="CPF4", products=("1102", "3030"))
    )
    assert sorted(by_cpf4.table["code"]) == ["1102", "3030"]
    assert (by_cpf4.total_exports, by_cpf4.total_imports) == (50 * M, 80 * M)


def test_product_breakdown_refuses_levels_off_the_allowlist(fixture_db):
    with pytest.raises(KeyError):
        queries.product_breakdown(fixture_db, F("93"), level="label; --")


# --- Sankey ---------------------------------------------------------------------------------
def test_sankey_groups_beyond_top_n_into_autres_and_adds_up(fixture_db):
    flows = queries.sankey_flows(fixture_db, F("93", level="A129", top=2))
    links = {(r.source_label, r.target_label): r.value for r in flows.links.itertuples(index=False)}
    assert links == {
        ("Produits pharmaceutiques", "Allemagne"): 100 * M,
        ("Produits pharmaceutiques", "États-Unis"): 50 * M,
        ("Aéronautique et spatial", "États-Unis"): 30 * M,
        ("Autres", "Autres"): 20 * M,  # C11Z → CN, both beyond the top 2
    }
    assert flows.total == 200 * M == flows.links["value"].sum()
    assert flows.left == ("P:C21Z", "P:C30C", "P:Autres")  # exports: products on the left
    assert flows.right == ("C:DE", "C:US", "C:Autres")
    # All three named links are among the five largest; the Autres link is never flagged.
    assert flows.links.loc[flows.links["top"], "value"].tolist() == [100 * M, 50 * M, 30 * M]
    assert flows.node_totals() == {
        "P:C21Z": 150 * M, "P:C30C": 30 * M, "P:Autres": 20 * M,
        "C:DE": 100 * M, "C:US": 80 * M, "C:Autres": 20 * M,
    }  # fmt: skip


def test_sankey_flags_only_the_n_largest_named_links(fixture_db):
    flows = queries.sankey_flows(fixture_db, F("93", level="A129", top=2), n_top_links=2)
    assert flows.links.loc[flows.links["top"], "value"].tolist() == [100 * M, 50 * M]


def test_sankey_of_imports_goes_from_countries_to_products(fixture_db):
    flows = queries.sankey_flows(fixture_db, F("93", flow="import", level="A17", top=10))
    assert flows.left == ("C:CN", "C:US", "C:BE")
    assert flows.right == ("P:C5", "P:C4", "P:C1")
    assert flows.total == 250 * M
    assert flows.labels["P:C5"] == "Autres industries" and flows.labels["C:CN"] == "Chine"
    assert flows.node_totals() == {
        "C:CN": 120 * M, "C:US": 80 * M, "C:BE": 50 * M,
        "P:C5": 120 * M, "P:C4": 80 * M, "P:C1": 50 * M,
    }  # fmt: skip


@pytest.mark.parametrize("level", ["A38", "A17"])
@pytest.mark.parametrize("territory", ["93", "20", "971", "R84", "FR"])
def test_sankey_from_the_flows_tables_equals_the_sankey_from_the_detail(demo_db, territory, level):
    # Selecting every product sends the function to the detail (``trade``…) and its join;
    # the same diagram without a selection comes from the build's ``*_flows`` tables.
    catalog = demo_db.catalog()
    every = tuple(catalog.product_info)
    periods = [catalog.year_periods[2024], *[p for p in catalog.periods if not p.is_whole_year]]
    assert len(periods) == 3  # a whole year, the partial year, the last twelve months
    for period, flow, partners in itertools.product(
        periods, ("export", "import"), ((), ("DE", "US"))
    ):
        f = Filters(territory, period, flow=flow, level=level, top=8, partners=partners)
        quick, detail = (
            queries.sankey_flows(demo_db, f),
            queries.sankey_flows(demo_db, f.with_(products=every)),
        )
        assert quick.total == detail.total > 0, (period.token, flow, partners)
        pd.testing.assert_frame_equal(quick.links, detail.links)
        assert (quick.left, quick.right, quick.labels) == (detail.left, detail.right, detail.labels)


# CPF4 from the detail, A38 from ``france_flows``: at A38 meat (1011) and wine (1102) are both
# « CA » (49), third after « CL » (3030, 189) and « CF » (2120, 170), as 1011 is at CPF4.
@pytest.mark.parametrize(
    ("level", "first", "second", "label"),
    [("CPF4", "3030", "2120", "Aéronefs et engins spatiaux"), ("A38", "CL", "CF", "Transport")],
)
def test_sankey_of_france_over_the_last_twelve_months(quarters_db, level, first, second, label):
    flows = queries.sankey_flows(quarters_db, F("FR", ROLLING, level=level, top=2))
    links = {(r.source, r.target): r.value // M for r in flows.links.itertuples(index=False)}
    # Products: 3030 189, 2120 170 (then 1011 43, 1102 6); partners: US 183, DE 179 (BE 46).
    assert links == {
        (f"P:{first}", "C:US"): 180,
        (f"P:{second}", "C:DE"): 170,
        (f"P:{first}", "C:DE"): 9,
        ("P:Autres", "C:US"): 3,  # Guadeloupe's meat
        ("P:Autres", "C:Autres"): 46,  # Nord's meat and Corse's wine to Belgium
    }
    assert flows.total == 408 * M and flows.labels[f"P:{first}"] == label
    assert {k: v // M for k, v in flows.node_totals().items()} == {
        f"P:{first}": 189, f"P:{second}": 170, "P:Autres": 49,
        "C:US": 183, "C:DE": 179, "C:Autres": 46,
    }  # fmt: skip
    assert flows.links.loc[flows.links["top"], "value"].tolist() == [180 * M, 170 * M, 9 * M]
    assert flows.period == ROLLING


# --- Comparison block -----------------------------------------------------------------------
def test_comparison_lists_territory_region_and_france(fixture_db):
    rows = queries.comparison(fixture_db, F("93"))
    assert [(r.scope, r.code, r.name, r.exports, r.imports) for r in rows] == [
        ("territoire", "93", "Seine-Saint-Denis", 200 * M, 250 * M),
        ("region", "R11", "Île-de-France", 700 * M, 500 * M),
        ("france", "FR", "France", 1_100 * M, 670 * M),
    ]
    assert [r.scope for r in queries.comparison(fixture_db, F("R11"))] == ["territoire", "france"]
    assert len(queries.comparison(fixture_db, F("FR"))) == 1


def test_comparison_of_monaco_for_a_partial_year(quarters_db):
    rows = queries.comparison(quarters_db, F("99", H1_2025))
    assert [(r.scope, r.code, r.name, r.exports // M, r.imports // M) for r in rows] == [
        ("territoire", "99", "Principauté de Monaco", 9, 0),
        ("region", "R93", "Provence-Alpes-Côte d'Azur", 9, 0),
        ("france", "FR", "France", 174, 92),
    ]


# --- Detail rows ----------------------------------------------------------------------------
ROW_COLUMNS = [
    "year", "quarter", "flow", "dept", "dept_name", "product", "product_label", "a129", "a38",
    "a17", "country", "country_name", "value_eur", "mass_kg",
]  # fmt: skip


def test_trade_rows_are_the_flow_of_the_filters_with_their_quarter(fixture_db):
    rows = queries.trade_rows(fixture_db, F("R32"))
    assert list(rows.columns) == ROW_COLUMNS
    assert set(rows["flow"]) == {"export"}
    # 59: C21Z→BE 250 (T4), C10A→DE 50 (T1), C11Z→QU 10 (T2); 02: C10A→BE 90 (T3).
    assert rows[["dept", "quarter", "product", "country"]].values.tolist() == [
        ["59", 4, "2120", "BE"], ["02", 3, "1011", "BE"], ["59", 1, "1011", "DE"],
        ["59", 2, "1102", "QU"],
    ]  # fmt: skip
    assert (rows["value_eur"] // M).tolist() == [250, 90, 50, 10]
    assert rows["mass_kg"].tolist() == [250_000, 90_000, 50_000, 10_000]
    assert rows.iloc[0][["dept_name", "product_label", "a129", "a38", "a17"]].tolist() == [
        "Nord", "Préparations pharmaceutiques", "C21Z", "CF", "C5"
    ]  # fmt: skip
    assert rows.iloc[3]["country_name"] == "Pays non déterminés"
    imports = queries.trade_rows(fixture_db, F("R32", flow="import"))
    assert set(imports["flow"]) == {"import"}
    assert (imports["value_eur"] // M).tolist() == [100, 60, 10]


def test_france_rows_come_from_the_national_table_without_departement(fixture_db):
    rows = queries.trade_rows(fixture_db, F("FR"))
    assert "dept" not in rows.columns and "dept_name" not in rows.columns
    assert len(rows) == 10
    assert rows["value_eur"].sum() == 1_100 * M
    # 75 (100) and 02 (90) both sold meat (1011) to Belgium in T3: one national row.
    meat = rows[(rows["product"] == "1011") & (rows["country"] == "BE")]
    assert meat[["quarter", "value_eur", "mass_kg"]].values.tolist() == [[3, 190 * M, 190_000]]
    assert (rows["value_eur"] // M).tolist()[:3] == [300, 250, 190]
    summary = queries.trade_rows_summary(fixture_db, F("FR"))
    assert (summary.rows, summary.exports, summary.imports, summary.has_dept) == (
        10, 1_100 * M, 0, False
    )  # fmt: skip


def test_trade_rows_of_a_partial_year_and_of_12m(quarters_db):
    rows = queries.trade_rows(quarters_db, F("93", H1_2025))
    assert rows[["year", "quarter", "value_eur"]].values.tolist() == [
        [2025, 2, 55 * M], [2025, 1, 25 * M]
    ]  # fmt: skip
    assert rows["mass_kg"].tolist() == [550_000, 250_000]
    rolling = queries.trade_rows(quarters_db, F("971", ROLLING, flow="import"))
    assert rolling[["year", "quarter"]].values.tolist() == [[2025, 1], [2025, 2], [2024, 3],
                                                            [2024, 4]]  # fmt: skip
    assert rolling["value_eur"].sum() == 22 * M
    assert set(rolling["dept_name"]) == {"Guadeloupe"}


@pytest.mark.parametrize(
    ("territory", "flow", "limits"),
    [
        # Seine-Saint-Denis' 3 465th and 3 466th largest exports of 2024 have the same value:
        # the cut falls inside the tie, then just after it.
        ("93", "export", (1, 3_465, 3_466, 5_000)),
        # Corse: 3 703 rows, fewer than the limit; its 313th and 314th values are equal.
        ("R94", "export", (313, 5_000)),
        ("FR", "import", (1, 5_000)),
        ("976", "import", (5_000,)),
    ],
)
def test_the_largest_rows_are_the_head_of_all_the_rows(demo_db, territory, flow, limits):
    """``trade_rows(limit=k)`` cuts at the k-th largest value, then sorts: the same rows in
    the same order as the first k of all the rows, ties at the cut included."""
    f = Filters(territory, demo_db.catalog().year_periods[2024], flow=flow)
    detail = queries.trade_rows(demo_db, f)
    values = detail["value_eur"].tolist()
    if territory == "93":
        assert values[3_464] == values[3_465] > values[3_466]
    for limit in limits:
        top = queries.trade_rows(demo_db, f, limit=limit)
        assert len(top) == min(limit, len(detail))
        pd.testing.assert_frame_equal(top, detail.head(limit))
    # QZ (countries not determined, extra-EU) has no row in the demonstration.
    nothing = Filters(territory, f.period, flow=flow, partners=("QZ",))
    assert queries.trade_rows(demo_db, nothing, limit=5).empty
    # A selection: the cut comes from the selected rows themselves, not from ``top_values``.
    chosen = Filters(territory, f.period, flow=flow, partners=("DE", "US"))
    selected = queries.trade_rows(demo_db, chosen)
    assert set(selected["country"]) == {"DE", "US"}
    for limit in (1, 250, 5_000):
        pd.testing.assert_frame_equal(
            queries.trade_rows(demo_db, chosen, limit=limit), selected.head(limit)
        )


def _top(groups: dict, members: dict | None = None):
    from core.db import TopValues

    return TopValues(
        {k: (n, np.array(v, dtype=np.int64)) for k, (n, v) in groups.items()}, members or {}
    )


def test_top_values_give_the_exact_cut_where_every_rank_is_kept():
    # 93's 2024 exports: T1 seven rows 70…10, T2 three rows 100, 55, 5 (every rank kept).
    top = _top({
        (2024, 1, "export", "93"): (7, [70, 60, 50, 40, 30, 20, 10]),
        (2024, 2, "export", "93"): (3, [100, 55, 5]),
        (2024, 2, "import", "93"): (1, [1_000]),
        (2024, 1, "export", "94"): (1, [500]),
    }, {"11": ("93", "94")})  # fmt: skip
    both = ((2024, 1), (2024, 2))
    # Largest first: 100, 70, 60, 55, 50, 40, 30, 20, 10, 5.
    assert top.least(both, "export", "93", 1) == 100
    assert top.least(both, "export", "93", 5) == 50
    assert top.least(both, "export", "93", 9) == 10
    # Ten rows in all: a limit of ten or more keeps every row, down to the smallest.
    assert top.least(both, "export", "93", 10) == 5
    assert top.least(both, "export", "93", 5_000) == 5
    # One quarter only; Île-de-France adds 94's 500 (T1): 500, 100, 70…
    assert top.least(((2024, 1),), "export", "93", 2) == 60
    assert top.least(both, "export", "R11", 3) == 70
    # No row: the values cannot tell.
    assert top.least(both, "import", "94", 10) is None
    assert top.least(both, "export", "R84", 10) is None
    assert top.least(((2023, 4),), "export", "93", 10) is None


def test_top_values_undercount_between_kept_ranks():
    # Twenty rows worth 999, 998… 980: ranks 11, 13, 15, 17 and 18 are not kept.
    ranks = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 19, 20]
    top = _top({(2024, 1, "export", "93"): (20, [1_000 - r for r in ranks])})
    t1 = ((2024, 1),)
    assert top.least(t1, "export", "93", 10) == 990  # rank 10 is kept: exact
    # The 11th largest is 989, but only 12 rows are known to be worth 988 or more: the bound
    # is 988, and the query reads 12 rows for 11.
    assert top.least(t1, "export", "93", 11) == 988
    assert top.least(t1, "export", "93", 17) == 981  # 19 rows for 17
    assert top.least(t1, "export", "93", 20) == 980


def test_top_values_of_a_group_cut_at_top_rows():
    # A quarter of 7 000 rows worth 9 999, 9 998…: values kept down to rank 5 000 only.
    from core import build

    kept = build.top_ranks(7_000)
    assert kept[-1] == build.TOP_ROWS
    top = _top({(2024, 1, "export", "59"): (7_000, [10_000 - r for r in kept])})
    t1 = ((2024, 1),)
    assert top.least(t1, "export", "59", 5_000) == 5_000  # the 5 000th value, exact
    assert top.least(t1, "export", "59", 4_000) == 10_000 - 4_770  # 4 770 rows known, then 5 000
    # Beyond the ranks kept, and more rows than asked for: the values cannot tell.
    assert top.least(t1, "export", "59", 6_000) is None


def test_top_values_of_the_demonstration_keep_the_largest_rows_and_few_more(demo_db):
    """On the demonstration, for every kind of territory and period: the rows worth at least
    the bound are at least the limit, and at most a quarter more."""
    catalog = demo_db.catalog()
    for territory in ("93", "20", "976", "R11", "R94", "FR"):
        for period in catalog.periods[:3]:
            f = Filters(territory, period, flow="import")
            everything = queries.trade_rows(demo_db, f)
            for limit in (100, 1_000, 5_000):
                least = catalog.top_values.least(period.quarters, "import", territory, limit)
                above = int((everything["value_eur"] >= least).sum())
                if len(everything) <= limit:
                    assert above == len(everything), (territory, period, limit)
                else:
                    assert limit <= above <= limit * 5 // 4, (territory, period, limit, above)


def test_trade_rows_limit_summary_and_sql_grouping_agree_with_the_detail(fixture_db):
    f = F("R32")
    detail = queries.trade_rows(fixture_db, f)
    top3 = queries.trade_rows(fixture_db, f, limit=3)
    assert top3.equals(detail.head(3))  # the largest rows, in a fixed order
    assert top3["value_eur"].tolist() == sorted(detail["value_eur"], reverse=True)[:3]
    summary = queries.trade_rows_summary(fixture_db, f)
    assert (summary.rows, summary.exports, summary.imports, summary.has_dept) == (
        4, 400 * M, 0, True
    )  # fmt: skip
    batches = list(queries.trade_rows_batches(fixture_db, f, size=3))
    assert [len(b) for b in batches] == [3, 1]
    pd.testing.assert_frame_equal(pd.concat(batches, ignore_index=True), detail)
    for by in ("pays", "produits"):
        in_sql = tables.grouped_rows_table(queries.trade_rows_grouped(fixture_db, f, by), by)
        in_pandas = tables.grouped_rows_table(detail, by)
        pd.testing.assert_frame_equal(in_sql.frame, in_pandas.frame, check_dtype=False)
    with pytest.raises(KeyError):
        queries.trade_rows_grouped(fixture_db, f, "dept; DROP TABLE trade")
    nothing = queries.trade_rows_summary(fixture_db, F("R32", partners=("JP",)))
    assert (nothing.rows, nothing.exports, nothing.imports) == (0, 0, 0)


def test_trade_rows_grouped_by_partner_and_by_product(fixture_db):
    by_country = queries.trade_rows_grouped(fixture_db, F("R32"), "pays")
    assert by_country.values.tolist() == [
        ["BE", "Belgique", "export", 340 * M, 340_000, 2],
        ["DE", "Allemagne", "export", 50 * M, 50_000, 1],
        ["QU", "Pays non déterminés", "export", 10 * M, 10_000, 1],
    ]
    assert list(by_country.columns) == [
        "country", "country_name", "flow", "value_eur", "mass_kg", "n"
    ]  # fmt: skip
    by_product = queries.trade_rows_grouped(fixture_db, F("FR", flow="import"), "produits")
    # France 2024 imports: 1011 = 50 + 100 + 10, 1102 = 50, 2120 = 120 + 60, 3030 = 80 + 200;
    # national rows are per (quarter, product, partner): 1011 ← BE in T2, T3 and T4.
    assert by_product[["product", "value_eur", "n"]].values.tolist() == [
        ["1011", 160 * M, 3], ["1102", 50 * M, 1], ["2120", 180 * M, 2], ["3030", 280 * M, 2],
    ]  # fmt: skip
    assert by_product["product_label"].tolist()[0] == "Viandes de boucherie"


def test_grouped_rows_and_summary_from_the_small_tables_equal_the_detail(demo_db):
    """Without a selection, ``trade_rows_grouped`` and ``trade_rows_summary`` read the
    territory's partner and product tables (their ``rows`` column): the same sums and counts
    as the detail rows the grid lists, for every kind of territory and period."""
    catalog = demo_db.catalog()
    for territory in ("93", "20", "971", "R11", "R94", "FR"):
        for period in catalog.periods[:3]:
            f = Filters(territory, period, flow="import")
            table, where, params, _ = queries._rows_source(demo_db, f)
            ((n, total),) = demo_db.rows(
                f"SELECT count(*), CAST(coalesce(sum(value_eur), 0) AS BIGINT) FROM {table} t "
                f"WHERE {where}",
                params,
            )
            summary = queries.trade_rows_summary(demo_db, f)
            assert (summary.rows, summary.imports, summary.exports) == (n, total, 0)
            for by, key in (("pays", "country"), ("produits", "product")):
                expected = demo_db.rows(
                    f"SELECT t.{key}, t.flow, CAST(sum(t.value_eur) AS BIGINT), "
                    f"CAST(sum(t.mass_kg) AS BIGINT), count(*) FROM {table} t WHERE {where} "
                    f"GROUP BY ALL ORDER BY 1",
                    params,
                )
                got = queries.trade_rows_grouped(demo_db, f, by)
                got = got[[key, "flow", "value_eur", "mass_kg", "n"]]
                as_tuples = [
                    (c, fl, v, None if pd.isna(m) else int(m), k)
                    for c, fl, v, m, k in got.itertuples(index=False)
                ]
                assert as_tuples == expected, (territory, period.token, by)


def test_trade_rows_with_a_product_selection(fixture_db):
    meat = queries.trade_rows(fixture_db, F("R32", products=("C10A",)))
    assert (meat["value_eur"] // M).tolist() == [90, 50]
    wine = queries.trade_rows(fixture_db, F("R32", products=("1102",)))
    assert wine[["dept", "country", "value_eur"]].values.tolist() == [["59", "QU", 10 * M]]


def test_france_wide_results_from_the_aggregate_equal_the_detail(fixture_db):
    """France reads trade_france, a région trade_region: both must agree with the départements."""
    france = F("FR", level="A129")
    regions = [F("R11", level="A129"), F("R32", level="A129")]
    fr = queries.partner_balance(fixture_db, france).table.set_index("code")
    parts = [queries.partner_balance(fixture_db, r).table.set_index("code") for r in regions]
    summed = parts[0][["imports", "exports"]].add(parts[1][["imports", "exports"]], fill_value=0)
    assert (
        fr[["imports", "exports"]]
        .sort_index()
        .astype("int64")
        .equals(summed.sort_index().astype("int64"))
    )
    flows = queries.sankey_flows(fixture_db, france.with_(top=10))
    assert flows.total == 1_100 * M
    products = queries.product_breakdown(fixture_db, france).table
    assert (products["exports"].sum(), products["imports"].sum()) == (1_100 * M, 670 * M)


# --- Partner codes that changed meaning ------------------------------------------------------
def test_country_names_follow_the_customs_label_of_the_year(labels_db):
    catalog = labels_db.catalog()
    assert (catalog.country_names(1992)["XK"], catalog.country_names(1992)["XS"]) == (
        "Yougoslavie", "Saba"
    )  # fmt: skip
    assert (catalog.country_names(2024)["XK"], catalog.country_names(2024)["XS"]) == (
        "Kosovo", "Serbie"
    )  # fmt: skip
    assert catalog.country_name("XK", 1992) == "Yougoslavie"
    assert catalog.country_name("DE", 1992) == "Allemagne"
    assert catalog.country_name("ZZ", 2024) == "ZZ (non déterminé)"


def test_partners_rows_and_flows_are_named_for_their_year(labels_db):
    old = queries.partner_balance(labels_db, F("93", Period.of_year(1992))).table.set_index("code")
    assert old.loc["XK", ["name", "exports", "imports"]].tolist() == ["Yougoslavie", 40 * M, 3 * M]
    assert old.loc["XS", "name"] == "Saba"
    new = queries.partner_balance(labels_db, F("93")).table.set_index("code")
    assert new.loc["XK", ["name", "exports"]].tolist() == ["Kosovo", 80 * M]
    assert new.loc["XS", ["name", "exports"]].tolist() == ["Serbie", 7 * M]
    rows = queries.trade_rows(labels_db, F("93", Period.of_year(1992)))
    assert dict(zip(rows["country"], rows["country_name"], strict=False)) == {
        "XK": "Yougoslavie", "XS": "Saba"
    }  # fmt: skip
    grouped = queries.trade_rows_grouped(labels_db, F("93", Period.of_year(1992)), "pays")
    assert grouped["country_name"].tolist() == ["Yougoslavie", "Saba"]
    flows = queries.sankey_flows(labels_db, F("93", Period.of_year(1992)))
    assert (flows.labels["C:XK"], flows.labels["C:XS"]) == ("Yougoslavie", "Saba")
