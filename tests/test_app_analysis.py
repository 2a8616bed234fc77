"""AppTest: the analysis pages (Partenaires, Produits, Flux) through deep links on the
demonstration database, asserting on the chart specs, tables, texts and the URL."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from core import charts
from core.formatting import format_number
from tests.apptest_helpers import open_app, texts, url

NN, NB = "\u202f", "\u00a0"
SSD = {"territoire": "93", "annee": "2024"}
EMPTY = {**SSD, "pays": "QU", "produits": "A03Z"}  # 93 has no such row in the demo data


@pytest.fixture(autouse=True)
def _demo(demo_path, use_db):
    use_db(demo_path)


def _decode(value: object) -> object:
    """Plotly serialises numpy arrays as typed arrays ({"dtype", "bdata"}): back to lists."""
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            return array.reshape(value["shape"]).tolist() if "shape" in value else array.tolist()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def figures(at) -> list[dict]:
    return [_decode(json.loads(el.proto.spec)) for el in at.get("plotly_chart")]


def configs(at) -> list[dict]:
    return [json.loads(el.proto.config) for el in at.get("plotly_chart")]


def downloads(at) -> list[str]:
    return [el.proto.label for el in at.get("download_button")]


def assert_clean(at) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


# --- Partenaires ---------------------------------------------------------------------------
def test_partners_deep_link_draws_the_butterfly_with_both_amounts_and_the_map():
    at = open_app(SSD, page="partners.py")
    assert_clean(at)
    assert [t.value for t in at.title] == [
        f"Seine-Saint-Denis{NB}: balance commerciale territoriale en 2024"
    ]
    butterfly, world = figures(at)
    assert [t["type"] for t in butterfly["data"]] == ["bar", "bar"]
    imports, exports = butterfly["data"]
    assert all(x <= 0 for x in imports["x"]) and all(x >= 0 for x in exports["x"])
    # Both amounts on the bars (M€), the balance in its column, coloured by its sign.
    assert imports["text"] and exports["text"]
    china = imports["y"].index("Chine")
    assert imports["text"][china] == format_number(-imports["x"][china], 1)
    germany = exports["y"].index("Allemagne")
    assert exports["text"][germany] == format_number(exports["x"][germany], 1)
    notes = [a for a in butterfly["layout"]["annotations"] if a.get("yref") != "paper"]
    assert len(notes) == len(imports["y"])
    for note in notes:
        negative = note["text"].startswith("\u2212")
        assert note["font"]["color"] == (
            charts.NEGATIVE_COLOR if negative else charts.POSITIVE_COLOR
        )
    assert butterfly["layout"]["separators"] == f",{NN}"
    # A grey layer for countries without trade comes first when there are any.
    assert {t["type"] for t in world["data"]} == {"choropleth"}
    assert world["data"][-1]["featureidkey"] == "properties.iso3"
    assert "CHN" in world["data"][-1]["locations"]
    assert world["layout"]["geo"]["lonaxis"]["range"] == [-180, 180]
    page = texts(at)
    assert "Clé de lecture" in page and "en rouge ou en vert" in page
    assert "lieu de dédouanement" in page
    assert url(at)["zone"] == "tous" and url(at)["carte"] == "monde"
    png = configs(at)[0]["toImageButtonOptions"]
    assert png == {"format": "png", "filename": "partenaires_93-seine-saint-denis_2024", "scale": 2}
    assert configs(at)[0]["locale"] == "fr"
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["Pays", "Code", "Zone"]
    # Tonnes and euros per kilogram beside the values.
    assert list(table.columns[-4:]) == [
        "Importations (t)", "Exportations (t)", "Importations (€/kg)", "Exportations (€/kg)",
    ]  # fmt: skip
    # The table holds every partner; its totals are the territory's (12 148,6 / 15 695,4 M€).
    assert table["Exportations (M€)"].sum() == pytest.approx(12_148.6, abs=0.05)
    assert table["Importations (M€)"].sum() == pytest.approx(15_695.4, abs=0.05)
    assert downloads(at) == ["Télécharger (CSV)", "Télécharger (Excel)"]


def test_partners_europe_view_is_a_deep_link():
    at = open_app({**SSD, "carte": "europe"}, page="partners.py")
    assert_clean(at)
    world = figures(at)[1]
    assert world["layout"]["geo"]["lonaxis"]["range"] == list(charts.MAP_RANGES["europe"][0])
    assert world["layout"]["geo"]["lataxis"]["range"] == list(charts.MAP_RANGES["europe"][1])
    assert at.radio(key="p_carte").value == "europe" and url(at)["carte"] == "europe"
    png = configs(at)[1]["toImageButtonOptions"]["filename"]
    assert png == "carte-partenaires-europe_93-seine-saint-denis_2024"
    at.radio(key="p_carte").set_value("monde").run()
    assert url(at)["carte"] == "monde"


def test_partners_of_aisne_say_its_imports_are_not_published():
    at = open_app({"territoire": "02", "annee": "2024"}, page="partners.py")
    assert_clean(at)
    assert any(
        w.value.startswith("**Importations non publiées** : Total des importations de l'Aisne")
        for w in at.warning
    )


def test_partners_zone_param_keeps_only_eu_countries_and_stays_in_the_url():
    at = open_app({**SSD, "zone": "ue", "top": "5"}, page="partners.py")
    assert_clean(at)
    table = at.dataframe[0].value
    assert set(table["UE 27"]) == {"oui"}
    assert "Chine" not in figures(at)[0]["data"][0]["y"]
    assert len(figures(at)[0]["data"][0]["y"]) <= 10  # union of two top-5 lists
    assert url(at)["zone"] == "ue" and url(at)["top"] == "5"
    at.radio(key="p_zone").set_value("hors-ue").run()
    assert url(at)["zone"] == "hors-ue"
    assert set(at.dataframe[0].value["UE 27"]) == {"non"}


def test_partners_invalid_zone_opens_all_countries_with_a_french_notice():
    at = open_app({**SSD, "zone": "mars"}, page="partners.py")
    assert_clean(at)
    assert any("« mars » du paramètre « zone » inconnue" in w.value for w in at.warning)
    assert url(at)["zone"] == "tous"


# --- Produits ------------------------------------------------------------------------------
def test_products_treemap_has_blue_imports_and_purple_exports_blocks_with_the_totals():
    at = open_app({**SSD, "niveau": "A17"}, page="products.py")
    assert_clean(at)
    assert [s.value for s in at.subheader][0] == (
        "Principales activités (niveau A17) à l'import et à l'export, Seine-Saint-Denis (2024)"
    )
    treemap, bars = figures(at)
    (trace,) = treemap["data"]
    assert trace["type"] == "treemap" and trace["maxdepth"] == 2
    # Opens on flow / A17 and carries A38 below for a click, no deeper (plotly.js draws every
    # node it is given): 2 flows, their A17 sectors and A38 branches.
    depths = [i.count("/") for i in trace["ids"]]
    assert max(depths) == 2 and depths.count(0) == 2
    nodes = dict(zip(trace["ids"], trace["values"], strict=True))
    colours = dict(zip(trace["ids"], trace["marker"]["colors"], strict=True))
    assert colours["import"] == charts.IMPORT_COLOR and colours["export"] == charts.EXPORT_COLOR
    assert nodes["export"] == pytest.approx(12_148.6, abs=0.05)
    assert nodes["import"] == pytest.approx(15_695.4, abs=0.05)
    (bar,) = bars["data"]
    for value, colour in zip(bar["x"], bar["marker"]["color"], strict=True):
        assert colour == (charts.POSITIVE_COLOR if value >= 0 else charts.NEGATIVE_COLOR)
    table = at.dataframe[0].value
    assert table.columns[0] == "Code A17"
    assert table["Exportations (M€)"].sum() == pytest.approx(12_148.6, abs=0.05)
    assert "Exportations (t)" in table.columns and "Exportations (€/kg)" in table.columns
    assert "Clé de lecture" in texts(at) and "en violet" in texts(at)
    assert (
        "cliquez sur un compartiment pour voir sa composition au niveau A38, sur le bandeau du "
        "haut pour remonter ; choisissez un niveau plus fin dans « Niveau de produits » pour "
        "aller jusqu'aux produits CPF4. Valeurs en millions d'euros et part du flux."
    ) in texts(at)


def test_products_drill_down_to_cpf4_under_its_parents():
    at = open_app({**SSD, "niveau": "CPF4"}, page="products.py")
    assert_clean(at)
    (trace,) = figures(at)[0]["data"]
    assert trace["maxdepth"] == 5
    # flow / A17 / A38 / A129 / CPF4: a CPF4 box sits under its A129, A38 and A17 parents.
    leaf = next(i for i in trace["ids"] if i.count("/") == 4)
    parents = dict(zip(trace["ids"], trace["parents"], strict=True))
    assert parents[leaf] == leaf.rsplit("/", 1)[0] and parents[parents[leaf]] in parents
    table = at.dataframe[0].value
    assert table.columns[0] == "Code CPF4"
    assert {"Produit A129", "Branche A38", "Secteur A17"} <= set(table.columns)
    assert [s.value for s in at.subheader][1] == (
        "Solde commercial par produit (niveau CPF4), Seine-Saint-Denis (2024)"
    )
    assert "cliquez sur un compartiment pour l'agrandir, sur le bandeau du haut" in texts(at)
    # Opening at A129, a click shows the CPF4 products of a box.
    (trace,) = figures(open_app({**SSD, "niveau": "A129"}, page="products.py"))[0]["data"]
    assert trace["maxdepth"] == 4 and max(i.count("/") for i in trace["ids"]) == 4


def test_products_level_follows_the_shared_niveau_param():
    at = open_app({**SSD, "niveau": "A129"}, page="products.py")
    assert_clean(at)
    assert figures(at)[0]["data"][0]["maxdepth"] == 4
    table = at.dataframe[0].value
    assert table.columns[0] == "Code A129" and "Branche A38" in table.columns
    assert len(table) > 50
    at.selectbox(key="f_niveau").select("A38").run()
    assert at.dataframe[0].value.columns[0] == "Code A38"
    assert url(at)["niveau"] == "A38"


def test_products_of_a_partial_year_say_so():
    at = open_app({"territoire": "93", "annee": "2025"}, page="products.py")
    assert_clean(at)
    assert [t.value for t in at.title] == [
        f"Seine-Saint-Denis{NB}: principales activités en 2025 (T1–T2)"
    ]
    assert "(2025, T1–T2)" in [s.value for s in at.subheader][0]
    assert any("partielle" in i.value for i in at.info)


# --- Flux ----------------------------------------------------------------------------------
def sankey_checks(spec: dict, total_meur: float) -> None:
    (trace,) = spec["data"]
    assert trace["type"] == "sankey"
    labels = trace["node"]["label"]
    assert sum(label.startswith("Autres <b>") for label in labels) == 2
    colours = trace["link"]["color"]
    assert colours.count(charts.TOP_FLOW_COLOR) == 5
    assert sum(trace["link"]["value"]) == pytest.approx(total_meur, abs=0.05)
    # Each node's label carries its value: the sum of its links.
    out = [0.0] * len(labels)
    for s, t, v in zip(
        trace["link"]["source"], trace["link"]["target"], trace["link"]["value"], strict=True
    ):
        out[s] += v
        out[t] += v
    for label, value in zip(labels, out, strict=True):
        assert f"<b>{format_number(value, 1)}{NB}M€</b>" in label
    n_left = sum(1 for x in trace["node"]["x"] if x < 0.5)
    assert sum(out[:n_left]) == pytest.approx(total_meur, abs=0.05)
    assert sum(out[n_left:]) == pytest.approx(total_meur, abs=0.05)


def test_flows_export_sankey_adds_up_with_autres_five_red_links_and_the_seeds_sentence():
    at = open_app({**SSD, "niveau": "A129"}, page="flows.py")
    assert_clean(at)
    assert [t.value for t in at.title] == [f"Seine-Saint-Denis{NB}: flux à l'export en 2024"]
    assert [s.value for s in at.subheader][0] == (
        "Flux à l'export par produit (niveau A129) et par pays, Seine-Saint-Denis (en valeur, 2024)"
    )
    territory, region, france = figures(at)
    sankey_checks(territory, 12_148.6)
    sankey_checks(region, 141_666.3)
    sankey_checks(france, 580_354.5)
    labels = territory["data"][0]["node"]["label"]
    assert labels[-1].startswith("Autres")  # countries on the right, « Autres » last
    page = texts(at)
    assert (
        f"Total des exportations : 12{NN}148,6 millions d'euros, soit 8,6{NN}% de la valeur "
        f"exportée par la région Île-de-France, soit 2,09{NN}% de la valeur exportée au niveau "
        "national"
    ) in page
    assert "**Flux à l'export (niveau A129), Île-de-France (en valeur, 2024)**" in page
    assert f"141{NN}666,3 millions d'euros" in page and f"580{NN}354,5 millions d'euros" in page
    assert "Clé de lecture" in page
    names = [c["toImageButtonOptions"]["filename"] for c in configs(at)]
    assert names == [
        "flux-export-a129_93-seine-saint-denis_2024",
        "flux-export-a129_r11-ile-de-france_2024",
        "flux-export-a129_fr-france_2024",
    ]
    table = at.dataframe[0].value
    assert table["Valeur (M€)"].sum() == pytest.approx(12_148.6, abs=0.05)
    assert (table["Parmi les 5 principaux flux"] == "oui").sum() == 5


def test_flows_import_direction_comes_from_the_url():
    at = open_app({**SSD, "flux": "import"}, page="flows.py")
    assert_clean(at)
    spec = figures(at)[0]
    sankey_checks(spec, 15_695.4)
    assert f"Total des importations : 15{NN}695,4 millions d'euros" in texts(at)
    assert at.dataframe[0].value.columns[0] == "Pays d'origine"
    assert url(at)["flux"] == "import"


def test_flows_work_at_cpf4_with_whole_product_names():
    at = open_app({**SSD, "niveau": "CPF4", "flux": "import"}, page="flows.py")
    assert_clean(at)
    assert "(niveau CPF4)" in [s.value for s in at.subheader][0]
    spec = figures(at)[0]
    sankey_checks(spec, 15_695.4)
    labels = [label.replace("<br>", " ") for label in spec["data"][0]["node"]["label"]]
    products = at.dataframe[0].value["Produit"].unique()
    for product in products:
        if product != "Autres":
            assert any(label.startswith(product) for label in labels), product


def test_aisne_import_total_is_marked_unpublished():
    at = open_app({"territoire": "02", "annee": "2024", "flux": "import"}, page="flows.py")
    assert_clean(at)
    page = texts(at)
    assert f"**Total des importations : 2{NN}874,3 millions d'euros (non publié), soit" in page
    assert any(
        c.value.startswith("Non publié : Total des importations de l'Aisne") for c in at.caption
    )


@pytest.mark.parametrize("page", ["partners.py", "products.py", "flows.py"])
def test_every_page_says_clearly_when_the_filters_leave_nothing(page):
    at = open_app(EMPTY, page=page)
    assert_clean(at)
    assert any("Aucun" in i.value and "filtres" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_flows_with_a_partner_selection_state_the_selection_total_first():
    at = open_app({**SSD, "pays": "DE,US"}, page="flows.py")
    assert_clean(at)
    spec = figures(at)[0]
    (trace,) = spec["data"]
    total = sum(trace["link"]["value"])
    assert total < 12_148.6
    names = {label.split(" <b>")[0] for label in trace["node"]["label"]}
    assert names >= {"Allemagne", "États-Unis"}
    page = texts(at)
    assert f"Total des exportations de la sélection{NB}:" in page
    assert f"Total des exportations : 12{NN}148,6 millions d'euros" in page  # for comparison
    assert url(at)["pays"] == "DE,US"


def test_region_deep_link_compares_with_france_only():
    at = open_app({"territoire": "R11", "annee": "2024"}, page="flows.py")
    assert_clean(at)
    territory, france = figures(at)
    sankey_checks(territory, 141_666.3)
    sankey_checks(france, 580_354.5)


def test_page_control_survives_a_round_trip_through_another_page():
    at = open_app({**SSD, "zone": "ue"}, page="partners.py")
    assert at.radio(key="p_zone").value == "ue"
    at.radio(key="p_zone").set_value("hors-ue").run()
    at.switch_page("pages/products.py").run()
    assert_clean(at)
    at.switch_page("pages/partners.py").run()
    # The radio's state was dropped while another page ran: the user's last choice comes back
    # (not the deep link's value, not the default), with no KeyError.
    assert_clean(at)
    assert at.radio(key="p_zone").value == "hors-ue"
    assert url(at)["zone"] == "hors-ue"
    assert url(at)["territoire"] == "93"
