"""Spécialisation: each product's (and partner's) share in the territory against its share
in France, as an index (above 1 = specialised, like a revealed comparative advantage), on
exports and on imports. The chart follows the shared flow filter; the tables hold both."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, tables
from core.filters import FLOW_LABELS
from core.labels import md
from pages import shared
from pages.tables import heading, period_note, show_chart, show_table, unpublished_note

filters = shared.current_filters()
catalog = cache.catalog()


def spec_table(spec, what: str) -> tables.Table:
    t = spec.table
    frame = pd.DataFrame(
        {
            "Code": t["code"],
            what: t["label"],
            "Indice export": t["index_exports"],
            "Indice import": t["index_imports"],
            "Exportations (M€)": tables.meur(t["exports"]),
            "Part export territoire": t["share_exports"],
            "Part export France": t["fr_share_exports"],
            "Importations (M€)": tables.meur(t["imports"]),
            "Part import territoire": t["share_imports"],
            "Part import France": t["fr_share_imports"],
        }
    )
    kinds = {
        "Code": "code",
        "Exportations (M€)": "meur",
        "Part export territoire": "pct2",
        "Part export France": "pct2",
        "Indice export": "index",
        "Importations (M€)": "meur",
        "Part import territoire": "pct2",
        "Part import France": "pct2",
        "Indice import": "index",
    }
    return tables.Table(
        frame,
        kinds,
        view=f"specialisation-{what.lower()}",
        caption="Indice = part dans le territoire ÷ part dans la France entière, sur la même "
        "période ; 1 = comme la France, 2 = deux fois plus présent. Millions d'euros courants."
        + (f" {spec.period.note}" if spec.period.note else ""),
    )


with shared.guard():
    name = catalog.territory_name(filters.territory)
    st.title(heading(f"{md(name)} : spécialisation {filters.period.phrase}"))
    st.caption(f"Spécialisation · {filters.describe(catalog)}")
    period_note(filters.period)
    if filters.kind == "france":
        st.info(
            "La France entière sert de référence : son indice vaut 1 pour chaque produit et "
            "chaque pays. Choisissez un département ou une région dans les filtres."
        )
        st.stop()
    if filters.partners or filters.products:
        st.caption(
            "La sélection de pays et de produits ne s'applique pas ici : les parts comparent "
            "l'ensemble des échanges du territoire à ceux de la France."
        )
    if note := unpublished_note(catalog, filters.territory, filters.period):
        st.warning(
            f"« non publié » : {md(note)} Les parts et les indices de ce flux sont donc "
            "illustratifs.",
            icon=":material/info:",
        )
    flow_label = FLOW_LABELS[filters.flow]
    for by, what, title in (
        ("product", "Produit", f"Produits ({filters.level})"),
        ("partner", "Pays", "Pays partenaires"),
    ):
        spec = cache.specialisation(filters, by)
        st.subheader(heading(f"{title} : {flow_label}"))
        noun = "produits" if by == "product" else "pays"
        show_chart(
            lambda spec=spec: charts_trends.specialisation_chart(
                spec, filters.flow, top=filters.top
            ),
            f"specialisation-{'produits' if by == 'product' else 'pays'}",
            filters,
            name,
            key=f"spec_{by}",
            reading_key=f"pour les {filters.top} premiers {noun} des {flow_label} du "
            "territoire, l'indice compare leur part dans le territoire à leur part en France. "
            "Une barre verte vers la droite (indice > 1) est un point fort : 3 signifie trois "
            "fois plus présent qu'en moyenne nationale ; une barre grise vers la gauche "
            "(indice < 1) est une sous-représentation. Échelle logarithmique : 2 et 0,5 sont "
            "à la même distance de 1.",
        )
        show_table(spec_table(spec, what), filters, name, key=f"spec_{by}_t")
