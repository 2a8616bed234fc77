"""End to end: choosing a row of the ranking table makes that département the territory, and
the URL follows (real Streamlit server, headless Chromium, trends fixture database)."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def test_selecting_a_ranking_row_changes_the_territory_and_the_url(trends_path):
    link = "classements?territoire=93&annee=2024&indicateur=exportations&niveau=A129"
    with streamlit_server(trends_path) as base, browser_page() as page:
        # The first session of a fresh server opens the deep link itself, with no
        # "Page not found" dialog over the grid.
        page.goto(f"{base}/{link}")
        wait_for_app(page)
        page.wait_for_timeout(1000)
        assert page.locator('[data-testid="stDialog"]').count() == 0
        page.get_by_text("Rang de Seine-Saint-Denis (exportations)").wait_for()
        # Région 11, exports 2024: 93 and 95 tie first (200 M€), then 75 Paris (100 M€).
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        box = grid.bounding_box()
        assert box is not None
        header, row = 35, 35  # Glide data grid's default header and row heights (px)
        page.mouse.click(box["x"] + 18, box["y"] + header + 2 * row + row / 2)
        page.wait_for_function("() => location.search.includes('territoire=75')", timeout=60_000)
        wait_for_app(page)
        page.get_by_text("Rang de Paris (exportations)").wait_for(timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("combobox", name="Territoire").input_value() == "75 – Paris"
        assert "indicateur=exportations" in page.url  # the page's own parameters are kept
