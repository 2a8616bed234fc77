"""Carte: départements coloured by the chosen indicator, drawn from outlines shipped with the
project (no map server, works offline): metropolitan France with Corsica as one « 20 » and
Monaco as a labelled marker, then an inset of Île-de-France (Paris and the petite couronne
readable) and one per overseas département, named. The Territoires d'industrie can be drawn
on top, those of the chosen territory thicker.

Page parameters in the URL: ``indicateur`` (see ``core.queries_trends.INDICATORS``) and
``ti`` (``1``: Territoires d'industrie drawn, ``0``: not, the default).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, geo_france, tables
from core import territoires as ti
from core.db import Catalog
from core.labels import md
from core.queries_trends import INDICATORS
from pages import shared
from pages.tables import (
    heading,
    period_note,
    show_chart,
    show_table,
    unpublished_flows,
)

filters = shared.current_filters()
catalog = cache.catalog()
INDICATOR_LABELS = {k: v[1] for k, v in INDICATORS.items()}
# The flows an indicator reads (a figure not published for one of them is marked).
INDICATOR_FLOWS = {
    "exports": ("export",),
    "imports": ("import",),
    "balance": ("export", "import"),
    "coverage": ("export", "import"),
    "growth_exports": ("export",),
    "growth_imports": ("import",),
}
TI_PARAM, TI_KEY, TI_SEEDED = "ti", "p_ti", "_seeded_p_ti"


def territoires_toggle() -> bool:
    """The « Territoires d'industrie » switch, kept in the URL as ``ti=1`` / ``ti=0``."""
    ss = st.session_state
    if not ss.get(TI_SEEDED):
        raw = st.query_params.get(TI_PARAM)
        if raw not in (None, "0", "1"):
            st.warning(
                f"Valeur « {raw} » du paramètre « {TI_PARAM} » inconnue (0 ou 1 attendu) : "
                "Territoires d'industrie masqués."
            )
        ss[TI_KEY] = raw == "1"
        ss[TI_SEEDED] = True
    elif TI_KEY not in ss:  # another page ran meanwhile: back to the last choice
        ss[TI_KEY] = ss.get("_last_p_ti", False)
    else:
        ss[TI_KEY] = ss[TI_KEY]  # the browser draws the server's value (shared.sidebar_filters)
    value = st.toggle(
        "Afficher les Territoires d'industrie",
        key=TI_KEY,
        help="Contours des 183 Territoires d'industrie (ANCT) par-dessus les départements ; "
        "ceux du territoire choisi en trait épais. Le survol d'un territoire donne son nom et "
        "ses départements.",
    )
    ss["_last_p_ti"] = value
    shared.sync_url({TI_PARAM: "1" if value else "0"}, owned=[TI_PARAM])
    return value


def highlighted_territoires(catalog: Catalog, territory: str) -> tuple[str, ...]:
    """The Territoires d'industrie the territory lists (the fact sheets' rule)."""
    if territory == "FR":
        return ()
    rows = catalog.territoires[catalog.territoires["dept"].isin(catalog.members(territory))]
    if rows.empty:
        return ()
    if territory.startswith("R"):
        rows = rows.groupby(["id", "name"], as_index=False)[
            ["n_communes", "population", "share"]
        ].sum()
    listed, _ = ti.principal(rows)
    return tuple(listed["id"])


def unpublished_notes(ind, column: str) -> dict[str, str]:
    """Département code → « non publié » where a figure the indicator reads is not published
    (in the period, or in the previous one for a change)."""
    periods = [ind.period] + ([ind.prev_period] if column.startswith("growth") and
                              ind.prev_period else [])  # fmt: skip
    notes = {}
    for code in ind.table["code"]:
        flows = {f for p in periods for f in unpublished_flows(catalog, code, p)}
        if flows & set(INDICATOR_FLOWS[column]):
            notes[code] = "non publié"
    return notes


with shared.guard():
    st.title(heading(f"Carte des départements, {filters.period.label}"))
    st.caption(f"Carte · {filters.describe(catalog)}")
    period_note(filters.period)
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    with c1:
        shared.page_param("indicateur", list(INDICATORS), "exportations", INDICATOR_LABELS)
        indicator = st.selectbox(
            "Indicateur", list(INDICATORS), format_func=INDICATOR_LABELS.get, key="p_indicateur"
        )
        shared.sync_url({"indicateur": indicator}, owned=["indicateur"])
    with c2:
        show_ti = territoires_toggle()
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
    notes = unpublished_notes(ind, column)
    layers = charts_trends.map_layers(
        ind,
        indicator,
        selected=selected,
        region=filters.region_code or catalog.region_of(filters.territory),
        territoires=show_ti,
        highlighted=highlighted_territoires(catalog, filters.territory) if show_ti else (),
        notes=notes,
    )
    name = catalog.territory_name(filters.territory)
    view = f"carte-{indicator}"
    left, right = st.columns([3, 2])
    with left:
        show_chart(
            lambda: charts_trends.departement_map(ind, indicator, layers=layers, served=True),
            view,
            filters,
            name,
            key="map_chart",
            config={"scrollZoom": False},
            depends=(show_ti,),
        )
    if charts_trends.has_insets(layers):
        with right:
            show_chart(
                lambda: charts_trends.departement_insets(
                    ind, indicator, layers=layers, served=True
                ),
                f"{view}-encarts",
                filters,
                name,
                key="map_insets",
                config={"scrollZoom": False},
                depends=(show_ti,),
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
    if selected:
        outlined = (
            "Le département choisi est entouré d'orange, les autres départements de sa région "
            "de gris foncé. "
        )
    elif filters.kind == "region":
        outlined = "Les départements de la région choisie sont entourés de gris foncé. "
    else:
        outlined = ""
    st.markdown(
        f"**Clé de lecture\u00a0:** chaque département est coloré selon « {label} » "
        f"{filters.period.phrase}, {scale_note} ; les valeurs extrêmes (au-delà du 95e "
        f"centile) prennent la couleur du bout de l'échelle. {outlined}"
        "La Corse est un seul département (20), comme le publient les douanes ; Monaco (99) "
        "est un point près de Nice. Encarts : l'Île-de-France agrandie et les départements "
        "d'outre-mer, à la même échelle de couleurs. Survolez un département pour lire sa "
        "valeur."
        + (
            " Territoires d'industrie : contours noirs, en trait épais ceux du territoire "
            "choisi ; leur survol donne leur nom et leurs départements."
            if show_ti
            else ""
        )
    )
    if notes:
        periods = [p for p in (ind.period, ind.prev_period) if p is not None]
        texts = {
            n
            for code in notes
            for flow in INDICATOR_FLOWS[column]
            for p in periods
            if (n := catalog.unpublished(code, flow, p))
        }
        st.caption("« non publié » : " + " ".join(md(n) for n in sorted(texts)))
    st.caption(geo_france.ATTRIBUTION)

    st.subheader("Tableau de la carte")
    t = ind.table.copy()
    t["rank"] = t[column].rank(ascending=False, method="min")
    t = t.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)
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
    if notes:
        frame["Note"] = ["non publié" if c in notes else "" for c in t["code"]]
    value_column = frame.columns[4]
    show_table(
        tables.Table(
            frame,
            {"Rang": "int", "Code": "code", value_column: kind},
            view=view,
            caption=f"{label}, {filters.period.label} ; rangs ex aequo partagés."
            + (f" {filters.period.note}" if filters.period.note else ""),
        ),
        filters,
        name,
        key="map_table",
    )
