"""Vue d'ensemble: the territory's key figures for the selected year.

Exports, imports, balance, coverage rate, shares of the région and of France, rank among
départements (or régions), change on the previous year, and the Territoires d'industrie.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, texts
from core.formatting import format_meur, format_percent, format_rank
from pages import shared

filters = shared.current_filters()
catalog = cache.catalog()


def change_label(change: float | None, prev_year: int | None) -> str | None:
    if change is None or prev_year is None:
        return None
    return f"{format_percent(change, 1, signed=True)} par rapport à {prev_year}"


with shared.guard():
    k = cache.kpis(filters)
    st.title(f"{k.name} : commerce extérieur en {k.year}")
    st.caption(f"Vue d'ensemble · {filters.describe(catalog)}")

    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Exportations",
        format_meur(k.exports),
        change_label(k.change_exports, k.prev_year),
        help="Valeur des biens exportés depuis le territoire (FAB), en millions d'euros.",
    )
    c2.metric(
        "Importations",
        format_meur(k.imports),
        change_label(k.change_imports, k.prev_year),
        delta_color="off",
        help="Valeur des biens importés dans le territoire (CAF), en millions d'euros.",
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
                f"Part de la région {k.region_name} (export)",
                format_percent(k.share_region_exports, 1),
            )
            d2.metric(
                f"Part de la région {k.region_name} (import)",
                format_percent(k.share_region_imports, 1),
            )
        d3.metric("Part de la France (export)", format_percent(k.share_france_exports, 2))
        d4.metric("Part de la France (import)", format_percent(k.share_france_imports, 2))
        r1, r2, _, _ = st.columns(4)
        r1.metric(f"Rang à l'export parmi les {unit}", format_rank(k.rank_exports, k.rank_of))
        r2.metric(f"Rang à l'import parmi les {unit}", format_rank(k.rank_imports, k.rank_of))

    st.markdown(f"**{texts.total_sentence(k, 'export')}**")
    st.markdown(f"**{texts.total_sentence(k, 'import')}**")

    comparison = cache.comparison(filters)
    rows = pd.DataFrame(
        {
            "Territoire": [r.name for r in comparison],
            "Exportations": [format_meur(r.exports) for r in comparison],
            "Importations": [format_meur(r.imports) for r in comparison],
            "Solde": [format_meur(r.exports - r.imports, signed=True) for r in comparison],
            "Taux de couverture": [
                format_percent(r.exports / r.imports if r.imports else None, 1) for r in comparison
            ],
        }
    )
    st.subheader("Comparaison avec la région et la France")
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption("Valeurs en millions d'euros courants.")

    if k.kind == "departement":
        st.subheader("Territoires d'industrie du département")
        if k.territoires:
            st.markdown(
                "\n".join(
                    f"- {name} ({n} communes dans le département)" for name, n in k.territoires
                )
            )
            if note := texts.territoires_footnote(k.territoires_hidden):
                st.caption(note)
        else:
            st.caption(
                "Aucun Territoire d'industrie n'est enregistré pour ce département dans les "
                "données chargées (la liste ANCT peut être chargée depuis « Sources de données »)."
            )
    elif k.kind == "region":
        depts = [f"{c} – {n}" for c, (n, r) in catalog.departements.items() if r == k.territory[1:]]
        st.subheader("Départements de la région")
        st.markdown(", ".join(depts))
