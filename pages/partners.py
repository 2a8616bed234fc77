"""Partenaires: the seeds' "Balance commerciale territoriale".

A butterfly chart of the main partners (imports left, exports right, each with its amount, the
balance in its column, red or green), a map of the balance by partner (URL ``carte``: ``monde``
or ``europe``, where European partners are more than specks), a zone filter (URL ``zone``:
``tous``, ``ue``, ``hors-ue``) and the partner table (values, tonnes, euros per kilogram) with
its downloads. N comes from the shared ``top``.
"""

from __future__ import annotations

import streamlit as st

from core import cache, charts, geo, queries, tables, texts
from core.labels import md
from pages import shared
from pages.tables import (
    caveat,
    heading,
    page_choice,
    period_note,
    show_chart,
    show_table,
    unpublished_flows,
)

ZONE_LABELS = {"tous": "Tous les pays", "ue": "Union européenne (UE 27)", "hors-ue": "Hors UE"}
ZONE_SUFFIX = {"tous": "", "ue": " (UE 27)", "hors-ue": " (hors UE)"}
MAP_LABELS = {"monde": "Monde", "europe": "Europe"}

filters = shared.current_filters()
catalog = cache.catalog()

with shared.guard():
    name = catalog.territory_name(filters.territory)
    paren = texts.period_in_parens(filters.period)
    st.title(heading(f"{md(name)} : balance commerciale territoriale {filters.period.phrase}"))
    st.caption(f"Partenaires · {md(filters.describe(catalog))}")
    period_note(filters.period)
    unpublished = unpublished_flows(catalog, filters.territory, filters.period)
    for flow in unpublished:
        note = catalog.unpublished(filters.territory, flow, filters.period)
        st.warning(
            f"**{texts.FLOW_NOUNS[flow].capitalize()} {texts.UNPUBLISHED}es** : {md(note)} "
            "Les montants par pays en découlent et sont illustratifs.",
            icon=":material/info:",
        )

    zone = page_choice("zone", "Zone des pays partenaires", ZONE_LABELS, "tous")

    full = cache.partner_balance(filters)
    balance = queries.restrict_zone(full, zone, filters.top)
    if balance.table.empty or not (balance.table["exports"].sum() + balance.table["imports"].sum()):
        st.info(
            "Aucun échange avec des pays de cette zone ne correspond aux filtres choisis : "
            "élargissez la zone, la sélection de pays ou de produits, ou changez de période."
        )
        st.stop()

    view = f"partenaires{'-' + zone if zone != 'tous' else ''}"
    st.subheader(
        heading(
            f"Principaux pays à l'import et à l'export{ZONE_SUFFIX[zone]}, {md(name)} ({paren})"
        )
    )
    caveat()
    show_chart(
        lambda: charts.partner_butterfly(balance),
        view,
        filters,
        name,
        key="partners_butterfly",
        reading_key=(
            "pour chaque pays, figurent à gauche le montant des importations et à droite celui "
            "des exportations, en millions d'euros. Le delta constitue la balance commerciale, "
            "écrite dans la colonne « Solde » en rouge ou en vert selon qu'elle est négative ou "
            f"positive. Pays retenus : les {filters.top} premiers à l'import et les "
            f"{filters.top} premiers à l'export ({len(balance.main)} pays)."
        ),
    )

    st.subheader(
        heading(f"Solde commercial par pays partenaire{ZONE_SUFFIX[zone]}, {md(name)} ({paren})")
    )
    map_view = page_choice("carte", "Carte", MAP_LABELS, "monde")
    show_chart(
        lambda: charts.partner_map(
            balance, geojson=geo.world_countries(), geojson_url=geo.STATIC_URL, view=map_view
        ),
        f"carte-{view}{'-europe' if map_view == 'europe' else ''}",
        filters,
        name,
        key="partners_map",
        reading_key=(
            "chaque pays est coloré selon le solde des échanges du territoire avec lui "
            "(exportations moins importations, en millions d'euros) : en vert quand le "
            "territoire exporte plus qu'il n'importe, en rouge dans le cas inverse, d'autant "
            "plus foncé que l'écart est grand (la couleur sature au-delà du deuxième plus grand "
            "solde des pays affichés). En gris, les pays sans échange. Les codes spéciaux (non "
            "déterminés, avitaillement…) ne sont pas cartographiés mais figurent dans le "
            "tableau."
        ),
    )

    st.subheader(heading(f"Tous les pays partenaires{ZONE_SUFFIX[zone]}"))
    show_table(tables.partner_table(balance, view), filters, name, key="partners_table")
