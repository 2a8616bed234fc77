"""Render tables and charts the same way on every page.

``show_table`` puts a ``core.tables.Table`` on screen with its two server-side downloads (CSV
for French Excel and XLSX) of exactly the rows and numbers shown. ``show_chart`` draws a Plotly
figure with French locale and a PNG export in the toolbar named after view, territory and year.
``caveat`` writes the one-line methodological reminder next to figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import plotly.graph_objects as go
import streamlit as st

from core import tables
from core.plotly_locale import locale_config
from core.filters import Filters
from pages import shared

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CAVEAT = (
    "Chiffres des douanes rattachés au lieu de dédouanement, qui n'est pas toujours le lieu de "
    "production (voir « Précisions méthodologiques »)."
)
# Plotly's built-in maps fetch their outlines from a CDN even when a trace brings its own
# GeoJSON; an empty topology served inline keeps the browser from reaching for the network.
# The "#" makes Plotly's appended "/world_110m.json" a fragment, which a data: URL ignores.
_EMPTY_TOPOJSON_URL = 'data:application/json,{"type":"Topology","objects":{},"arcs":[]}#'


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
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Télécharger (CSV)",
        data=lambda: tables.to_csv_parts(parts()),
        file_name=tables.file_name(view, filters.territory, territory_name, filters.period, "csv"),
        mime=CSV_MIME,
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Télécharger (Excel)",
        data=lambda: tables.to_xlsx_parts(parts()),
        file_name=tables.file_name(view, filters.territory, territory_name, filters.period, "xlsx"),
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


def chart_config(view: str, filters: Filters, territory_name: str, territory: str | None = None):
    """Plotly config: French locale, no logo, PNG export named `view_territory_year`."""
    stem = tables.file_name(view, territory or filters.territory, territory_name, filters.period, "")
    return {
        "toImageButtonOptions": {"format": "png", "filename": stem.rstrip("."), "scale": 2},
        "displaylogo": False,
        "topojsonURL": _EMPTY_TOPOJSON_URL,
        **locale_config(),
    }


def show_chart(
    fig: go.Figure,
    view: str,
    filters: Filters,
    territory_name: str,
    key: str,
    reading_key: str | None = None,
    territory: str | None = None,
) -> None:
    """The figure with its toolbar PNG export, then its « Clé de lecture »."""
    st.plotly_chart(
        fig,
        width="stretch",
        key=key,
        config=chart_config(view, filters, territory_name, territory),
    )
    if reading_key:
        st.markdown(f"**Clé de lecture :** {reading_key}")


def caveat() -> None:
    st.caption(CAVEAT)


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
