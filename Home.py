"""Commerce extérieur des territoires: entry point and router.

Page config once, the shared filters in the sidebar (bound to the URL), the provenance banner,
then ``st.navigation``. Pages live in ``pages/`` and only compose what ``core`` returns.

Start the app with ``python Home.py [streamlit options]`` (what ``make run`` does) rather than
``streamlit run Home.py``: see ``launch`` below.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st


def server_config(argv: list[str]) -> dict[str, object]:
    """``--server.port 8600 --server.headless true`` → ``{"server.port": 8600, …}`` (the
    options ``streamlit run`` takes, as ``st.App.run`` wants them)."""
    config: dict[str, object] = {}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if not arg.startswith("--"):
            raise SystemExit(
                f"Option inattendue : {arg} (forme attendue : --section.option valeur)"
            )
        key, _, value = arg[2:].partition("=")
        if not value:
            if not args:
                raise SystemExit(f"Valeur manquante pour --{key}")
            value = args.pop(0)
        lowered = value.lower()
        config[key] = (
            lowered == "true" if lowered in ("true", "false")
            else int(value) if value.isascii() and value.isdigit()
            else value
        )  # fmt: skip
    return config


def launch(argv: list[str]) -> None:
    """Start the server on this script, with the route that streams prepared downloads from
    disk (``core.exports``) and Streamlit's legacy routing switched off.

    A ``pages/`` folder beside the main script makes Streamlit run the first session of a fresh
    server in its legacy "pages directory" mode, until a script has called ``st.navigation``:
    that session loses deep links to sub-pages ("Page not found") and its first widget
    interaction. Our pages are declared with ``st.navigation`` only, so the legacy mode is
    turned off before the server starts.
    """
    if sys.platform.startswith("linux") and "MALLOC_ARENA_MAX" not in os.environ:
        # glibc gives each thread that allocates its own memory arena (up to 8 per core):
        # with a script thread per session, freed memory stays spread over them and the
        # server's RSS only grows. Two arenas keep it close to what is in use. glibc reads the
        # setting at start: the process starts again with it (once; it is then set).
        os.environ["MALLOC_ARENA_MAX"] = "2"
        os.execv(sys.executable, [sys.executable, str(Path(__file__).resolve()), *argv])
    from starlette.routing import Route
    from streamlit.runtime.pages_manager import PagesManager

    from core import exports, memory

    PagesManager.uses_pages_directory = False
    memory.start_trimmer()
    app = st.App(
        str(Path(__file__).resolve()),
        routes=[Route(exports.ROUTE, exports.download_response, methods=["GET", "HEAD"])],
    )
    app.run(config=server_config(argv))


if __name__ == "__main__" and not st.runtime.exists():
    launch(sys.argv[1:])

# Imported once the server runs this script: the cached queries need Streamlit's runtime.
from pages import shared  # noqa: E402
from pages.tables import french_chrome  # noqa: E402

st.set_page_config(
    page_title="Commerce extérieur des territoires",
    page_icon=":material/public:",
    layout="wide",
)

ROOT = Path(__file__).resolve().parent

# (script, title, icon, URL path) in menu order. The URL paths are part of the deep links.
PAGE_SPECS = [
    # The default page is served at the root: its deep links are /?territoire=…
    ("overview.py", "Vue d'ensemble", ":material/dashboard:", "vue-d-ensemble"),
    ("partners.py", "Partenaires", ":material/flag:", "partenaires"),
    ("products.py", "Produits", ":material/category:", "produits"),
    ("flows.py", "Flux", ":material/account_tree:", "flux"),
    ("fiche.py", "Fiche territoriale", ":material/description:", "fiche"),
    ("trends.py", "Évolution", ":material/trending_up:", "evolution"),
    ("rankings.py", "Classements", ":material/leaderboard:", "classements"),
    ("specialisation.py", "Spécialisation", ":material/radar:", "specialisation"),
    ("compare.py", "Comparer", ":material/compare_arrows:", "comparer"),
    ("map.py", "Carte", ":material/map:", "carte"),
    ("data.py", "Données", ":material/table:", "donnees"),
    ("sources.py", "Sources de données", ":material/upload_file:", "sources"),
]
PAGES = [
    st.Page(
        f"pages/{script}",
        title=title,
        icon=icon,
        default=(i == 0),
        **({"url_path": url} if url else {}),
    )
    for i, (script, title, icon, url) in enumerate(PAGE_SPECS)
    # A page is listed once its script exists: no placeholder pages.
    if (ROOT / "pages" / script).exists()
]

catalog = shared.catalog_or_stop()
filters, notices = shared.sidebar_filters(catalog)
st.session_state["filters"] = filters
navigation = st.navigation(PAGES)
# The browser tab names the page and the view: « Flux · Seine-Saint-Denis 2024 ».
st.set_page_config(
    page_title=(
        f"{navigation.title} · {catalog.territory_name(filters.territory)} {filters.period.short}"
    )
)
# Once per run, first in the main area: the same element on every page, rather than a copy
# of the style sheet with each table and chart (up to five on a page).
french_chrome()
shared.provenance_banner(catalog)
shared.show_notices(notices)
navigation.run()
