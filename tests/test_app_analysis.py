"""AppTest: the analysis pages (Partenaires, Produits, Flux, Données) through deep links on the
demonstration database, asserting on the chart specs, tables, texts and the URL."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from core import charts
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
def test_partners_deep_link_draws_the_butterfly_with_balance_colours_and_the_map():
    at = open_app(SSD, page="partners.py")
    assert_clean(at)
    butterfly, world = figures(at)
    types = [t["type"] for t in butterfly["data"]]
    assert types == ["bar", "bar", "scatter"]
    imports, exports, balance = butterfly["data"]
    assert all(x <= 0 for x in imports["x"]) and all(x >= 0 for x in exports["x"])
    for value, colour in zip(balance["x"], balance["marker"]["color"], strict=True):
        assert colour == (charts.POSITIVE_COLOR if value >= 0 else charts.NEGATIVE_COLOR)
    assert {charts.POSITIVE_COLOR, charts.NEGATIVE_COLOR} <= set(balance["marker"]["color"])
    assert "Chine" in balance["y"] and "Allemagne" in balance["y"]
    assert butterfly["layout"]["separators"] == f",{NN}"
    # A grey layer for countries without trade comes first when there are any.
    assert {t["type"] for t in world["data"]} == {"choropleth"}
    assert world["data"][-1]["featureidkey"] == "properties.iso3"
    assert "CHN" in world["data"][-1]["locations"]
    page = texts(at)
    assert "Clé de lecture :" in page and "en rouge ou en vert" in page
    assert "lieu de dédouanement" in page
    assert url(at)["zone"] == "tous" and url(at)["territoire"] == "93"
    png = configs(at)[0]["toImageButtonOptions"]
    assert png == {"format": "png", "filename": "partenaires_93-seine-saint-denis_2024", "scale": 2}
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["Pays", "Code", "Zone"]
    # The table holds every partner; its totals are the territory's (12 148,6 / 15 695,4 M€).
    assert table["Exportations (M€)"].sum() == pytest.approx(12_148.6, abs=0.05)
    assert table["Importations (M€)"].sum() == pytest.approx(15_695.4, abs=0.05)
    assert downloads(at) == ["Télécharger (CSV)", "Télécharger (Excel)"]


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
    treemap, bars = figures(at)
    (trace,) = treemap["data"]
    assert trace["type"] == "treemap" and trace["maxdepth"] == 2
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
    assert "Clé de lecture :" in texts(at) and "en violet" in texts(at)


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


# --- Flux ----------------------------------------------------------------------------------
def sankey_checks(spec: dict, total_meur: float) -> None:
    (trace,) = spec["data"]
    assert trace["type"] == "sankey"
    assert trace["node"]["label"].count("Autres") == 2
    colours = trace["link"]["color"]
    assert colours.count(charts.TOP_FLOW_COLOR) == 5
    assert sum(trace["link"]["value"]) == pytest.approx(total_meur, abs=0.05)
    # Each side's node values (sums of their links) add up to the total.
    n_left = sum(1 for x in trace["node"]["x"] if x < 0.5)
    out = [0.0] * len(trace["node"]["label"])
    for s, t, v in zip(
        trace["link"]["source"], trace["link"]["target"], trace["link"]["value"], strict=True
    ):
        out[s] += v
        out[t] += v
    assert sum(out[:n_left]) == pytest.approx(total_meur, abs=0.05)
    assert sum(out[n_left:]) == pytest.approx(total_meur, abs=0.05)


def test_flows_export_sankey_adds_up_with_autres_five_red_links_and_the_seeds_sentence():
    at = open_app(SSD, page="flows.py")
    assert_clean(at)
    territory, region, france = figures(at)
    sankey_checks(territory, 12_148.6)
    sankey_checks(region, 141_666.3)
    sankey_checks(france, 580_354.5)
    labels = territory["data"][0]["node"]["label"]
    assert labels[-1] == "Autres"  # countries on the right for exports, « Autres » last
    page = texts(at)
    assert (
        f"Total des exportations : 12{NN}148,6 millions d'euros, soit 8,6{NN}% de la valeur "
        f"exportée par la région Île-de-France, soit 2,09{NN}% de la valeur exportée au niveau "
        "national"
    ) in page
    assert f"141{NN}666,3 millions d'euros" in page and f"580{NN}354,5 millions d'euros" in page
    assert "Clé de lecture :" in page
    names = [c["toImageButtonOptions"]["filename"] for c in configs(at)]
    assert names == [
        "flux-export_93-seine-saint-denis_2024",
        "flux-export_r11-ile-de-france_2024",
        "flux-export_fr-france_2024",
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


# --- Données -------------------------------------------------------------------------------
def test_data_page_counts_the_rows_and_offers_both_downloads():
    at = open_app(SSD, page="data.py")
    assert_clean(at)
    page = texts(at)
    assert f"10{NN}898 lignes" in page
    assert f"exportations 12{NN}148,6{NB}M€, importations 15{NN}695,4{NB}M€" in page
    assert f"La grille montre les 5{NN}000 plus grandes lignes" in page
    assert downloads(at) == ["Télécharger (CSV)", "Télécharger (Excel)"]
    assert url(at)["vue"] == "lignes"


def test_data_grouped_view_by_partner_is_a_deep_link():
    at = open_app({**SSD, "vue": "pays"}, page="data.py")
    assert_clean(at)
    assert at.radio(key="p_vue").value == "pays"
    assert "grandes lignes" not in texts(at)  # ~200 partners: the grid shows them all
    assert url(at)["vue"] == "pays"


@pytest.mark.parametrize("page", ["partners.py", "products.py", "flows.py", "data.py"])
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
    assert set(trace["node"]["label"]) >= {"Allemagne", "États-Unis"}
    page = texts(at)
    assert "Total des exportations de la sélection :" in page
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
