"""Render tables and charts the same way on every page.

``show_table`` puts a ``core.tables.Table`` on screen with its two server-side downloads (CSV
for French Excel and XLSX) of exactly the rows and numbers shown. ``show_chart`` is the one way
a page draws a Plotly figure: plotly.js's French toolbar (« Télécharger le graphique en fichier
PNG », « Réinitialiser les axes »…), no Plotly logo, and a PNG named after view, territory and
period (``evolution_93-seine-saint-denis_2024.png``), then its « Clé de lecture ».

Streamlit's own element toolbar (« Download as CSV », « Search », « Fullscreen ») has no French
translation and no option to rename it: ``french_chrome`` hides it with a static style sheet
(no user text in it), so the French « Télécharger (CSV) / (Excel) » buttons are the only ones.

``heading`` gives titles French typography (a no-break space before « : », « ; », « ? », « ! »)
so that a narrow screen never starts a line with the colon. ``unpublished_note`` and
``unpublished_column`` mark figures the source does not publish (« non publié »).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import tables
from core.db import Catalog
from core.filters import Filters
from core.periods import Period
from core.plotly_locale import locale_config
from pages import shared

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NBSP = "\u00a0"
CAVEAT = (
    "Chiffres des douanes rattachés au lieu de dédouanement, qui n'est pas toujours le lieu de "
    "production (voir « Précisions méthodologiques »)."
)
UNPUBLISHED = "non publié"
# Plotly's built-in maps fetch their outlines from a CDN even when a trace brings its own
# GeoJSON; an empty topology served inline keeps the browser from reaching for the network.
# The "#" makes Plotly's appended "/world_110m.json" a fragment, which a data: URL ignores.
_EMPTY_TOPOJSON_URL = 'data:application/json,{"type":"Topology","objects":{},"arcs":[]}#'
# Streamlit's element toolbar over tables and charts is English only (« Download as CSV »,
# « Search », « Fullscreen », « Show/hide columns ») and has no option to translate it; so is
# the « Fullscreen » button Streamlit adds to Plotly's toolbar (plotly.js does not translate a
# custom button). Both hidden. A constant style sheet; no user text ever goes into it.
_CHROME_CSS = """<style>
[data-testid="stElementToolbar"] { display: none !important; }
.modebar-btn[data-title="Fullscreen"], .modebar-btn[data-title="Close fullscreen"] {
  display: none !important;
}
</style>"""
_SPACE_BEFORE_PUNCT = re.compile(r"[ \u202f]([:;?!])")


def heading(text: str) -> str:
    """French typography for a title: a no-break space before « : », « ; », « ? » and « ! »,
    so that a narrow screen never starts a line with the punctuation."""
    return _SPACE_BEFORE_PUNCT.sub(NBSP + r"\1", text)


def french_chrome() -> None:
    """Hide Streamlit's English element toolbar (style only: it takes no room on the page)."""
    st.html(_CHROME_CSS)


def show_table(
    table: tables.Table,
    filters: Filters,
    territory_name: str,
    key: str,
    height: int | str = "auto",
) -> None:
    """The table, its caption, and « Télécharger (CSV) » / « Télécharger (Excel) » buttons."""
    if table.frame.empty:
        st.info("Aucune ligne ne correspond aux filtres choisis.")
        return
    french_chrome()
    st.dataframe(
        tables.styled(table),
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        placeholder="–",
    )
    if table.caption:
        st.caption(table.caption)
    download_buttons(table, filters, territory_name, key)


def download_buttons(
    table: tables.Table | Callable[[], Iterable[tables.Table]],
    filters: Filters,
    territory_name: str,
    key: str,
    view: str | None = None,
) -> None:
    """CSV and XLSX files of ``table``, built on the server only when clicked.

    ``table`` may be a function that yields the table in consecutive parts (then ``view``
    names the files), so that a very large table is only read when a user asks for it, and
    converted part by part.
    """
    parts = table if callable(table) else (lambda: [table])
    view = view or (table.view if isinstance(table, tables.Table) else "tableau")
    # Two buttons side by side on any width (Streamlit stacks columns on a phone, which would
    # put a wide gap between them): a horizontal container wraps them only when needed.
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Télécharger (CSV)",
            data=lambda: tables.to_csv_parts(parts()),
            file_name=tables.file_name(
                view, filters.territory, territory_name, filters.period, "csv"
            ),
            mime=CSV_MIME,
            key=f"{key}_csv",
            icon=":material/download:",
            on_click="ignore",
        )
        st.download_button(
            "Télécharger (Excel)",
            data=lambda: tables.to_xlsx_parts(parts()),
            file_name=tables.file_name(
                view, filters.territory, territory_name, filters.period, "xlsx"
            ),
            mime=XLSX_MIME,
            key=f"{key}_xlsx",
            icon=":material/download:",
            on_click="ignore",
        )


def chart_file_stem(
    view: str, filters: Filters, territory_name: str, territory: str | None = None
) -> str:
    """`evolution_93-seine-saint-denis_2024`: the PNG's name without its extension."""
    name = tables.file_name(
        view, territory or filters.territory, territory_name, filters.period, ""
    )
    return name.rstrip(".")


def chart_config(
    view: str,
    filters: Filters,
    territory_name: str,
    territory: str | None = None,
    **extra: object,
) -> dict:
    """Plotly config: French locale, no logo, PNG export named `view_territory_period`."""
    return {
        "toImageButtonOptions": {
            "format": "png",
            "filename": chart_file_stem(view, filters, territory_name, territory),
            "scale": 2,
        },
        "displaylogo": False,
        "topojsonURL": _EMPTY_TOPOJSON_URL,
        **locale_config(),
        **extra,
    }


def show_chart(
    fig: go.Figure,
    view: str,
    filters: Filters,
    territory_name: str,
    key: str,
    reading_key: str | None = None,
    territory: str | None = None,
    caption: str | None = None,
    config: dict | None = None,
) -> None:
    """The figure with its French toolbar and named PNG export, then its « Clé de lecture »
    (``reading_key``, Markdown) and an optional ``caption``. Every chart of the app goes
    through here; ``config`` adds Plotly options (``{"scrollZoom": False}``)."""
    french_chrome()
    st.plotly_chart(
        fig,
        width="stretch",
        key=key,
        config=chart_config(view, filters, territory_name, territory, **(config or {})),
    )
    if reading_key:
        st.markdown(f"**Clé de lecture{NBSP}:** {reading_key}")
    if caption:
        st.caption(caption)


def caveat() -> None:
    st.caption(CAVEAT)


def period_note(period: Period) -> None:
    """Say when the figures are not a whole year (partial year, « 12 derniers mois »)."""
    if period.note:
        st.info(period.note, icon=":material/event_busy:")


# --- Figures the source does not publish ----------------------------------------------------
def unpublished_note(catalog: Catalog, territory: str, period: Period) -> str | None:
    """The notes of every flow of ``territory`` not published for ``period``, joined."""
    notes = [catalog.unpublished(territory, flow, period) for flow in ("export", "import")]
    notes = [n for n in notes if n]
    return " ".join(notes) if notes else None


def unpublished_flows(catalog: Catalog, territory: str, period: Period) -> tuple[str, ...]:
    """The flows (``export``, ``import``) of ``territory`` not published for ``period``."""
    return tuple(
        flow for flow in ("export", "import") if catalog.unpublished(territory, flow, period)
    )


def unpublished_label(flows: Sequence[str]) -> str:
    """« importations non publiées » (the cell of a « Note » column), « » when none."""
    words = {"export": "exportations", "import": "importations"}
    if not flows:
        return ""
    if len(flows) == 2:
        return "exportations et importations non publiées"
    return f"{words[flows[0]]} non publiées"


def unpublished_column(
    catalog: Catalog, codes: Iterable[str], period: Period | Iterable[Period]
) -> pd.Series | None:
    """A « Note » column for a table of territories (one period for all rows, or one per
    row): « importations non publiées » where the source publishes no figure; None when every
    figure is published (the table then has no such column)."""
    codes = list(codes)
    periods = [period] * len(codes) if isinstance(period, Period) else list(period)
    notes = [
        unpublished_label(unpublished_flows(catalog, c, p))
        for c, p in zip(codes, periods, strict=True)
    ]
    return pd.Series(notes) if any(notes) else None


def page_choice(
    name: str, label: str, labels: dict[str, str], default: str, help: str | None = None
) -> str:
    """A page control kept in the URL as ``name``: horizontal radio over ``labels``' keys."""
    key = f"p_{name}"
    shared.page_param(name, list(labels), default, labels)
    value = st.radio(
        label, list(labels), format_func=labels.get, key=key, horizontal=True, help=help
    )
    shared.sync_url({name: value}, owned=[name])
    return value
