"""Données: the rows behind the current filters in a grid (streamlit-aggrid), downloadable.

Three views (URL ``vue``): ``lignes`` (the customs' rows: one per quarter × département × CPF4
product × partner; for France the national rows, départements summed), ``pays`` and
``produits`` (the rows summed by partner or by product). Every view holds the flow chosen in
the filters only (exports or imports), and says so. The grid sorts, filters and pages in the
browser; for a large territory it shows the largest rows only (say so), while the CSV/XLSX
downloads hold every row of the filters.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from st_aggrid import AgGrid, GridOptionsBuilder, JsCode

from core import build, cache, tables
from core.filters import FLOW_LABELS
from core.formatting import format_meur, format_number
from core.labels import md
from pages import shared
from pages.tables import (
    SMALL_ROWS,
    UNPUBLISHED,
    AllRows,
    caveat,
    download_buttons,
    heading,
    page_choice,
    period_note,
)

VIEW_LABELS = {"lignes": "Lignes détaillées", "pays": "Par pays", "produits": "Par produit"}
# The grid's largest rows: as many as the build's ``top_values`` bound in one query.
GRID_MAX_ROWS = build.TOP_ROWS

# Numbers stay numbers in the grid (numeric sort and filters); only their display is French.
# The code is ours, never user data.
_FR_INTEGER = JsCode(
    """function(params) {
        if (params.value === null || params.value === undefined) { return ''; }
        return new Intl.NumberFormat('fr-FR', {maximumFractionDigits: 0})
            .format(params.value).replace('-', '\u2212');
    }"""
)
_LOCALE_TEXT = {
    "page": "Page",
    "more": "plus",
    "to": "à",
    "of": "sur",
    "next": "Suivante",
    "last": "Dernière",
    "first": "Première",
    "previous": "Précédente",
    "loadingOoo": "Chargement…",
    "noRowsToShow": "Aucune ligne",
    "filterOoo": "Filtrer…",
    "equals": "Égal à",
    "notEqual": "Différent de",
    "lessThan": "Inférieur à",
    "greaterThan": "Supérieur à",
    "lessThanOrEqual": "Inférieur ou égal à",
    "greaterThanOrEqual": "Supérieur ou égal à",
    "inRange": "Entre",
    "contains": "Contient",
    "notContains": "Ne contient pas",
    "startsWith": "Commence par",
    "endsWith": "Se termine par",
    "blank": "Vide",
    "notBlank": "Non vide",
    "andCondition": "ET",
    "orCondition": "OU",
    "pageSizeSelectorLabel": "Lignes par page :",
    "thousandSeparator": "\u202f",
    "decimalSeparator": ",",
}


# On a phone the pagination bar (page size, row span, page counter, arrows) is wider than the
# grid: let its parts wrap onto two lines instead of running into each other.
_GRID_CSS = {
    ".ag-paging-panel": {
        "flex-wrap": "wrap",
        "height": "auto !important",
        "min-height": "var(--ag-header-height, 40px)",
        "row-gap": "2px",
        "padding-top": "2px",
        "padding-bottom": "2px",
    },
}


# Columns with decimals (tonnes, euros per kilogram…): the grid shows the text the rest of the
# app and the CSV show (``tables.display_value``: its rounding, its whole tonnes from 1 000 t),
# kept in a hidden field of each row; it sorts and filters the numbers.
_DECIMAL_KINDS = ("meur", "tonnes", "per_kg", "ratio", "index")
_SHOWN = "__affiche__ "


def grid_frame(table: tables.Table) -> pd.DataFrame:
    """The frame the grid gets: the table's (a copy: the grid adds a column to the frame it
    gets, not to the files), and the screen text of each decimal column."""
    frame = table.frame.copy()
    for column in table.frame.columns:
        kind = table.kind(column)
        if kind in _DECIMAL_KINDS:
            frame[_SHOWN + column] = [tables.display_value(v, kind) for v in frame[column]]
    return frame


def _shown_text(column: str) -> JsCode:
    field = json.dumps(_SHOWN + column)  # our own column names, quoted as a JS string
    return JsCode(f"function(params) {{ return params.data ? params.data[{field}] : ''; }}")


def grid_options(table: tables.Table) -> dict:
    builder = GridOptionsBuilder.from_dataframe(table.frame)
    builder.configure_default_column(sortable=True, filter=True, resizable=True)
    for column in table.frame.columns:
        kind = table.kind(column)
        if kind in ("eur", "int", *_DECIMAL_KINDS):
            builder.configure_column(
                column,
                type=["numericColumn"],
                filter="agNumberColumnFilter",
                valueFormatter=_FR_INTEGER if kind in ("eur", "int") else _shown_text(column),
            )
        else:
            builder.configure_column(column, filter="agTextColumnFilter", maxWidth=280)
    if "Valeur (€)" in table.frame.columns:
        builder.configure_column("Valeur (€)", pinned="right")  # the figure stays in view
    if "Année" in table.frame.columns:
        builder.configure_column("Année", valueFormatter=None)  # 2024, not "2 024"
    builder.configure_pagination(enabled=True, paginationAutoPageSize=False, paginationPageSize=25)
    builder.configure_grid_options(
        localeText=_LOCALE_TEXT,
        paginationPageSizeSelector=[25, 50, 100],
        autoSizeStrategy={"type": "fitCellContents"},
    )
    return builder.build()


def one_flow(table: tables.Table, flow: str) -> tables.Table:
    """A grouped table of one flow: the rows hold the chosen flow only, so the other flow's
    columns would be zeros and the balance the opposite of the value; both are left out (on
    screen and in the files)."""
    other = "Importations" if flow == "export" else "Exportations"
    keep = [c for c in table.frame.columns if not c.startswith((other, "Solde"))]
    return tables.Table(
        table.frame[keep],
        {c: k for c, k in table.kinds.items() if c in keep},
        table.view,
        table.caption,
    )


filters = shared.current_filters()
catalog = cache.catalog()

with shared.guard():
    name = catalog.territory_name(filters.territory)
    flow_words = FLOW_LABELS[filters.flow]
    other_words = FLOW_LABELS["import" if filters.flow == "export" else "export"]
    st.title(heading(f"{md(name)} : données détaillées {filters.period.label}"))
    st.caption(f"Données · {filters.describe(catalog)}")
    period_note(filters.period)
    view = page_choice("vue", "Présentation", VIEW_LABELS, "lignes")
    st.info(
        f"Flux affiché : **{flow_words}** seulement, comme choisi dans les filtres. Pour les "
        f"{other_words}, changez le flux dans le panneau des filtres : la grille et les "
        "téléchargements suivent.",
        icon=":material/swap_horiz:",
    )

    summary = cache.trade_rows_summary(filters)
    if summary.rows == 0:
        st.info(
            "Aucune ligne ne correspond aux filtres choisis : élargissez la sélection de pays "
            "ou de produits, ou changez de période ou de flux."
        )
        st.stop()

    if view == "lignes":
        # The grid gets the largest rows only; every row is read when a file is asked for.
        shown = tables.rows_table(cache.trade_rows(filters, GRID_MAX_ROWS), "donnees")
        n = summary.rows

        every_row: AllRows | tables.Table = AllRows()
    else:
        grouped = one_flow(
            tables.grouped_rows_table(
                cache.trade_rows_grouped(filters, view), view, view=f"donnees-par-{view}"
            ),
            filters.flow,
        )
        n = len(grouped.frame)
        shown = tables.Table(
            grouped.frame.head(GRID_MAX_ROWS), grouped.kinds, grouped.view, grouped.caption
        )

        every_row = grouped

    total = summary.exports if filters.flow == "export" else summary.imports
    unpublished = catalog.unpublished(filters.territory, filters.flow, filters.period)
    st.markdown(
        f"**{format_number(summary.rows)} lignes** d'{flow_words} correspondent aux filtres, "
        f"pour un total de {format_meur(total)}"
        + (f" ({UNPUBLISHED})" if unpublished else "")
        + "."
    )
    if unpublished:
        st.warning(f"« {UNPUBLISHED} » : {md(unpublished)}", icon=":material/info:")
    if not summary.has_dept:
        st.caption(
            "France entière : lignes nationales, chaque ligne somme tous les départements "
            "(un trimestre, un produit, un pays) ; il n'y a donc pas de colonne département. "
            "Choisissez une région ou un département pour les lignes départementales."
        )
    caveat()
    if n > GRID_MAX_ROWS:
        st.warning(
            f"La grille montre les {format_number(GRID_MAX_ROWS)} plus grandes lignes sur "
            f"{format_number(n)} ; les téléchargements contiennent toutes les lignes.",
            icon=":material/filter_list:",
        )
    AgGrid(
        grid_frame(shown),
        gridOptions=grid_options(shown),
        height=560,
        allow_unsafe_jscode=True,
        theme="streamlit",
        key=f"data_grid_{view}",
        update_on=[],
        show_download_button=False,
        show_toolbar=False,
        custom_css=_GRID_CSS,
    )
    st.caption(
        f"{shown.caption} Cliquez sur un en-tête pour trier, sur son menu pour filtrer ; "
        "« Par pays » et « Par produit » regroupent les lignes."
    )
    st.caption(
        f"Les fichiers contiennent les {format_number(n)} lignes : préparez-les (quelques "
        "secondes), puis téléchargez-les."
        if n > SMALL_ROWS
        else f"Les fichiers contiennent les {format_number(n)} lignes."
    )
    # A small selection is whole in the grid already: its files are made with the page.
    whole = shown if n <= min(SMALL_ROWS, GRID_MAX_ROWS) and len(shown.frame) == n else every_row
    download_buttons(whole, filters, name, key=f"data_{view}", view=shown.view)
