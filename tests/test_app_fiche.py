"""AppTest: the Fiche territoriale page opened through deep links on the demonstration data."""

from __future__ import annotations

import pytest

from core.fiche import pdf as fiche_pdf
from core.fiche import pdf_unavailable_reason
from core.labels import md
from tests.apptest_helpers import near_charts, open_app, scroll_through, texts, url
from tests.test_fiche import SECTION_TITLES

NN, NB = "\u202f", "\u00a0"


@pytest.fixture(autouse=True)
def _demo(demo_path, use_db):
    use_db(demo_path)


def headers(at) -> list[str]:
    return [h.value for h in at.header]


def test_deep_link_shows_the_seeds_document_for_seine_saint_denis():
    at = open_app({"territoire": "93", "annee": "2024", "niveau": "A129"}, page="fiche.py")
    assert not at.exception
    assert [t.value for t in at.title] == ["Territoires d'industrie — Seine-Saint-Denis"]
    assert headers(at) == SECTION_TITLES
    page = texts(at)
    assert f"Les indicateurs clés{NB}\\: commerce extérieur" in page
    assert "**Commerce extérieur de biens, 2024**" in page
    assert "Territoires d'industrie du département" in [s.value for s in at.subheader]
    assert "Grand Roissy Le Bourget" in page
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Exportations"] == f"12{NN}148,6{NB}M€"
    assert metrics["Part de la France à l'import"] == f"2,29{NN}%"
    assert f"**Total des exportations \\: 12{NN}148,6 millions d'euros**" in page
    assert f"soit 8,6{NN}% de la valeur exportée par la région Île-de-France" in page
    assert f"soit 2,29{NN}% de la valeur importée au niveau national" in page
    assert f"141{NN}666,3" not in page  # the région's totals wait in the closed comparisons
    at.session_state["x_fiche_exportations"] = True
    at.session_state["x_fiche_importations"] = True
    at.run()
    page = texts(at)
    assert f"**Total des exportations \\: 141{NN}666,3 millions d'euros**" in page
    assert f"**Total des importations \\: 684{NN}776,3 millions d'euros**" in page
    assert "Clé de lecture" in page and "lieu de dédouanement" in page
    # The web names the section where the paper says « page précédente ».
    assert "page précédente" not in page
    assert "représentée ci-dessus (section « Exportations »)" in page
    # The seeds' resources are links.
    email = "territoires-industrie@anct.gouv.fr"
    assert f"[{md(email)}](mailto:{email})" in page
    news = "https://anct.gouv.fr/actualites"
    assert f"[{md(news)}]({news})" in page
    assert url(at)["territoire"] == "93" and url(at)["annee"] == "2024"


def test_the_page_draws_its_charts_for_any_screen_width():
    """The page shows the screen variants of the printed charts: Sankey labels beside their
    nodes (wrapped for a phone, each with its value), a drillable treemap."""
    import json

    at = open_app({"territoire": "59", "annee": "2024", "niveau": "A129"}, page="fiche.py")
    assert not at.exception
    # The région's and France's diagrams wait in a closed expander per flow, not drawn.
    assert [e.label for e in at.expander] == [
        "Comparer avec la région (Hauts-de-France) et la France entière"
    ] * 2
    # Every chart of the document is below the fold: none is drawn before the reader scrolls
    # near it. Each keeps its place meanwhile, at the figure's height.
    assert not at.get("plotly_chart")
    assert near_charts(at) == {
        "fiche_balance_1_proche": {"seen": False, "height": 494},
        "fiche_activites_1_proche": {"seen": False, "height": 620},
        "fiche_exportations_1_proche": {"seen": False, "height": 620},
        "fiche_importations_1_proche": {"seen": False, "height": 620},
    }
    scroll_through(at)
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    assert [spec["data"][0]["type"] for spec in specs] == ["bar", "treemap", "sankey", "sankey"]
    # The places kept were the charts' own heights: nothing moves when they are drawn.
    assert [spec["layout"]["height"] for spec in specs] == [494, 620, 620, 620]
    assert {k: v["seen"] for k, v in near_charts(at).items()} == dict.fromkeys(
        ["fiche_balance_1_proche", "fiche_activites_1_proche", "fiche_exportations_1_proche",
         "fiche_importations_1_proche"], True
    )  # fmt: skip
    assert "peut être comparée" not in texts(at)
    # Opened (the reader's click), each draws the région's and France's diagrams with their
    # totals, after the seeds' sentence.
    at.session_state["x_fiche_exportations"] = True
    at.session_state["x_fiche_importations"] = True
    at.run()
    assert not at.exception
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    kinds = [spec["data"][0]["type"] for spec in specs]
    assert kinds == ["bar", "treemap"] + ["sankey"] * 6
    exports = at.expander[0]
    assert exports.markdown[0].value.startswith("La situation départementale des exportations")
    assert [m.value for m in exports.markdown][1] == (
        "**Flux à l'export (niveau A129), Hauts-de-France (en valeur, 2024)**"
    )
    assert len(exports.get("plotly_chart")) == 2
    for spec in specs[2:]:
        labels = spec["data"][0]["node"]["label"]
        assert all("M€</b>" in label for label in labels)
        assert not spec["layout"].get("annotations")  # no label columns beside the diagram
    assert specs[1]["data"][0]["maxdepth"] == 4


def test_the_fiche_follows_the_shared_level_and_names_it():
    at = open_app({"territoire": "59", "annee": "2024", "niveau": "A38"}, page="fiche.py")
    assert not at.exception
    page = texts(at)
    assert "Flux à l'export par produit (niveau A38) et par pays, Nord (en valeur, 2024)" in page
    assert "Principales activités (niveau A38) à l'import et à l'export, Nord (2024)" in page


def test_aisne_imports_are_marked_unpublished():
    at = open_app({"territoire": "02", "annee": "2024"}, page="fiche.py")
    assert not at.exception
    page = texts(at)
    assert f"Total des importations \\: 2{NN}874,3 millions d'euros (non publié)" in page
    assert "**:orange[non publié]**" in page
    assert "Non publié : Total des importations de l'Aisne en 2024" in page.replace("\\", "")


def test_partial_year_is_labelled_with_its_quarters():
    at = open_app({"territoire": "93", "annee": "2025"}, page="fiche.py")
    assert not at.exception
    page = texts(at)
    assert "**Commerce extérieur de biens, 2025 (T1–T2)**" in page
    assert any("Année 2025 partielle" in i.value for i in at.info)


def test_downloads_are_offered_in_html_and_pdf():
    at = open_app({"territoire": "08", "annee": "2024"}, page="fiche.py")
    buttons = {b.label for b in at.get("download_button")}
    assert "Télécharger la fiche (HTML)" in buttons
    if pdf_unavailable_reason() is None:
        assert "Télécharger la fiche (PDF)" in buttons


def test_without_chromium_the_pdf_button_gives_way_to_a_french_message(monkeypatch):
    monkeypatch.setattr(fiche_pdf, "chromium_executable", lambda: None)
    at = open_app({"territoire": "93", "annee": "2024"}, page="fiche.py")
    assert not at.exception
    assert any("Chromium absent" in i.value for i in at.info)
    buttons = {b.label for b in at.get("download_button")}
    assert buttons == {"Télécharger la fiche (HTML)"}


def test_region_fiche_lists_the_territoires_of_its_departements():
    at = open_app({"territoire": "R32", "annee": "2024"}, page="fiche.py")
    assert not at.exception
    assert [t.value for t in at.title] == ["Territoires d'industrie — Hauts-de-France (région)"]
    page = texts(at)
    assert "Territoires d'industrie de la région" in [s.value for s in at.subheader]
    assert "Beauvaisis" in page and "Nord Ardennes" not in page
    assert "Nord (59)" in page
    assert "par la région" not in page


def test_invalid_deep_link_opens_the_france_fiche_with_a_notice():
    # The notices are shown by the first run of the session (AppTest starts on the default
    # page, then switches), like a browser opening the link.
    at = open_app({"territoire": "XYZ", "annee": "1850"})
    warnings = [w.value for w in at.warning]
    assert any("XYZ" in w for w in warnings)
    assert any("1850" in w for w in warnings)
    at.switch_page("pages/fiche.py")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Territoires d'industrie — France entière"]
    assert f"Total des exportations \\: 580{NN}354,5 millions d'euros" in texts(at)
