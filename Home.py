"""Commerce extérieur des territoires: entry point and router.

Page config once, the shared filters in the sidebar (bound to the URL), the provenance banner,
then ``st.navigation``. Pages live in ``pages/`` and only compose what ``core`` returns.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages import shared

st.set_page_config(
    page_title="Commerce extérieur des territoires",
    page_icon=":material/public:",
    layout="wide",
)

ROOT = Path(__file__).resolve().parent

# (script, title, icon, URL path) in menu order. The URL paths are part of the deep links.
PAGE_SPECS = [
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
    st.Page(f"pages/{script}", title=title, icon=icon, url_path=url, default=(i == 0))
    for i, (script, title, icon, url) in enumerate(PAGE_SPECS)
    # A page is listed once its script exists: no placeholder pages.
    if (ROOT / "pages" / script).exists()
]

catalog = shared.catalog_or_stop()
filters, notices = shared.sidebar_filters(catalog)
st.session_state["filters"] = filters
navigation = st.navigation(PAGES)
shared.provenance_banner(catalog)
shared.show_notices(notices)
navigation.run()
