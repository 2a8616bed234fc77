"""Trends, rankings, specialisation and comparison, checked against figures computed by hand
on ``tests/fixture_trends.py`` (values in M€)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import queries_trends as q
from core.db import Database
from core.filters import Filters

M = 1_000_000


@pytest.fixture
def db(trends_db: Database) -> Database:
    return trends_db


def f(territory: str = "93", **kw) -> Filters:
    return Filters(territory=territory, year=kw.pop("year", 2024), **kw)


# --- Trend -----------------------------------------------------------------------------------
def test_trend_gives_every_year_with_growth_on_the_previous_year(db):
    t = q.trend(db, f("93"))
    assert t.table["year"].tolist() == [2022, 2023, 2024]
    assert (t.table["exports"] // M).tolist() == [100, 160, 200]
    assert (t.table["imports"] // M).tolist() == [80, 160, 200]
    assert (t.table["balance"] // M).tolist() == [20, 0, 0]
    assert t.table["coverage"].tolist() == pytest.approx([1.25, 1.0, 1.0])
    assert math.isnan(t.table["growth_exports"].iloc[0])
    assert t.table["growth_exports"].iloc[1:].tolist() == pytest.approx([0.60, 0.25])
    assert t.table["growth_imports"].iloc[1:].tolist() == pytest.approx([1.00, 0.25])


def test_period_growth_and_average_annual_rate(db):
    t = q.trend(db, f("93"))
    assert t.period_growth("exports") == pytest.approx(1.0)  # 100 → 200
    assert t.annual_rate("exports") == pytest.approx(math.sqrt(2) - 1)  # two steps
    falling = q.trend(db, f("95"))  # 300 → 250 → 200
    assert falling.table["growth_exports"].iloc[1:].tolist() == pytest.approx([-1 / 6, -0.2])
    assert falling.period_growth("exports") == pytest.approx(-1 / 3)


def test_trend_of_a_region_and_of_france_sums_their_departements(db):
    assert (q.trend(db, f("R32")).table["exports"] // M).tolist() == [350, 380, 500]
    assert (q.trend(db, f("FR")).table["exports"] // M).tolist() == [850, 890, 1000]


# --- Breakdowns, risers and fallers ----------------------------------------------------------
def test_breakdown_keeps_top_n_and_groups_the_rest_so_years_add_up(db):
    b = q.trend_breakdown(db, f("93", level="A129", top=1), "product")
    s = b.series
    assert s["code"].unique().tolist() == ["C21Z", q.OTHERS]
    assert (s[s["code"] == "C21Z"]["value"] // M).tolist() == [100, 100, 150]
    assert (s[s["code"] == q.OTHERS]["value"] // M).tolist() == [0, 60, 50]
    per_year = s.groupby("year")["value"].sum() // M
    assert per_year.tolist() == [100, 160, 200]  # the territory's totals


def test_changes_give_growth_over_the_period_and_on_the_previous_year(db):
    ch = q.trend_breakdown(db, f("93", level="A129"), "product").changes.set_index("code")
    assert ch.at["C21Z", "change"] == 50 * M
    assert ch.at["C21Z", "growth_period"] == pytest.approx(0.5)
    assert ch.at["C21Z", "growth_year"] == pytest.approx(0.5)
    assert ch.at["C30C", "change"] == 50 * M
    assert math.isnan(ch.at["C30C", "growth_period"])  # nothing in 2022: no rate
    assert ch.at["C30C", "growth_year"] == pytest.approx(50 / 60 - 1)


def test_risers_and_fallers_of_france_by_partner(db):
    b = q.trend_breakdown(db, f("FR"), "partner")
    risers, fallers = b.movers(5)
    # DE 300 → 450, BE 250 → 300; US 300 → 250.
    assert risers["code"].tolist() == ["DE", "BE"]
    assert (risers["change"] // M).tolist() == [150, 50]
    assert fallers["code"].tolist() == ["US"]
    assert fallers["change"].iloc[0] == -50 * M
    assert fallers["label"].iloc[0] == "États-Unis"


def test_ties_among_risers_are_broken_by_code(db):
    risers, fallers = q.trend_breakdown(db, f("93", level="A129"), "product").movers(5)
    assert risers["code"].tolist() == ["C21Z", "C30C"]  # both +50
    assert fallers.empty


def test_breakdown_by_product_rolls_up_to_the_chosen_level(db):
    b = q.trend_breakdown(db, f("R32", level="A38"), "product")
    ch = b.changes.set_index("code")
    assert (ch["last"] // M).to_dict() == {"CF": 300, "CA": 200}
    assert ch.at["CA", "label"] == "Agroalimentaire"


# --- Rankings --------------------------------------------------------------------------------
def test_rankings_in_france_share_the_best_rank_on_ties(db):
    r = q.rankings(db, f("93"), "france")
    ranks = r.table.set_index("code")
    assert ranks["rank_exports"].to_dict() == {"59": 1, "93": 2, "95": 2, "75": 4, "02": 4}
    assert ranks["rank_imports"].to_dict() == {"59": 1, "93": 1, "95": 3, "75": 4, "02": 4}
    assert ranks["rank_balance"].to_dict() == {"59": 1, "95": 2, "75": 3, "02": 3, "93": 5}
    assert ranks["rank_coverage"].to_dict() == {"95": 1, "75": 1, "59": 1, "02": 1, "93": 5}
    assert r.selected == "93" and r.scope_name == "France"


def test_rankings_on_growth_use_the_previous_year(db):
    r = q.rankings(db, f("93"), "france")
    t = r.table.set_index("code")
    assert t.at["93", "growth_exports"] == pytest.approx(0.25)
    assert t.at["02", "growth_exports"] == pytest.approx(0.25)
    assert t.at["95", "growth_exports"] == pytest.approx(-0.2)
    assert t["rank_growth_exports"].to_dict() == {"59": 1, "93": 2, "02": 2, "75": 4, "95": 5}
    assert r.prev_year == 2023


def test_rankings_within_the_region_of_the_departement(db):
    r = q.rankings(db, f("93"), "region")
    assert r.scope == "region" and r.scope_name == "Île-de-France"
    assert r.table.set_index("code")["rank_exports"].to_dict() == {"93": 1, "95": 1, "75": 3}


def test_a_region_ranks_its_departements_and_france_ranks_all(db):
    r = q.rankings(db, f("R32"), "region")
    assert sorted(r.table["code"]) == ["02", "59"] and r.selected is None
    assert len(q.rankings(db, f("FR"), "region").table) == 5  # France ignores the scope


def test_first_year_has_no_growth_to_rank(db):
    r = q.rankings(db, f("93", year=2022), "france")
    assert r.prev_year is None
    assert r.table["growth_exports"].isna().all()
    assert r.table["rank_growth_exports"].isna().all()


# --- Specialisation --------------------------------------------------------------------------
def test_specialisation_index_is_share_in_territory_over_share_in_france(db):
    s = q.specialisation(db, f("93", level="A129"), "product").table.set_index("code")
    # Exports 2024: 93 = C21Z 150 + C30C 50; France 1 000 = C21Z 450, C30C 250, C10A 200, C11Z 100.
    assert s.at["C21Z", "share_exports"] == pytest.approx(0.75)
    assert s.at["C21Z", "fr_share_exports"] == pytest.approx(0.45)
    assert s.at["C21Z", "index_exports"] == pytest.approx(0.75 / 0.45)
    assert s.at["C30C", "index_exports"] == pytest.approx(1.0)
    assert s.at["C10A", "index_exports"] == 0
    # Imports 2024: 93 = C21Z 100 + C10A 100; France 600 = C10A 350, C21Z 100, C30C 100, C11Z 50.
    assert s.at["C21Z", "index_imports"] == pytest.approx(0.5 / (100 / 600))
    assert s.at["C10A", "index_imports"] == pytest.approx(0.5 / (350 / 600))


def test_specialisation_of_a_region_at_a38(db):
    s = q.specialisation(db, f("R11", level="A38"), "product").table.set_index("code")
    # Région 11 exports 500: CF 150, CL 250, CA 100; France: CF 450, CL 250, CA 300.
    assert s.at["CF", "index_exports"] == pytest.approx(0.3 / 0.45)
    assert s.at["CL", "index_exports"] == pytest.approx(0.5 / 0.25)
    assert s.at["CA", "index_exports"] == pytest.approx(0.2 / 0.3)


def test_specialisation_by_partner(db):
    s = q.specialisation(db, f("93"), "partner").table.set_index("code")
    assert s.at["DE", "index_exports"] == pytest.approx(0.75 / 0.45)
    assert s.at["US", "index_exports"] == pytest.approx(0.25 / 0.25)
    assert s.at["CN", "index_imports"] == pytest.approx(0.5 / (100 / 600))
    assert s.at["DE", "label"] == "Allemagne"


# --- Comparison ------------------------------------------------------------------------------
def test_comparison_kpis_per_territory(db):
    c = q.compare(db, f("93"), ("93", "95", "R32"))
    k = c.kpis.set_index("code")
    assert (k["exports"] // M).to_dict() == {"93": 200, "95": 200, "R32": 500}
    assert (k["balance"] // M).to_dict() == {"93": 0, "95": 100, "R32": 250}
    assert k.at["R32", "coverage"] == pytest.approx(2.0)
    assert k.at["R32", "growth_exports"] == pytest.approx(500 / 380 - 1)
    assert c.names == ("Seine-Saint-Denis", "Val-d'Oise", "Hauts-de-France")


def test_comparison_aligns_the_same_partners_for_every_territory(db):
    c = q.compare(db, f("93", top=1), ("93", "95", "R32"))
    p = c.partners
    # Top 1 of each: DE (93), US (95), DE (R32) → union DE, US, then "Autres".
    for code in ("93", "95", "R32"):
        assert p[p["territory"] == code]["code"].tolist() == ["DE", "US", q.OTHERS]
    values = p.pivot_table(index="territory", columns="code", values="value") // M
    assert values.loc["93"].to_dict() == {"DE": 150, "US": 50, q.OTHERS: 0}
    assert values.loc["95"].to_dict() == {"DE": 0, "US": 200, q.OTHERS: 0}
    assert values.loc["R32"].to_dict() == {"DE": 300, "US": 0, q.OTHERS: 200}
    # Parts add up to each territory's total.
    assert p.groupby("territory")["share"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_comparison_aligns_products_too(db):
    c = q.compare(db, f("93", level="A129", top=1), ("93", "95"))
    p = c.products
    assert p[p["territory"] == "93"]["code"].tolist() == p[p["territory"] == "95"]["code"].tolist()
    assert set(p["code"]) == {"C21Z", "C30C", q.OTHERS}


def test_comparison_labels_products_and_partners_apart_when_their_codes_overlap(demo_db):
    # A38 "CL" is Matériels de transport and partner "CL" is Chile; "CA" the food industries
    # and Canada: each breakdown must carry its own labels.
    c = q.compare(demo_db, f("93", level="A38", top=10), ("93", "95"))
    catalog = demo_db.catalog()
    a38 = dict(zip(catalog.products["a38"], catalog.products["a38_label"], strict=True))
    products = c.products[c.products["code"] != q.OTHERS].drop_duplicates("code")
    assert {"CL", "CA"} <= set(products["code"])
    assert dict(zip(products["code"], products["label"], strict=True)) == {
        code: a38[code] for code in products["code"]
    }
    partners = c.partners.drop_duplicates("code").set_index("code")["label"]
    assert partners["DE"] == "Allemagne"


def test_default_comparison_takes_neighbours_in_the_export_ranking(db):
    # Exports 2024, ties in code order: 59 400, 93 200, 95 200, 02 100, 75 100. 75 is last, so
    # its two nearest are the two above it.
    assert q.default_comparison(db, f("75")) == ("75", "02", "95")
    assert q.default_comparison(db, f("93")) == ("93", "59", "95")
    assert q.default_comparison(db, f("FR")) == ("R11", "R32")


# --- Map -------------------------------------------------------------------------------------
def test_departement_indicators_for_the_map(db):
    ind = q.departement_indicators(db, 2024)
    t = ind.table.set_index("code")
    assert (t["exports"] // M).to_dict() == {"02": 100, "59": 400, "75": 100, "93": 200, "95": 200}
    assert t.at["59", "region_name"] == "Hauts-de-France"
    assert isinstance(ind.table, pd.DataFrame) and ind.prev_year == 2023


def test_comparison_with_france_and_a_partner_selection(db):
    c = q.compare(db, f("93"), ("FR", "R11"))
    p = c.partners.set_index(["territory", "code"])["value"] // M
    assert p[("FR", "DE")] == 450 and p[("FR", "US")] == 250 and p[("FR", "BE")] == 300
    assert p[("R11", "US")] == 250  # 93: 50 + 95: 200
    only_de = q.compare(db, f("93", partners=("DE",)), ("FR", "93"))
    values = only_de.partners.set_index(["territory", "code"])["value"] // M
    assert values[("FR", "DE")] == 450 and values[("93", "DE")] == 150
    assert values[("FR", q.OTHERS)] == 0  # the selection leaves nothing else


def test_memoised_france_cells_equal_a_direct_query(db):
    direct = q._cells(db, 2024, "FR", "product", "A38").sort_values(["code", "flow"])
    memo = q.year_cells(db, 2024, "FR", "product", "A38").sort_values(["code", "flow"])
    pd.testing.assert_frame_equal(direct.reset_index(drop=True), memo.reset_index(drop=True))
