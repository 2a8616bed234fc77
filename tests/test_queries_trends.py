"""Trends, rankings, specialisation and comparison, checked against figures computed by hand
on ``tests/fixture_trends.py`` (three whole years, values in M€) and on the quarters fixture of
``tests/fixture_data.py`` (2023–2024 whole, 2025 T1–T2 partial)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import queries_trends as q
from core.db import Database
from core.filters import LEVEL_COLUMNS, Filters
from core.periods import Period

M = 1_000_000
EN = "\u2013"
Y2022, Y2023, Y2024 = Period.of_year(2022), Period.of_year(2023), Period.of_year(2024)
H1_2024, H1_2025 = Period.of_year(2024, (1, 2)), Period.of_year(2025, (1, 2))
ROLLING = Period.last_four(2025, 2)


@pytest.fixture
def db(trends_db: Database) -> Database:
    return trends_db


def f(territory: str = "93", period: Period = Y2024, **kw) -> Filters:
    return Filters(territory, period, **kw)


# --- Trend of the totals ---------------------------------------------------------------------
def test_trend_gives_every_year_with_growth_on_the_previous_year(db):
    t = q.trend(db, f("93"))
    assert (t.territory, t.name) == ("93", "Seine-Saint-Denis")
    assert t.table["year"].tolist() == [2022, 2023, 2024]
    assert t.table["label"].tolist() == ["2022", "2023", "2024"]
    assert not t.table["partial"].any()
    assert (t.table["exports"] // M).tolist() == [100, 160, 200]
    assert (t.table["imports"] // M).tolist() == [80, 160, 200]
    assert (t.table["balance"] // M).tolist() == [20, 0, 0]
    assert t.table["coverage"].tolist() == pytest.approx([1.25, 1.0, 1.0])
    assert math.isnan(t.table["growth_exports"].iloc[0])
    assert t.table["growth_exports"].iloc[1:].tolist() == pytest.approx([0.60, 0.25])
    assert t.table["growth_imports"].iloc[1:].tolist() == pytest.approx([1.00, 0.25])


def test_quarterly_trend_has_every_loaded_quarter_and_adds_up_to_the_years(db):
    t = q.trend(db, f("93"))
    assert len(t.quarterly) == 12  # 2022–2024, four quarters each, zeros included
    assert t.quarterly["label"].tolist()[:2] == ["T1 2022", "T2 2022"]
    yearly = t.quarterly.groupby("year")[["exports", "imports"]].sum()
    assert (yearly["exports"] // M).tolist() == [100, 160, 200]
    assert (yearly["imports"] // M).tolist() == [80, 160, 200]


def test_period_growth_and_average_annual_rate(db):
    t = q.trend(db, f("93"))
    assert (t.first_year, t.last_year) == (2022, 2024)
    assert t.period_growth("exports") == pytest.approx(1.0)  # 100 → 200
    assert t.annual_rate("exports") == pytest.approx(math.sqrt(2) - 1)  # two steps
    falling = q.trend(db, f("95"))  # 300 → 250 → 200
    assert falling.table["growth_exports"].iloc[1:].tolist() == pytest.approx([-1 / 6, -0.2])
    assert falling.period_growth("exports") == pytest.approx(-1 / 3)


def test_trend_of_a_region_and_of_france_sums_their_departements(db):
    assert (q.trend(db, f("R32")).table["exports"] // M).tolist() == [350, 380, 500]
    assert (q.trend(db, f("FR")).table["exports"] // M).tolist() == [850, 890, 1000]


def test_trend_flags_a_partial_year_and_compares_it_with_the_same_quarters(quarters_db):
    t = q.trend(quarters_db, f("93"))
    table = t.table
    assert table["year"].tolist() == [2023, 2024, 2025]
    assert table["label"].tolist() == ["2023", "2024", f"2025 (T1{EN}T2)"]
    assert table["partial"].tolist() == [False, False, True]
    assert (table["exports"] // M).tolist() == [100, 140, 80]
    assert (table["imports"] // M).tolist() == [80, 100, 20]
    assert table["coverage"].tolist() == pytest.approx([1.25, 1.4, 4.0])
    # 2024 on 2023: 140 / 100 and 100 / 80; 2025 T1–T2 on 2024 T1–T2 (50 and 25), never on the
    # whole of 2024 (140 and 100).
    assert table["growth_exports"].iloc[1:].tolist() == pytest.approx([0.4, 0.6])
    assert table["growth_imports"].iloc[1:].tolist() == pytest.approx([0.25, -0.2])
    # Whole years only for the period figures.
    assert t.whole["year"].tolist() == [2023, 2024]
    assert (t.first_year, t.last_year) == (2023, 2024)
    assert t.period_growth("exports") == pytest.approx(0.4)
    assert t.annual_rate("imports") == pytest.approx(0.25)


def test_quarterly_trend_compares_each_quarter_with_the_same_quarter_a_year_earlier(quarters_db):
    qt = q.trend(quarters_db, f("93")).quarterly
    assert qt["label"].tolist() == [
        "T1 2023", "T2 2023", "T3 2023", "T4 2023", "T1 2024", "T2 2024", "T3 2024", "T4 2024",
        "T1 2025", "T2 2025",
    ]  # fmt: skip
    assert (qt["exports"] // M).tolist() == [10, 20, 30, 40, 20, 30, 40, 50, 25, 55]
    assert (qt["balance"] // M).tolist() == [-10, 0, 10, 20, 10, 15, 5, 10, 10, 50]
    assert qt["growth_exports"].iloc[:4].isna().all()  # no 2022
    assert qt["growth_exports"].iloc[4:].tolist() == pytest.approx(
        [1.0, 0.5, 1 / 3, 0.25, 0.25, 55 / 30 - 1]
    )
    assert qt["growth_imports"].iloc[4:].tolist() == pytest.approx(
        [-0.5, -0.25, 0.75, 1.0, 0.5, 5 / 15 - 1]
    )


def test_trend_of_a_territory_with_gaps_shows_zeros(quarters_db):
    corse = q.trend(quarters_db, f("20"))
    assert (corse.table["exports"] // M).tolist() == [0, 4, 2]
    assert math.isnan(corse.table["growth_exports"].iloc[1])  # from nothing: no rate
    # 2025 T1–T2 (2) on 2024 T1–T2 (0): no rate either.
    assert math.isnan(corse.table["growth_exports"].iloc[2])
    assert len(corse.quarterly) == 10
    monaco = q.trend(quarters_db, f("R93"))  # PACA = Monaco alone here
    assert (monaco.table["exports"] // M).tolist() == [8, 6, 9]
    assert monaco.table["growth_exports"].iloc[2] == pytest.approx(9 / 6 - 1)  # on 2024 T1–T2


# --- Breakdowns, risers and fallers ----------------------------------------------------------
def test_breakdown_keeps_top_n_and_groups_the_rest_so_years_add_up(db):
    b = q.trend_breakdown(db, f("93", level="A129", top=1), "product")
    s = b.series
    assert (b.first_year, b.last_year, b.partial) == (2022, 2024, None)
    assert s["code"].unique().tolist() == ["C21Z", q.OTHERS]
    assert (s[s["code"] == "C21Z"]["value"] // M).tolist() == [100, 100, 150]
    assert (s[s["code"] == q.OTHERS]["value"] // M).tolist() == [0, 60, 50]
    per_year = s.groupby("year")["value"].sum() // M
    assert per_year.tolist() == [100, 160, 200]  # the territory's totals


def test_changes_give_growth_over_the_period_and_on_the_previous_year(db):
    ch = q.trend_breakdown(db, f("93", level="A129"), "product").changes.set_index("code")
    assert (ch.at["C21Z", "first"], ch.at["C21Z", "previous"], ch.at["C21Z", "last"]) == (
        100 * M, 100 * M, 150 * M
    )  # fmt: skip
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
    cpf4 = q.trend_breakdown(db, f("R32", level="CPF4"), "product").changes.set_index("code")
    assert (cpf4["first"] // M).to_dict() == {"2120": 200, "1011": 150}
    assert cpf4.at["1011", "label"] == "Viandes de boucherie"


def test_breakdown_of_a_departement_equals_its_yearly_detail(demo_db):
    """A département's series come from its partner and product tables (quarterly, summed
    over the other key): the same euros as its yearly detail, ``trade_year``."""
    catalog = demo_db.catalog()
    years = [y for y, p in catalog.year_periods.items() if p.is_whole_year]
    for territory in ("93", "2A", "976"):
        if territory not in catalog.departements:
            continue
        f = Filters(territory, catalog.default_period)
        level = LEVEL_COLUMNS[f.level][0]
        for by, key in (("partner", "t.country"), ("product", f"p.{level}")):
            expected = {
                (code, year): value
                for year, code, value in demo_db.rows(
                    f"SELECT t.year, {key}, CAST(sum(t.value_eur) AS BIGINT) FROM trade_year t "
                    "JOIN product p ON p.code = t.product WHERE t.dept = ? AND t.flow = 'export' "
                    "AND list_contains(?::INTEGER[], t.year) GROUP BY ALL",
                    [territory, years],
                )
            }
            b = q.trend_breakdown(demo_db, f, by)
            ch = b.changes.set_index("code")
            first, last = min(years), max(years)
            assert {c: v for c, v in ch["last"].items() if v} == {
                c: v for (c, y), v in expected.items() if y == last and v
            }, (territory, by)
            assert {c: v for c, v in ch["first"].items() if v} == {
                c: v for (c, y), v in expected.items() if y == first and v
            }, (territory, by)


def test_breakdown_refuses_unknown_kinds(db):
    with pytest.raises(ValueError):
        q.trend_breakdown(db, f("93"), "dept")


def test_breakdown_runs_over_whole_years_and_names_the_partial_one(quarters_db):
    b = q.trend_breakdown(quarters_db, f("FR", H1_2025), "partner")
    assert (b.first_year, b.last_year) == (2023, 2024)
    assert b.partial == H1_2025
    assert sorted(b.series["year"].unique()) == [2023, 2024]  # 2025 would read as a fall
    ch = b.changes.set_index("code")
    # Exports 2023: US 200, DE 100 + 8, BE 20; 2024: US 240 + 1, DE 140 + 6, BE 40 + 4.
    assert (ch["first"] // M).to_dict() == {"US": 200, "DE": 108, "BE": 20}
    assert (ch["last"] // M).to_dict() == {"US": 241, "DE": 146, "BE": 44}
    assert (ch["previous"] // M).to_dict() == {"US": 200, "DE": 108, "BE": 20}


# --- Indicators of every département ---------------------------------------------------------
def test_departement_indicators_for_the_map(db):
    ind = q.departement_indicators(db, Y2024)
    t = ind.table.set_index("code")
    assert (t["exports"] // M).to_dict() == {"02": 100, "59": 400, "75": 100, "93": 200, "95": 200}
    assert t.at["59", "region_name"] == "Hauts-de-France"
    assert t.at["93", "prev_exports"] == 160 * M
    assert isinstance(ind.table, pd.DataFrame)
    assert (ind.period, ind.prev_period, ind.year) == (Y2024, Y2023, 2024)


def test_departement_indicators_of_a_partial_year_use_the_same_quarters(quarters_db):
    ind = q.departement_indicators(quarters_db, H1_2025)
    assert ind.prev_period == H1_2024
    t = ind.table.set_index("code")
    assert sorted(t.index) == ["20", "59", "93", "95", "971", "99"]
    assert (t["exports"] // M).to_dict() == {"20": 2, "59": 20, "93": 80, "95": 60, "971": 3,
                                            "99": 9}  # fmt: skip
    assert (t["prev_exports"] // M).to_dict() == {"20": 0, "59": 20, "93": 50, "95": 120,
                                                 "971": 1, "99": 6}  # fmt: skip
    assert t.at["93", "growth_exports"] == pytest.approx(0.6)
    assert t.at["95", "growth_exports"] == pytest.approx(-0.5)
    assert t.at["971", "growth_exports"] == pytest.approx(2.0)
    assert math.isnan(t.at["20", "growth_exports"])  # from nothing
    assert t.at["93", "growth_imports"] == pytest.approx(-0.2)
    assert t.at["99", "region_name"] == "Provence-Alpes-Côte d'Azur"
    assert t.at["971", "region"] == "01"


def test_departement_indicators_without_a_previous_period(quarters_db):
    ind = q.departement_indicators(quarters_db, Y2023)
    assert ind.prev_period is None
    assert ind.table["prev_exports"].isna().all() and ind.table["growth_exports"].isna().all()
    rolling = q.departement_indicators(quarters_db, ROLLING).table.set_index("code")
    assert (rolling["exports"] // M)["93"] == 170 and (rolling["prev_exports"] // M)["93"] == 120


def test_departement_indicators_equal_sql_sums_for_every_period(demo_db):
    """Summed by numpy from the quarterly rows: the same euros as DuckDB's grouped sums, for
    whole, partial and rolling periods."""
    catalog = demo_db.catalog()
    for period in catalog.periods:
        where, params = period.sql()
        expected = {
            (dept, flow): total
            for dept, flow, total in demo_db.rows(
                f"SELECT dept, flow, CAST(sum(value_eur) AS BIGINT) FROM totals_dept "
                f"WHERE {where} GROUP BY ALL",
                params,
            )
        }
        t = q.departement_indicators(demo_db, period).table.set_index("code")
        assert list(t.index) == list(catalog.departements)
        for column, flow in (("exports", "export"), ("imports", "import")):
            got = {(c, flow): int(v) for c, v in t[column].items() if (c, flow) in expected}
            assert got == {k: v for k, v in expected.items() if k[1] == flow}, period.token
            assert t[column].dtype == "int64"
        missing = [c for c in t.index if (c, "export") not in expected]
        assert (t.loc[missing, "exports"] == 0).all()


# --- Rankings --------------------------------------------------------------------------------
def test_rankings_in_france_share_the_best_rank_on_ties(db):
    r = q.rankings(db, f("93"), "france")
    ranks = r.table.set_index("code")
    assert ranks["rank_exports"].to_dict() == {"59": 1, "93": 2, "95": 2, "75": 4, "02": 4}
    assert ranks["rank_imports"].to_dict() == {"59": 1, "93": 1, "95": 3, "75": 4, "02": 4}
    assert ranks["rank_balance"].to_dict() == {"59": 1, "95": 2, "75": 3, "02": 3, "93": 5}
    assert ranks["rank_coverage"].to_dict() == {"95": 1, "75": 1, "59": 1, "02": 1, "93": 5}
    assert r.selected == "93" and r.scope_name == "France" and r.period == Y2024


def test_rankings_on_growth_use_the_previous_year(db):
    r = q.rankings(db, f("93"), "france")
    t = r.table.set_index("code")
    assert t.at["93", "growth_exports"] == pytest.approx(0.25)
    assert t.at["02", "growth_exports"] == pytest.approx(0.25)
    assert t.at["95", "growth_exports"] == pytest.approx(-0.2)
    assert t["rank_growth_exports"].to_dict() == {"59": 1, "93": 2, "02": 2, "75": 4, "95": 5}
    assert r.prev_period == Y2023


def test_rankings_within_the_region_of_the_departement(db):
    r = q.rankings(db, f("93"), "region")
    assert r.scope == "region" and r.scope_name == "Île-de-France"
    assert r.table.set_index("code")["rank_exports"].to_dict() == {"93": 1, "95": 1, "75": 3}


def test_a_region_ranks_its_departements_and_france_ranks_all(db):
    r = q.rankings(db, f("R32"), "region")
    assert sorted(r.table["code"]) == ["02", "59"] and r.selected is None
    assert len(q.rankings(db, f("FR"), "region").table) == 5  # France ignores the scope
    with pytest.raises(ValueError):
        q.rankings(db, f("93"), "monde")


def test_first_year_has_no_growth_to_rank(db):
    r = q.rankings(db, f("93", Y2022), "france")
    assert r.prev_period is None
    assert r.table["growth_exports"].isna().all()
    assert r.table["rank_growth_exports"].isna().all()


def test_rankings_of_a_partial_year(quarters_db):
    r = q.rankings(quarters_db, f("99", H1_2025), "france")
    assert (r.period, r.prev_period, r.selected) == (H1_2025, H1_2024, "99")
    t = r.table.set_index("code")
    assert t["rank_exports"].to_dict() == {"93": 1, "95": 2, "59": 3, "99": 4, "971": 5, "20": 6}
    # Growth on 2024 T1–T2: 971 +200 %, 93 +60 %, 99 +50 %, 59 0, 95 −50 %, 20 none.
    assert t["rank_growth_exports"].dropna().to_dict() == {"971": 1, "93": 2, "99": 3, "59": 4,
                                                           "95": 5}  # fmt: skip
    assert pd.isna(t.at["20", "rank_growth_exports"])
    paca = q.rankings(quarters_db, f("99", H1_2025), "region")
    assert (paca.scope_name, paca.table["code"].tolist()) == ("Provence-Alpes-Côte d'Azur", ["99"])


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
    s = q.specialisation(db, f("R11", level="A38"), "product")
    t = s.table.set_index("code")
    # Région 11 exports 500: CF 150, CL 250, CA 100; France: CF 450, CL 250, CA 300.
    assert t.at["CF", "index_exports"] == pytest.approx(0.3 / 0.45)
    assert t.at["CL", "index_exports"] == pytest.approx(0.5 / 0.25)
    assert t.at["CA", "index_exports"] == pytest.approx(0.2 / 0.3)
    assert (s.total_exports, s.total_imports) == (500 * M, 350 * M)


def test_specialisation_by_partner(db):
    s = q.specialisation(db, f("93"), "partner").table.set_index("code")
    assert s.at["DE", "index_exports"] == pytest.approx(0.75 / 0.45)
    assert s.at["US", "index_exports"] == pytest.approx(0.25 / 0.25)
    assert s.at["CN", "index_imports"] == pytest.approx(0.5 / (100 / 600))
    assert s.at["DE", "label"] == "Allemagne"


def test_specialisation_of_a_partial_year(quarters_db):
    s = q.specialisation(quarters_db, f("99", H1_2025, level="A129"), "product")
    t = s.table.set_index("code")
    # Monaco 2025 T1–T2 exports: C30C 9 (all); France: C21Z 80, C30C 69, C10A 23, C11Z 2.
    assert t.at["C30C", "share_exports"] == 1
    assert t.at["C30C", "fr_share_exports"] == pytest.approx(69 / 174)
    assert t.at["C30C", "index_exports"] == pytest.approx(174 / 69)
    assert s.period == H1_2025 and (s.total_exports, s.total_imports) == (9 * M, 0)
    assert t["share_imports"].isna().all()  # Monaco imports nothing: no share


def test_france_cells_by_product_behind_every_specialisation(db):
    # France against itself: its own cells by A38 product and flow, every index 1.
    s = q.specialisation(db, f("FR", Y2024, level="A38"), "product")
    got = {}
    for code, x, m in s.table[["code", "exports", "imports"]].itertuples(index=False, name=None):
        got |= {(code, "export"): x // M, (code, "import"): m // M}
    assert got == {
        ("CF", "export"): 450, ("CL", "export"): 250, ("CA", "export"): 300,
        ("CA", "import"): 400, ("CF", "import"): 100, ("CL", "import"): 100,
    }  # fmt: skip
    assert (s.table["index_exports"] == 1).all() and (s.table["index_imports"] == 1).all()
    with pytest.raises(ValueError):
        q.specialisation(db, f("FR", Y2024), "dept")
    with pytest.raises(KeyError):
        q.specialisation(db, f("FR", Y2024).with_(level="label; --"), "product")


# --- Comparison ------------------------------------------------------------------------------
def test_comparison_kpis_per_territory(db):
    c = q.compare(db, f("93"), ("93", "95", "R32"))
    k = c.kpis.set_index("code")
    assert (k["exports"] // M).to_dict() == {"93": 200, "95": 200, "R32": 500}
    assert (k["balance"] // M).to_dict() == {"93": 0, "95": 100, "R32": 250}
    assert k.at["R32", "coverage"] == pytest.approx(2.0)
    assert k.at["R32", "growth_exports"] == pytest.approx(500 / 380 - 1)
    assert c.names == ("Seine-Saint-Denis", "Val-d'Oise", "Hauts-de-France")
    assert (c.period, c.year, c.flow) == (Y2024, 2024, "export")


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


def test_comparison_of_a_territory_named_twice_counts_it_once(db):
    # 93's 2024 exports: DE 150, US 50 (top 1: DE, then « Autres »), not twice as much.
    p = q.compare(db, f("93", top=1), ("93", "93")).partners
    assert p[["territory", "code", "value"]].values.tolist() == [
        ["93", "DE", 150 * M], ["93", q.OTHERS, 50 * M]
    ]  # fmt: skip


def test_comparison_aligns_products_too(db):
    c = q.compare(db, f("93", level="A129", top=1), ("93", "95"))
    p = c.products
    assert p[p["territory"] == "93"]["code"].tolist() == p[p["territory"] == "95"]["code"].tolist()
    assert set(p["code"]) == {"C21Z", "C30C", q.OTHERS}


def test_comparison_with_france_and_a_partner_selection(db):
    c = q.compare(db, f("93"), ("FR", "R11"))
    p = c.partners.set_index(["territory", "code"])["value"] // M
    assert p[("FR", "DE")] == 450 and p[("FR", "US")] == 250 and p[("FR", "BE")] == 300
    assert p[("R11", "US")] == 250  # 93: 50 + 95: 200
    only_de = q.compare(db, f("93", partners=("DE",)), ("FR", "93"))
    values = only_de.partners.set_index(["territory", "code"])["value"] // M
    assert values[("FR", "DE")] == 450 and values[("93", "DE")] == 150
    assert values[("FR", q.OTHERS)] == 0  # the selection leaves nothing else


def test_comparison_of_a_territory_with_no_trade_for_the_selection(quarters_db):
    # Corse sells only wine to Belgium: nothing to the United States.
    c = q.compare(quarters_db, f("20", partners=("US",)), ("20", "R94", "FR"))
    p = c.partners.set_index(["territory", "code"])
    assert (p["value"] // M).to_dict() == {
        ("20", "US"): 0, ("20", q.OTHERS): 0, ("R94", "US"): 0, ("R94", q.OTHERS): 0,
        ("FR", "US"): 241, ("FR", q.OTHERS): 0,
    }  # fmt: skip
    assert p["share"].loc["20"].isna().all()  # no total: no share
    assert c.products[c.products["territory"] == "20"]["value"].sum() == 0
    assert (c.kpis.set_index("code")["exports"] // M).to_dict() == {"20": 4, "R94": 4, "FR": 431}


def test_comparison_reads_each_territory_at_its_level_for_a_period(quarters_db):
    c = q.compare(quarters_db, f("FR", ROLLING, top=2), ("FR", "R11", "99"))
    k = c.kpis.set_index("code")
    assert (k["exports"] // M).to_dict() == {"FR": 408, "R11": 350, "99": 9}
    # 12m before (T3 2023 – T2 2024): 93 30 + 40 + 20 + 30, 95 50 + 50 + 60 + 60.
    assert k.at["R11", "growth_exports"] == pytest.approx(350 / 340 - 1)
    assert k.at["99", "growth_exports"] == pytest.approx(9 / 14 - 1)  # 2023 T4 8 + 2024 T2 6
    p = c.partners.set_index(["territory", "code"])["value"] // M
    assert (p[("FR", "US")], p[("FR", "DE")], p[("R11", "DE")], p[("99", "DE")]) == (
        183, 179, 170, 9
    )  # fmt: skip
    assert c.period == ROLLING and c.year == 2025


def test_comparison_of_a_departement_with_no_trade_with_the_selected_partner_on_the_demo(demo_db):
    """Creuse exports nothing to the Falkland Islands in 2024 (France does): zero rows, never
    a KeyError."""
    c = q.compare(demo_db, f("23", partners=("FK",)), ("23", "R75", "FR"))
    creuse = c.partners[c.partners["territory"] == "23"]
    assert creuse["value"].sum() == 0 and creuse["share"].isna().all()
    assert c.partners.loc[c.partners["territory"] == "FR", "value"].sum() > 0
    assert (c.products[c.products["territory"] == "23"]["value"] == 0).all()
    assert set(c.partners["territory"]) == {"23", "R75", "FR"}
    assert c.names == ("Creuse", "Nouvelle-Aquitaine", "France")


def test_comparison_labels_products_and_partners_apart_when_their_codes_overlap(demo_db):
    # A38 "CL" is Matériels de transport and partner "CL" is Chile; "CA" the food industries
    # and Canada: each breakdown must carry its own labels.
    c = q.compare(demo_db, f("93", level="A38", top=10), ("93", "95"))
    catalog = demo_db.catalog()
    a38 = dict(zip(catalog.products["a38"], catalog.products["a38_label"], strict=False))
    products = c.products[c.products["code"] != q.OTHERS].drop_duplicates("code")
    assert {"CL", "CA"} <= set(products["code"])
    assert dict(zip(products["code"], products["label"], strict=True)) == {
        code: a38[code] for code in products["code"]
    }
    partners = c.partners.drop_duplicates("code").set_index("code")["label"]
    assert partners["DE"] == "Allemagne"


def test_default_comparison(db, quarters_db):
    assert q.default_comparison(db, f("75")) == ("75", "R11", "FR")
    assert q.default_comparison(db, f("R32")) == ("R32", "FR")
    # Only two régions here (11: 500, 32: 500 in 2024).
    assert q.default_comparison(db, f("FR")) == ("FR", "R11", "R32")
    # 2024 exports by région: 11 380, 32 40, 93 (Monaco) 6, 94 (Corse) 4, 01 (Guadeloupe) 1.
    assert q.default_comparison(quarters_db, f("FR")) == ("FR", "R11", "R32", "R93")
    assert q.default_comparison(quarters_db, f("99", H1_2025)) == ("99", "R93", "FR")
    assert q.default_comparison(quarters_db, f("971")) == ("971", "R01", "FR")


def test_growth_and_country_labels_helpers(labels_db):
    g = q.growth(pd.Series([150, 0, 5]), pd.Series([100, 0, float("nan")]))
    assert g.iloc[0] == pytest.approx(0.5) and g.iloc[1:].isna().all()
    catalog = labels_db.catalog()
    codes = pd.Series(["XK", "XS", "ZZ"])
    assert q.country_labels(codes, catalog, 1992).tolist() == [
        "Yougoslavie", "Saba", "ZZ (non déterminé)"
    ]  # fmt: skip
    assert q.country_labels(codes, catalog, 2024).tolist()[:2] == ["Kosovo", "Serbie"]


@given(st.lists(st.one_of(st.none(), st.integers(-5, 5).map(float)), max_size=30))
def test_competition_ranks_match_pandas_min_rank(values):
    from core.queries_trends import _competition_ranks

    series = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    expected = series.rank(ascending=False, method="min").astype("Int64")
    got = pd.Series(_competition_ranks(series.to_numpy()), dtype="Int64")
    pd.testing.assert_series_equal(got, expected, check_names=False)
