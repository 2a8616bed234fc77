"""Filters: URL → Filters → URL, French notices, and the SQL predicates they produce."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from core.filters import QUOTE_MAX, Filters, normalise_territory, quote, territory_predicate
from core.periods import Period

EN = "\u2013"
Y2023, Y2024 = Period.of_year(2023), Period.of_year(2024)
H1_2025 = Period.of_year(2025, (1, 2))
ROLLING = Period.last_four(2025, 2)
CORSE_NOTICE = (
    "Les douanes publient la Corse comme un seul département (20) : affichage de la Corse."
)


@pytest.fixture(scope="module")
def catalog(fixture_db):
    """Whole years 2023 and 2024; départements 02, 59, 75, 93, 95."""
    return fixture_db.catalog()


@pytest.fixture(scope="module")
def qcatalog(quarters_db):
    """2023, 2024 and 2025 T1–T2 (12m offered); départements 20, 59, 93, 95, 971, 99."""
    return quarters_db.catalog()


def url(query: str) -> dict[str, list[str]]:
    """A query string decoded as a browser sends it (percent-escapes, repeated names)."""
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        out.setdefault(key, []).append(value)
    return out


# --- Valid links ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Filters("FR", Y2024)),
        ({"territoire": "93", "annee": "2024"}, Filters("93", Y2024)),
        ({"territoire": "r11", "annee": "2023"}, Filters("R11", Y2023)),
        ({"territoire": "fr", "flux": "IMPORT"}, Filters("FR", Y2024, flow="import")),
        ({"territoire": "France"}, Filters("FR", Y2024)),
        ({"territoire": "2", "niveau": "a129"}, Filters("02", Y2024, level="A129")),
        ({"niveau": "cpf4"}, Filters("FR", Y2024, level="CPF4")),
        ({"top": "15"}, Filters("FR", Y2024, top=15)),
        ({"top": "3"}, Filters("FR", Y2024, top=3)),
        ({"top": "30"}, Filters("FR", Y2024, top=30)),
        ({"pays": "de, us ,DE"}, Filters("FR", Y2024, partners=("DE", "US"))),
        ({"produits": "C21Z"}, Filters("FR", Y2024, products=("C21Z",))),
        ({"produits": "c21z,2120,1102"}, Filters("FR", Y2024, products=("C21Z", "2120", "1102"))),
        ({"territoire": ["59", "93"]}, Filters("93", Y2024)),  # last value wins, as in browsers
        ({"territoire": " 93 ", "annee": " 2023 "}, Filters("93", Y2023)),
        ({"territoire": "", "annee": ""}, Filters("FR", Y2024)),  # empty means default
    ],
)
def test_valid_query_params_become_filters_without_notice(params, expected, catalog):
    filters, notices = Filters.from_query_params(params, catalog)
    assert filters == expected
    assert notices == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Filters("FR", Y2024)),  # the latest whole year, not the partial 2025
        ({"annee": "2025"}, Filters("FR", H1_2025)),
        ({"annee": "12m"}, Filters("FR", ROLLING)),
        ({"annee": "12M"}, Filters("FR", ROLLING)),
        ({"territoire": "971"}, Filters("971", Y2024)),
        ({"territoire": "9A"}, Filters("971", Y2024)),  # the customs' code, read as 971
        ({"territoire": "9a"}, Filters("971", Y2024)),
        ({"territoire": "20"}, Filters("20", Y2024)),
        ({"territoire": "99"}, Filters("99", Y2024)),
        ({"territoire": "R94"}, Filters("R94", Y2024)),
    ],
)
def test_periods_and_the_customs_territories_are_read_without_notice(params, expected, qcatalog):
    filters, notices = Filters.from_query_params(params, qcatalog)
    assert filters == expected
    assert notices == []


@pytest.mark.parametrize("raw", ["2A", "2B", "2a"])
def test_corse_du_sud_and_haute_corse_open_corse_with_a_notice(raw, qcatalog):
    filters, notices = Filters.from_query_params({"territoire": raw}, qcatalog)
    assert filters == Filters("20", Y2024)
    assert notices == [CORSE_NOTICE]


def test_normalise_territory(qcatalog, catalog):
    assert normalise_territory("9E", qcatalog) is None  # Mayotte is not in this fixture
    assert normalise_territory("9A", qcatalog) == "971"
    assert normalise_territory("fr", qcatalog) == "FR"
    assert normalise_territory("r32", qcatalog) == "R32"
    assert normalise_territory("R99", qcatalog) is None
    assert normalise_territory("2A", catalog) is None  # no Corse loaded: unknown
    assert normalise_territory("1", catalog) is None  # 01 is not in the fixture
    assert normalise_territory("2", catalog) == "02"


# --- Invalid values: defaults and a French notice ------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected", "notice"),
    [
        (
            {"territoire": "XYZ"},
            Filters("FR", Y2024),
            "Territoire « XYZ » inconnu : affichage de la France entière. Utilisez un code de "
            "département (93, 20, 971), de région (R11) ou FR.",
        ),
        (
            {"annee": "1850"},
            Filters("FR", Y2024),
            "Année « 1850 » non disponible (données de 2023 à 2024) : affichage de 2024.",
        ),
        ({"annee": "deux"}, Filters("FR", Y2024),
         "Année « deux » non disponible (données de 2023 à 2024) : affichage de 2024."),
        # Whole years only: there are no « 12 derniers mois » to offer.
        ({"annee": "12m"}, Filters("FR", Y2024),
         "Année « 12m » non disponible (données de 2023 à 2024) : affichage de 2024."),
        (
            {"flux": "transit"},
            Filters("FR", Y2024),
            "Flux « transit » inconnu (export ou import attendu) : affichage des exportations.",
        ),
        (
            {"niveau": "A88"},
            Filters("FR", Y2024),
            "Niveau de produits « A88 » inconnu (A17, A38, A129 ou CPF4 attendu) : affichage au "
            "niveau A38.",
        ),
        (
            {"top": "500"},
            Filters("FR", Y2024),
            "Nombre de partenaires « 500 » invalide (de 3 à 30) : affichage des 10 premiers.",
        ),
        ({"top": "2"}, Filters("FR", Y2024),
         "Nombre de partenaires « 2 » invalide (de 3 à 30) : affichage des 10 premiers."),
        ({"top": "-5"}, Filters("FR", Y2024),
         "Nombre de partenaires « -5 » invalide (de 3 à 30) : affichage des 10 premiers."),
        ({"pays": "DE,XX"}, Filters("FR", Y2024, partners=("DE",)),
         "Codes pays inconnus ignorés : XX."),
        (
            {"produits": "C21Z,9999,C99Z"},
            Filters("FR", Y2024, products=("C21Z",)),
            "Codes produits inconnus ignorés : 9999, C99Z.",
        ),
        (
            {"pays": "A1,A2,A3,A4,A5,A6,A7"},
            Filters("FR", Y2024),
            "Codes pays inconnus ignorés : A1, A2, A3, A4, A5 et 2 autres.",
        ),
    ],
)  # fmt: skip
def test_invalid_values_fall_back_to_defaults_with_a_french_notice(
    params, expected, notice, catalog
):
    filters, notices = Filters.from_query_params(params, catalog)
    assert filters == expected
    assert notices == [notice]


@pytest.mark.parametrize(
    ("query", "param", "shown"),
    [
        ("annee=%C2%B2", "annee", "²"),  # superscript two: str.isdigit() but not a year
        ("annee=%E2%91%A0", "annee", "①"),  # circled one
        ("annee=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%94", "annee", "２０２４"),  # full-width
        ("top=%C2%B3", "top", "³"),  # superscript three: int() would raise
        ("top=%D9%A5", "top", "٥"),  # Arabic-Indic five: int() would accept it
    ],
)
def test_unicode_digits_are_refused_with_a_notice_never_an_exception(query, param, shown, qcatalog):
    filters, notices = Filters.from_query_params(url(query), qcatalog)
    assert filters == Filters("FR", Y2024)
    assert len(notices) == 1
    assert f"« {shown} »" in notices[0]
    if param == "annee":
        assert notices[0] == (
            f"Année « {shown} » non disponible (données de 2023 à 2025) : affichage de 2024."
        )
    else:
        assert notices[0].startswith(f"Nombre de partenaires « {shown} » invalide")


def test_both_bad_territory_and_year_give_two_notices(catalog):
    filters, notices = Filters.from_query_params({"territoire": "XYZ", "annee": "1850"}, catalog)
    assert filters == Filters("FR", Y2024)
    assert [n.split(" «")[0] for n in notices] == ["Territoire", "Année"]


# --- Quoting what the URL held ---------------------------------------------------------------------
def test_long_values_are_cut_to_the_quote_limit():
    raw = "9" * 100
    assert quote(raw) == "9" * (QUOTE_MAX - 1) + "…"
    assert len(quote(raw)) == QUOTE_MAX == 40
    assert quote("x" * 40) == "x" * 40  # exactly at the limit: whole
    assert quote("a\nb\x00c\td") == "a b c d"  # control characters become spaces
    assert quote("  spaced  ") == "spaced"


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        "<b>gras</b>",
        "[x](http://evil)",
        "![t](http://evil/t.png)",
        ":red[alerte]",
        "**93**",
    ],
)
def test_html_and_markdown_values_are_quoted_literally(raw, catalog):
    """Notices are plain text, shown literally by the pages: the value comes back as typed."""
    _, notices = Filters.from_query_params({"territoire": raw}, catalog)
    assert notices == [
        f"Territoire « {raw} » inconnu : affichage de la France entière. Utilisez un code de "
        "département (93, 20, 971), de région (R11) ou FR."
    ]


def test_a_long_html_value_is_quoted_cut(catalog):
    raw = "<img src=x onerror=alert(1)>" + "A" * 200
    _, notices = Filters.from_query_params({"flux": raw}, catalog)
    quoted = raw[:39] + "…"
    assert notices == [
        f"Flux « {quoted} » inconnu (export ou import attendu) : affichage des exportations."
    ]
    _, notices = Filters.from_query_params({"pays": "DE," + "Z" * 60}, catalog)
    assert notices == [f"Codes pays inconnus ignorés : {'Z' * 39}…."]


# --- Back to a URL ---------------------------------------------------------------------------------
def test_to_query_params_round_trips(catalog):
    original = Filters("93", Y2023, "import", "A129", 7, ("DE", "US"), ("C21Z", "2120"))
    params = original.to_query_params()
    assert params == {
        "territoire": "93",
        "annee": "2023",
        "flux": "import",
        "niveau": "A129",
        "top": "7",
        "pays": "DE,US",
        "produits": "C21Z,2120",
    }
    assert Filters.from_query_params(params, catalog) == (original, [])


@pytest.mark.parametrize(
    ("filters", "annee"),
    [
        (Filters("971", H1_2025, level="CPF4"), "2025"),
        (Filters("R11", ROLLING, flow="import"), "12m"),
        (Filters("99", Y2024), "2024"),
    ],
)
def test_periods_round_trip_through_the_url(filters, annee, qcatalog):
    params = filters.to_query_params()
    assert params["annee"] == annee
    assert Filters.from_query_params(params, qcatalog) == (filters, [])


def test_defaults_are_france_and_the_latest_whole_year(catalog, qcatalog):
    assert Filters.defaults(catalog) == Filters("FR", Y2024, "export", "A38", 10)
    assert Filters.defaults(qcatalog).period == Y2024


def test_kind_region_code_and_year():
    assert Filters("FR", Y2024).kind == "france"
    assert Filters("R11", Y2024).kind == "region" and Filters("R11", Y2024).region_code == "11"
    assert Filters("93", Y2024).kind == "departement"
    assert Filters("971", Y2024).region_code is None
    assert Filters("93", ROLLING).year == 2025  # the year of the last quarter
    assert Filters("93", Y2024).with_(flow="import").flow == "import"


def test_describe_reads_as_a_french_sentence(catalog, qcatalog):
    text = Filters("93", Y2024, "import", "A17", 5, ("DE",)).describe(catalog)
    assert text == (
        "Seine-Saint-Denis, 2024, importations, produits au niveau A17, "
        "5 premiers partenaires et produits, pays : DE"
    )
    text = Filters("99", H1_2025, products=("2120",)).describe(qcatalog)
    assert text == (
        f"Principauté de Monaco, 2025 (T1{EN}T2), exportations, produits au niveau A38, "
        "10 premiers partenaires et produits, produits : 2120"
    )
    assert (
        Filters("R11", ROLLING)
        .describe(qcatalog)
        .startswith(f"Île-de-France, 12 derniers mois (T3 2024 {EN} T2 2025), exportations")
    )


# --- SQL --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("territory", "column", "expected_sql", "expected_params"),
    [
        ("FR", "dept", "TRUE", []),
        ("R11", "dept", "dept IN (SELECT code FROM departement WHERE region = ?)", ["11"]),
        ("R11", "t.dept", "t.dept IN (SELECT code FROM departement WHERE region = ?)", ["11"]),
        ("93", "dept", "dept = ?", ["93"]),
        ("971", "d.code", "d.code = ?", ["971"]),
    ],
)
def test_territory_predicate_is_parameterised(territory, column, expected_sql, expected_params):
    assert territory_predicate(territory, column) == (expected_sql, expected_params)
    assert Filters(territory, Y2024).territory_sql(column) == (expected_sql, expected_params)


def test_territory_predicate_refuses_unknown_column_names():
    with pytest.raises(ValueError):
        territory_predicate("93", "dept; DROP TABLE trade")


def test_period_predicate_comes_from_the_period():
    assert Filters("93", Y2024).period_sql() == ("year = ?", [2024])
    assert Filters("93", H1_2025).period_sql("t.") == H1_2025.sql("t.")
    assert Filters("93", H1_2025).period_sql("t.")[1] == [2025, 1, 2]


def test_selection_predicate_passes_codes_as_parameters():
    assert Filters("FR", Y2024).selection_sql() == ("TRUE", [])
    sql, params = Filters("FR", Y2024, partners=("DE",), products=("C21Z", "3030")).selection_sql()
    assert sql == (
        "list_contains(?::VARCHAR[], country) AND (list_contains(?::VARCHAR[], product) OR "
        "product IN (SELECT code FROM product WHERE list_contains(?::VARCHAR[], a129)))"
    )
    assert params == [["DE"], ["C21Z", "3030"], ["C21Z", "3030"]]
