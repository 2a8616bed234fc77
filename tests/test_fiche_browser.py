"""End to end: the fiche page in a real Streamlit server and headless Chromium; both downloads
(standalone HTML and PDF) arrive and hold the seeds' totals (fixture database)."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.browser import browser_page, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def test_fiche_page_downloads_html_and_pdf(fixture_path, tmp_path):
    with streamlit_server(fixture_path) as base, browser_page() as page:
        page.goto(f"{base}/fiche?territoire=93&annee=2024")
        wait_for_app(page)
        page.get_by_text("Territoires d'industrie — Seine-Saint-Denis").first.wait_for()
        page.get_by_text("Balance commerciale territoriale").first.wait_for()

        with page.expect_download(timeout=60_000) as html_download:
            page.get_by_role("button", name="Télécharger la fiche (HTML)").click()
        html_path = tmp_path / html_download.value.suggested_filename
        html_download.value.save_as(html_path)
        assert html_path.name == "fiche_93_seine-saint-denis_2024.html"
        html_text = html_path.read_text(encoding="utf-8")
        assert "Total des exportations : 200,0 millions d&#x27;euros" in html_text

        with page.expect_download(timeout=120_000) as pdf_download:
            page.get_by_role("button", name="Télécharger la fiche (PDF)").click()
        data = pdf_download.value.path().read_bytes()
        assert pdf_download.value.suggested_filename.endswith(".pdf")
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 9
        text = " ".join(p.extract_text() for p in reader.pages).replace("\u202f", " ")
        assert "Total des importations : 250,0 millions d'euros" in text
