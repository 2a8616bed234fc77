"""AppTest: the Évolution, Classements, Spécialisation, Comparer and Carte pages opened
through deep links, valid and invalid, on the hand-made trends fixture and on the demo data."""

from __future__ import annotations

import pytest

from tests.apptest_helpers import metrics, open_app, texts, url

NN, NB = "\u202f", "\u00a0"


@pytest.fixture
def fixture_app(trends_path, use_db):
    use_db(trends_path)


@pytest.fixture
def demo_app(demo_path, use_db):
    use_db(demo_path)


def warnings(at) -> str:
    return "\n".join(str(w.value) for w in at.warning)


# --- Évolution -------------------------------------------------------------------------------
def test_trends_deep_link_shows_growth_computed_by_hand(fixture_app):
    at = open_app({"territoire": "93", "annee": "2024"}, page="trends.py")
    assert not at.exception
    shown = metrics(at)
    assert shown["Exportations 2024"] == f"200,0{NB}M€"
    assert shown["Exportations 2022–2024"] == f"+100,0{NN}%"
    assert shown["Importations 2022–2024"] == f"+150,0{NN}%"
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Exportations 2024"] == f"+25,0{NN}% sur un an"
    assert "Seine-Saint-Denis : évolution 2022–2024" in texts(at)
    assert "Clé de lecture" in texts(at)
    assert len(at.dataframe) == 5  # totals, two series, two risers/fallers tables


def test_trends_on_the_demo_data_for_seine_saint_denis(demo_app):
    at = open_app({"territoire": "93", "annee": "2024", "flux": "import"}, page="trends.py")
    assert not at.exception
    assert metrics(at)["Exportations 2024"] == f"12{NN}148,6{NB}M€"
    assert "Principaux pays partenaires : importations" in texts(at)
    assert url(at)["flux"] == "import"


# --- Classements -----------------------------------------------------------------------------
def test_rankings_deep_link_ranks_with_ties(fixture_app):
    params = {"territoire": "93", "annee": "2024", "portee": "france", "indicateur": "importations"}
    at = open_app(params, page="rankings.py")
    assert not at.exception
    assert metrics(at)["Rang de Seine-Saint-Denis (importations)"] == "1er sur 5"  # tied with 59
    frame = at.dataframe[0].value
    assert frame["Code"].tolist()[:2] == ["59", "93"]
    assert url(at)["portee"] == "france" and url(at)["indicateur"] == "importations"


def test_rankings_within_the_region_by_default(fixture_app):
    at = open_app({"territoire": "93", "annee": "2024"}, page="rankings.py")
    assert metrics(at)["Rang de Seine-Saint-Denis (exportations)"] == "1er sur 3"
    assert "départements de la région Île-de-France" in texts(at)
    assert url(at)["portee"] == "region"


def test_rankings_invalid_params_fall_back_with_a_french_notice(fixture_app):
    params = {"territoire": "93", "portee": "monde", "indicateur": "pib"}
    at = open_app(params, page="rankings.py")
    assert not at.exception
    shown = warnings(at)
    assert "Valeur « monde » du paramètre « portee » inconnue" in shown
    assert "Valeur « pib » du paramètre « indicateur » inconnue" in shown
    assert url(at)["portee"] == "region" and url(at)["indicateur"] == "exportations"


def test_rankings_for_france_rank_every_departement(fixture_app):
    at = open_app({"territoire": "FR", "annee": "2024"}, page="rankings.py")
    assert not at.exception
    assert len(at.dataframe[0].value) == 5


def test_changing_the_indicator_updates_the_url(fixture_app):
    at = open_app({"territoire": "93"}, page="rankings.py")
    at.selectbox(key="p_indicateur").select("solde").run()
    assert url(at)["indicateur"] == "solde"
    assert metrics(at)["Rang de Seine-Saint-Denis (solde commercial)"] == "3e sur 3"


# --- Spécialisation --------------------------------------------------------------------------
def test_specialisation_deep_link_shows_indices(fixture_app):
    params = {"territoire": "93", "annee": "2024", "niveau": "A129"}
    at = open_app(params, page="specialisation.py")
    assert not at.exception
    assert "Seine-Saint-Denis : spécialisation en 2024" in texts(at)
    products = at.dataframe[0].value.set_index("Code")
    assert products.at["C21Z", "Indice export"] == pytest.approx(0.75 / 0.45)
    assert products.at["C21Z", "Indice import"] == pytest.approx(3.0)


def test_specialisation_of_france_explains_why_there_is_nothing(fixture_app):
    at = open_app({"territoire": "FR"}, page="specialisation.py")
    assert not at.exception
    assert "La France entière sert de référence" in texts(at)


# --- Comparer --------------------------------------------------------------------------------
def test_compare_deep_link_aligns_territories(fixture_app):
    params = {"territoire": "93", "annee": "2024", "comparer": "93,95,R32", "top": "3"}
    at = open_app(params, page="compare.py")
    assert not at.exception
    assert at.multiselect(key="p_comparer").value == ["93", "95", "R32"]
    kpis = at.dataframe[0].value
    assert kpis["Territoire"].tolist() == ["Seine-Saint-Denis", "Val-d'Oise", "Hauts-de-France"]
    assert kpis["Exportations (M€)"].tolist() == [200.0, 200.0, 500.0]
    partners = at.dataframe[1].value
    assert "Seine-Saint-Denis (part)" in partners.columns and "Hauts-de-France (M€)" in partners
    assert url(at)["comparer"] == "93,95,R32"


def test_compare_ignores_unknown_codes_with_a_french_notice(fixture_app):
    at = open_app({"territoire": "93", "comparer": "93,XX,R99,95"}, page="compare.py")
    assert not at.exception
    assert "Territoires inconnus ignorés dans « comparer » : XX, R99" in warnings(at)
    assert url(at)["comparer"] == "93,95"


def test_compare_with_one_valid_code_falls_back_to_the_default(fixture_app):
    at = open_app({"territoire": "93", "comparer": "93,zz"}, page="compare.py")
    assert not at.exception
    assert "au moins deux territoires" in warnings(at)
    assert url(at)["comparer"] == "93,59,95"


# --- Carte -----------------------------------------------------------------------------------
def test_map_deep_link_with_an_indicator(fixture_app):
    at = open_app({"territoire": "93", "annee": "2024", "indicateur": "solde"}, page="map.py")
    assert not at.exception
    assert at.selectbox(key="p_indicateur").value == "solde"
    table = at.dataframe[0].value
    assert table["Code"].tolist()[0] == "59"  # largest surplus, 200 M€
    assert "CC BY 4.0" in texts(at)


def test_map_of_growth_in_the_first_loaded_year_says_why_it_is_empty(fixture_app):
    at = open_app(
        {"territoire": "93", "annee": "2022", "indicateur": "croissance-export"}, page="map.py"
    )
    assert not at.exception
    assert [i.value for i in at.info] == [
        "2022 est la première année chargée : pas d'évolution à cartographier. Choisissez une "
        "année plus récente ou un autre indicateur."
    ]
    assert len(at.dataframe) == 0 and len(at.get("plotly_chart")) == 0
    # The next year maps growth, signed: 93's exports 100 → 160 M€ (+60,0 %).
    at = open_app(
        {"territoire": "93", "annee": "2023", "indicateur": "croissance-export"}, page="map.py"
    )
    table = at.dataframe[0].value.set_index("Code")
    assert table.loc["93"].iloc[-1] == pytest.approx(0.6)


def test_map_invalid_indicator_falls_back_with_a_french_notice(fixture_app):
    at = open_app({"territoire": "93", "indicateur": "pib"}, page="map.py")
    assert not at.exception
    assert "Valeur « pib » du paramètre « indicateur » inconnue" in warnings(at)
    assert url(at)["indicateur"] == "exportations"


def test_page_parameter_survives_a_page_switch(fixture_app):
    at = open_app({"territoire": "93", "indicateur": "solde"}, page="map.py")
    at.switch_page("pages/trends.py")
    at.run()
    at.switch_page("pages/map.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="p_indicateur").value == "solde"
