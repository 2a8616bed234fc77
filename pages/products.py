"""Produits: the seeds' "Principales activités".

One treemap with imports in blue and exports in purple, each box's area proportional to its
value so the two blocks also show the overall balance, drilled down A17 → A38 → A129 (the shared
``niveau`` sets how deep it opens); the balance by product; the table at the chosen level.
"""

from __future__ import annotations

import streamlit as st

from core import cache, charts, tables
from core.filters import LEVEL_LABELS
from pages import shared
from pages.tables import caveat, show_chart, show_table

filters = shared.current_filters()
catalog = cache.catalog()

with shared.guard():
    name = catalog.territory_name(filters.territory)
    st.title(f"{name} : principales activités {filters.period.phrase}")
    st.caption(f"Produits · {filters.describe(catalog)}")

    detail = cache.product_breakdown(filters, "A129")
    if detail.table.empty or not (detail.total_exports + detail.total_imports):
        st.info(
            "Aucun échange ne correspond aux filtres choisis : élargissez la sélection de pays "
            "ou de produits, ou changez d'année."
        )
        st.stop()

    st.subheader(f"Principales activités à l'import et à l'export, {name} ({filters.period.label})")
    caveat()
    show_chart(
        charts.product_treemap(detail, filters.level),
        f"activites-{filters.level}",
        filters,
        name,
        key="products_treemap",
        reading_key=(
            "figurent en bleu **les biens importés** dans le territoire, en violet **les biens "
            "exportés** depuis le territoire. L'aire des compartiments est proportionnelle à "
            "l'importance du bien concerné dans sa catégorie d'échange, ce qui permet "
            "d'identifier les principales activités à l'import et à l'export, ainsi que la "
            "balance globale. Cliquez sur un compartiment pour descendre d'un niveau "
            "(A17 → A38 → A129), sur le bandeau du haut pour remonter ; valeurs en millions "
            "d'euros et part du flux."
        ),
    )

    breakdown = cache.product_breakdown(filters, filters.level)
    st.subheader(f"Solde commercial par produit, niveau {filters.level}, {name} ({filters.period.label})")
    show_chart(
        charts.product_balance_bars(breakdown, top=filters.top),
        f"solde-produits-{filters.level}",
        filters,
        name,
        key="products_balance",
        reading_key=(
            f"les {filters.top} produits dont le solde (exportations moins importations, en "
            "millions d'euros) est le plus grand en valeur absolue ; en vert un excédent, en "
            "rouge un déficit."
        ),
    )

    st.subheader(f"Échanges par produit, niveau {LEVEL_LABELS[filters.level]}")
    show_table(
        tables.product_table(breakdown), filters, name, key=f"products_table_{filters.level}"
    )
