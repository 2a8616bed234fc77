"""Flux: the seeds' Sankey diagrams for the shared ``flux``, at the shared ``niveau`` (A17 to
CPF4, named in the titles).

Exports go from products (left) to destination countries (right), imports from origin countries
(left) to products (right); the top N of each side plus « Autres », so the diagram adds up to the
total; the five largest single flows in red; every node labelled with its whole name and its
value, in a slot as tall as its label, so labels never overlap (a phone included). Then the same
diagram for the territory's région and for France with their totals, and the table of the flows.
"""

from __future__ import annotations

import streamlit as st

from core import cache, charts, tables, texts
from core.formatting import NBSP, format_millions_words
from core.labels import md
from pages import shared
from pages.tables import caveat, heading, period_note, show_chart, show_table

TITLES = {
    "export": "Flux à l'export par produit ({level}) et par pays",
    "import": "Flux à l'import par pays et par produit ({level})",
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
        "**les pays de destination**, chacun avec sa valeur ; l'épaisseur de chaque lien est "
        "proportionnelle à la valeur exportée (millions d'euros)."
    ),
    "import": (
        "figurent à gauche **les principaux pays d'origine**, à droite **les biens importés "
        "dans le territoire**, chacun avec sa valeur ; l'épaisseur de chaque lien est "
        "proportionnelle à la valeur importée (millions d'euros)."
    ),
}
TOTAL_WORDS = {"export": "Total des exportations", "import": "Total des importations"}
LABEL_WIDTH = 24  # characters per line of a node label: two columns fit on a 375 px phone

filters = shared.current_filters()
catalog = cache.catalog()

with shared.guard():
    name = catalog.territory_name(filters.territory)
    flow = filters.flow
    level_words = texts.LEVEL_WORDS[filters.level]
    paren = f"en valeur, {texts.period_in_parens(filters.period)}"
    st.title(heading(f"{md(name)} : {SHORT_TITLES[flow].lower()} {filters.period.phrase}"))
    st.caption(f"Flux · {md(filters.describe(catalog))}")
    period_note(filters.period)

    flows = cache.sankey_flows(filters)
    if flows.links.empty:
        st.info(
            "Aucun flux ne correspond aux filtres choisis : élargissez la sélection de pays ou "
            "de produits, changez de flux ou de période."
        )
        st.stop()

    st.markdown(INTROS[flow].format(n=filters.top))
    st.subheader(heading(f"{TITLES[flow].format(level=level_words)}, {md(name)} ({paren})"))
    caveat()
    show_chart(
        lambda: charts.sankey(flows, label_width=LABEL_WIDTH),
        f"flux-{flow}-{filters.level}",
        filters,
        name,
        key="flows_sankey",
        reading_key=READING_KEYS[flow],
    )
    kpis = cache.kpis(filters)
    unpublished = catalog.unpublished(filters.territory, flow, filters.period)
    selection = bool(filters.partners or filters.products)
    if selection:
        # The sentence's shares compare whole territories: with a selection, give the
        # diagram's own total first so that nothing reads as if it were the whole.
        st.markdown(
            f"**{TOTAL_WORDS[flow]} de la sélection{NBSP}: {format_millions_words(flows.total)}**"
        )
        st.caption("Pour comparaison, sans la sélection de pays ou de produits :")
    st.markdown(f"**{texts.total_sentence(kpis, flow, unpublished)}**")
    if unpublished:
        st.caption(f"{texts.UNPUBLISHED.capitalize()} : {md(unpublished)}")

    # The same diagram for the région (of a département) and for France.
    others: list[tuple[str, str]] = []
    if filters.kind == "departement" and kpis.region_code:
        others.append((f"R{kpis.region_code}", f"la région {kpis.region_name}"))
    if filters.kind != "france":
        others.append(("FR", "la France entière"))
    if others:
        st.subheader("Comparaison avec la région et la France" if len(others) == 2 else
                     "Comparaison avec la France")  # fmt: skip
        phrases = " et de ".join(phrase for _, phrase in others)
        st.markdown(f"La situation du territoire peut être comparée à celle de {md(phrases)} :")
        # Stacked at full width: side by side, the product labels no longer fit.
        for code, _ in others:
            with st.container():
                scope = filters.with_(territory=code)
                scope_name = catalog.territory_name(code)
                scope_flows = cache.sankey_flows(scope)
                place = "France entière" if code == "FR" else scope_name
                st.markdown(f"**{md(SHORT_TITLES[flow])} ({level_words}), {md(place)} ({paren})**")
                show_chart(
                    lambda scope_flows=scope_flows: charts.sankey(
                        scope_flows, label_width=LABEL_WIDTH
                    ),
                    f"flux-{flow}-{filters.level}",
                    scope,
                    scope_name,
                    key=f"flows_sankey_{code}",
                    territory=code,
                    reading_key=(
                        f"même construction que le diagramme du territoire : les {filters.top} "
                        "premiers produits et pays, « Autres » pour le reste, les cinq "
                        "principaux flux en rouge."
                    ),
                )
                scope_total = format_millions_words(scope_flows.total)
                of_selection = " de la sélection" if selection else ""
                st.markdown(f"{TOTAL_WORDS[flow]}{of_selection}{NBSP}: **{scope_total}**")

    st.subheader("Tableau des flux")
    show_table(tables.flow_table(flows), filters, name, key=f"flows_table_{flow}_{filters.level}")
