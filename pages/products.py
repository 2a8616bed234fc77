"""Produits: the seeds' "Principales activités".

One treemap with imports in blue and exports in purple, each box's area proportional to its
value so the two blocks also show the overall balance, drilled down A17 → A38 → A129 → CPF4:
it opens at the shared ``niveau`` with the levels above framing it, and a click on a box shows
its parts one level down (``charts.treemap_detail_level``); a finer ``niveau`` goes further.
Then the balance by product and the table at the chosen level (values, tonnes, euros per
kilogram).
"""

from __future__ import annotations

import streamlit as st

from core import cache, charts, tables, texts
from core.filters import LEVEL_LABELS
from core.labels import md
from pages import shared
from pages.tables import caveat, heading, period_note, show_chart, show_table, unpublished_flows


def drill_hint(level: str) -> str:
    """What a click on the treemap does when it opens at ``level``."""
    finer = charts.treemap_detail_level(level)
    if finer == level:
        return "cliquez sur un compartiment pour l'agrandir, sur le bandeau du haut pour remonter"
    hint = (
        f"cliquez sur un compartiment pour voir sa composition au {texts.LEVEL_WORDS[finer]}, "
        "sur le bandeau du haut pour remonter"
    )
    if finer != "CPF4":
        hint += (
            " ; choisissez un niveau plus fin dans « Niveau de produits » pour aller jusqu'aux "
            "produits CPF4"
        )
    return hint


filters = shared.current_filters()
catalog = cache.catalog()

with shared.guard():
    name = catalog.territory_name(filters.territory)
    level = filters.level
    paren = texts.period_in_parens(filters.period)
    st.title(heading(f"{md(name)} : principales activités {filters.period.phrase}"))
    st.caption(f"Produits · {md(filters.describe(catalog))}")
    period_note(filters.period)
    unpublished = unpublished_flows(catalog, filters.territory, filters.period)
    for flow in unpublished:
        note = catalog.unpublished(filters.territory, flow, filters.period)
        st.warning(
            f"**{texts.FLOW_NOUNS[flow].capitalize()} {texts.UNPUBLISHED}es** : {md(note)}",
            icon=":material/info:",
        )

    # One level below the opening one, with every parent: one query serves the drill-down.
    detail = cache.product_breakdown(filters, charts.treemap_detail_level(level))
    if detail.table.empty or not (detail.total_exports + detail.total_imports):
        st.info(
            "Aucun échange ne correspond aux filtres choisis : élargissez la sélection de pays "
            "ou de produits, ou changez de période."
        )
        st.stop()

    st.subheader(
        heading(
            f"Principales activités ({texts.LEVEL_WORDS[level]}) à l'import et à l'export, "
            f"{md(name)} ({paren})"
        )
    )
    caveat()
    show_chart(
        lambda: charts.product_treemap(detail, level, unpublished=unpublished),
        f"activites-{level}",
        filters,
        name,
        key="products_treemap",
        reading_key=(
            "figurent en bleu **les biens importés** dans le territoire, en violet **les biens "
            "exportés** depuis le territoire. L'aire des compartiments est proportionnelle à "
            "l'importance du bien concerné dans sa catégorie d'échange, ce qui permet "
            "d'identifier les principales activités à l'import et à l'export, ainsi que la "
            f"balance globale. Compartiments au {texts.LEVEL_WORDS[level]}, dans leurs "
            f"catégories des niveaux supérieurs ; {drill_hint(level)}. Valeurs en millions "
            "d'euros et part du flux."
        ),
    )

    breakdown = cache.product_breakdown(filters, level)
    st.subheader(
        heading(f"Solde commercial par produit ({texts.LEVEL_WORDS[level]}), {md(name)} ({paren})")
    )
    show_chart(
        lambda: charts.product_balance_bars(breakdown, top=filters.top),
        f"solde-produits-{level}",
        filters,
        name,
        key="products_balance",
        reading_key=(
            f"les {filters.top} produits dont le solde (exportations moins importations, en "
            "millions d'euros) est le plus grand en valeur absolue ; en vert un excédent, en "
            "rouge un déficit."
        ),
    )

    st.subheader(heading(f"Échanges par produit, niveau {LEVEL_LABELS[level]}"))
    show_table(tables.product_table(breakdown), filters, name, key=f"products_table_{level}")
