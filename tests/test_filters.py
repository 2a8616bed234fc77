"""Filters: URL → Filters → URL, French notices, and the SQL predicates they produce."""

from __future__ import annotations

import pytest

from core.filters import Filters, territory_predicate


@pytest.fixture(scope="module")
def catalog(fixture_db):
    return fixture_db.catalog()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Filters("FR", 2024)),
        ({"territoire": "93", "annee": "2024"}, Filters("93", 2024)),
        ({"territoire": "r11", "annee": "2023"}, Filters("R11", 2023)),
        ({"territoire": "fr", "flux": "IMPORT"}, Filters("FR", 2024, flow="import")),
        ({"territoire": "2", "niveau": "a129"}, Filters("02", 2024, level="A129")),
        ({"top": "15"}, Filters("FR", 2024, top=15)),
        ({"pays": "de, us ,DE"}, Filters("FR", 2024, partners=("DE", "US"))),
        ({"produits": "C21Z"}, Filters("FR", 2024, products=("C21Z",))),
        ({"territoire": ["59", "93"]}, Filters("93", 2024)),  # last value wins, as in browsers
    ],
)
def test_valid_query_params_become_filters_without_notice(params, expected, catalog):
    filters, notices = Filters.from_query_params(params, catalog)
    assert filters == expected
    assert notices == []


@pytest.mark.parametrize(
    ("params", "expected", "notice_start"),
    [
        ({"territoire": "XYZ"}, Filters("FR", 2024), "Territoire « XYZ » inconnu"),
        (
            {"annee": "1850"},
            Filters("FR", 2024),
            "Année « 1850 » non disponible (données de 2023 à 2024)",
        ),
        ({"annee": "deux"}, Filters("FR", 2024), "Année « deux » non disponible"),
        ({"flux": "transit"}, Filters("FR", 2024), "Flux « transit » inconnu"),
        ({"niveau": "A88"}, Filters("FR", 2024), "Niveau de produits « A88 » inconnu"),
        ({"top": "500"}, Filters("FR", 2024), "Nombre de partenaires « 500 » invalide"),
        (
            {"pays": "DE,XX"},
            Filters("FR", 2024, partners=("DE",)),
            "Codes pays inconnus ignorés : XX.",
        ),
    ],
)
def test_invalid_values_fall_back_to_defaults_with_a_french_notice(
    params, expected, notice_start, catalog
):
    filters, notices = Filters.from_query_params(params, catalog)
    assert filters == expected
    assert len(notices) == 1
    assert notices[0].startswith(notice_start)


def test_both_bad_territory_and_year_give_two_notices(catalog):
    filters, notices = Filters.from_query_params({"territoire": "XYZ", "annee": "1850"}, catalog)
    assert filters == Filters("FR", 2024)
    assert len(notices) == 2


def test_to_query_params_round_trips(catalog):
    original = Filters("93", 2023, "import", "A129", 7, ("DE", "US"), ("C21Z",))
    params = original.to_query_params()
    assert params == {
        "territoire": "93",
        "annee": "2023",
        "flux": "import",
        "niveau": "A129",
        "top": "7",
        "pays": "DE,US",
        "produits": "C21Z",
    }
    assert Filters.from_query_params(params, catalog) == (original, [])


def test_describe_reads_as_a_french_sentence(catalog):
    text = Filters("93", 2024, "import", "A17", 5, ("DE",)).describe(catalog)
    assert text == (
        "Seine-Saint-Denis, 2024, importations, produits au niveau A17, "
        "5 premiers partenaires et produits, pays : DE"
    )


@pytest.mark.parametrize(
    ("territory", "expected_sql", "expected_params"),
    [
        ("FR", "TRUE", []),
        ("R11", "dept IN (SELECT code FROM departement WHERE region = ?)", ["11"]),
        ("93", "dept = ?", ["93"]),
        ("2A", "dept = ?", ["2A"]),
    ],
)
def test_territory_predicate_is_parameterised(territory, expected_sql, expected_params):
    assert territory_predicate(territory) == (expected_sql, expected_params)


def test_territory_predicate_refuses_unknown_column_names():
    with pytest.raises(ValueError):
        territory_predicate("93", "dept; DROP TABLE trade")


def test_selection_predicate_passes_codes_as_parameters():
    sql, params = Filters("FR", 2024, partners=("DE",), products=("C21Z", "C30C")).selection_sql()
    assert sql == ("list_contains(?::VARCHAR[], country) AND list_contains(?::VARCHAR[], product)")
    assert params == [["DE"], ["C21Z", "C30C"]]
