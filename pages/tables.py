"""Render a ``core.tables.Table`` on screen with its two downloads (CSV and XLSX).

Every table of every page goes through ``show_table`` so that all tables read and download the
same way: French formats on screen, server-side files named after view, territory and year.
"""

from __future__ import annotations

import streamlit as st

from core import tables
from core.filters import Filters

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    st.dataframe(tables.styled(table), hide_index=True, width="stretch", height=height, key=key)
    if table.caption:
        st.caption(table.caption)
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Télécharger (CSV)",
        data=lambda: tables.to_csv(table),
        file_name=tables.file_name(
            table.view, filters.territory, territory_name, filters.year, "csv"
        ),
        mime=CSV_MIME,
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "Télécharger (Excel)",
        data=lambda: tables.to_xlsx(table),
        file_name=tables.file_name(
            table.view, filters.territory, territory_name, filters.year, "xlsx"
        ),
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )
