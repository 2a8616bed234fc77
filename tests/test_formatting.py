"""French number formats: the exact strings a user reads."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from core.formatting import (
    PLOTLY_SEPARATORS,
    format_day,
    format_eur,
    format_meur,
    format_millions_words,
    format_number,
    format_percent,
    format_rank,
    format_year_span,
)

NN = "\u202f"  # narrow no-break space
NB = "\u00a0"  # no-break space


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (12_148_600_000, {}, f"12{NN}148,6{NB}M€"),
        (580_354_500_000, {}, f"580{NN}354,5{NB}M€"),
        (-3_546_800_000, {}, f"\u22123{NN}546,8{NB}M€"),
        (3_546_800_000, {"signed": True}, f"+3{NN}546,8{NB}M€"),
        (40_000, {"signed": True}, f"0,0{NB}M€"),  # rounds to zero: no sign
        (None, {}, "–"),
    ],
)
def test_millions_of_euros_use_french_separators_and_unit(value, kwargs, expected):
    assert format_meur(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("ratio", "decimals", "expected"),
    [
        (12_148.6 / 141_666.3, 1, f"8,6{NN}%"),
        (12_148.6 / 580_354.5, 2, f"2,09{NN}%"),
        (1_400.6 / 684_776.3, 2, f"0,20{NN}%"),
        (None, 1, "–"),
        (float("inf"), 1, "–"),
    ],
)
def test_percentages_match_the_seeds_decimals(ratio, decimals, expected):
    assert format_percent(ratio, decimals) == expected


def test_signed_percentages_show_plus_and_typographic_minus():
    assert format_percent(0.25, 1, signed=True) == f"+25,0{NN}%"
    assert format_percent(-0.034, 1, signed=True) == f"\u22123,4{NN}%"


def test_sentence_form_and_whole_euros():
    assert format_millions_words(12_148_600_000) == f"12{NN}148,6 millions d'euros"
    assert format_eur(1_234_567) == f"1{NN}234{NN}567{NB}€"
    assert format_number(1234.5, 2) == f"1{NN}234,50"


def test_ranks_read_in_french():
    assert format_rank(1, 101) == "1er sur 101"
    assert format_rank(12, 101) == "12e sur 101"
    assert format_rank(None, 101) == "–"


def test_values_that_round_to_zero_carry_no_sign():
    assert format_number(-0.04, 1) == "0,0"
    assert format_number(0.04, 1, signed=True) == "0,0"
    assert format_percent(0.0, 1, signed=True) == f"0,0{NN}%"
    assert format_percent(-0.0004, 1, signed=True) == f"0,0{NN}%"
    assert format_number(float("nan")) == "–"


def test_rounding_is_decimal_half_to_even_on_the_shown_digits():
    # Whole-euro amounts in M€ are decimal: 350 000 € is 0,4 M€, not 0,3 (float 0,3499…).
    assert format_meur(350_000) == f"0,4{NB}M€"
    assert format_meur(12_350_000) == f"12,4{NB}M€"
    assert format_meur(250_000) == f"0,2{NB}M€"  # half to even


def test_negative_sentence_form_uses_the_typographic_minus():
    assert format_millions_words(-3_546_800_000) == f"\u22123{NN}546,8 millions d'euros"


def test_year_spans_and_days():
    assert format_year_span([2019, 2024, 2020]) == "années 2019\u20132024"
    assert format_year_span((2024,)) == "année 2024"
    assert format_year_span([]) == "–"
    assert format_day("2026-11-22T05:07:00+00:00") == "22 novembre 2026"
    assert format_day(None) == "–" and format_day("hier") == "–"


def test_plotly_separators_are_decimal_comma_and_narrow_space():
    assert f",{NN}" == PLOTLY_SEPARATORS


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=-1e13, max_value=1e13, allow_nan=False, allow_infinity=False),
        st.integers(min_value=-(10**13), max_value=10**13),
        st.decimals(min_value=-1000, max_value=1000, places=3).map(float),
    ),
    st.sampled_from([0, 1, 2]),
)
def test_format_number_rounds_and_groups_exactly_as_babel_does(value, decimals):
    """The fast formatter and babel's CLDR fr_FR formatting agree on every number."""
    expected = format_decimal(
        abs(value), format="#,##0" + ("." + "0" * decimals if decimals else ""), locale="fr_FR"
    )
    got = format_number(value, decimals)
    assert got.lstrip("\u2212") == expected
