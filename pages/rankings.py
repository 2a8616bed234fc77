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
from core.labels import md
from core.queries_trends import INDICATORS, SCOPES
from pages import shared
from pages.tables import (
    download_buttons,
    heading,
    period_note,
    show_chart,
    unpublished_flows,
)

filters = shared.current_filters()
catalog = cache.catalog()
SCOPE_LABELS = {"region": "Dans la région", "france": "Dans la France entière"}
INDICATOR_LABELS = {k: v[1] for k, v in INDICATORS.items()}
TABLE_KEY = "ranking_table"
# The flows an indicator reads (a figure not published for one of them is marked).
INDICATOR_FLOWS = {
    "exports": ("export",),
    "imports": ("import",),
    "balance": ("export", "import"),
    "coverage": ("export", "import"),
    "growth_exports": ("export",),
    "growth_imports": ("import",),
}


def unpublished_notes(r, column: str) -> dict[str, str]:
    """Département code → « non publié » where a figure the indicator reads is not published
    (in the period, or in the previous one for a change)."""
    periods = [r.period] + ([r.prev_period] if column.startswith("growth") and
                            r.prev_period else [])  # fmt: skip
    notes = {}
    for code in r.table["code"]:
        flows = {f for p in periods for f in unpublished_flows(catalog, code, p)}
        if flows & set(INDICATOR_FLOWS[column]):
            notes[code] = "non publié"
    return notes


def choose_row() -> None:
    """Selection callback: the chosen département becomes the shared territory. It must run
    as a callback, before the sidebar widget is created again on the next run."""
    state = st.session_state.get(TABLE_KEY)
    rows = state.selection.rows if state is not None else []
    codes = st.session_state.get("_ranking_codes", [])
    if rows and rows[0] < len(codes):
        st.session_state["f_territoire"] = codes[rows[0]]


def ranking_table(r, column: str, notes: dict[str, str]) -> tables.Table:
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
    if notes:
        frame["Note"] = [notes.get(c, "") for c in t["code"]]
    kinds = {"Rang": "int", "Code": "code", **tables.KPI_KINDS}
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
    st.title(heading(f"Classement des départements {filters.period.phrase}"))
    st.caption(f"Classements · {filters.describe(catalog)}")
    period_note(filters.period)
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
        heading(
            f"{label} : départements "
            + ("de France" if r.scope == "france" else f"de la région {md(r.scope_name)}")
        )
    )
    notes = unpublished_notes(r, column)
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
            f"Rang de {md(row['name'])} ({label.lower()})"
            + (" (non publié)" if r.selected in notes else ""),
            format_rank(None if pd.isna(rank) else int(rank), n),
        )
    elif filters.kind == "region":
        st.caption(
            f"Territoire choisi : la région {catalog.territory_name(filters.territory)} ; "
            "ses départements sont classés entre eux (ou parmi ceux de la France)."
        )

    where = "de France" if r.scope == "france" else f"de la région {r.scope_name}"
    name = catalog.territory_name(filters.territory)
    show_chart(
        lambda: charts_trends.ranking_chart(r, indicator, notes=notes),
        f"classement-{indicator}",
        filters,
        name,
        key="ranking_chart",
        depends=(scope,),
        reading_key=f"chaque barre est un département {where}, classé du plus grand au "
        f"plus petit selon « {label} »"
        + (" ; le département choisi est en orange." if r.selected else "."),
    )
    if notes:
        texts = {
            catalog.unpublished(code, flow, p)
            for code in notes
            for flow in INDICATOR_FLOWS[column]
            for p in (r.period, r.prev_period)
            if p is not None
        }
        st.caption("« non publié » : " + " ".join(md(t) for t in sorted(x for x in texts if x)))

    st.subheader("Tableau du classement")
    st.caption(
        "Cliquez sur la case à gauche d'une ligne pour faire de ce département le territoire "
        "étudié sur toutes les pages (le lien de la page suit)."
    )
    table = ranking_table(r, column, notes)
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
    download_buttons(table, filters, name, "ranking")
