"""Periods: whole and partial years and « 12 derniers mois », their French names, the same
quarters one year earlier, the SQL predicate, and what a catalog offers."""

from __future__ import annotations

import duckdb
import pytest

from core import periods
from core.periods import Period, available, index, split

EN = "\u2013"  # en dash

WHOLE_2024 = Period.of_year(2024)
H1_2025 = Period.of_year(2025, (1, 2))
T1_2025 = Period.of_year(2025, (1,))
ROLLING = Period.last_four(2025, 2)  # T3 2024 – T2 2025


def quarters(*spec: tuple[int, tuple[int, ...]]) -> list[tuple[int, int]]:
    return [(year, q) for year, qs in spec for q in qs]


# --- Quarter numbering -------------------------------------------------------------------------
def test_quarter_index_and_split_are_inverse():
    assert index(2024, 1) == 8096 and index(2024, 4) == 8099 and index(2025, 1) == 8100
    assert split(8099) == (2024, 4) and split(8100) == (2025, 1)
    assert all(split(index(y, q)) == (y, q) for y in (1992, 2024) for q in (1, 2, 3, 4))


# --- Kinds and parts ---------------------------------------------------------------------------
def test_a_year_with_its_four_quarters_is_whole():
    assert (WHOLE_2024.first, WHOLE_2024.last, WHOLE_2024.rolling) == (8096, 8099, False)
    assert WHOLE_2024.is_whole_year and not WHOLE_2024.partial
    assert WHOLE_2024.year == WHOLE_2024.first_year == 2024
    assert WHOLE_2024.n_quarters == 4
    assert WHOLE_2024.quarters == ((2024, 1), (2024, 2), (2024, 3), (2024, 4))
    assert Period.of_year(2024, (4, 2, 1, 3)) == WHOLE_2024  # order of the loaded quarters


def test_a_year_with_missing_quarters_is_partial():
    assert H1_2025.partial and not H1_2025.is_whole_year
    assert H1_2025.quarters == ((2025, 1), (2025, 2)) and H1_2025.n_quarters == 2
    assert T1_2025.partial and T1_2025.n_quarters == 1
    late = Period.of_year(2024, (2, 3, 4))  # a publication that starts in T2
    assert late.partial and late.label == f"2024 (T2{EN}T4)"
    with pytest.raises(ValueError):
        Period.of_year(2025, ())


def test_the_last_four_quarters_span_two_years_and_are_neither_whole_nor_partial():
    assert ROLLING.rolling and ROLLING.n_quarters == 4
    assert ROLLING.quarters == ((2024, 3), (2024, 4), (2025, 1), (2025, 2))
    assert (ROLLING.first_year, ROLLING.year) == (2024, 2025)
    assert not ROLLING.is_whole_year and not ROLLING.partial
    # Four quarters that happen to be a calendar year are still « 12 derniers mois ».
    calendar = Period.last_four(2024, 4)
    assert calendar.rolling and not calendar.is_whole_year and calendar != WHOLE_2024


# --- Words -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("period", "label", "phrase", "short", "slug", "token"),
    [
        (WHOLE_2024, "2024", "en 2024", "2024", "2024", "2024"),
        (H1_2025, f"2025 (T1{EN}T2)", f"en 2025 (T1{EN}T2)", f"2025 T1{EN}T2", "2025-T1-T2",
         "2025"),
        (T1_2025, "2025 (T1)", "en 2025 (T1)", "2025 T1", "2025-T1", "2025"),
        (
            ROLLING,
            f"12 derniers mois (T3 2024 {EN} T2 2025)",
            f"sur les 12 derniers mois (T3 2024 {EN} T2 2025)",
            f"T3 2024{EN}T2 2025",
            "12m-2024T3-2025T2",
            "12m",
        ),
    ],
)  # fmt: skip
def test_periods_name_themselves_in_french(period, label, phrase, short, slug, token):
    assert period.label == label
    assert period.phrase == phrase
    assert period.short == short
    assert period.slug == slug
    assert period.token == token
    assert slug.isascii()


def test_quarter_span_and_notes_for_captions():
    assert H1_2025.quarter_span == f"T1{EN}T2" and T1_2025.quarter_span == "T1"
    assert WHOLE_2024.note is None
    assert H1_2025.note == (
        f"Année 2025 partielle : trimestres T1{EN}T2 seulement ; les évolutions se comparent "
        "aux mêmes trimestres de l'année précédente."
    )
    assert ROLLING.note == (
        "12 derniers mois : cumul des quatre derniers trimestres publiés, du T3 2024 au T2 2025."
    )


# --- The same quarters one year earlier -------------------------------------------------------
def test_previous_is_the_same_quarters_one_year_earlier_never_a_whole_year():
    assert WHOLE_2024.previous() == Period.of_year(2023)
    prev = H1_2025.previous()
    assert prev == Period.of_year(2024, (1, 2))
    assert prev.label == f"2024 (T1{EN}T2)" and prev.partial
    assert T1_2025.previous().quarters == ((2024, 1),)
    rolling_prev = ROLLING.previous()
    assert rolling_prev.rolling
    assert rolling_prev.quarters == ((2023, 3), (2023, 4), (2024, 1), (2024, 2))
    assert rolling_prev.label == f"12 derniers mois (T3 2023 {EN} T2 2024)"


# --- SQL ---------------------------------------------------------------------------------------
def test_sql_of_a_whole_year_is_one_equality_on_year():
    assert WHOLE_2024.sql() == ("year = ?", [2024])
    assert WHOLE_2024.sql("t.") == ("t.year = ?", [2024])


def test_sql_of_a_partial_year_is_one_year_and_a_range_of_its_quarters():
    assert H1_2025.sql() == ("year = ? AND quarter BETWEEN ? AND ?", [2025, 1, 2])
    assert T1_2025.sql("t.") == ("t.year = ? AND t.quarter BETWEEN ? AND ?", [2025, 1, 1])


def test_sql_of_12m_is_the_end_of_one_year_or_the_start_of_the_next_on_the_columns_themselves():
    # Zone maps skip on ``year`` and ``quarter``, never on an expression of them.
    assert ROLLING.sql() == (
        "((year = ? AND quarter >= ?) OR (year = ? AND quarter <= ?))",
        [2024, 3, 2025, 2],
    )
    assert ROLLING.sql("s.") == (
        "((s.year = ? AND s.quarter >= ?) OR (s.year = ? AND s.quarter <= ?))",
        [2024, 3, 2025, 2],
    )


def test_sql_of_a_range_over_three_years_keeps_the_whole_year_between():
    long = Period(index(2023, 4), index(2025, 1))
    assert long.sql() == (
        "((year = ? AND quarter >= ?) OR year BETWEEN ? AND ? OR (year = ? AND quarter <= ?))",
        [2023, 4, 2024, 2024, 2025, 1],
    )


@pytest.mark.parametrize("prefix", ["x.", "t", "t.; DROP TABLE trade; --"])
def test_sql_refuses_unexpected_prefixes(prefix):
    with pytest.raises(ValueError):
        WHOLE_2024.sql(prefix)


@pytest.mark.parametrize(
    ("period", "selected"),
    [
        (WHOLE_2024, [(2024, 1), (2024, 2), (2024, 3), (2024, 4)]),
        (H1_2025, [(2025, 1), (2025, 2)]),
        (T1_2025, [(2025, 1)]),
        (ROLLING, [(2024, 3), (2024, 4), (2025, 1), (2025, 2)]),
        (ROLLING.previous(), [(2023, 3), (2023, 4), (2024, 1), (2024, 2)]),
        (Period.last_four(2025, 4), [(2025, 1), (2025, 2), (2025, 3), (2025, 4)]),
        (
            Period(index(2022, 4), index(2025, 1)),
            [(2022, 4), *((y, q) for y in (2023, 2024) for q in (1, 2, 3, 4)), (2025, 1)],
        ),
    ],
)
def test_the_predicate_selects_exactly_the_quarters_of_the_period(period, selected):
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT y AS year, q AS quarter FROM range(2022, 2027) r(y), "
        "range(1, 5) s(q)"
    )
    where, params = period.sql()
    # Another condition after it, as the queries add one: the OR stays within its brackets.
    got = con.execute(
        f"SELECT year, quarter FROM t WHERE {where} AND quarter > 0 ORDER BY year, quarter",
        params,
    ).fetchall()
    assert got == selected == list(period.quarters)


# --- What a set of loaded quarters offers ------------------------------------------------------
def test_whole_years_only_offer_each_year_latest_first_and_no_12m():
    offered = available(quarters((2023, (1, 2, 3, 4)), (2024, (1, 2, 3, 4))))
    assert offered == [WHOLE_2024, Period.of_year(2023)]


def test_a_partial_latest_year_adds_the_last_four_quarters_first():
    loaded = quarters((2023, (1, 2, 3, 4)), (2024, (1, 2, 3, 4)), (2025, (1, 2)))
    offered = available(reversed(loaded))  # any order
    assert [p.label for p in offered] == [
        f"12 derniers mois (T3 2024 {EN} T2 2025)",
        f"2025 (T1{EN}T2)",
        "2024",
        "2023",
    ]
    assert offered[0] == ROLLING


def test_12m_is_not_offered_when_its_four_quarters_are_not_all_loaded():
    assert available(quarters((2025, (1, 2)))) == [H1_2025]
    gap = available(quarters((2024, (1, 2)), (2025, (1,))))  # 2024 T3–T4 missing
    assert [p.label for p in gap] == ["2025 (T1)", f"2024 (T1{EN}T2)"]
    assert available([]) == []


def test_span_label_names_whole_years_then_the_partial_one():
    loaded = quarters((2019, (1, 2, 3, 4)), (2020, (1, 2, 3, 4)), (2025, (1, 2)))
    assert periods.span_label(loaded) == f"années 2019{EN}2020 et 2025 (T1{EN}T2)"
    assert periods.span_label(quarters((2024, (1, 2, 3, 4)))) == "année 2024"
    assert periods.span_label(quarters((2025, (1,)))) == "2025 (T1)"
    assert periods.span_label([]) == "–"


# --- The catalog of a build -------------------------------------------------------------------
def test_catalog_of_whole_years_defaults_to_the_latest(fixture_db):
    catalog = fixture_db.catalog()
    assert catalog.years == (2023, 2024)
    assert catalog.periods == (WHOLE_2024, Period.of_year(2023))
    assert catalog.default_period == WHOLE_2024
    assert catalog.year_periods == {2024: WHOLE_2024, 2023: Period.of_year(2023)}


def test_catalog_with_a_partial_year_defaults_to_the_latest_whole_year(quarters_db):
    catalog = quarters_db.catalog()
    assert [p.token for p in catalog.periods] == ["12m", "2025", "2024", "2023"]
    assert catalog.default_period == WHOLE_2024  # not the partial 2025
    assert catalog.latest_year == 2025


def test_catalog_finds_periods_by_their_url_token(quarters_db):
    catalog = quarters_db.catalog()
    assert catalog.period("2025") == H1_2025
    assert catalog.period("2024") == WHOLE_2024
    assert catalog.period("12m") == ROLLING
    for token in ("1999", "²", "①", "２０２４", "2024.0", "12M ", "", "20245"):
        assert catalog.period(token) is None, token


def test_catalog_of_a_year_with_one_quarter(quarters_t1_db):
    catalog = quarters_t1_db.catalog()
    assert [p.label for p in catalog.periods] == [
        f"12 derniers mois (T2 2024 {EN} T1 2025)",
        "2025 (T1)",
        "2024",
        "2023",
    ]
    assert catalog.period("2025") == T1_2025
    assert catalog.default_period == WHOLE_2024


def test_catalog_previous_only_when_every_quarter_is_loaded(quarters_db):
    catalog = quarters_db.catalog()
    assert catalog.previous(H1_2025) == Period.of_year(2024, (1, 2))
    assert catalog.previous(ROLLING) == ROLLING.previous()
    assert catalog.previous(WHOLE_2024) == Period.of_year(2023)
    assert catalog.previous(Period.of_year(2023)) is None  # 2022 not loaded
    assert catalog.has(ROLLING) and not catalog.has(Period.of_year(2025))


def test_catalog_only_hands_out_periods_it_offers(fixture_db, quarters_db, quarters_t1_db):
    """The period selector lists ``catalog.periods`` and looks the URL's period up among them:
    a token ``Catalog.period`` accepts must be one of them. With whole years only there is no
    « 12 derniers mois » to offer, so ``annee=12m`` is unknown there (a notice, not a
    rolling period the selector cannot show)."""
    for db in (fixture_db, quarters_db, quarters_t1_db):
        catalog = db.catalog()
        for token in ("12m", *(str(y) for y in catalog.years)):
            found = catalog.period(token)
            assert found is None or found in catalog.periods, (token, found)
    assert fixture_db.catalog().period("12m") is None
