"""Vue d'ensemble: the territory's key figures for the selected year.

Exports, imports, balance, coverage rate, shares of the région and of France, rank among
départements (or régions), change on the previous year, and the Territoires d'industrie.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, tables, texts
from core.formatting import format_meur, format_number, format_percent, format_rank
from core.labels import md
from core.periods import Period
from pages import shared
from pages.tables import show_table

filters = shared.current_filters()
catalog = cache.catalog()


def change(change: float | None, prev: Period | None, colored: bool = True) -> dict:
    """st.metric arguments for the change on the previous year.

    The arrow and colour are set from the sign explicitly: Streamlit reads the sign from an
    ASCII hyphen, and French typography writes the typographic minus.
    """
    if change is None or prev is None:
        return {}
    up = change >= 0
    return {
        "delta": format_percent(change, 1, signed=True),
        "delta_arrow": "up" if up else "down",
        "delta_color": ("green" if up else "red") if colored else "gray",
        "delta_description": f"par rapport à {prev.label}",
    }


with shared.guard():
    k = cache.kpis(filters)
    st.title(f"{k.name} : commerce extérieur {k.period.phrase}")
    st.caption(f"Vue d'ensemble · {filters.describe(catalog)}")
    if k.period.note:
        st.info(k.period.note, icon=":material/event_busy:")

    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Exportations",
        format_meur(k.exports),
        help="Valeur des biens exportés depuis le territoire (FAB), en millions d'euros.",
        **change(k.change_exports, k.prev_period),
    )
    c2.metric(
        "Importations",
        format_meur(k.imports),
        help="Valeur des biens importés dans le territoire (CAF), en millions d'euros.",
        # More imports is neither good nor bad news: no colour.
        **change(k.change_imports, k.prev_period, colored=False),
    )
    c3.metric(
        "Solde commercial",
        format_meur(k.balance, signed=True),
        help="Exportations moins importations.",
    )
    c4.metric(
        "Taux de couverture",
        format_percent(k.coverage, 1),
        help="Exportations rapportées aux importations.",
    )

    if k.kind != "france":
        unit = "départements" if k.kind == "departement" else "régions"
        d1, d2, d3, d4 = st.columns(4)
        if k.kind == "departement":
            d1.metric(
                "Part de la région (export)",
                format_percent(k.share_region_exports, 1),
                help=f"Part des exportations de la région {k.region_name}.",
            )
            d2.metric(
                "Part de la région (import)",
                format_percent(k.share_region_imports, 1),
                help=f"Part des importations de la région {k.region_name}.",
            )
        d3.metric(
            "Part de la France (export)",
            format_percent(k.share_france_exports, 2),
            help="Part des exportations de la France entière.",
        )
        d4.metric(
            "Part de la France (import)",
            format_percent(k.share_france_imports, 2),
            help="Part des importations de la France entière.",
        )
        r1, r2, _, _ = st.columns(4)
        r1.metric(
            "Rang à l'export",
            format_rank(k.rank_exports, k.rank_of),
            help=f"Rang parmi les {k.rank_of} {unit} (1 = le plus gros exportateur).",
        )
        r2.metric(
            "Rang à l'import",
            format_rank(k.rank_imports, k.rank_of),
            help=f"Rang parmi les {k.rank_of} {unit} (1 = le plus gros importateur).",
        )

    st.markdown(f"**{texts.total_sentence(k, 'export')}**")
    st.markdown(f"**{texts.total_sentence(k, 'import')}**")

    comparison = cache.comparison(filters)
    figures = pd.DataFrame(
        {
            "exports": [r.exports for r in comparison],
            "imports": [r.imports for r in comparison],
            "balance": [r.exports - r.imports for r in comparison],
            "coverage": [r.exports / r.imports if r.imports else None for r in comparison],
        }
    )
    frame = pd.DataFrame(
        {"Territoire": [r.name for r in comparison], **tables.kpi_columns(figures)}
    )
    st.subheader(
        "Comparaison avec la région et la France"
        if k.kind == "departement"
        else "Comparaison avec la France"
        if k.kind == "region"
        else "Totaux de la France"
    )
    show_table(
        tables.Table(
            frame,
            tables.KPI_KINDS,
            view="vue-d-ensemble",
            caption=f"Millions d'euros courants, {k.period.label}. Taux de couverture : "
            "exportations / importations.",
        ),
        filters,
        k.name,
        key="overview_comparison",
    )

    if k.kind != "france":
        where = "du département" if k.kind == "departement" else "de la région"
        star = "\\*" if k.territoires_hidden else ""
        st.subheader(f"Principaux Territoires d'industrie {where}{star}")
        if k.territoires:
            st.markdown(
                "\n".join(
                    f"- {md(name)} ({format_number(n)} communes "
                    f"{'dans le département' if k.kind == 'departement' else 'dans la région'})"
                    for name, n in k.territoires
                )
            )
            if note := texts.territoires_footnote(k.territoires_hidden):
                st.caption(md(note))
        else:
            st.caption(
                f"Aucun Territoire d'industrie ne compte au moins 5 communes ou 20 % de sa "
                f"population {'dans ce département' if k.kind == 'departement' else 'dans cette région'}."
            )
    if k.kind == "region":
        depts = [f"{c} – {n}" for c, (n, r) in catalog.departements.items() if r == k.territory[1:]]
        st.subheader("Départements de la région")
        st.markdown(md(", ".join(depts)))
