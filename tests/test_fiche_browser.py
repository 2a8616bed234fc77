"""End to end: the fiche page in a real Streamlit server and headless Chromium; both downloads
(standalone HTML and PDF) arrive, at the level of the shared ``niveau``, hold the seeds' totals
and the clickable links (fixture database)."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.browser import (
    WAITING_CHARTS,
    browser_page,
    scroll_through,
    streamlit_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser


def test_fiche_page_downloads_html_and_pdf(fixture_path, tmp_path):
    with streamlit_server(fixture_path) as base, browser_page() as page:
        page.goto(f"{base}/fiche?territoire=93&annee=2024&niveau=A129")
        wait_for_app(page)
        page.get_by_text("Territoires d'industrie — Seine-Saint-Denis").first.wait_for()
        page.get_by_text("Balance commerciale territoriale").first.wait_for()

        with page.expect_download(timeout=60_000) as html_download:
            page.get_by_role("button", name="Télécharger la fiche (HTML)").click()
        html_path = tmp_path / html_download.value.suggested_filename
        html_download.value.save_as(html_path)
        assert html_path.name == "fiche_93_seine-saint-denis_2024.html"
        html_text = html_path.read_text(encoding="utf-8")
        assert "Total des exportations : 200,0 millions d&#39;euros" in html_text
        assert "Flux à l&#39;export par produit (niveau A129) et par pays" in html_text
        assert "page précédente" not in html_text

        with page.expect_download(timeout=120_000) as pdf_download:
            page.get_by_role("button", name="Télécharger la fiche (PDF)").click()
        data = pdf_download.value.path().read_bytes()
        assert pdf_download.value.suggested_filename.endswith(".pdf")
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 9
        text = " ".join(p.extract_text() for p in reader.pages)
        text = text.replace("\xa0", " ").replace("\n", " ")
        assert "Total des importations : 250,0 millions d'euros" in text
        assert "représentée page précédente" in text
        uris = {
            a.get_object().get("/A", {}).get("/URI")
            for p in reader.pages
            for a in p.get("/Annots") or []
        }
        assert "mailto:territoires-industrie@anct.gouv.fr" in uris
        assert "https://anct.gouv.fr/actualites" in uris


# The boxes of a chart's Sankey node labels, as drawn.
LABEL_BOXES = """(root) => Array.from(root.querySelectorAll('.sankey .node-label'))
    .map((el) => { const r = el.getBoundingClientRect();
                   return [r.left, r.top, r.right, r.bottom, el.textContent]; })
    .filter((b) => b[2] > b[0] && b[3] > b[1])"""


def overlaps(boxes: list[list]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            if dx > 1 and dy > 1:
                out.append((a[4], b[4]))
    return out


@pytest.mark.parametrize(
    ("path", "diagrams"),
    [
        ("flux?territoire=59&annee=2024&niveau=A129", 3),
        ("flux?territoire=93&annee=2024&niveau=CPF4&flux=import", 3),
        ("fiche?territoire=95&annee=2024&niveau=A129", 6),
    ],
)
def test_sankey_labels_never_overlap_on_a_phone(demo_path, path, diagrams):
    """At 375 × 812 (a phone), no two node labels of the Sankey diagrams (the Flux page's
    three, the fiche page's six) overlap or leave the screen, and no title starts a line with
    « : »."""
    with streamlit_server(demo_path) as base, browser_page((375, 812)) as page:
        page.goto(f"{base}/{path}")
        wait_for_app(page)
        # The fiche's comparisons (région, France) are drawn once their expander is opened.
        main = page.get_by_test_id("stMain")
        for summary in main.locator("summary", has_text="Comparer avec").all():
            summary.click()
            wait_for_app(page)
        scroll_through(page)  # the charts are drawn once scrolled near
        page.wait_for_selector(".sankey .node-label")
        page.wait_for_timeout(1500)
        checked = 0
        for chart in page.locator(".js-plotly-plot").all():
            chart.scroll_into_view_if_needed()
            boxes = chart.evaluate(LABEL_BOXES)
            if boxes:
                checked += 1
                assert overlaps(boxes) == [], path
                assert all(b[0] >= -1 and b[2] <= 376 for b in boxes), "a label leaves the screen"
        assert checked == diagrams  # the territory's, its région's and France's (per flow)
        titles = page.locator("h1, h2, h3").all_inner_texts()
        assert all(not line.lstrip().startswith(":") for t in titles for line in t.split("\n"))


# The main area's height, and each chart's place (the block holding it), top to bottom: its
# element's mark (« waiting », « seen »), its top in the page, its height and the height of the
# chart drawn in it (None: not drawn).
PLACES = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const places = [...main.querySelectorAll('[data-near]')].map((el) => {
        const block = el.closest('[data-testid="stVerticalBlock"]');
        const box = block.getBoundingClientRect();
        const chart = block.querySelector('.js-plotly-plot');
        return [el.dataset.near, Math.round(box.top + main.scrollTop), Math.round(box.height),
                chart && Math.round(chart.getBoundingClientRect().height)];
    });
    return [main.scrollHeight, places];
}"""
SCROLL_TO = "(y) => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, y)"
NEAR = 800  # pages.tables: a chart is drawn once its place is this close to the screen


@pytest.mark.parametrize("viewport", [(1440, 900), (375, 812)], ids=["desktop", "phone"])
def test_fiche_charts_are_drawn_as_the_reader_scrolls_to_them(demo_path, viewport):
    """The fiche's four charts are far below its first screen: the page is drawn without them,
    each keeping its place at its own height, and each is drawn once the reader scrolls near
    it. A jump that brings two near at once draws both. Nothing moves."""
    with streamlit_server(demo_path) as base, browser_page(viewport) as page:
        page.goto(f"{base}/fiche?territoire=93&annee=2024")
        wait_for_app(page)
        page.wait_for_timeout(1000)
        main = page.get_by_test_id("stMain")
        assert main.get_by_test_id("stMetric").count() == 10  # the key figures, at the top
        assert main.locator(".js-plotly-plot").count() == 0
        height, places = page.evaluate(PLACES)
        assert [(mark, chart) for mark, _, _, chart in places] == [("waiting", None)] * 4
        tops = [top for _, top, _, _ in places]
        assert tops[0] > viewport[1] + NEAR  # out of reach of the first screen
        # A jump that brings the first two places near at once (not the third): both drawn,
        # and only they (the places keep their height while the charts draw themselves).
        page.evaluate(SCROLL_TO, tops[1] - viewport[1] - NEAR // 2)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2")
        wait_for_app(page)
        page.wait_for_timeout(1000)
        assert main.locator(".js-plotly-plot").count() == 2
        assert [mark for mark, _, _, _ in page.evaluate(PLACES)[1]] == ["seen"] * 2 + [
            "waiting"
        ] * 2
        scroll_through(page)
        page.wait_for_timeout(1000)
        assert page.evaluate(WAITING_CHARTS) == 0
        drawn_height, drawn = page.evaluate(PLACES)
        # Each chart drawn where its place was, at its height: nothing moved.
        assert drawn == [["seen", top, h, h] for _, top, h, _ in places]
        assert drawn_height == height
        assert page.locator(".sankey .node-label").count() > 0
        assert page.get_by_role("alert").count() == 0
