"""The fiche printed by headless Chromium: page count, extracted text, no network request, and
the standalone HTML opened from disk in the same browser."""

from __future__ import annotations

import io
import os

import pypdf
import pytest

from core import fiche as fiche_doc
from core.fiche import PdfPrinter, build_fiche, render_html


@pytest.fixture(scope="module")
def printer():
    if fiche_doc.pdf_unavailable_reason() is not None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make test installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    with PdfPrinter() as p:
        yield p


def pdf_pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    # French typography uses (narrow) no-break spaces; compare on plain spaces.
    return [
        (page.extract_text() or "").replace("\u202f", " ").replace("\xa0", " ")
        for page in reader.pages
    ]


def test_departement_pdf_has_one_page_per_seed_section_with_the_totals(demo_db, printer):
    pages = pdf_pages(printer.pdf(build_fiche(demo_db, "93", 2024)))
    assert len(pages) == 9
    starts = [
        "Les indicateurs clés : commerce extérieur",
        "Contexte et méthodologie",
        "Balance commerciale territoriale",
        "Principales activités à l'import et à l'export",
        "Exportations",
        "La situation départementale des exportations",
        "Importations",
        "La situation départementale des importations",
        "Informations pratiques",
    ]
    for page, start in zip(pages, starts, strict=True):
        assert page.lstrip().startswith(start), page[:80]
    assert "Territoires d'industrie — Seine-Saint-Denis" in pages[0]
    assert "Grand Roissy Le Bourget" in pages[0]
    assert "Total des exportations : 12 148,6 millions d'euros" in pages[4]
    assert "soit 8,6 % de la valeur exportée par la région Île-de-France" in pages[4]
    assert "soit 2,09 % de la valeur exportée au niveau national" in pages[4]
    assert "141 666,3" in pages[5] and "580 354,5" in pages[5]
    assert "Total des importations : 15 695,4 millions d'euros" in pages[6]
    assert "192 202,9" in pages[7] and "684 776,3" in pages[7]
    # Chart text is vector text too (a country of the partners chart, a Sankey node).
    assert "Allemagne" in pages[2] and "Autres" in pages[4]
    # The footer on every page: territory, demo label, page number.
    assert all("Données de démonstration" in p and f"{i} / 9" in p for i, p in enumerate(pages, 1))
    assert printer.requests == []


def test_region_and_france_pdfs(demo_db, printer):
    region = pdf_pages(printer.pdf(build_fiche(demo_db, "R11", 2024)))
    assert len(region) == 9  # the comparison page has France only
    assert "Total des exportations : 141 666,3 millions d'euros" in region[4]
    assert "Départements de la région" in region[0]
    france = pdf_pages(printer.pdf(build_fiche(demo_db, "FR", 2024)))
    assert len(france) == 7  # no région or France comparison pages
    assert "Total des importations : 684 776,3 millions d'euros" in france[5]
    assert printer.requests == []


def test_standalone_html_opens_offline_with_its_charts_and_requests_nothing(
    demo_db, printer, tmp_path
):
    path = tmp_path / "fiche.html"
    path.write_text(render_html(build_fiche(demo_db, "08", 2024)), encoding="utf-8")
    context = printer._browser.new_context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function("document.querySelectorAll('div.chart .main-svg').length >= 8")
        assert page.locator("div.chart").count() == 8
        page.wait_for_timeout(300)
    finally:
        context.close()
    assert requests == [path.as_uri()]  # the file itself, nothing else


def test_render_pdf_works_alone(fixture_db):
    if fiche_doc.pdf_unavailable_reason() is not None:
        pytest.skip("chromium is not installed")
    pages = pdf_pages(fiche_doc.render_pdf(build_fiche(fixture_db, "93", 2024)))
    assert len(pages) == 9
    assert "Principaux Territoires d'industrie du département*" in pages[0]
    assert "moins de 5 communes" in pages[0]


def test_missing_chromium_gives_a_french_reason(monkeypatch):
    monkeypatch.setattr(fiche_doc.shutil, "which", lambda name: None)
    reason = fiche_doc.pdf_unavailable_reason()
    assert reason is not None and "Chromium absent" in reason and "HTML" in reason
    with pytest.raises(fiche_doc.PdfUnavailable):
        PdfPrinter().__enter__()
