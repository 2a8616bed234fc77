"""AppTest: the Fiche territoriale page opened through deep links on the demonstration data."""

from __future__ import annotations

import pytest

from core import fiche as fiche_doc
from tests.apptest_helpers import open_app, texts, url
from tests.test_fiche import SECTION_TITLES

NN = "\u202f"


@pytest.fixture(autouse=True)
def _demo(demo_path, use_db):
    use_db(demo_path)


def headers(at) -> list[str]:
    return [h.value for h in at.header]


def test_deep_link_shows_the_seeds_document_for_seine_saint_denis():
    at = open_app({"territoire": "93", "annee": "2024"}, page="fiche.py")
    assert not at.exception
    assert [t.value for t in at.title] == ["Territoires d'industrie — Seine-Saint-Denis"]
    assert headers(at) == SECTION_TITLES
    page = texts(at)
    assert "Les indicateurs clés : commerce extérieur" in page
    assert "Territoires d'industrie du département" in [s.value for s in at.subheader]
    assert "Grand Roissy Le Bourget" in page
    assert f"**Total des exportations : 12{NN}148,6 millions d'euros**" in page
    assert f"soit 8,6{NN}% de la valeur exportée par la région Île-de-France" in page
    assert f"soit 2,29{NN}% de la valeur importée au niveau national" in page
    assert f"Total des exportations : 141{NN}666,3 millions d'euros" in page
    assert f"Total des importations : 684{NN}776,3 millions d'euros" in page
    assert "Clé de lecture :" in page and "lieu de dédouanement" in page
    assert url(at)["territoire"] == "93" and url(at)["annee"] == "2024"


def test_downloads_are_offered_in_html_and_pdf():
    at = open_app({"territoire": "08", "annee": "2024"}, page="fiche.py")
    buttons = {b.label for b in at.get("download_button")}
    assert "Télécharger la fiche (HTML)" in buttons
    if fiche_doc.pdf_unavailable_reason() is None:
        assert "Télécharger la fiche (PDF)" in buttons


def test_without_chromium_the_pdf_button_gives_way_to_a_french_message(monkeypatch):
    monkeypatch.setattr(fiche_doc, "chromium_executable", lambda: None)
    at = open_app({"territoire": "93", "annee": "2024"}, page="fiche.py")
    assert not at.exception
    assert any("Chromium absent" in i.value for i in at.info)
    buttons = {b.label for b in at.get("download_button")}
    assert buttons == {"Télécharger la fiche (HTML)"}


def test_region_fiche_lists_departements():
    at = open_app({"territoire": "R32", "annee": "2024"}, page="fiche.py")
    assert not at.exception
    assert [t.value for t in at.title] == ["Territoires d'industrie — Hauts-de-France (région)"]
    page = texts(at)
    assert "Départements de la région" in [s.value for s in at.subheader]
    assert "59 – Nord" in page
    assert "par la région" not in page


def test_invalid_deep_link_opens_the_france_fiche_with_a_notice():
    # The notices are shown by the first run of the session (AppTest starts on the default
    # page, then switches), like a browser opening the link.
    at = open_app({"territoire": "XYZ", "annee": "1850"})
    warnings = [w.value for w in at.warning]
    assert any("Territoire « XYZ » inconnu" in w for w in warnings)
    assert any("Année « 1850 » non disponible" in w for w in warnings)
    at.switch_page("pages/fiche.py")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Territoires d'industrie — France entière"]
    assert f"Total des exportations : 580{NN}354,5 millions d'euros" in texts(at)
