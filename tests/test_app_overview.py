"""AppTest: the overview page opened through deep links on the demonstration database (whole
and partial years, the last twelve months, Corse, the overseas départements, Monaco, and the
Aisne import figure its source does not publish)."""

from __future__ import annotations

import json

import pytest

from tests.apptest_helpers import metrics, open_app, texts, url

NN, NB = "\u202f", "\u00a0"


@pytest.fixture(autouse=True)
def _demo(demo_path, use_db):
    use_db(demo_path)


def configs(at) -> list[dict]:
    return [json.loads(el.proto.config) for el in at.get("plotly_chart")]


def assert_clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def test_deep_link_opens_seine_saint_denis_2024_with_the_seeds_figures():
    at = open_app({"territoire": "93", "annee": "2024"})
    assert_clean(at)
    shown = metrics(at)
    assert shown["Exportations"] == f"12{NN}148,6{NB}M€"
    assert shown["Importations"] == f"15{NN}695,4{NB}M€"
    assert shown["Solde commercial"] == f"\u22123{NN}546,8{NB}M€"
    assert shown["Taux de couverture"] == f"77,4{NN}%"
    assert shown["Part de la région (export)"] == f"8,6{NN}%"
    assert shown["Part de la France (export)"] == f"2,09{NN}%"
    assert shown["Part de la région (import)"] == f"8,2{NN}%"
    assert shown["Part de la France (import)"] == f"2,29{NN}%"
    assert shown["Rang à l'export"].endswith("sur 101")
    page = texts(at)
    # A no-break space before the colon: a narrow screen never starts a line with it.
    assert f"Seine-Saint-Denis{NB}: commerce extérieur en 2024" in page
    assert (
        f"Total des exportations : 12{NN}148,6 millions d'euros, soit 8,6{NN}% de la valeur "
        f"exportée par la région Île-de-France, soit 2,09{NN}% de la valeur exportée au niveau "
        "national"
    ) in page
    assert "Grand Roissy Le Bourget" in page
    assert "Données de démonstration" in page
    assert "lieu de dédouanement" in page  # the methodological caveat
    assert "non publié" not in page  # every figure of 93 is published
    # The change on 2023 under both flows, with the arrow following the sign.
    exports = next(m for m in at.metric if m.label == "Exportations")
    k = exports.proto
    assert k.delta.startswith(("+", "\u2212")) and k.delta.endswith(f"{NN}%")
    assert k.delta_description == "par rapport à 2023"
    down = k.delta.startswith("\u2212")
    assert (k.direction == k.MetricDirection.DOWN) == down


def test_overview_draws_the_years_and_the_share_of_the_region_with_french_toolbars():
    at = open_app({"territoire": "93", "annee": "2024"})
    assert "Exportations et importations par année, part de la région Île-de-France" in texts(at)
    years, share = configs(at)
    assert years["toImageButtonOptions"]["filename"] == (
        "vue-d-ensemble-annees_93-seine-saint-denis_2024"
    )
    assert share["toImageButtonOptions"]["filename"] == (
        "vue-d-ensemble-part_93-seine-saint-denis_2024"
    )
    for config in (years, share):
        assert config["locale"] == "fr" and config["displaylogo"] is False
        dictionary = config["locales"]["fr"]["dictionary"]
        assert dictionary["Download plot as a PNG"] == "Télécharger le graphique en fichier PNG"
    # The table under both charts, one row per loaded year (2025 partial).
    table = at.dataframe[0].value
    assert table["Année"].tolist() == [
        "2019", "2020", "2021", "2022", "2023", "2024", "2025 (T1–T2)",
    ]  # fmt: skip
    assert table["Exportations (M€)"].iloc[5] == pytest.approx(12_148.6, abs=0.05)
    assert table["Part de la région (export)"].iloc[5] == pytest.approx(0.0858, abs=0.0005)


def test_france_has_the_years_chart_only():
    at = open_app({"territoire": "FR", "annee": "2024"})
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1
    assert "Exportations et importations par année" in texts(at)


def test_aisne_2024_imports_are_marked_unpublished_everywhere_on_the_page():
    at = open_app({"territoire": "02", "annee": "2024"})
    assert_clean(at)
    shown = metrics(at)
    assert shown["Importations (non publié)"] == f"2{NN}874,3{NB}M€"
    assert shown["Exportations"] == f"3{NN}517,5{NB}M€"  # published: not marked
    page = texts(at)
    assert f"Total des importations : 2{NN}874,3 millions d'euros (non publié), soit" in page
    assert (
        "Total des exportations : 3" in page
        and "(non publié)" not in page.split("Total des exportations")[1].split("\n")[0]
    )
    warning = " ".join(w.value for w in at.warning)
    assert "« non publié » : Total des importations de l'Aisne en 2024 non publié" in warning
    comparison = at.dataframe[-1].value
    assert comparison["Territoire"].tolist() == ["Aisne", "Hauts-de-France", "France"]
    assert comparison["Note"].tolist() == ["importations non publiées", "", ""]
    years = at.dataframe[0].value.set_index("Année")
    assert years.at["2024", "Note"] == "importations non publiées"
    assert years.at["2023", "Note"] == ""


def test_aisne_2023_is_published():
    at = open_app({"territoire": "02", "annee": "2023"})
    assert "Importations" in metrics(at)
    assert "Importations (non publié)" not in metrics(at)
    assert "Note" not in at.dataframe[-1].value.columns


def test_partial_year_is_labelled_and_compared_with_the_same_quarters():
    at = open_app({"territoire": "93", "annee": "2025"})
    assert_clean(at)
    page = texts(at)
    assert f"Seine-Saint-Denis{NB}: commerce extérieur en 2025 (T1–T2)" in page
    assert (
        "Année 2025 partielle : trimestres T1–T2 seulement ; les évolutions se comparent aux "
        "mêmes trimestres de l'année précédente."
    ) in [i.value for i in at.info]
    exports = next(m for m in at.metric if m.label == "Exportations")
    assert exports.proto.delta_description == "par rapport à 2024 (T1–T2)"
    assert url(at)["annee"] == "2025"


def test_last_twelve_months_are_named_and_the_aisne_imports_they_include_marked():
    at = open_app({"territoire": "02", "annee": "12m"})
    assert_clean(at)
    assert f"Aisne{NB}: commerce extérieur sur les 12 derniers mois (T3 2024 – T2 2025)" in texts(
        at
    )
    assert any(i.value.startswith("12 derniers mois : cumul des quatre derniers") for i in at.info)
    assert "Importations (non publié)" in metrics(at)  # T3–T4 2024 are unpublished
    exports = next(m for m in at.metric if m.label == "Exportations")
    assert exports.proto.delta_description == "par rapport à T3 2023–T2 2024"  # short: uncut
    assert url(at)["annee"] == "12m"


@pytest.mark.parametrize(
    ("raw", "code", "name"),
    [
        ("20", "20", "Corse"),
        ("971", "971", "Guadeloupe"),
        ("9A", "971", "Guadeloupe"),
        ("99", "99", "Principauté de Monaco"),
    ],
)
def test_corse_overseas_and_monaco_open_by_deep_link(raw, code, name):
    at = open_app({"territoire": raw, "annee": "2024"})
    assert_clean(at)
    assert url(at)["territoire"] == code
    assert f"{name}{NB}: commerce extérieur en 2024" in texts(at)
    assert metrics(at)["Rang à l'export"].endswith("sur 101")
    assert len(at.get("plotly_chart")) == 2


def test_monaco_counts_in_provence_alpes_cote_d_azur():
    at = open_app({"territoire": "99", "annee": "2024"})
    assert at.dataframe[-1].value["Territoire"].tolist() == [
        "Principauté de Monaco", "Provence-Alpes-Côte d'Azur", "France",
    ]  # fmt: skip


def test_url_is_completed_with_every_shared_filter():
    at = open_app({"territoire": "93", "annee": "2024"})
    assert url(at) == {
        "territoire": "93",
        "annee": "2024",
        "flux": "export",
        "niveau": "A38",
        "top": "10",
    }


def test_invalid_deep_link_opens_defaults_with_french_notices():
    at = open_app({"territoire": "XYZ", "annee": "1850"})
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("Territoire « XYZ » inconnu" in w for w in warnings)
    assert any("Année « 1850 » non disponible (données de 2019 à 2025)" in w for w in warnings)
    assert f"France{NB}: commerce extérieur en 2024" in texts(at)
    assert metrics(at)["Exportations"] == f"580{NN}354,5{NB}M€"
    assert url(at)["territoire"] == "FR" and url(at)["annee"] == "2024"


def test_region_deep_link_lists_its_departements_and_rank_among_regions():
    at = open_app({"territoire": "R32", "annee": "2024"})
    assert_clean(at)
    shown = metrics(at)
    assert shown["Exportations"] == f"68{NN}021,0{NB}M€"
    assert shown["Importations"] == f"85{NN}786,3{NB}M€"  # published: Aisne's part is not
    assert shown["Rang à l'export"].endswith("sur 18")
    assert "59 – Nord" in texts(at)
    assert "Exportations et importations par année, part de la France" in texts(at)


def test_changing_the_territory_widget_updates_the_figures_and_the_url():
    at = open_app({"territoire": "93", "annee": "2024"})
    at.selectbox(key="f_territoire").select("08").run()
    assert metrics(at)["Exportations"] == f"2{NN}211,8{NB}M€"
    assert metrics(at)["Part de la France (import)"] == f"0,20{NN}%"
    assert url(at)["territoire"] == "08"
    assert "Nord Ardennes" in texts(at)


def test_comparison_table_holds_exact_figures_and_downloads():
    at = open_app({"territoire": "93", "annee": "2024"})
    table = at.dataframe[-1].value
    assert table["Territoire"].tolist() == ["Seine-Saint-Denis", "Île-de-France", "France"]
    assert table["Exportations (M€)"].tolist() == [12_148.6, 141_666.3, 580_354.5]
    assert table["Importations (M€)"].tolist() == [15_695.4, 192_202.9, 684_776.3]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Télécharger (CSV)", "Télécharger (Excel)"] * 2


def test_country_and_product_lists_are_drawn_once_opened_and_apply_either_way():
    # Drawn closed, the two long lists weighed on every page switch in the browser: they are
    # drawn only while their expander is open; closed, a line says what they hold.
    at = open_app({"territoire": "93", "annee": "2024", "pays": "DE,US", "produits": "A03Z"})
    assert_clean(at)
    assert len(at.multiselect) == 0
    assert [c.value for c in at.sidebar.caption] == [f"Sélection{NB}: 2{NB}pays, 1{NB}produit"]
    assert url(at)["pays"] == "DE,US" and url(at)["produits"] == "A03Z"
    at.session_state["f_selection"] = True  # the reader opens the expander
    at.run()
    assert_clean(at)
    assert [(m.label, m.value) for m in at.sidebar.multiselect] == [
        ("Pays partenaires", ["DE", "US"]),
        ("Produits (A129 ou CPF4)", ["A03Z"]),
    ]
    assert not at.sidebar.caption
    at.multiselect(key="f_pays").unselect("US").run()
    at.multiselect(key="f_produits").unselect("A03Z").run()
    assert url(at)["pays"] == "DE" and "produits" not in url(at)
    at.session_state["f_selection"] = False  # closed again: the choice stays
    at.run()
    assert_clean(at)
    assert len(at.multiselect) == 0
    assert [c.value for c in at.sidebar.caption] == [f"Sélection{NB}: 1{NB}pays"]
    assert url(at)["pays"] == "DE"
    at.switch_page("pages/partners.py").run()
    assert_clean(at)
    assert url(at)["pays"] == "DE"
