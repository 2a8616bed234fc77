"""End to end, at desktop and phone widths (real Streamlit server, headless Chromium, demo data):
Plotly's toolbar speaks French and its PNG carries the view, territory and period in its name;
Streamlit's English table toolbar is gone while our French download buttons stay; Données shows
the chosen flow only, its masses as the rest of the app does; the Carte has its Île-de-France and overseas insets, Corsica as one shape
and Monaco as a marker; nothing runs off a phone's screen and no title line starts with « : »."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, scroll_through, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser

DESKTOP, PHONE = (1440, 900), (375, 812)
PNG_TITLE = "Télécharger le graphique en fichier PNG"


@pytest.fixture(scope="module")
def base(demo_path):
    with streamlit_server(demo_path) as url:
        yield url


def open_page(page, base: str, link: str, charts: int = 0) -> None:
    """Open a deep link and wait for the run to end and ``charts`` Plotly charts to be drawn
    (plotly.js is loaded and draws after the run)."""
    page.goto(f"{base}/{link}")
    wait_for_app(page)
    if charts:
        scroll_through(page)  # charts far down a page are drawn once scrolled near
        page.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
            timeout=60_000,
        )
    page.wait_for_timeout(800)


def modebar_titles(page, chart) -> list[str]:
    """The toolbar of one chart, shown as a reader's pointer shows it."""
    chart.scroll_into_view_if_needed()
    chart.hover()
    button = chart.locator(f'.modebar-btn[data-title="{PNG_TITLE}"]')
    button.wait_for(state="visible")
    return chart.locator(".modebar-btn").evaluate_all(
        "els => els.map(e => e.getAttribute('data-title'))"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chart_toolbar_is_french_and_the_png_is_named(base, viewport):
    with browser_page(viewport) as page:
        open_page(page, base, "evolution?territoire=93&annee=2024", charts=1)
        chart = page.locator(".js-plotly-plot").first
        titles = modebar_titles(page, chart)
        assert PNG_TITLE in titles
        assert "Réinitialiser les axes" in titles or "Échelle automatique" in titles
        english = {"Download plot as a PNG", "Reset axes", "Zoom in", "Zoom out", "Autoscale"}
        assert not english & set(titles)
        # Streamlit's own « Fullscreen » button in Plotly's toolbar cannot be translated: hidden.
        fullscreen = chart.locator('.modebar-btn[data-title="Fullscreen"]')
        assert fullscreen.count() == 0 or not fullscreen.is_visible()
        assert not chart.locator(".modebar-btn.plotlyjsicon").count()  # no Plotly logo
        with page.expect_download(timeout=60_000) as download:
            chart.locator(f'.modebar-btn[data-title="{PNG_TITLE}"]').click()
        assert download.value.suggested_filename == "evolution_93-seine-saint-denis_2024.png"


def test_every_chart_of_the_map_and_comparison_pages_is_french(base):
    with browser_page(DESKTOP) as page:
        for link, first_png in (
            ("carte?territoire=20&annee=2025", "carte-exportations_20-corse_2025-T1-T2.png"),
            ("comparer?territoire=971&annee=12m", "comparer_971-guadeloupe_12m-2024T3-2025T2.png"),
        ):
            open_page(page, base, link, charts=2)
            charts = page.locator(".js-plotly-plot")
            assert charts.count() >= 2
            for i in range(charts.count()):
                assert PNG_TITLE in modebar_titles(page, charts.nth(i))
            first = charts.first
            first.hover()
            with page.expect_download(timeout=60_000) as download:
                first.locator(f'.modebar-btn[data-title="{PNG_TITLE}"]').click()
            assert download.value.suggested_filename == first_png


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_streamlit_english_table_toolbar_is_hidden_and_french_buttons_stay(base, viewport):
    with browser_page(viewport) as page:
        open_page(page, base, "classements?territoire=93&annee=2024")
        table = page.locator('[data-testid="stDataFrame"]').first
        table.scroll_into_view_if_needed()
        table.hover()
        page.wait_for_timeout(500)
        for label in ("Download as CSV", "Search", "Fullscreen", "Show/hide columns"):
            buttons = page.get_by_role("button", name=label, exact=True)
            assert not [b for b in buttons.all() if b.is_visible()], label
        assert not page.locator('[data-testid="stElementToolbar"]').first.is_visible()
        assert page.get_by_role("button", name="Télécharger (CSV)").first.is_visible()
        assert page.get_by_role("button", name="Télécharger (Excel)").first.is_visible()


def svg_texts(locator) -> list[str]:
    """Texts of SVG elements (``inner_text`` is for HTML)."""
    return locator.evaluate_all("els => els.map(e => e.textContent)")


def grid_column(page, col_id: str) -> list[str]:
    frame = page.frame_locator('iframe[title*="agGrid"]')
    frame.locator(f'.ag-cell[col-id="{col_id}"]').first.wait_for()
    return frame.locator(f'.ag-cell[col-id="{col_id}"]').all_inner_texts()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_donnees_shows_only_the_chosen_flow(base, viewport):
    with browser_page(viewport) as page:
        open_page(page, base, "donnees?territoire=93&annee=2024&flux=import")
        assert page.get_by_text("Flux affiché :").is_visible()
        flows = grid_column(page, "Flux")
        assert flows and set(flows) == {"Importations"}
        # Switching the flow in the filters switches the grid.
        if viewport == DESKTOP:
            page.locator('[data-testid="stSidebar"]').get_by_text("Exportations").click()
            page.wait_for_function("() => location.search.includes('flux=export')")
            wait_for_app(page)
            page.wait_for_timeout(1500)
            assert set(grid_column(page, "Flux")) == {"Exportations"}


def test_donnees_shows_masses_as_the_rest_of_the_app_and_the_csv_do(base, demo_path):
    """Tonnes in the grid: French, and the same text as ``display_value`` (whole tonnes from
    1 000 t, one decimal below), which the CSV writes too; no raw « 627712.184 »."""
    from core import queries, tables
    from core.db import Build
    from core.filters import Filters
    from core.periods import Period

    f = Filters("93", Period.of_year(2024), flow="import")
    grouped = tables.grouped_rows_table(
        queries.trade_rows_grouped(Build(str(demo_path)), f, "pays"), "pays"
    ).frame
    expected = [tables.display_value(v, "tonnes") for v in grouped["Importations (t)"]]
    with browser_page(DESKTOP) as page:
        open_page(page, base, "donnees?territoire=93&annee=2024&flux=import&vue=pays")
        shown = grid_column(page, "Importations (t)")
    assert shown and shown == expected[: len(shown)]
    assert all("." not in cell for cell in shown)
    assert "\u202f" in shown[0]  # thousands apart, as everywhere in the app


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_map_has_its_insets_corsica_and_monaco(base, viewport):
    with browser_page(viewport) as page:
        open_page(page, base, "carte?territoire=93&annee=2024&ti=1", charts=2)
        charts = page.locator(".js-plotly-plot")
        assert charts.count() == 2
        main, insets = charts.nth(0), charts.nth(1)
        insets.scroll_into_view_if_needed()
        names = svg_texts(insets.locator(".annotation-text"))
        assert names == [
            "Île-de-France", "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte",
        ]  # fmt: skip
        # Paris and the petite couronne are written, readable, in the Île-de-France inset.
        codes = svg_texts(insets.locator(".scattergeo text"))
        assert {"75", "92", "93", "94"} <= set(codes)
        size = insets.locator(".geo").first.bounding_box()
        assert size is not None and size["width"] > 250
        # The metropolitan map: every département drawn (Corsica once), Monaco written.
        main.scroll_into_view_if_needed()
        assert main.locator(".choroplethlocation").count() >= 95 + 173  # with the TI outlines
        assert "Monaco" in svg_texts(main.locator(".scattergeo text"))
        box = main.bounding_box()
        assert box is not None and box["width"] <= viewport[0]


@pytest.mark.parametrize(
    "link",
    [
        "?territoire=93&annee=2024",
        "evolution?territoire=02&annee=2024&niveau=A129",
        "classements?territoire=93&annee=2025",
        "specialisation?territoire=971&annee=12m&niveau=A129",
        "comparer?territoire=93&annee=2024",
        "carte?territoire=99&annee=2024",
        "donnees?territoire=FR&annee=2024",
    ],
)
def test_phone_pages_do_not_overflow_and_titles_keep_their_colon(base, link):
    with browser_page(PHONE) as page:
        open_page(page, base, link)
        main = page.locator('[data-testid="stMainBlockContainer"]')
        width = main.evaluate("el => el.scrollWidth")
        assert width <= PHONE[0], f"{link}: {width} px wide"
        for heading in page.locator("h1, h2, h3").all():
            text = heading.inner_text()
            assert " :" not in text, f"{link}: {text!r} may start a line with « : »"
            # Each rendered line of the title: none starts with the colon.
            lines = heading.evaluate(
                """el => {
                    const range = document.createRange(); range.selectNodeContents(el);
                    const tops = [...range.getClientRects()].map(r => Math.round(r.top));
                    return [...new Set(tops)].length;
                }"""
            )
            assert lines >= 1
        # Panel titles of the comparison never run into each other.
        if link.startswith("comparer"):
            page.wait_for_function(
                "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2"
            )
            chart = page.locator(".js-plotly-plot").nth(1)
            chart.scroll_into_view_if_needed()
            boxes = [
                b
                for b in chart.locator(".annotation").evaluate_all(
                    "els => els.map(e => ({...e.getBoundingClientRect().toJSON(),"
                    " text: e.textContent}))"
                )
                if not b["text"].startswith("Part du total")  # the axis title, below
            ]
            assert len(boxes) == 3  # the territory, its région, France
            for a, b in zip(boxes, boxes[1:], strict=False):
                assert a["right"] <= b["left"] + 1, "panel titles overlap"


# Every chart drawn on a page: the margins its figure asks for, those plotly.js drew it with
# (widened by its labels, legend or colour bar: drawn a second time), why it may widen them, and
# whether it was computed again after its first drawing (``FIRST_CALC`` keeps the first
# ``calcdata``; ``Plotly.react`` replaces it when it computes and draws the chart anew).
FIRST_CALC = """
new MutationObserver(() => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        if (!gd.__firstCalc && gd.calcdata) gd.__firstCalc = gd.calcdata;
    }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
"""
DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
    const asked = gd.layout.margin || {}, drawn = gd._fullLayout._size;
    return {
        type: gd.data[0].type,
        asked: ['l', 'r', 't', 'b'].map(k => asked[k]),
        drawn: ['l', 'r', 't', 'b'].map(k => Math.round(drawn[k])),
        legend_below: !!gd._fullLayout.showlegend && gd._fullLayout.legend.y < 0,
        inline_geojson: gd.data.some(t => typeof t.geojson === 'object'),
        once: gd.__firstCalc === gd.calcdata,
    };
})"""


def test_charts_are_drawn_once_in_the_margins_they_ask_for(base):
    # plotly.js widens a margin its labels, legend or colour bar do not fit in, then draws the
    # chart again: the app reserves them beforehand (core.chart_margins). Streamlit then hands
    # a copy of the figure to Plotly.react: with the theme in the figure, plain arrays and a
    # data revision (core.plotly_theme) it finds nothing changed and does not draw it again.
    # Treemaps (core.charts.product_treemap) and maps (outlines served by the app, not
    # inline) included. Exception: a legend under the plot (Évolution's breakdown) follows the
    # width. On a phone, plotly.js also turns crowded labels upright and wraps legends: not
    # checked.
    with browser_page(DESKTOP) as page:
        page.add_init_script(FIRST_CALC)
        margins = once = 0
        for link, charts in (
            ("?territoire=93&annee=2024", 2),
            ("?territoire=FR&annee=2024", 1),
            ("partenaires?territoire=93&annee=2024", 2),
            ("produits?territoire=FR&annee=2024", 2),
            ("flux?territoire=93&annee=2024", 3),
            ("evolution?territoire=FR&annee=2024", 2),
            ("classements?territoire=93&annee=2024", 1),
            ("specialisation?territoire=93&annee=2024", 2),
            ("comparer?territoire=R11&annee=2024", 2),
            ("carte?territoire=93&annee=2024", 2),
            ("fiche?territoire=93&annee=2024", 4),
        ):
            open_page(page, base, link, charts=charts)
            for chart in page.evaluate(DRAWN):
                if not chart["legend_below"]:
                    assert chart["drawn"] == chart["asked"], (link, chart)
                    margins += 1
                assert not chart["inline_geojson"], (link, chart)
                assert chart["once"], (link, chart)
                once += 1
        # 23 charts: Évolution's breakdown is not checked for its margins.
        assert (margins, once) == (22, 23)
