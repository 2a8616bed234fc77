"""Flux: the seeds' Sankey diagrams for the shared ``flux``.

Exports go from products (left) to destination countries (right), imports from origin countries
(left) to products (right); the top N of each side plus « Autres », so the diagram adds up to the
total; the five largest single flows in red. Then the same diagram for the territory's région
and for France with their totals, and the table of the flows.
"""

from __future__ import annotations

import streamlit as st

from core import cache, charts, tables, texts
from core.formatting import format_millions_words
from pages import shared
from pages.tables import caveat, show_chart, show_table

TITLES = {
    "export": "Flux à l'export par produit et par pays",
    "import": "Flux à l'import par pays et par produit",
}
SHORT_TITLES = {"export": "Flux à l'export", "import": "Flux à l'import"}
INTROS = {
    "export": (
        "Sont représentés les {n} premiers biens exportés depuis le territoire ainsi que les "
        "{n} principaux pays acheteurs. La catégorie « Autres » comprend les biens et les pays "
        "au-delà de ce classement. Pour faciliter la lecture, les cinq principaux flux (tel "
        "produit vers telle destination) sont représentés en **rouge**."
    ),
    "import": (
        "Sont représentés les {n} principaux pays vendeurs ainsi que les {n} premiers biens "
        "importés dans le territoire. La catégorie « Autres » comprend les pays et les biens "
        "au-delà de ce classement. Pour faciliter la lecture, les cinq principaux flux (telle "
        "origine pour tel produit) sont représentés en **rouge**."
    ),
}
READING_KEYS = {
    "export": (
        "figurent à gauche **les principaux biens exportés** depuis le territoire, à droite "
        "**les pays de destination** ; l'épaisseur de chaque lien est proportionnelle à la "
        "valeur exportée (millions d'euros)."
    ),
    "import": (
        "figurent à gauche **les principaux pays d'origine**, à droite **les biens importés "
        "dans le territoire** ; l'épaisseur de chaque lien est proportionnelle à la valeur "
        "importée (millions d'euros)."
    ),
}
TOTAL_WORDS = {"export": "Total des exportations", "import": "Total des importations"}

filters = shared.current_filters()
catalog = cache.catalog()

with shared.guard():
    name = catalog.territory_name(filters.territory)
    flow = filters.flow
    st.title(f"{name} : {SHORT_TITLES[flow].lower()} {filters.period.phrase}")
    st.caption(f"Flux · {filters.describe(catalog)}")

    flows = cache.sankey_flows(filters)
    if flows.links.empty:
        st.info(
            "Aucun flux ne correspond aux filtres choisis : élargissez la sélection de pays ou "
            "de produits, changez de flux ou d'année."
        )
        st.stop()

    st.markdown(INTROS[flow].format(n=filters.top))
    st.subheader(f"{TITLES[flow]}, {name} (en valeur, {filters.period.label})")
    caveat()
    show_chart(
        charts.sankey(flows, height=640),
        f"flux-{flow}",
        filters,
        name,
        key="flows_sankey",
        reading_key=READING_KEYS[flow],
    )
    kpis = cache.kpis(filters)
    selection = bool(filters.partners or filters.products)
    if selection:
        # The sentence's shares compare whole territories: with a selection, give the
        # diagram's own total first so that nothing reads as if it were the whole.
        st.markdown(
            f"**{TOTAL_WORDS[flow]} de la sélection : {format_millions_words(flows.total)}**"
        )
        st.caption("Pour comparaison, sans la sélection de pays ou de produits :")
    st.markdown(f"**{texts.total_sentence(kpis, flow)}**")

    # The same diagram for the région (of a département) and for France.
    others: list[tuple[str, str]] = []
    if filters.kind == "departement" and kpis.region_code:
        others.append((f"R{kpis.region_code}", f"la région {kpis.region_name}"))
    if filters.kind != "france":
        others.append(("FR", "la France entière"))
    if others:
        st.subheader("Comparaison avec la région et la France")
        phrases = " et de ".join(phrase for _, phrase in others)
        st.markdown(f"La situation du territoire peut être comparée à celle de {phrases} :")
        # Stacked at full width: side by side, the product labels no longer fit.
        for code, _ in others:
            with st.container():
                scope = filters.with_(territory=code)
                scope_name = catalog.territory_name(code)
                scope_flows = cache.sankey_flows(scope)
                place = "France entière" if code == "FR" else scope_name
                st.markdown(f"**{SHORT_TITLES[flow]}, {place} (en valeur, {filters.period.label})**")
                show_chart(
                    charts.sankey(scope_flows, height=560, label_width=60),
                    f"flux-{flow}",
                    scope,
                    scope_name,
                    key=f"flows_sankey_{code}",
                    territory=code,
                    reading_key=(
                        f"même construction que le diagramme du territoire : les {filters.top} "
                        "premiers produits et pays, « Autres » pour le reste, les cinq "
                        "principaux flux en rouge ; libellés abrégés, complets au survol."
                    ),
                )
                scope_total = format_millions_words(scope_flows.total)
                of_selection = " de la sélection" if selection else ""
                st.markdown(f"{TOTAL_WORDS[flow]}{of_selection} : **{scope_total}**")

    st.subheader("Tableau des flux")
    show_table(tables.flow_table(flows), filters, name, key=f"flows_table_{flow}")
