"""Vue d'ensemble: the territory's key figures for the selected period.

Exports, imports, balance, coverage rate, shares of the région and of France, rank among
départements (or régions), change on the same quarters a year earlier, two small charts (the
flows of every loaded year, the share of the région, or of France for a région), the comparison
with the région and France, and the Territoires d'industrie. A figure the source does not
publish (the demo's Aisne imports for 2024) is marked « non publié » wherever it appears.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, tables, texts
from core.formatting import (
    format_meur,
    format_number,
    format_percent,
    format_rank,
)
from core.labels import md
from core.periods import Period
from pages import shared
from pages.tables import (
    UNPUBLISHED,
    heading,
    period_note,
    show_chart,
    show_table,
    unpublished_column,
    unpublished_flows,
)

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
        # « T3 2023–T2 2024 » rather than the long « 12 derniers mois (…) », cut on screen.
        "delta_description": f"par rapport à {prev.short if prev.rolling else prev.label}",
    }


def flow_label(flow: str, unpublished: tuple[str, ...]) -> str:
    """« Importations », or « Importations (non publié) » when the source publishes none."""
    word = "Exportations" if flow == "export" else "Importations"
    return f"{word} ({UNPUBLISHED})" if flow in unpublished else word


def sentence(flow: str, unpublished: tuple[str, ...]) -> str:
    """The seeds' sentence, the figure marked « non publié » when the source has none."""
    note = catalog.unpublished(k.territory, flow, k.period) if flow in unpublished else None
    return texts.total_sentence(k, flow, note)


def charts(k) -> None:
    """Exports and imports of every loaded year, and the share of the région (of France for a
    région) beside it; one table under both."""
    t = cache.trend(filters)
    marks = {
        label: set(unpublished_flows(catalog, k.territory, period))
        for label, period in ((p.label, p) for p in catalog.year_periods.values())
    }
    marks = {label: flows for label, flows in marks.items() if flows}
    parent_code = f"R{k.region_code}" if k.kind == "departement" else "FR"
    parent_phrase = f"de la région {k.region_name}" if k.kind == "departement" else "de la France"
    st.subheader(
        "Exportations et importations par année"
        + (f", part {parent_phrase}" if k.kind != "france" else "")
    )
    left, right = st.columns(2) if k.kind != "france" else (st.container(), None)
    with left:
        show_chart(
            lambda: charts_trends.overview_flows_chart(t, marks),
            "vue-d-ensemble-annees",
            filters,
            k.name,
            key="overview_years",
            caption="Exportations (violet) et importations (bleu) de chaque année, en millions "
            "d'euros courants ; une année partielle est hachurée (ses seuls trimestres publiés).",
        )
    frame = pd.DataFrame(
        {
            "Année": t.table["label"].astype(str),
            "Exportations (M€)": tables.meur(t.table["exports"]),
            "Importations (M€)": tables.meur(t.table["imports"]),
        }
    )
    kinds = {"Exportations (M€)": "meur", "Importations (M€)": "meur"}
    if right is not None:
        parent = cache.trend(filters.with_(territory=parent_code))
        with right:
            show_chart(
                lambda: charts_trends.overview_share_chart(t, parent, parent_phrase, marks),
                "vue-d-ensemble-part",
                filters,
                k.name,
                key="overview_share",
                caption=f"Part du territoire dans les échanges {parent_phrase}, chaque année "
                "(les mêmes trimestres pour une année partielle, en point creux).",
            )
        shares = t.table[["year", "exports", "imports"]].merge(
            parent.table[["year", "exports", "imports"]], on="year", suffixes=("", "_p")
        )
        where = "région" if k.kind == "departement" else "France"
        frame[f"Part de la {where} (export)"] = shares["exports"] / shares["exports_p"].replace(
            0, float("nan")
        )
        frame[f"Part de la {where} (import)"] = shares["imports"] / shares["imports_p"].replace(
            0, float("nan")
        )
        kinds |= {f"Part de la {where} (export)": "pct1", f"Part de la {where} (import)": "pct1"}
    notes = unpublished_column(
        catalog, [k.territory] * len(t.table), [catalog.year_periods[y] for y in t.table["year"]]
    )
    if notes is not None:
        frame["Note"] = notes
    with st.expander("Tableau des graphiques"):
        show_table(
            tables.Table(
                frame,
                kinds,
                view="vue-d-ensemble-annees",
                caption="Millions d'euros courants ; une année partielle ne compte que ses "
                "trimestres publiés.",
            ),
            filters,
            k.name,
            key="overview_years_t",
        )


with shared.guard():
    k = cache.kpis(filters)
    st.title(heading(f"{md(k.name)} : commerce extérieur {k.period.phrase}"))
    st.caption(f"Vue d'ensemble · {filters.describe(catalog)}")
    period_note(k.period)
    unpublished = unpublished_flows(catalog, k.territory, k.period)

    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        flow_label("export", unpublished),
        format_meur(k.exports),
        help="Valeur des biens exportés depuis le territoire (FAB), en millions d'euros.",
        **change(k.change_exports, k.prev_period),
    )
    c2.metric(
        flow_label("import", unpublished),
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

    st.markdown(f"**{sentence('export', unpublished)}**")
    st.markdown(f"**{sentence('import', unpublished)}**")
    if unpublished:
        notes = [catalog.unpublished(k.territory, flow, k.period) for flow in unpublished]
        st.warning(
            "« non publié » : "
            + " ".join(md(n) for n in notes if n)
            + " Le solde, le taux de couverture, les parts et le rang qui en découlent sont "
            "donc eux aussi illustratifs.",
            icon=":material/info:",
        )

    charts(k)

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
    notes = unpublished_column(catalog, [r.code for r in comparison], k.period)
    if notes is not None:
        frame["Note"] = notes
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
