"""The fiche printed by headless Chromium: page count, extracted text, the smallest printed text,
clickable links, no network request, and the standalone HTML opened from disk in the same
browser."""

from __future__ import annotations

import io
import os

import pdfplumber
import pypdf
import pytest

from core import fiche as fiche_doc
from core.fiche import PdfPrinter, build_fiche, prose, render_html
from core.fiche import pdf as fiche_pdf

MIN_PT = 8.0


@pytest.fixture(scope="module")
def printer():
    if fiche_doc.pdf_unavailable_reason() is not None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make test installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    with PdfPrinter() as p:
        yield p


@pytest.fixture(scope="module")
def y2024(demo_db):
    return demo_db.catalog().period("2024")


@pytest.fixture(scope="module")
def pdf_59(demo_db, printer, y2024) -> bytes:
    return printer.pdf(build_fiche(demo_db, "59", y2024))


def pdf_pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    # French typography uses (narrow) no-break spaces; compare on plain spaces.
    return [
        (page.extract_text() or "").replace("\u202f", " ").replace("\xa0", " ")
        for page in reader.pages
    ]


def test_departement_pdf_has_one_page_per_seed_section_with_the_totals(pdf_59, printer):
    pages = pdf_pages(pdf_59)
    assert len(pages) == 9
    starts = [
        "Les indicateurs clés : commerce extérieur",
        "Contexte et méthodologie",
        "Balance commerciale territoriale",
        "Principales activités à l'import et à l'export",
        "Exportations",
        "La situation départementale des exportations représentée page précédente",
        "Importations",
        "La situation départementale des importations représentée page précédente",
        "Informations pratiques",
    ]
    for page, start in zip(pages, starts, strict=True):
        assert page.lstrip().startswith(start), page[:80]
    first = pages[0]
    assert "Territoires d'industrie — Nord" in first
    assert "Commerce extérieur de biens, 2024" in first
    assert "Principaux Territoires d'industrie du département*" in first
    for name in ("Aa – Dunkerque – Flandre", "Grand-Hainaut Douaisis Cambrésis",
                 "SCOT Lille Métropole", "moins de 5 communes"):  # fmt: skip
        assert name in first
    # Page 1 carries the key figures.
    for figure in ("Chiffres clés", "28 822,9 M€", "40 986,6 M€", "−12 163,7 M€", "70,3 %",
                   "42,4 %", "47,8 %", "4,97 %", "5,99 %", "2e sur 101",
                   "+9,4 % par rapport à 2023"):  # fmt: skip
        assert figure in first, figure
    assert "Total des exportations : 28 822,9 millions d'euros" in pages[4]
    assert "soit 42,4 % de la valeur exportée par la région Hauts-de-France" in pages[4]
    assert "soit 4,97 % de la valeur exportée au niveau national" in pages[4]
    assert "68 021,0" in pages[5] and "580 354,5" in pages[5]
    assert "Total des importations : 40 986,6 millions d'euros" in pages[6]
    assert "85 786,3" in pages[7] and "684 776,3" in pages[7]
    # Chart text is vector text: the partners' amounts on both sides, every Sankey node's
    # whole name with its value, the treemap's tiles with their values.
    assert "Belgique" in pages[2] and "4 941,3" in pages[2] and "5 215,6" in pages[2]
    assert "+274,2 M€" in pages[2]
    assert "Produits sidérurgiques et de première" in pages[4] and "5 960,3 M€" in pages[4]
    assert "Hydrocarbures naturels" in pages[3] and "14 463,9 M€" in pages[3]
    # The footer on every page: territory, period, demo label, page number.
    assert all(
        "Nord · 2024" in p and "Données de démonstration" in p and f"{i} / 9" in p
        for i, p in enumerate(pages, 1)
    )
    assert printer.requests == []


def test_every_printed_text_is_at_least_8_points(pdf_59):
    """Every character of the PDF, chart texts included (axis ticks, Sankey labels, treemap
    tiles, the running footer): pdfplumber's ``size`` is the font size times the text and page
    matrices, i.e. the size on paper, in points."""
    too_small = []
    with pdfplumber.open(io.BytesIO(pdf_59)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            chars = [c for c in page.chars if c["text"].strip()]
            assert chars, f"page {number} has no text"
            too_small += [(number, c["text"], round(c["size"], 2)) for c in chars
                          if c["size"] < MIN_PT - 0.02]  # fmt: skip
    assert too_small == []


def test_the_seeds_resources_are_clickable_in_the_pdf(pdf_59):
    with pdfplumber.open(io.BytesIO(pdf_59)) as pdf:
        links = {a["uri"] for page in pdf.pages for a in page.annots if a.get("uri")}
        last_page = {a["uri"] for a in pdf.pages[-1].annots if a.get("uri")}
    assert links == set(prose.SEED_LINKS)
    assert "mailto:territoires-industrie@anct.gouv.fr" in last_page
    text = pdf_pages(pdf_59)[-1]
    assert "territoires-industrie@anct.gouv.fr" in text.replace("\n", "")
    assert "territoires-\nindustrie" not in pdf_pages(pdf_59)[-1]  # never hyphenated


def test_bold_figures_print_with_a_visible_thousands_separator(pdf_59):
    """The bold total « 28 822,9 »: a real gap between « 28 » and « 822 » on paper (the
    narrow no-break space used to print as a sliver)."""
    with pdfplumber.open(io.BytesIO(pdf_59)) as pdf:
        chars = pdf.pages[4].chars
    text = "".join(c["text"] for c in chars).replace("\xa0", " ")
    start = text.index("Total des exportations : 28 822,9") + len("Total des exportations : ")
    two, space, eight = chars[start + 1], chars[start + 2], chars[start + 3]
    assert (two["text"], eight["text"]) == ("8", "8") and "Bold" in space["fontname"]
    assert eight["x0"] - two["x1"] >= 0.25 * two["size"]  # a quarter of an em at least


def test_aisne_pdf_marks_the_unpublished_imports(demo_db, printer, y2024):
    pages = pdf_pages(printer.pdf(build_fiche(demo_db, "02", y2024)))
    assert "Total des importations : 2 874,3 millions d'euros (non publié)" in pages[6]
    assert "non publié" in pages[0] and "Importations (non publié)" in pages[3]


def test_partial_year_pdf_names_its_quarters(demo_db, printer):
    fiche = build_fiche(demo_db, "08", demo_db.catalog().period("2025"))
    pages = pdf_pages(printer.pdf(fiche))
    assert "Commerce extérieur de biens, 2025 (T1–T2)" in pages[0]
    assert "Année 2025 partielle : trimestres T1–T2 seulement" in pages[0]
    assert all("Ardennes · 2025 (T1–T2)" in p for p in pages)


def test_region_and_france_pdfs(demo_db, printer, y2024):
    region = pdf_pages(printer.pdf(build_fiche(demo_db, "R11", y2024)))
    assert len(region) == 9  # the comparison page has France only
    assert "Total des exportations : 141 666,3 millions d'euros" in region[4]
    assert "Territoires d'industrie de la région" in region[0]
    assert "Grand Roissy Le Bourget" in region[0] and "Cergy Ouest 95" in region[0]
    assert "représentée page précédente peut être comparée à celle du pays" in region[5]
    france = pdf_pages(printer.pdf(build_fiche(demo_db, "FR", y2024)))
    assert len(france) == 7  # no région or France comparison pages
    assert "Total des importations : 684 776,3 millions d'euros" in france[5]
    assert printer.requests == []


def test_standalone_html_opens_offline_with_its_charts_and_requests_nothing(
    demo_db, printer, tmp_path, y2024
):
    path = tmp_path / "fiche.html"
    path.write_text(render_html(build_fiche(demo_db, "08", y2024)), encoding="utf-8")
    context = printer.browser.new_context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function("document.querySelectorAll('div.chart .main-svg').length >= 8")
        assert page.locator("div.chart").count() == 8
        # plotly.js's French toolbar.
        titles = page.locator(".modebar-btn").evaluate_all("b => b.map(x => x.dataset.title)")
        assert "Télécharger le graphique en fichier PNG" in titles
        page.wait_for_timeout(300)
    finally:
        context.close()
    assert requests == [path.as_uri()]  # the file itself, nothing else


def test_render_pdf_works_alone(fixture_db):
    if fiche_doc.pdf_unavailable_reason() is not None:
        pytest.skip("chromium is not installed")
    fiche = build_fiche(fixture_db, "93", fixture_db.catalog().period("2024"))
    pages = pdf_pages(fiche_doc.render_pdf(fiche))
    assert len(pages) == 9
    assert "Principaux Territoires d'industrie du département*" in pages[0]
    assert "moins de 5 communes" in pages[0]


def test_missing_chromium_gives_a_french_reason(monkeypatch):
    monkeypatch.setattr(fiche_pdf.shutil, "which", lambda name: None)
    reason = fiche_doc.pdf_unavailable_reason()
    assert reason is not None and "Chromium absent" in reason and "HTML" in reason
    with pytest.raises(fiche_doc.PdfUnavailable):
        PdfPrinter().__enter__()
