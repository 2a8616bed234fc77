"""Query core on the hand-made fixture: every expected figure is computed by hand from the
table in tests/fixture_data.py (values in millions of euros there, euros here)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import queries, tables, texts
from core.filters import Filters

M = 1_000_000
NN = "\u202f"


def test_kpis_of_a_departement(fixture_db):
    k = queries.kpis(fixture_db, Filters("93", 2024))
    assert (k.exports, k.imports) == (200 * M, 250 * M)
    assert k.balance == -50 * M  # negative balance
    assert k.coverage == pytest.approx(0.8)
    assert (k.region_code, k.region_name) == ("11", "Île-de-France")
    assert (k.region_exports, k.region_imports) == (700 * M, 500 * M)
    assert (k.france_exports, k.france_imports) == (1_100 * M, 670 * M)
    assert k.share_region_exports == pytest.approx(200 / 700)
    assert k.share_france_imports == pytest.approx(250 / 670)
    # Exports: 95 400, 59 310, 93 200, 75 100, 02 90 → 3rd; imports: 93 is first.
    assert (k.rank_exports, k.rank_imports, k.rank_of) == (3, 1, 5)
    assert (k.prev_year, k.prev_exports, k.prev_imports) == (2023, 160 * M, 200 * M)
    assert k.change_exports == pytest.approx(0.25)
    assert k.change_imports == pytest.approx(0.25)


def test_kpis_ranks_share_the_best_place_on_ties(fixture_db):
    # 2023 exports: 95 400, 59 300, 93 160, then 75 and 02 both 100.
    assert queries.kpis(fixture_db, Filters("75", 2023)).rank_exports == 4
    assert queries.kpis(fixture_db, Filters("02", 2023)).rank_exports == 4


def test_kpis_without_previous_year_have_no_change(fixture_db):
    k = queries.kpis(fixture_db, Filters("93", 2023))
    assert k.prev_year is None and k.change_exports is None


def test_kpis_of_a_region_and_of_france(fixture_db):
    region = queries.kpis(fixture_db, Filters("R32", 2024))
    assert (region.exports, region.imports) == (400 * M, 170 * M)
    assert region.balance == 230 * M  # positive balance
    assert region.share_region_exports is None
    assert region.share_france_exports == pytest.approx(400 / 1_100)
    assert (region.rank_exports, region.rank_of) == (2, 2)
    france = queries.kpis(fixture_db, Filters("FR", 2024))
    assert (france.exports, france.imports) == (1_100 * M, 670 * M)
    assert france.rank_exports is None and france.share_france_exports is None


def test_territoires_below_five_communes_are_left_out_and_counted(fixture_db):
    k = queries.kpis(fixture_db, Filters("93", 2024))
    assert k.territoires == (("Grand Roissy Le Bourget", 8),)
    assert k.territoires_hidden == 1
    assert texts.territoires_footnote(k.territoires_hidden).startswith("* Les Territoires")
    assert (
        texts.territoires_footnote(queries.kpis(fixture_db, Filters("95", 2024)).territoires_hidden)
        is None
    )


def test_total_sentence_follows_the_seeds(fixture_db):
    k = queries.kpis(fixture_db, Filters("93", 2024))
    assert texts.total_sentence(k, "export") == (
        "Total des exportations : 200,0 millions d'euros, "
        f"soit 28,6{NN}% de la valeur exportée par la région Île-de-France, "
        f"soit 18,18{NN}% de la valeur exportée au niveau national"
    )
    france = queries.kpis(fixture_db, Filters("FR", 2024))
    assert texts.total_sentence(france, "import") == (
        "Total des importations : 670,0 millions d'euros"
    )


def test_partner_balance_keeps_the_union_of_both_top_lists(fixture_db):
    result = queries.partner_balance(fixture_db, Filters("93", 2024, top=2))
    table = result.table.set_index("code")
    # Exports DE 100, US 80, CN 20; imports CN 120, US 80, BE 50.
    assert set(result.main["code"]) == {"DE", "US", "CN"}  # top-2 exports ∪ top-2 imports
    assert not table.loc["BE", "main"]
    assert table.loc["DE", "balance"] == 100 * M
    assert table.loc["CN", "balance"] == -100 * M
    assert table.loc["US", "balance"] == 0
    assert table.loc["BE", ["imports", "exports"]].tolist() == [50 * M, 0]
    assert math.isnan(table.loc["DE", "coverage"])  # no imports from DE: no coverage rate
    assert table.loc["CN", "coverage"] == pytest.approx(20 / 120)
    assert table.loc["US", "share_exports"] == pytest.approx(80 / 200)
    assert (result.total_exports, result.total_imports) == (200 * M, 250 * M)
    assert table.loc["DE", "name"] == "Allemagne" and bool(table.loc["DE", "eu27"])


def test_partner_codes_missing_from_reference_are_kept_and_labelled(fixture_db):
    result = queries.partner_balance(fixture_db, Filters("59", 2023))
    row = result.table.set_index("code").loc["ZZ"]
    assert row["exports"] == 300 * M
    assert row["name"] == "ZZ (non déterminé)" and row["zone"] == "Non déterminé"


def test_partner_selection_restricts_the_rows(fixture_db):
    result = queries.partner_balance(fixture_db, Filters("93", 2024, partners=("US",)))
    assert result.table["code"].tolist() == ["US"]
    assert (result.total_exports, result.total_imports) == (80 * M, 80 * M)


def test_product_breakdown_rolls_up_by_level(fixture_db):
    a17 = queries.product_breakdown(fixture_db, Filters("93", 2024, level="A17")).table
    rows = a17.set_index("code")[["exports", "imports", "balance"]].to_dict("index")
    assert rows == {
        "C5": {"exports": 150 * M, "imports": 120 * M, "balance": 30 * M},
        "C4": {"exports": 30 * M, "imports": 80 * M, "balance": -50 * M},
        "C1": {"exports": 20 * M, "imports": 50 * M, "balance": -30 * M},
    }
    a129 = queries.product_breakdown(fixture_db, Filters("93", 2024), level="A129").table
    assert set(a129.columns) >= {"a17", "a38", "a17_label", "a38_label", "label"}
    assert a129.set_index("code").loc["C10A", ["exports", "imports"]].tolist() == [0, 50 * M]
    assert a129["share_exports"].sum() == pytest.approx(1.0)


def test_product_breakdown_refuses_levels_off_the_allowlist(fixture_db):
    with pytest.raises(KeyError):
        queries.product_breakdown(fixture_db, Filters("93", 2024), level="label; --")


def test_sankey_groups_beyond_top_n_into_autres_and_adds_up(fixture_db):
    flows = queries.sankey_flows(fixture_db, Filters("93", 2024, level="A129", top=2))
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


def test_sankey_flags_only_the_n_largest_named_links(fixture_db):
    flows = queries.sankey_flows(
        fixture_db, Filters("93", 2024, level="A129", top=2), n_top_links=2
    )
    assert flows.links.loc[flows.links["top"], "value"].tolist() == [100 * M, 50 * M]


def test_sankey_of_imports_goes_from_countries_to_products(fixture_db):
    flows = queries.sankey_flows(
        fixture_db, Filters("93", 2024, flow="import", level="A17", top=10)
    )
    assert flows.left == ("C:CN", "C:US", "C:BE")
    assert flows.right == ("P:C5", "P:C4", "P:C1")
    assert flows.total == 250 * M


def test_comparison_lists_territory_region_and_france(fixture_db):
    rows = queries.comparison(fixture_db, Filters("93", 2024))
    assert [(r.scope, r.code, r.name, r.exports, r.imports) for r in rows] == [
        ("territoire", "93", "Seine-Saint-Denis", 200 * M, 250 * M),
        ("region", "R11", "Île-de-France", 700 * M, 500 * M),
        ("france", "FR", "France", 1_100 * M, 670 * M),
    ]
    assert [r.scope for r in queries.comparison(fixture_db, Filters("R11", 2024))] == [
        "territoire",
        "france",
    ]
    assert len(queries.comparison(fixture_db, Filters("FR", 2024))) == 1


def test_trade_rows_are_labelled_and_restricted_to_the_territory(fixture_db):
    rows = queries.trade_rows(fixture_db, Filters("R32", 2024))
    assert len(rows) == 7  # 59: 3 export + 2 import rows, 02: 1 + 1
    assert set(rows["dept"]) == {"59", "02"}
    assert rows["value_eur"].sum() == 570 * M
    assert rows.iloc[0][["dept_name", "product_label", "country_name"]].tolist() == [
        "Nord",
        "Produits pharmaceutiques",
        "Belgique",
    ]


def test_trade_rows_limit_summary_and_sql_grouping_agree_with_the_detail(fixture_db):
    f = Filters("R32", 2024)
    detail = queries.trade_rows(fixture_db, f)
    top3 = queries.trade_rows(fixture_db, f, limit=3)
    assert top3.equals(detail.head(3))  # the largest rows, in a fixed order
    assert top3["value_eur"].tolist() == sorted(detail["value_eur"], reverse=True)[:3]
    summary = queries.trade_rows_summary(fixture_db, f)
    exported = detail.loc[detail["flow"] == "export", "value_eur"].sum()
    assert (summary.rows, summary.exports) == (7, exported)
    assert summary.exports + summary.imports == 570 * M
    for by in ("pays", "produits"):
        in_sql = tables.grouped_rows_table(queries.trade_rows_grouped(fixture_db, f, by), by)
        in_pandas = tables.grouped_rows_table(detail, by)
        pd.testing.assert_frame_equal(in_sql.frame, in_pandas.frame, check_dtype=False)
    with pytest.raises(KeyError):
        queries.trade_rows_grouped(fixture_db, f, "dept; DROP TABLE trade")
    nothing = queries.trade_rows_summary(fixture_db, Filters("R32", 2024, partners=("JP",)))
    assert (nothing.rows, nothing.exports, nothing.imports) == (0, 0, 0)


def test_france_wide_results_from_the_aggregate_equal_the_detail(fixture_db):
    """France reads totals_france; it must agree with the sum over its régions (from trade)."""
    france = Filters("FR", 2024, level="A129")
    regions = [Filters("R11", 2024, level="A129"), Filters("R32", 2024, level="A129")]
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
