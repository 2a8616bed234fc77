"""AppTest: the Évolution, Classements, Spécialisation, Comparer and Carte pages opened through
deep links, valid and invalid, on the hand-made trends fixture (figures by hand) and on the
demo data (partial year, last twelve months, Corse, overseas, Monaco, Aisne's unpublished
imports)."""

from __future__ import annotations

import json
import re

import pytest

from tests.apptest_helpers import metrics, near_charts, open_app, scroll_through, texts, url

NN, NB = "\u202f", "\u00a0"
PAGES = ("trends.py", "rankings.py", "specialisation.py", "compare.py", "map.py")


@pytest.fixture
def fixture_app(trends_path, use_db):
    use_db(trends_path)


@pytest.fixture
def demo_app(demo_path, use_db):
    use_db(demo_path)


def plain(markdown: str) -> str:
    """Text as a reader sees it: Markdown escapes (``\\:``) removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def warnings(at) -> str:
    return plain("\n".join(str(w.value) for w in at.warning))


def infos(at) -> list[str]:
    return [str(i.value) for i in at.info]


def configs(at) -> list[dict]:
    return [json.loads(el.proto.config) for el in at.get("plotly_chart")]


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def png_names(at) -> list[str]:
    return [c["toImageButtonOptions"]["filename"] for c in configs(at)]


def assert_clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def assert_french_charts(at) -> None:
    """Every chart goes through the shared helper: French toolbar, no logo, a named PNG."""
    assert configs(at), "no chart on the page"
    for config in configs(at):
        assert config["locale"] == "fr" and config["displaylogo"] is False
        assert config["locales"]["fr"]["dictionary"]["Reset axes"] == "Réinitialiser les axes"
        assert config["toImageButtonOptions"]["format"] == "png"
        assert not config["toImageButtonOptions"]["filename"].startswith("newplot")


# --- Every page, every kind of deep link (demo data) -------------------------------------------
LINKS = [
    ({"territoire": "93", "annee": "2024"}, "93", "Seine-Saint-Denis", "2024"),
    ({"territoire": "93", "annee": "2025"}, "93", "Seine-Saint-Denis", "2025-T1-T2"),
    ({"territoire": "93", "annee": "12m"}, "93", "Seine-Saint-Denis", "12m-2024T3-2025T2"),
    ({"territoire": "20", "annee": "2024"}, "20", "Corse", "2024"),
    ({"territoire": "971", "annee": "2024"}, "971", "Guadeloupe", "2024"),
    ({"territoire": "9A", "annee": "2024"}, "971", "Guadeloupe", "2024"),
    ({"territoire": "99", "annee": "2024"}, "99", "Principauté de Monaco", "2024"),
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("params", "code", "name", "slug"), LINKS)
def test_every_page_opens_every_kind_of_deep_link(demo_app, page, params, code, name, slug):
    at = open_app(params, page=page)
    assert_clean(at)
    assert url(at)["territoire"] == code
    assert url(at)["annee"] == params["annee"]
    assert_french_charts(at)
    stem = name.lower().replace(" ", "-").replace("é", "e")
    for png in png_names(at):
        assert png.endswith(f"_{code}-{stem}_{slug}"), png
    if params["annee"] == "2025":
        assert any(
            i.startswith("Année 2025 partielle : trimestres T1–T2 seulement") for i in infos(at)
        )
    if params["annee"] == "12m":
        assert any(i.startswith("12 derniers mois : cumul des quatre derniers") for i in infos(at))


# --- Évolution -------------------------------------------------------------------------------
def test_trends_deep_link_shows_growth_computed_by_hand(fixture_app):
    at = open_app({"territoire": "93", "annee": "2024"}, page="trends.py")
    assert_clean(at)
    shown = metrics(at)
    assert shown["Exportations 2024"] == f"200,0{NB}M€"
    assert shown["Exportations 2022–2024"] == f"+100,0{NN}%"
    assert shown["Importations 2022–2024"] == f"+150,0{NN}%"
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Exportations 2024"] == f"+25,0{NN}% sur un an"
    assert f"Seine-Saint-Denis{NB}: évolution 2022–2024" in texts(at)
    assert "Clé de lecture" in texts(at)
    # Two pairs of tabs: the series (by year by default) and the breakdown (products by
    # default). Only the open tab of each pair is computed and drawn.
    assert [t.label for t in at.tabs] == [
        "Par année", "Sur un an", "Par trimestre", "Par produit", "Par pays partenaire",
    ]  # fmt: skip
    assert url(at)["serie"] == "annees" and url(at)["detail"] == "produits"
    assert len(at.dataframe) == 2  # the totals by year, the products' series
    # The products' chart, below the fold, is drawn once the reader scrolls near it.
    assert png_names(at) == ["evolution_93-seine-saint-denis_2024"]
    assert near_charts(at) == {"area_product_proche": {"seen": False, "height": 386}}
    scroll_through(at)
    assert_clean(at)
    assert png_names(at) == [
        "evolution_93-seine-saint-denis_2024",
        "evolution-produits_93-seine-saint-denis_2024",
    ]
    # The risers and fallers wait in a closed expander, drawn once the reader opens it.
    assert "Plus fortes hausses et baisses, 2022–2024" in [e.label for e in at.expander]
    at.session_state["x_movers_product"] = True
    at.run()
    assert_clean(at)
    assert len(at.dataframe) == 3  # and their movers
    assert png_names(at)[2:] == ["evolution-hausses-baisses-produits_93-seine-saint-denis_2024"]
    at = open_app(
        {"territoire": "93", "annee": "2024", "serie": "un-an", "detail": "pays"},
        page="trends.py",
    )
    assert_clean(at)
    assert len(at.dataframe) == 1  # the growth chart has no table of its own
    at.session_state["x_movers_partner"] = True
    scroll_through(at)
    assert len(at.dataframe) == 2
    assert png_names(at) == [
        "evolution-sur-un-an_93-seine-saint-denis_2024",
        "evolution-pays_93-seine-saint-denis_2024",
        "evolution-hausses-baisses-pays_93-seine-saint-denis_2024",
    ]
    assert f"Principaux pays partenaires{NB}: exportations" in texts(at)
    assert "Principaux produits" not in texts(at)
    at = open_app({"territoire": "93", "annee": "2024", "serie": "trimestres"}, page="trends.py")
    assert_clean(at)
    assert png_names(at)[0] == "evolution-trimestres_93-seine-saint-denis_2024"
    quarters = at.dataframe[0].value.set_index("Trimestre")
    assert list(quarters.columns[:3]) == ["Exportations (M€)", "Importations (M€)", "Solde (M€)"]


@pytest.mark.parametrize(
    ("name", "value", "default", "notice"),
    [
        (
            "serie",
            "mois",
            "annees",
            "Valeur « mois » du paramètre « serie » inconnue (annees, un-an, trimestres "
            "attendu) \\: affichage de « Par année »\\.",
        ),
        (
            "detail",
            "<b>x</b>",
            "produits",
            # The value is shown as text (Markdown escaped), the default tab named.
            "Valeur « \\<b\\>x\\</b\\> » du paramètre « detail » inconnue (produits, pays "
            "attendu) \\: affichage de « Par produit »\\.",
        ),
    ],
)
def test_an_unknown_tab_opens_the_default_one_with_a_notice(
    fixture_app, name, value, default, notice
):
    at = open_app({"territoire": "93", "annee": "2024", name: value}, page="trends.py")
    assert not at.exception
    assert url(at)[name] == default
    assert [w.value for w in at.warning] == [notice]
    assert png_names(at)[0] == "evolution_93-seine-saint-denis_2024"
    if name == "detail":  # Comparer's tabs read the same parameter
        at = open_app({"territoire": "93", "annee": "2024", name: value}, page="compare.py")
        assert not at.exception
        assert url(at)[name] == default
        assert [w.value for w in at.warning] == [notice]
        assert png_names(at)[1] == "comparer-produits_93-seine-saint-denis_2024"


def test_risers_and_fallers_say_why_there_is_no_fall(fixture_app):
    # 93's exports grew for every product and every partner from 2022 to 2024.
    at = open_app({"territoire": "93", "annee": "2024", "niveau": "A129"}, page="trends.py")
    assert "Plus fortes hausses et baisses, 2022–2024" in [e.label for e in at.expander]
    at.session_state["x_movers_product"] = True
    at.run()
    shown = infos(at)
    assert (
        "Aucune baisse à montrer : aucun produit n'a reculé entre 2022 et 2024 (seules les 2 "
        "plus fortes hausses figurent)."
    ) in shown
    movers = at.dataframe[2].value
    assert movers["Sens"].tolist() == ["Hausse", "Hausse"]
    at = open_app({"territoire": "93", "annee": "2024", "detail": "pays"}, page="trends.py")
    at.session_state["x_movers_partner"] = True
    at.run()
    assert (
        "Aucune baisse à montrer : aucun pays n'a reculé entre 2022 et 2024 (seules les 2 plus "
        "fortes hausses figurent)."
    ) in infos(at)


def test_breakdown_legend_names_are_whole(demo_app):
    at = open_app({"territoire": "93", "annee": "2024", "niveau": "A129"}, page="trends.py")
    area = figures(scroll_through(at))[1]
    names = [t["name"] for t in area["data"]]
    assert names and all("…" not in n for n in names)
    assert any("<br>" in n for n in names)  # long names wrapped, not cut


def test_trends_on_the_demo_data_for_seine_saint_denis(demo_app):
    at = open_app(
        {"territoire": "93", "annee": "2024", "flux": "import", "detail": "pays"},
        page="trends.py",
    )
    assert_clean(at)
    assert metrics(at)["Exportations 2024"] == f"12{NN}148,6{NB}M€"
    assert f"Principaux pays partenaires{NB}: importations" in texts(at)
    assert url(at)["flux"] == "import"


def test_trends_draw_the_partial_year_apart_and_per_quarter(demo_app):
    at = open_app({"territoire": "93", "annee": "2025"}, page="trends.py")
    assert_clean(at)
    assert "Exportations 2025 (T1–T2)" in metrics(at)
    assert any(i.startswith("2025 (T1–T2) est une année partielle") for i in infos(at))
    totals = at.dataframe[0].value
    assert totals["Année"].tolist()[-1] == "2025 (T1–T2)"
    trend = figures(at)[0]
    hollow = [t for t in trend["data"] if t.get("mode") == "markers"]
    assert {t["text"][0] for t in hollow} == {"2025 (T1–T2)"}
    at = open_app({"territoire": "93", "annee": "2025", "serie": "trimestres"}, page="trends.py")
    quarters = at.dataframe[0].value
    assert quarters["Trimestre"].tolist()[-2:] == ["T1 2025", "T2 2025"]


def test_trends_mark_aisne_2024_imports_unpublished(demo_app):
    at = open_app({"territoire": "02", "annee": "2024"}, page="trends.py")
    assert_clean(at)
    assert metrics(at)["Importations 2024 (non publié)"] == f"2{NN}874,3{NB}M€"
    assert "Exportations 2024" in metrics(at)
    assert "« non publié » : Total des importations de l'Aisne en 2024" in warnings(at)
    totals = at.dataframe[0].value.set_index("Année")
    assert totals.at["2024", "Note"] == "importations non publiées"
    assert totals.at["2023", "Note"] == ""
    at = open_app({"territoire": "02", "annee": "2024", "serie": "trimestres"}, page="trends.py")
    quarters = at.dataframe[0].value.set_index("Trimestre")
    assert quarters.at["T3 2024", "Note"] == "importations non publiées"
    assert quarters.at["T3 2023", "Note"] == ""


# --- Classements -----------------------------------------------------------------------------
def test_rankings_deep_link_ranks_with_ties(fixture_app):
    params = {"territoire": "93", "annee": "2024", "portee": "france", "indicateur": "importations"}
    at = open_app(params, page="rankings.py")
    assert_clean(at)
    assert metrics(at)["Rang de Seine-Saint-Denis (importations)"] == "1er sur 5"  # tied with 59
    frame = at.dataframe[0].value
    assert frame["Code"].tolist()[:2] == ["59", "93"]
    assert url(at)["portee"] == "france" and url(at)["indicateur"] == "importations"
    assert png_names(at) == ["classement-importations_93-seine-saint-denis_2024"]


def test_rankings_within_the_region_by_default(fixture_app):
    at = open_app({"territoire": "93", "annee": "2024"}, page="rankings.py")
    assert metrics(at)["Rang de Seine-Saint-Denis (exportations)"] == "1er sur 3"
    assert f"Exportations{NB}: départements de la région Île-de-France" in texts(at)
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


def test_rankings_of_a_partial_year_say_so(demo_app):
    at = open_app({"territoire": "93", "annee": "2025"}, page="rankings.py")
    assert "Classement des départements en 2025 (T1–T2)" in texts(at)
    assert len(at.dataframe) == 1
    assert "Année 2025 partielle" in texts(at)
    assert "évolutions par rapport à 2024 (T1–T2) (mêmes trimestres)" in texts(at)


def test_rankings_mark_aisne_2024_imports_unpublished(demo_app):
    params = {"territoire": "02", "annee": "2024", "indicateur": "importations"}
    at = open_app(params, page="rankings.py")
    assert_clean(at)
    assert metrics(at)["Rang de Aisne (importations) (non publié)"] == "5e sur 5"
    table = at.dataframe[0].value.set_index("Code")
    assert table.at["02", "Note"] == "non publié"
    assert table.at["59", "Note"] == ""
    assert "« non publié » : Total des importations de l'Aisne en 2024" in plain(texts(at))
    # Exports of Aisne are published: no mark.
    at = open_app({"territoire": "02", "annee": "2024"}, page="rankings.py")
    assert "Note" not in at.dataframe[0].value.columns


# --- Spécialisation --------------------------------------------------------------------------
def test_specialisation_deep_link_shows_indices(fixture_app):
    params = {"territoire": "93", "annee": "2024", "niveau": "A129"}
    at = open_app(params, page="specialisation.py")
    assert_clean(at)
    assert f"Seine-Saint-Denis{NB}: spécialisation en 2024" in texts(at)
    products = at.dataframe[0].value.set_index("Code")
    assert products.at["C21Z", "Indice export"] == pytest.approx(0.75 / 0.45)
    assert products.at["C21Z", "Indice import"] == pytest.approx(3.0)
    assert png_names(at) == [
        "specialisation-produits_93-seine-saint-denis_2024",
        "specialisation-pays_93-seine-saint-denis_2024",
    ]


def test_specialisation_of_france_explains_why_there_is_nothing(fixture_app):
    at = open_app({"territoire": "FR"}, page="specialisation.py")
    assert not at.exception
    assert "La France entière sert de référence" in texts(at)


def test_specialisation_over_the_last_twelve_months_says_so(demo_app):
    at = open_app({"territoire": "02", "annee": "12m", "flux": "import"}, page="specialisation.py")
    assert_clean(at)
    assert f"Aisne{NB}: spécialisation sur les 12 derniers mois (T3 2024 – T2 2025)" in texts(at)
    assert "12 derniers mois : cumul des quatre derniers trimestres publiés" in texts(at)
    assert "« non publié » : Total des importations de l'Aisne en 2024" in warnings(at)


# --- Comparer --------------------------------------------------------------------------------
def test_compare_deep_link_aligns_territories(fixture_app):
    params = {
        "territoire": "93", "annee": "2024", "comparer": "93,95,R32", "top": "3", "detail": "pays",
    }  # fmt: skip
    at = open_app(params, page="compare.py")
    assert_clean(at)
    assert at.multiselect(key="p_comparer").value == ["93", "95", "R32"]
    kpis = at.dataframe[0].value
    assert kpis["Territoire"].tolist() == ["Seine-Saint-Denis", "Val-d'Oise", "Hauts-de-France"]
    assert kpis["Exportations (M€)"].tolist() == [200.0, 200.0, 500.0]
    partners = at.dataframe[1].value
    assert "Seine-Saint-Denis (part)" in partners.columns and "Hauts-de-France (M€)" in partners
    assert url(at)["comparer"] == "93,95,R32"
    assert (
        "Sans choix, la page compare le département choisi dans les filtres, sa région et la "
        "France entière (Seine-Saint-Denis, Île-de-France, France)."
    ) in texts(at)


def test_compare_details_products_or_partners_in_tabs_kept_in_the_url(fixture_app):
    """Only the open tab is computed and drawn: by product by default, as on Évolution."""
    params = {"territoire": "93", "annee": "2024", "comparer": "93,95", "top": "3"}
    at = open_app(params, page="compare.py")
    assert_clean(at)
    assert [t.label for t in at.tabs] == ["Par produit", "Par pays partenaire"]
    assert url(at)["detail"] == "produits"
    assert png_names(at) == [
        "comparer_93-seine-saint-denis_2024",
        "comparer-produits_93-seine-saint-denis_2024",
    ]
    assert len(at.dataframe) == 2  # key figures, products
    assert "Produit" in at.dataframe[1].value.columns
    assert f"Principaux produits (A38){NB}: exportations" in texts(at)
    assert "Principaux pays partenaires" not in texts(at)
    at = open_app({**params, "detail": "pays"}, page="compare.py")
    assert_clean(at)
    assert url(at)["detail"] == "pays"
    assert png_names(at)[1] == "comparer-pays_93-seine-saint-denis_2024"
    assert "Pays" in at.dataframe[1].value.columns
    assert f"Principaux pays partenaires{NB}: exportations" in texts(at)
    assert "Principaux produits" not in texts(at)


def test_compare_defaults_to_the_departement_its_region_and_france_and_says_why(fixture_app):
    at = open_app({"territoire": "93", "annee": "2024"}, page="compare.py")
    assert_clean(at)
    assert url(at)["comparer"] == "93,R11,FR"
    assert (
        "Comparaison proposée par défaut : le département choisi dans les filtres, sa région "
        "et la France entière (Seine-Saint-Denis, Île-de-France, France). Ajoutez ou retirez "
        "des territoires ci-dessus (de 2 à 4) ; le lien de la page garde votre choix."
    ) in texts(at)
    assert at.dataframe[0].value["Exportations (M€)"].tolist() == [200.0, 500.0, 1000.0]


def test_compare_defaults_for_a_region_and_for_france(demo_app):
    at = open_app({"territoire": "R32", "annee": "2024"}, page="compare.py")
    assert url(at)["comparer"] == "R32,FR"
    assert (
        "Comparaison proposée par défaut : la région choisie dans les filtres et la France "
        "entière (Hauts-de-France, France)."
    ) in texts(at)
    at = open_app({"territoire": "FR", "annee": "2024"}, page="compare.py")
    codes = url(at)["comparer"].split(",")
    assert codes[0] == "FR" and len(codes) == 4 and codes[1] == "R11"  # Île-de-France first
    assert (
        "Comparaison proposée par défaut : la France entière et ses trois premières régions "
        "exportatrices de la période"
    ) in texts(at)


def test_compare_ignores_unknown_codes_with_a_french_notice(fixture_app):
    at = open_app({"territoire": "93", "comparer": "93,XX,R99,95"}, page="compare.py")
    assert not at.exception
    assert "Territoires inconnus ignorés dans « comparer » : XX, R99" in warnings(at)
    assert url(at)["comparer"] == "93,95"


def test_compare_with_one_valid_code_falls_back_to_the_default(fixture_app):
    at = open_app({"territoire": "93", "comparer": "93,zz"}, page="compare.py")
    assert not at.exception
    assert "au moins deux territoires" in warnings(at)
    assert url(at)["comparer"] == "93,R11,FR"


def test_compare_marks_aisne_2024_imports_unpublished(demo_app):
    at = open_app({"territoire": "02", "annee": "2024"}, page="compare.py")
    kpis = at.dataframe[0].value
    assert kpis["Note"].tolist() == ["importations non publiées", "", ""]
    assert "« non publié » : Total des importations de l'Aisne en 2024" in plain(texts(at))


# --- Carte -----------------------------------------------------------------------------------
def test_map_deep_link_with_an_indicator(fixture_app):
    at = open_app({"territoire": "93", "annee": "2024", "indicateur": "solde"}, page="map.py")
    assert_clean(at)
    assert at.selectbox(key="p_indicateur").value == "solde"
    table = at.dataframe[0].value
    assert table["Code"].tolist()[0] == "59"  # largest surplus, 200 M€
    assert "IGN – ADMIN EXPRESS COG" in texts(at)
    # The map and its insets (the fixture has Paris, 93 and 95: Île-de-France only).
    assert png_names(at) == [
        "carte-solde_93-seine-saint-denis_2024",
        "carte-solde-encarts_93-seine-saint-denis_2024",
    ]
    insets = figures(at)[1]
    assert [a["text"] for a in insets["layout"]["annotations"]] == ["Île-de-France"]


def test_map_insets_name_the_overseas_departements(demo_app):
    at = open_app({"territoire": "971", "annee": "2024"}, page="map.py")
    assert_clean(at)
    main, insets = figures(at)
    assert [a["text"] for a in insets["layout"]["annotations"]] == [
        "Île-de-France", "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte",
    ]  # fmt: skip
    selected = [t for t in insets["data"] if t.get("locations") == ["971"]]
    assert selected[-1]["marker"]["line"]["color"] == "#e07b00"
    monaco = [t for t in main["data"] if t["type"] == "scattergeo"]
    assert monaco[0]["text"] == ["Monaco"]
    assert "20" in main["data"][0]["locations"] and "2A" not in main["data"][0]["locations"]


def test_map_draws_territoires_d_industrie_on_request_and_keeps_it_in_the_url(demo_app):
    at = open_app({"territoire": "93", "annee": "2024"}, page="map.py")
    assert url(at)["ti"] == "0"
    assert not [t for t in figures(at)[0]["data"] if t.get("featureidkey") == "properties.id"]
    at.toggle(key="p_ti").set_value(True).run()
    assert url(at)["ti"] == "1"
    outlines = [t for t in figures(at)[0]["data"] if t.get("featureidkey") == "properties.id"]
    thin, thick = outlines
    assert thick["locations"] == ["ti-1104"]  # Grand Roissy Le Bourget, listed by 93
    assert thick["text"][0].startswith("Territoire d'industrie : Grand Roissy")
    assert "Territoires d'industrie : contours noirs" in texts(at)
    at = open_app({"territoire": "93", "annee": "2024", "ti": "1"}, page="map.py")
    assert at.toggle(key="p_ti").value is True


def test_map_invalid_territoires_value_falls_back_with_a_french_notice(demo_app):
    at = open_app({"territoire": "93", "ti": "oui"}, page="map.py")
    assert not at.exception
    assert "Valeur « oui » du paramètre « ti » inconnue (0 ou 1 attendu)" in warnings(at)
    assert url(at)["ti"] == "0"


def test_map_marks_aisne_2024_imports_unpublished(demo_app):
    params = {"territoire": "02", "annee": "2024", "indicateur": "importations"}
    at = open_app(params, page="map.py")
    table = at.dataframe[0].value.set_index("Code")
    assert table.at["02", "Note"] == "non publié" and table.at["59", "Note"] == ""
    main = figures(at)[0]["data"][0]
    hover = dict(zip(main["locations"], main["text"], strict=True))
    assert hover["02"].endswith("(non publié)")
    assert "« non publié » : Total des importations de l'Aisne en 2024" in plain(texts(at))


def test_map_of_growth_in_the_first_loaded_year_says_why_it_is_empty(fixture_app):
    at = open_app(
        {"territoire": "93", "annee": "2022", "indicateur": "croissance-export"}, page="map.py"
    )
    assert not at.exception
    assert infos(at) == [
        "Les mêmes trimestres de l'année précédant 2022 ne sont pas chargés : pas d'évolution "
        "à cartographier. Choisissez une période plus récente ou un autre indicateur."
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
    at = open_app({"territoire": "93", "indicateur": "solde", "ti": "1"}, page="map.py")
    at.switch_page("pages/trends.py")
    at.run()
    at.switch_page("pages/map.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="p_indicateur").value == "solde"
    assert at.toggle(key="p_ti").value is True
