"""Partenaires: the seeds' "Balance commerciale territoriale".

A butterfly chart of the main partners (imports left, exports right, the balance red or green),
a world map of the balance by partner, a zone filter (URL ``zone``: ``tous``, ``ue``,
``hors-ue``) and the partner table with its downloads. N comes from the shared ``top``.
"""

from __future__ import annotations

import streamlit as st

from core import cache, charts, geo, queries, tables
from pages import shared
from pages.tables import caveat, page_choice, show_chart, show_table

ZONE_LABELS = {"tous": "Tous les pays", "ue": "Union européenne (UE 27)", "hors-ue": "Hors UE"}
ZONE_SUFFIX = {"tous": "", "ue": " (UE 27)", "hors-ue": " (hors UE)"}

filters = shared.current_filters()
catalog = cache.catalog()

with shared.guard():
    name = catalog.territory_name(filters.territory)
    st.title(f"{name} : balance commerciale territoriale {filters.period.phrase}")
    st.caption(f"Partenaires · {filters.describe(catalog)}")

    zone = page_choice("zone", "Zone des pays partenaires", ZONE_LABELS, "tous")

    full = cache.partner_balance(filters)
    balance = queries.restrict_zone(full, zone, filters.top)
    if balance.table.empty or not (balance.table["exports"].sum() + balance.table["imports"].sum()):
        st.info(
            "Aucun échange avec des pays de cette zone ne correspond aux filtres choisis : "
            "élargissez la zone, la sélection de pays ou de produits, ou changez d'année."
        )
        st.stop()

    view = f"partenaires{'-' + zone if zone != 'tous' else ''}"
    st.subheader(
        f"Principaux pays à l'import et à l'export{ZONE_SUFFIX[zone]}, {name} ({filters.period.label})"
    )
    caveat()
    show_chart(
        charts.partner_butterfly(balance),
        view,
        filters,
        name,
        key="partners_butterfly",
        reading_key=(
            "pour chaque pays, figurent à gauche le montant des importations et à droite celui "
            "des exportations. Le delta constitue la balance commerciale, indiquée en rouge ou "
            "en vert selon qu'elle est négative ou positive. Pays retenus : les "
            f"{filters.top} premiers à l'import et les {filters.top} premiers à l'export "
            f"({len(balance.main)} pays), en millions d'euros."
        ),
    )

    st.subheader(
        f"Solde commercial par pays partenaire{ZONE_SUFFIX[zone]}, {name} ({filters.period.label})"
    )
    show_chart(
        charts.partner_map(balance, geojson=geo.world_countries()),
        f"carte-{view}",
        filters,
        name,
        key="partners_map",
        reading_key=(
            "chaque pays est coloré selon le solde des échanges du territoire avec lui "
            "(exportations moins importations, en millions d'euros) : en vert quand le "
            "territoire exporte plus qu'il n'importe, en rouge dans le cas inverse, d'autant "
            "plus foncé que l'écart est grand (la couleur sature au-delà du deuxième plus grand "
            "solde). En gris, les pays sans échange. Les codes "
            "spéciaux (non déterminés, avitaillement…) ne sont pas cartographiés mais figurent "
            "dans le tableau."
        ),
    )

    st.subheader(f"Tous les pays partenaires{ZONE_SUFFIX[zone]}")
    show_table(tables.partner_table(balance, view), filters, name, key="partners_table")
