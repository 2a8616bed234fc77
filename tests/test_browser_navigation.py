"""End to end in headless Chromium: moving around the app keeps the reader's place.

The territory search forgives accents, case, hyphens and spaces and changes the territory (URL,
filters, tab title); the browser tab names the page and the view; Back and Forward undo and redo
a change of territory; quick page switches keep every filter; deep links to the special
territories (Corse, the customs' overseas codes, Monaco) and to a partial year open the right
view with the right French notice.

One Streamlit server for the module (the demonstration database: 2019–2024 whole, 2025 T1–T2),
one browser page per test; timeouts are generous because the machine has two cores shared with
other test runs. Screenshots of failed checks go to /tmp/nav/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser import (
    browser_page,
    open_view,
    plain,
    scroll_through,
    streamlit_server,
    wait_for_app,
)
from tests.browser import url_params as params

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/nav")
WAIT_MS = 15_000  # how long a value on screen may lag the end of a run
NO_MATCH = "Aucun territoire ne correspond à « {} »."
CORSE_NOTICE = (
    "Les douanes publient la Corse comme un seul département (20) : affichage de la Corse."
)
PARTIAL_2025 = (
    "Année 2025 partielle : trimestres T1–T2 seulement ; les évolutions se comparent aux mêmes "
    "trimestres de l'année précédente."
)


@pytest.fixture(scope="module")
def base(demo_path: Path):
    with streamlit_server(demo_path) as url:
        yield url


@pytest.fixture
def page(base: str):
    with browser_page() as p:
        yield p


# --- helpers ------------------------------------------------------------------------------------


def shot(page, name: str) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return str(path)


def settle(page) -> None:
    """Wait for the run to end, twice: a click's rerun may start a moment after the click."""
    wait_for_app(page)
    page.wait_for_timeout(800)
    wait_for_app(page)


def eventually(page, read, expected, timeout_ms: int = WAIT_MS):
    """Read until the value is ``expected`` or the time is up; return the last value read.

    What the reader sees may lag the end of a run by a few frames (widgets re-drawn, a title
    set): a wrong value that stays is a failure, a value on its way is not.
    """
    waited = 0
    while True:
        value = read()
        if value == expected or waited >= timeout_ms:
            return value
        page.wait_for_timeout(250)
        waited += 250


def check(page, what: str, read, expected) -> None:
    """Assert that ``read()`` shows ``expected``, with a screenshot in /tmp/nav when not."""
    value = eventually(page, read, expected)
    if value != expected:
        name = re.sub(r"[^0-9a-z]+", "_", what.lower())
        pytest.fail(f"{what}: saw {value!r}, expected {expected!r} (see {shot(page, name)})")


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def combobox(page, label: str) -> str:
    return sidebar(page).get_by_role("combobox", name=label, exact=True).input_value()


def top_slider(page) -> str:
    return (
        sidebar(page)
        .get_by_role("slider", name="Nombre de pays et de produits affichés")
        .input_value()
    )


def title_h1(page) -> str:
    return plain(page.get_by_test_id("stMain").locator("h1").first.inner_text())


def warnings(page) -> list[str]:
    """The texts of the yellow notices (URL notices are the only warnings of these pages)."""
    return [
        plain(t)
        for t in page.locator(
            '[data-testid="stAlertContentWarning"] [data-testid="stMarkdownContainer"]'
        ).all_inner_texts()
    ]


def infos(page) -> list[str]:
    return [
        plain(t)
        for t in page.get_by_test_id("stMain")
        .locator('[data-testid="stAlertContentInfo"] [data-testid="stMarkdownContainer"]')
        .all_inner_texts()
    ]


def errors(page) -> list[str]:
    return page.locator(
        '[data-testid="stAlertContentError"], [data-testid="stException"]'
    ).all_inner_texts()


def wait_for_key_figures(page, n: int = 4) -> None:
    """The key figures arrive as the script runs: wait for at least ``n`` of them."""
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= {n}",
        timeout=60_000,
    )
    page.wait_for_timeout(500)


def search(page, query: str) -> None:
    box = sidebar(page).get_by_role("textbox", name="Rechercher un territoire")
    box.fill(query)
    box.press("Enter")
    settle(page)


def results(page) -> list[str]:
    """The search's result buttons, as the reader sees them."""
    return [
        plain(t)
        for t in sidebar(page).locator('[class*="st-key-f_choix_"] button').all_inner_texts()
    ]


def choose(page, label: str) -> None:
    sidebar(page).locator('[class*="st-key-f_choix_"]').get_by_role(
        "button", name=label, exact=True
    ).click()


def nav_link(page, name: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True)


# --- 1. the territory search --------------------------------------------------------------------
def test_search_forgives_accents_and_case_and_changes_the_territory(page, base):
    open_view(page, base, "?territoire=93&annee=2024")
    expect(page).to_have_title("Vue d'ensemble · Seine-Saint-Denis 2024", timeout=WAIT_MS)

    # « ardeche »: no accent, lower case; Ardèche first, then the Drôme through its
    # Territoire d'industrie « Ardèche Drôme Nord ».
    search(page, "ardeche")
    offered = ["07 – Ardèche", "26 – Drôme · Territoire d'industrie : Ardèche Drôme Nord"]
    check(page, "search results", lambda: results(page), offered)
    assert params(page)["territoire"] == "93"  # offering is not choosing
    choose(page, "07 – Ardèche")
    page.wait_for_function("() => location.search.includes('territoire=07')", timeout=60_000)
    settle(page)
    expect(page).to_have_title("Vue d'ensemble · Ardèche 2024", timeout=WAIT_MS)
    kept = params(page)
    assert kept["territoire"] == "07" and kept["annee"] == "2024"
    check(page, "Territoire", lambda: combobox(page, "Territoire"), "07 – Ardèche")
    check(page, "h1", lambda: title_h1(page), "Ardèche : commerce extérieur en 2024")
    # The chosen result empties the box and its results.
    box = sidebar(page).get_by_role("textbox", name="Rechercher un territoire")
    assert box.input_value() == ""
    check(page, "search results", lambda: results(page), [])

    # « SEINE saint »: upper case, a space for the hyphens.
    search(page, "SEINE saint")
    check(page, "search results", lambda: results(page), ["93 – Seine-Saint-Denis"])
    choose(page, "93 – Seine-Saint-Denis")
    page.wait_for_function("() => location.search.includes('territoire=93')", timeout=60_000)
    settle(page)
    expect(page).to_have_title("Vue d'ensemble · Seine-Saint-Denis 2024", timeout=WAIT_MS)
    assert params(page)["territoire"] == "93"
    check(page, "Territoire", lambda: combobox(page, "Territoire"), "93 – Seine-Saint-Denis")
    check(page, "h1", lambda: title_h1(page), "Seine-Saint-Denis : commerce extérieur en 2024")

    # A query matching nothing says so in French and changes nothing.
    url_before = page.url
    search(page, "xqzw")
    message = sidebar(page).get_by_text(NO_MATCH.format("xqzw"), exact=True)
    expect(message).to_be_visible(timeout=WAIT_MS)
    check(page, "search results", lambda: results(page), [])
    assert page.url == url_before
    expect(page).to_have_title("Vue d'ensemble · Seine-Saint-Denis 2024", timeout=WAIT_MS)
    check(page, "Territoire", lambda: combobox(page, "Territoire"), "93 – Seine-Saint-Denis")
    check(page, "h1", lambda: title_h1(page), "Seine-Saint-Denis : commerce extérieur en 2024")


# --- 2. the browser tab's title -----------------------------------------------------------------
def test_the_tab_title_names_the_page_the_territory_and_the_period(page, base):
    open_view(page, base, "flux?territoire=93&annee=2024")
    expect(page).to_have_title("Flux · Seine-Saint-Denis 2024", timeout=WAIT_MS)

    # Another period in the sidebar: the partial year is written « 2025 T1–T2 ».
    sidebar(page).get_by_role("combobox", name="Période", exact=True).click()
    page.get_by_role("option", name="2025 (T1–T2)", exact=True).click()
    page.wait_for_function("() => location.search.includes('annee=2025')", timeout=60_000)
    settle(page)
    expect(page).to_have_title("Flux · Seine-Saint-Denis 2025 T1–T2", timeout=WAIT_MS)

    # Another page: its name replaces « Flux », the view stays.
    nav_link(page, "Évolution").click()
    page.wait_for_url(re.compile(r"/evolution\?"), timeout=60_000)
    settle(page)
    expect(page).to_have_title("Évolution · Seine-Saint-Denis 2025 T1–T2", timeout=WAIT_MS)

    # A région over the last twelve months, from a deep link to the default page.
    open_view(page, base, "?territoire=R11&annee=12m")
    expect(page).to_have_title("Vue d'ensemble · Île-de-France T3 2024–T2 2025", timeout=WAIT_MS)
    open_view(page, base, "sources?territoire=FR&annee=2019")
    expect(page).to_have_title("Sources de données · France 2019", timeout=WAIT_MS)


# --- 3. Back and Forward ------------------------------------------------------------------------
def test_back_and_forward_undo_and_redo_a_change_of_territory(page, base):
    open_view(page, base, "flux?territoire=93&annee=2024")
    expect(page).to_have_title("Flux · Seine-Saint-Denis 2024", timeout=WAIT_MS)
    search(page, "59")
    check(page, "search results", lambda: results(page), ["59 – Nord"])
    choose(page, "59 – Nord")
    page.wait_for_function("() => location.search.includes('territoire=59')", timeout=60_000)
    settle(page)
    expect(page).to_have_title("Flux · Nord 2024", timeout=WAIT_MS)
    check(page, "Territoire", lambda: combobox(page, "Territoire"), "59 – Nord")
    check(page, "h1", lambda: title_h1(page), "Nord : flux à l'export en 2024")

    page.go_back()
    page.wait_for_function("() => location.search.includes('territoire=93')", timeout=60_000)
    settle(page)
    assert urlparse(page.url).path == "/flux"
    assert params(page) == {
        "territoire": "93", "annee": "2024", "flux": "export", "niveau": "A38", "top": "10",
    }  # fmt: skip
    expect(page).to_have_title("Flux · Seine-Saint-Denis 2024", timeout=WAIT_MS)
    check(page, "Territoire", lambda: combobox(page, "Territoire"), "93 – Seine-Saint-Denis")
    check(page, "h1", lambda: title_h1(page), "Seine-Saint-Denis : flux à l'export en 2024")

    page.go_forward()
    page.wait_for_function("() => location.search.includes('territoire=59')", timeout=60_000)
    settle(page)
    assert urlparse(page.url).path == "/flux"
    assert params(page)["territoire"] == "59" and params(page)["annee"] == "2024"
    expect(page).to_have_title("Flux · Nord 2024", timeout=WAIT_MS)
    check(page, "Territoire", lambda: combobox(page, "Territoire"), "59 – Nord")
    check(page, "h1", lambda: title_h1(page), "Nord : flux à l'export en 2024")


# --- 4. quick page switches ---------------------------------------------------------------------
TRIALS = 8  # the defect is a race: several trials to catch it


def test_quick_page_switches_keep_every_filter(page, base):
    """Regression of a real defect: two sidebar links clicked 0.3 s apart interrupt the first
    page's run; the filters must survive it, not fall back to the widgets' first option or
    minimum (France entière, 12 derniers mois, A17, 3), in the URL as on screen."""
    wanted = {"territoire": "93", "annee": "2019", "flux": "export", "niveau": "A129", "top": "20"}
    failures = []
    for trial in range(TRIALS):
        open_view(page, base, "?territoire=93&annee=2019&niveau=A129&top=20")
        assert params(page) == wanted  # the deep link, completed
        nav_link(page, "Flux").click()
        page.wait_for_timeout(300)
        nav_link(page, "Partenaires").click()
        page.wait_for_url(re.compile(r"/partenaires\?"), timeout=60_000)
        settle(page)
        expected = {
            "url": wanted,
            "Territoire": "93 – Seine-Saint-Denis",
            "Période": "2019",
            "Niveau de produits": "A129 (produits)",
            "top": "20",
            "title": "Partenaires · Seine-Saint-Denis 2019",
        }
        seen = eventually(
            page,
            lambda: {
                "url": {k: v for k, v in params(page).items() if k in wanted},
                "Territoire": combobox(page, "Territoire"),
                "Période": combobox(page, "Période"),
                "Niveau de produits": combobox(page, "Niveau de produits"),
                "top": top_slider(page),
                "title": page.title(),
            },
            expected,
        )
        if seen != expected:
            failures.append((trial, page.url, seen, shot(page, f"quick_switch_trial{trial}")))
    assert not failures, f"{len(failures)}/{TRIALS} quick switches lost the filters: {failures}"


def test_country_and_product_lists_open_on_a_click_and_keep_the_selection(page, base):
    """The two long lists are drawn only while their expander is open (a rerun when it opens):
    closed, the sidebar says what they hold; a page switch keeps the selection either way."""
    open_view(page, base, "partenaires?territoire=93&annee=2024&pays=DE,US")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Sélection\u00a0: 2\u00a0pays", exact=True)).to_be_visible()
    expect(sidebar.get_by_test_id("stMultiSelect")).to_have_count(0)
    sidebar.get_by_text("Sélection de pays et de produits").click()
    lists = sidebar.get_by_test_id("stMultiSelect")
    expect(lists).to_have_count(2, timeout=WAIT_MS)
    expect(lists.first).to_contain_text("Allemagne (DE)")
    expect(lists.first).to_contain_text("États-Unis (US)")
    expect(sidebar.get_by_text("Sélection\u00a0: 2\u00a0pays", exact=True)).to_have_count(0)
    nav_link(page, "Flux").click()
    page.wait_for_url(re.compile(r"/flux\?"), timeout=60_000)
    settle(page)
    expect(lists).to_have_count(2, timeout=WAIT_MS)  # still open on the next page
    assert params(page)["pays"] == "DE,US"
    sidebar.get_by_text("Sélection de pays et de produits").click()
    expect(lists).to_have_count(0, timeout=WAIT_MS)
    expect(sidebar.get_by_text("Sélection\u00a0: 2\u00a0pays", exact=True)).to_be_visible()
    assert params(page)["pays"] == "DE,US"


# --- 5. deep links to special territories and a partial year ------------------------------------
@pytest.mark.parametrize(
    ("link", "code", "label", "name", "notices"),
    [
        ("?territoire=20&annee=2024", "20", "20 – Corse", "Corse", []),
        # The fact sheets' Corse-du-Sud: the customs publish one Corse, said in a notice.
        ("?territoire=2A&annee=2024", "20", "20 – Corse", "Corse", [CORSE_NOTICE]),
        # The customs' code of Guadeloupe is read as its INSEE code, silently (as
        # tests/test_filters.py specifies), and the URL says 971 from then on.
        ("?territoire=9A&annee=2024", "971", "971 – Guadeloupe", "Guadeloupe", []),
        ("?territoire=99&annee=2024", "99", "99 – Principauté de Monaco",
         "Principauté de Monaco", []),
    ],
    ids=["corse", "corse-du-sud", "guadeloupe-9A", "monaco"],
)  # fmt: skip
def test_special_territories_open_from_their_deep_links(
    page, base, link, code, label, name, notices
):
    open_view(page, base, link)
    assert params(page)["territoire"] == code
    assert params(page)["annee"] == "2024"
    expect(page).to_have_title(f"Vue d'ensemble · {name} 2024", timeout=WAIT_MS)
    check(page, "Territoire", lambda: combobox(page, "Territoire"), label)
    check(page, "h1", lambda: title_h1(page), f"{name} : commerce extérieur en 2024")
    check(page, f"URL notices of {link}", lambda: warnings(page), notices)
    wait_for_key_figures(page)  # the key figures are drawn: no failure further down
    assert errors(page) == [], shot(page, f"deep_link_{code}_error")


def test_a_partial_year_says_it_is_partial(page, base):
    open_view(page, base, "?territoire=93&annee=2025")
    assert params(page)["annee"] == "2025" and params(page)["territoire"] == "93"
    expect(page).to_have_title("Vue d'ensemble · Seine-Saint-Denis 2025 T1–T2", timeout=WAIT_MS)
    check(page, "Période", lambda: combobox(page, "Période"), "2025 (T1–T2)")
    check(
        page, "h1", lambda: title_h1(page), "Seine-Saint-Denis : commerce extérieur en 2025 (T1–T2)"
    )
    check(page, "partial-year note", lambda: PARTIAL_2025 in infos(page), True)
    assert warnings(page) == [] and errors(page) == []
    # Exports and imports compare with the same quarters of 2024, not with the whole year.
    wait_for_key_figures(page, 10)  # 4 + 4 + 2 for a département

    def compared() -> list[tuple[str, str]]:
        """(figure, what it is compared with) for the key figures that carry a change."""
        metrics = [plain(t).split("\n") for t in page.get_by_test_id("stMetric").all_inner_texts()]
        return [(m[0], m[-1]) for m in metrics if m[-1].startswith("par rapport à")]

    since = "par rapport à 2024 (T1–T2)"
    check(page, "changes", compared, [("Exportations", since), ("Importations", since)])


# --- 6. lazy tabs -------------------------------------------------------------------------------
def test_evolution_tabs_draw_only_the_open_series_and_breakdown_and_keep_them_in_the_url(
    page, base
):
    open_view(page, base, "evolution?territoire=93&annee=2024")
    main = page.get_by_test_id("stMain")

    def headings() -> list[str]:
        return [plain(h) for h in main.locator("h3").all_inner_texts() if "Principaux" in h]

    # The products tab is open; the partners' section is neither computed nor drawn.
    check(page, "open section", headings, ["Principaux produits (A38) : exportations"])
    assert params(page)["detail"] == "produits"
    charts = main.locator(".js-plotly-plot")
    # By year; the products' chart, below the fold, is drawn once the reader scrolls near it.
    check(page, "charts drawn", charts.count, 1)
    scroll_through(page)
    check(page, "charts drawn", charts.count, 2)
    assert params(page)["serie"] == "annees"
    # The risers and fallers are drawn once their expander is opened.
    main.get_by_text("Plus fortes hausses et baisses, 2019–2024").click()
    check(page, "charts drawn", charts.count, 3)

    page.get_by_role("tab", name="Par pays partenaire").click()
    page.wait_for_function("() => location.search.includes('detail=pays')", timeout=60_000)
    settle(page)
    check(page, "open section", headings, ["Principaux pays partenaires : exportations"])
    check(page, "charts drawn", charts.count, 2)
    assert params(page)["territoire"] == "93" and params(page)["annee"] == "2024"

    # The series' tabs: by quarter replaces by year (its chart and its table), both in the URL.
    page.get_by_role("tab", name="Par trimestre").click()
    page.wait_for_function("() => location.search.includes('serie=trimestres')", timeout=60_000)
    settle(page)
    check(page, "charts drawn", charts.count, 2)
    assert params(page)["detail"] == "pays"
    expect(
        main.get_by_text("exportations et importations de chaque trimestre publié")
    ).to_be_visible()
    expect(main.get_by_text("les courbes donnent les exportations")).to_have_count(0)

    # The link reopens the partners' tab.
    open_view(page, base, "evolution?territoire=93&annee=2024&detail=pays")
    check(page, "open section", headings, ["Principaux pays partenaires : exportations"])
    expect(page.get_by_role("tab", name="Par pays partenaire")).to_have_attribute(
        "aria-selected", "true"
    )
