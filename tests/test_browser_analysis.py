"""End to end in headless Chromium: deep links, figures on screen, CSV downloads compared with
the screen, and page switches that keep the filters (issue 2 item 6 and issue 3).

One Streamlit server for the module (the demonstration database), one browser page per test;
timeouts are generous because the machine has two cores shared with other test runs.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import browser_page, open_view, plain, streamlit_server, wait_for_app
from tests.browser import url_params as params

pytestmark = pytest.mark.browser
NN, NB = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def base(demo_path: Path):
    with streamlit_server(demo_path) as url:
        yield url


@pytest.fixture
def page(base: str):
    with browser_page() as p:
        yield p


def wait_for_plots(page, n: int) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n}",
        timeout=90_000,
    )


def download_csv(
    page, label: str = "Télécharger (CSV)", role: str = "button"
) -> tuple[str, list[list[str]]]:
    """Click a download button (or a prepared file's link, which opens a tab the browser
    closes once the download starts) and read the CSV."""
    with page.expect_download(timeout=90_000) as info:
        page.get_by_role(role, name=label).first.click()
    download = info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    return download.suggested_filename, rows


def number(cell: str) -> float:
    return float(cell.replace(",", "."))


def test_overview_deep_link_then_filter_change_and_page_switch_keep_the_url(page, base):
    """Issue 2, item 6: KPIs from a deep link; a sidebar filter; the sidebar navigation."""
    open_view(page, base, "?territoire=93&annee=2024")
    # The ten key figures (4 + 4 + 2) arrive as the script runs: wait for all of them.
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length === 10",
        timeout=60_000,
    )
    values = [plain(v) for v in page.get_by_test_id("stMetricValue").all_inner_texts()]
    assert "12 148,6 M€" in values and "15 695,4 M€" in values
    page.get_by_test_id("stSidebar").get_by_text("Importations", exact=True).click()
    page.wait_for_function("() => location.search.includes('flux=import')", timeout=60_000)
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Partenaires", exact=True).click()
    page.wait_for_url(re.compile(r"/partenaires\?"), timeout=60_000)
    wait_for_app(page)
    page.get_by_text("balance commerciale territoriale en 2024").wait_for(timeout=60_000)
    kept = params(page)
    assert kept["territoire"] == "93" and kept["annee"] == "2024" and kept["flux"] == "import"
    assert kept["top"] == "10" and kept["niveau"] == "A38"


def test_partners_deep_link_csv_matches_the_balances_written_on_the_chart(page, base):
    open_view(page, base, "partenaires?territoire=93&annee=2024&zone=tous")
    wait_for_plots(page, 2)
    chart = page.locator(".js-plotly-plot").first
    # plotly.js draws the axes before the bars' country labels: wait for the labels.
    for country in ("Chine", "Allemagne"):
        expect(chart).to_contain_text(country, timeout=60_000)
    svg = plain(chart.inner_text())
    name, rows = download_csv(page)
    assert name == "partenaires_93-seine-saint-denis_2024.csv"
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Pays", "Code", "Zone"]
    by_country = {r[0]: r for r in body}
    balance = number(by_country["Chine"][header.index("Solde (M€)")])
    shown = f"{balance:,.1f}".replace(",", " ").replace(".", ",").replace("-", "\u2212")
    assert f"{shown} M€" in svg  # the chart's label is the CSV's figure, rounded
    # The CSV holds the screen's figures, each rounded to 0,1 M€: their sum is the total within
    # half a tenth per row.
    total = sum(number(r[header.index("Exportations (M€)")]) for r in body)
    assert total == pytest.approx(12_148.6, abs=0.05 * len(body))
    # The map is drawn from the shipped geometry (no CDN on this machine).
    assert page.locator(".js-plotly-plot").nth(1).locator("path.choroplethlocation").count() > 100


def test_flows_deep_link_sentence_and_csv_add_up_to_the_same_total(page, base):
    open_view(page, base, "flux?territoire=93&annee=2024&flux=export")
    wait_for_plots(page, 3)
    text = plain(page.get_by_test_id("stMain").inner_text())
    assert (
        "Total des exportations : 12 148,6 millions d'euros, soit 8,6 % de la valeur exportée "
        "par la région Île-de-France, soit 2,09 % de la valeur exportée au niveau national"
    ) in text
    assert "141 666,3 millions d'euros" in text and "580 354,5 millions d'euros" in text
    red = page.locator(".js-plotly-plot").first.locator("path.sankey-link")
    assert red.count() > 20
    name, rows = download_csv(page)
    assert name == "flux-export_93-seine-saint-denis_2024.csv"
    header, body = rows[0], rows[1:]
    assert sum(number(r[header.index("Valeur (M€)")]) for r in body) == pytest.approx(
        12_148.6, abs=0.05 * len(body)
    )
    assert sum(r[header.index("Parmi les 5 principaux flux")] == "oui" for r in body) == 5
    assert any("Autres" in (r[0], r[1]) for r in body)


SLICE_TEXTS = """() => Array.from(document.querySelectorAll('.treemaplayer .slicetext'))
    .map(t => t.textContent).filter(t => t.trim())"""


def test_products_treemap_click_shows_a_sector_one_level_down(page, base):
    """Opened at A17, the treemap carries the A38 branches (and nothing finer): a click on
    the exports' « Autres produits industriels » shows its branches with their values and
    their share of the exports."""
    open_view(page, base, "produits?territoire=93&annee=2024&niveau=A17")
    treemap = page.locator(".treemaplayer").first
    expect(
        treemap.locator(".slicetext", has_text="Autres produits industriels").first
    ).to_be_visible(timeout=90_000)
    shown = page.evaluate(SLICE_TEXTS)
    assert f"Autres produits industriels4{NN}945,0{NB}M€ · 40,7{NN}%" in shown
    assert not any("pharmaceutiques" in t for t in shown)  # the A38 boxes wait for a click
    depth = (
        "() => Math.max(...document.querySelector('.js-plotly-plot').data[0].ids"
        ".map(i => i.split('/').length - 1))"
    )
    assert page.evaluate(depth) == 2  # flow / A17 / A38
    sector = treemap.locator("g.slice").filter(has_text=f"Autres produits industriels4{NN}945,0")
    sector.last.click()
    expect(treemap.locator(".slicetext", has_text="Produits pharmaceutiques").first).to_be_visible(
        timeout=30_000
    )
    # Once the zoom has ended, only the exports' sector is shown.
    expect(treemap.locator(".slicetext", has_text="Importations")).to_have_count(0)
    shown = page.evaluate(SLICE_TEXTS)
    assert f"Produits pharmaceutiques246,5{NB}M€ · 2,0{NN}%" in shown
    assert f"Produits chimiques2{NN}684,7{NB}M€ · 22,1{NN}%" in shown


def test_products_then_data_pages_show_the_figures_of_their_downloads(page, base):
    open_view(page, base, "produits?territoire=93&annee=2024&niveau=A17")
    wait_for_plots(page, 2)
    _, rows = download_csv(page)
    header, body = rows[0], rows[1:]
    assert header[0] == "Code A17"
    assert sum(number(r[header.index("Importations (M€)")]) for r in body) == pytest.approx(
        15_695.4, abs=0.05 * len(body)
    )

    # Switch to Données through the sidebar: the filters follow, the grid shows the rows.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Données", exact=True).click()
    page.wait_for_url(re.compile(r"/donnees\?"), timeout=60_000)
    wait_for_app(page)
    assert params(page)["niveau"] == "A17" and params(page)["territoire"] == "93"
    page.get_by_text("lignes", exact=False).first.wait_for(timeout=60_000)
    text = plain(page.get_by_test_id("stMain").inner_text())
    count = int(re.search(r"([\d ]+) lignes", text).group(1).replace(" ", ""))
    grid = page.frame_locator("iframe[title*='st_aggrid'], iframe").first
    first_value = grid.locator(".ag-row[row-index='0'] [col-id='Valeur (€)']").first
    first_value.wait_for(timeout=90_000)
    # More rows than a one-click download holds: the file is prepared, then streamed.
    page.get_by_role("button", name="Préparer le fichier CSV").click()
    wait_for_app(page)
    name, rows = download_csv(page, "Télécharger (CSV", role="link")
    assert name == "donnees_93-seine-saint-denis_2024.csv"
    header, body = rows[0], rows[1:]
    assert len(body) == count > 5_000  # every row, although the grid shows 5 000
    on_screen = int(plain(first_value.inner_text()).replace(" ", ""))
    assert on_screen == int(body[0][header.index("Valeur (€)")])
