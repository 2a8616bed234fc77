"""Territory search: accents, case, hyphens and spaces ignored; codes, names, chefs-lieux and
Territoires d'industrie found; on the embedded reference tables (demo build)."""

from __future__ import annotations

import pytest

from core import search


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Seine-Saint-Denis", "seinesaintdenis"),
        ("Val-d'Oise", "valdoise"),
        ("Ardèche", "ardeche"),
        ("  Côte-d’Or ", "cotedor"),
        ("ÎLE DE FRANCE", "iledefrance"),
    ],
)
def test_fold_ignores_accents_case_hyphens_spaces_and_apostrophes(text, folded):
    assert search.fold(text) == folded


@pytest.mark.parametrize(
    ("query", "first", "why"),
    [
        ("ardeche", "07", "nom"),
        ("seine saint", "93", "nom"),
        ("SEINE-SAINT", "93", "nom"),
        ("cote d or", "21", "nom"),
        ("93", "93", "code"),
        ("1", "01", "code"),
        ("2A", "20", "code"),  # the customs publish Corsica as one département
        ("9a", "971", "code"),  # the customs' code of Guadeloupe
        ("r11", "R11", "code"),
        ("fr", "FR", "code"),
        ("bobigny", "93", "chef-lieu : Bobigny"),
        ("monaco", "99", "nom"),
        ("ile de france", "R11", "nom"),
    ],
)
def test_search_finds_territories_as_people_type_them(demo_db, query, first, why):
    matches = search.search(demo_db.catalog(), query)
    assert matches, query
    assert (matches[0].code, matches[0].why) == (first, why)


def test_a_territoire_d_industrie_finds_the_departements_that_list_it(demo_db):
    matches = search.search(demo_db.catalog(), "Roissy")
    codes = {m.code for m in matches}
    assert {"93", "95"} <= codes
    assert all(m.why == "Territoire d'industrie : Grand Roissy Le Bourget" for m in matches)


def test_nothing_matches_nonsense_and_blank_queries(demo_db):
    catalog = demo_db.catalog()
    assert search.search(catalog, "xyzzy") == []
    assert search.search(catalog, "  -- ") == []


def test_results_are_capped(demo_db):
    assert len(search.search(demo_db.catalog(), "e")) == search.MAX_RESULTS
