"""Classements: départements ranked within their région or within France on exports,
imports, balance, coverage rate and growth; the selected département highlighted; choosing a
row of the table makes that département the territory (the URL follows on the next run).

Page parameters in the URL: ``portee`` (``region`` or ``france``) and ``indicateur`` (see
``core.queries_trends.INDICATORS``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, tables
from core.formatting import format_rank
from core.queries_trends import INDICATORS, SCOPES
from pages import shared
from pages.tables import download_buttons

filters = shared.current_filters()
catalog = cache.catalog()
PLOT_CONFIG = {"displaylogo": False}
SCOPE_LABELS = {"region": "Dans la région", "france": "Dans la France entière"}
INDICATOR_LABELS = {k: v[1] for k, v in INDICATORS.items()}
TABLE_KEY = "ranking_table"


def choose_row() -> None:
    """Selection callback: the chosen département becomes the shared territory. It must run
    as a callback, before the sidebar widget is created again on the next run."""
    state = st.session_state.get(TABLE_KEY)
    rows = state.selection.rows if state is not None else []
    codes = st.session_state.get("_ranking_codes", [])
    if rows and rows[0] < len(codes):
        st.session_state["f_territoire"] = codes[rows[0]]


def ranking_table(r, column: str) -> tables.Table:
    t = r.table.sort_values([f"rank_{column}", "code"], na_position="last")
    frame = pd.DataFrame(
        {
            "Rang": t[f"rank_{column}"].astype("float64"),
            "Code": t["code"],
            "Département": t["name"],
            "Région": t["region_name"],
            **tables.kpi_columns(t),
        }
    )
    kinds = {"Rang": "int", **tables.KPI_KINDS}
    caption = (
        f"Classement sur « {INDICATOR_LABELS[indicator]} » ; millions d'euros courants ; rangs "
        "ex aequo partagés (1, 2, 2, 4)"
        + (
            f" ; évolutions par rapport à {r.prev_period.label} (mêmes trimestres)."
            if r.prev_period
            else "."
        )
        + (f" {r.period.note}" if r.period.note else "")
    )
    return tables.Table(
        frame.reset_index(drop=True), kinds, view=f"classement-{indicator}", caption=caption
    )


with shared.guard():
    st.title(f"Classement des départements {filters.period.phrase}")
    st.caption(f"Classements · {filters.describe(catalog)}")
    c1, c2 = st.columns([1, 2])
    with c1:
        scope = shared.page_param("portee", SCOPES, "region", SCOPE_LABELS)
        if filters.kind == "france":
            st.radio(
                "Départements classés",
                SCOPES,
                format_func=SCOPE_LABELS.get,
                key="p_portee",
                disabled=True,
                help="Pour la France entière, tous les départements sont classés.",
            )
        else:
            scope = st.radio(
                "Départements classés", SCOPES, format_func=SCOPE_LABELS.get, key="p_portee"
            )
    with c2:
        indicator = shared.page_param(
            "indicateur", list(INDICATORS), "exportations", INDICATOR_LABELS
        )
        indicator = st.selectbox(
            "Classer selon", list(INDICATORS), format_func=INDICATOR_LABELS.get, key="p_indicateur"
        )
    shared.sync_url({"portee": scope, "indicateur": indicator}, owned=["portee", "indicateur"])

    r = cache.rankings(filters, scope)
    column, label, _kind = INDICATORS[indicator]
    st.subheader(
        f"{label} : départements {'de France' if r.scope == 'france' else 'de la région ' + r.scope_name}"
    )
    if column.startswith("growth") and r.prev_period is None:
        st.info(
            f"Les mêmes trimestres de l'année précédant {r.period.label} ne sont pas chargés : "
            "pas d'évolution à classer."
        )

    if r.selected is not None:
        row = r.table[r.table["code"] == r.selected].iloc[0]
        n = int(r.table[column].notna().sum())
        rank = row[f"rank_{column}"]
        st.metric(
            f"Rang de {row['name']} ({label.lower()})",
            format_rank(None if pd.isna(rank) else int(rank), n),
        )
    elif filters.kind == "region":
        st.caption(
            f"Territoire choisi : la région {catalog.territory_name(filters.territory)} ; "
            "ses départements sont classés entre eux (ou parmi ceux de la France)."
        )

    where = "de France" if r.scope == "france" else f"de la région {r.scope_name}"
    st.plotly_chart(
        charts_trends.ranking_chart(r, indicator), config=PLOT_CONFIG, key="ranking_chart"
    )
    st.caption(
        f"Clé de lecture : chaque barre est un département {where}, classé du plus grand au "
        f"plus petit selon « {label} »"
        + (" ; le département choisi est en orange." if r.selected else ".")
    )

    st.subheader("Tableau du classement")
    st.caption(
        "Cliquez sur la case à gauche d'une ligne pour faire de ce département le territoire "
        "étudié sur toutes les pages (le lien de la page suit)."
    )
    table = ranking_table(r, column)
    st.session_state["_ranking_codes"] = list(table.frame["Code"])
    styled = tables.styled(table)
    if r.selected is not None:
        selected = r.selected
        styled = styled.apply(
            lambda row: (
                ["background-color: #fde7cc; font-weight: bold" if row["Code"] == selected else ""]
                * len(row)
            ),
            axis=1,
        )
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        key=TABLE_KEY,
        on_select=choose_row,
        placeholder="–",
        selection_mode="single-row",
    )
    st.caption(table.caption)
    download_buttons(table, filters, catalog.territory_name(filters.territory), "ranking")
