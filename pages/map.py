"""Carte: départements coloured by the chosen indicator, drawn from outlines shipped with the
project (no map server, works offline); overseas départements in an inset column.

Page parameter in the URL: ``indicateur`` (see ``core.queries_trends.INDICATORS``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, geo_france, tables
from core.queries_trends import INDICATORS
from pages import shared
from pages.tables import show_table

filters = shared.current_filters()
catalog = cache.catalog()
PLOT_CONFIG = {"displaylogo": False, "scrollZoom": False}
INDICATOR_LABELS = {k: v[1] for k, v in INDICATORS.items()}

with shared.guard():
    st.title(f"Carte des départements, {filters.period.label}")
    st.caption(f"Carte · {filters.describe(catalog)}")
    shared.page_param("indicateur", list(INDICATORS), "exportations", INDICATOR_LABELS)
    indicator = st.selectbox(
        "Indicateur", list(INDICATORS), format_func=INDICATOR_LABELS.get, key="p_indicateur"
    )
    shared.sync_url({"indicateur": indicator}, owned=["indicateur"])
    column, label, kind = INDICATORS[indicator]

    ind = cache.departement_indicators(filters.period)
    if column.startswith("growth") and ind.prev_period is None:
        st.info(
            f"Les mêmes trimestres de l'année précédant {filters.period.label} ne sont pas "
            "chargés : pas d'évolution à cartographier. Choisissez une période plus récente ou "
            "un autre indicateur."
        )
        st.stop()

    selected = filters.territory if filters.kind == "departement" else None
    st.plotly_chart(
        charts_trends.departement_map(
            ind, indicator, selected=selected, region=filters.region_code
        ),
        config=PLOT_CONFIG,
        key="map_chart",
    )
    scale_note = (
        "du rouge (déficit) au vert (excédent), blanc à l'équilibre"
        if column == "balance"
        else "du rouge (baisse) au vert (hausse), blanc à 0"
        if column.startswith("growth")
        else "du rouge (moins de 100 %) au vert (plus de 100 %), blanc à 100 %"
        if column == "coverage"
        else "du plus clair (faible) au plus foncé (élevé)"
    )
    st.caption(
        f"Clé de lecture : chaque département est coloré selon « {label} » {filters.period.phrase}, "
        f"{scale_note} ; les valeurs extrêmes (au-delà du 95e centile) prennent la couleur du "
        "bout de l'échelle. Le territoire choisi est entouré d'orange. Les départements "
        "d'outre-mer figurent en encart à gauche (hors échelle). Survolez un département "
        "pour lire sa valeur."
    )
    st.caption(geo_france.ATTRIBUTION)

    t = ind.table.copy()
    t["rank"] = t[column].rank(ascending=False, method="min")
    t = t.sort_values(["rank", "code"], na_position="last")
    frame = pd.DataFrame(
        {
            "Rang": t["rank"],
            "Code": t["code"],
            "Département": t["name"],
            "Région": t["region_name"],
            f"{label} ({'M€' if kind == 'meur' else '%'})": (
                tables.meur(t[column]) if kind == "meur" else t[column]
            ),
        }
    )
    show_table(
        tables.Table(
            frame,
            {"Rang": "int", frame.columns[-1]: kind},
            view=f"carte-{indicator}",
            caption=f"{label}, {filters.period.label} ; rangs ex aequo partagés.",
        ),
        filters,
        catalog.territory_name(filters.territory),
        key="map_table",
    )
