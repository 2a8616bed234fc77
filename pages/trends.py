"""Évolution: the territory's exports, imports and balance over every loaded year, the same
flow by main product and main partner, and the largest risers and fallers over the period."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, tables
from core.filters import FLOW_LABELS
from core.formatting import format_meur, format_percent
from pages import shared
from pages.tables import show_table

filters = shared.current_filters()
catalog = cache.catalog()
PLOT_CONFIG = {"displaylogo": False}


def delta(change: float, colored: bool) -> dict:
    """Metric delta arguments. Streamlit reads the direction from an ASCII "-", but French
    figures carry a typographic minus, so direction and colour are given explicitly."""
    if pd.isna(change):
        return {}
    down = change < 0
    return {
        "delta": f"{format_percent(change, 1, signed=True)} sur un an",
        "delta_arrow": "down" if down else "up",
        "delta_color": ("red" if down else "green") if colored else "gray",
    }


def movers_table(breakdown, what: str, first: int, last: int) -> tables.Table:
    risers, fallers = breakdown.movers(5)
    rows = pd.concat([risers.assign(sens="Hausse"), fallers.assign(sens="Baisse")])
    frame = pd.DataFrame(
        {
            "Sens": rows["sens"],
            "Code": rows["code"],
            what: rows["label"],
            f"{first} (M€)": tables.meur(rows["first"]),
            f"{last} (M€)": tables.meur(rows["last"]),
            "Variation (M€)": tables.meur(rows["change"]),
            f"Évolution {first}–{last}": rows["growth_period"],
            "Évolution sur un an": rows["growth_year"],
        }
    )
    kinds = {
        f"{first} (M€)": "meur",
        f"{last} (M€)": "meur",
        "Variation (M€)": "meur",
        f"Évolution {first}–{last}": "growth",
        "Évolution sur un an": "growth",
    }
    return tables.Table(frame, kinds, view=f"evolution-hausses-baisses-{what.lower()}")


def series_table(breakdown, what: str) -> tables.Table:
    wide = breakdown.series.pivot_table(
        index=["code", "label"], columns="year", values="value", aggfunc="sum", sort=False
    ).reset_index()
    frame = pd.DataFrame({"Code": wide["code"], what: wide["label"]})
    kinds = {}
    for year in breakdown.series["year"].unique():
        frame[f"{year} (M€)"] = tables.meur(wide[year])
        kinds[f"{year} (M€)"] = "meur"
    return tables.Table(
        frame,
        kinds,
        view=f"evolution-{what.lower()}",
        caption="Millions d'euros courants ; « Autres » regroupe le reste, les années "
        "s'additionnent au total.",
    )


with shared.guard():
    t = cache.trend(filters)
    k = cache.kpis(filters)
    first, last = t.first_year, t.last_year
    span = f"{first}–{last}" if first is not None and first != last else str(first or "")
    st.title(f"{t.name} : évolution {span}")
    st.caption(f"Évolution · {filters.describe(catalog)}")

    # The period filter picks the first two figures (with the change on the same quarters a
    # year earlier); the charts show every year and every quarter.
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        f"Exportations {filters.period.label}",
        format_meur(k.exports),
        **delta(k.change_exports if k.change_exports is not None else float("nan"), True),
    )
    c2.metric(
        f"Importations {filters.period.label}",
        format_meur(k.imports),
        **delta(k.change_imports if k.change_imports is not None else float("nan"), False),
    )
    c3.metric(
        f"Exportations {span}",
        format_percent(t.period_growth("exports"), 1, signed=True),
        help="Évolution entre la première et la dernière année entière chargées.",
    )
    c4.metric(
        f"Importations {span}",
        format_percent(t.period_growth("imports"), 1, signed=True),
        help="Évolution entre la première et la dernière année entière chargées.",
    )
    rate_x, rate_m = t.annual_rate("exports"), t.annual_rate("imports")
    if rate_x is not None or rate_m is not None:
        st.caption(
            f"Soit en moyenne par an : {format_percent(rate_x, 1, signed=True)} à l'export, "
            f"{format_percent(rate_m, 1, signed=True)} à l'import."
        )
    partial = t.table[t.table["partial"]]
    if len(partial):
        label = partial["label"].iloc[-1]
        st.info(
            f"{label} est une année partielle : elle est dessinée à part (barre hachurée, "
            "points creux) et comparée aux mêmes trimestres de l'année précédente, jamais à "
            "une année entière ; les évolutions sur toute la période s'arrêtent à la dernière "
            "année entière.",
            icon=":material/event_busy:",
        )

    st.subheader("Exportations, importations et solde par année")
    st.plotly_chart(charts_trends.trend_chart(t), config=PLOT_CONFIG, key="trend_chart")
    st.caption(
        "Clé de lecture : les courbes donnent les exportations (violet) et les importations "
        "(bleu) de chaque année, en millions d'euros courants ; les barres donnent le solde, "
        "vert en excédent, rouge en déficit."
    )
    totals = pd.DataFrame({"Année": t.table["label"].astype(str), **tables.kpi_columns(t.table)})
    show_table(
        tables.Table(
            totals,
            tables.KPI_KINDS,
            view="evolution-totaux",
            caption="Millions d'euros courants ; évolutions par rapport aux mêmes trimestres de "
            "l'année précédente.",
        ),
        filters,
        t.name,
        key="trend_totals",
    )

    st.subheader("Évolution sur un an")
    st.plotly_chart(charts_trends.growth_chart(t), config=PLOT_CONFIG, key="growth_chart")
    st.caption(
        "Clé de lecture : une barre de +10 % signifie que le flux a augmenté de 10 % par "
        "rapport aux mêmes trimestres de l'année précédente (valeurs en euros courants, "
        "inflation comprise)."
    )

    st.subheader("Évolution trimestrielle")
    st.plotly_chart(charts_trends.quarterly_chart(t), config=PLOT_CONFIG, key="quarterly_chart")
    st.caption(
        "Clé de lecture : exportations et importations de chaque trimestre publié, en millions "
        "d'euros courants ; le survol donne l'évolution sur le même trimestre de l'année "
        "précédente. Les trimestres ont des saisonnalités propres : comparez un trimestre au "
        "même trimestre d'une autre année."
    )
    quarterly = t.quarterly
    show_table(
        tables.Table(
            pd.DataFrame(
                {
                    "Trimestre": quarterly["label"],
                    "Exportations (M€)": tables.meur(quarterly["exports"]),
                    "Importations (M€)": tables.meur(quarterly["imports"]),
                    "Solde (M€)": tables.meur(quarterly["balance"]),
                    "Évolution des exportations": quarterly["growth_exports"],
                    "Évolution des importations": quarterly["growth_imports"],
                }
            ),
            {k: v for k, v in tables.KPI_KINDS.items() if k != "Taux de couverture"},
            view="evolution-trimestres",
            caption="Millions d'euros courants ; évolutions par rapport au même trimestre de "
            "l'année précédente.",
        ),
        filters,
        t.name,
        key="trend_quarters",
    )

    flow_label = FLOW_LABELS[filters.flow]
    for by, what, heading in (
        ("product", "Produit", f"Principaux produits ({filters.level})"),
        ("partner", "Pays", "Principaux pays partenaires"),
    ):
        b = cache.trend_breakdown(filters, by)
        st.subheader(f"{heading} : {flow_label}")
        st.plotly_chart(charts_trends.breakdown_area(b), config=PLOT_CONFIG, key=f"area_{by}")
        st.caption(
            f"Clé de lecture : chaque bande est la valeur des {flow_label} d'un "
            f"{'produit' if by == 'product' else 'pays'} ; l'empilement donne le total du "
            f"territoire. Les {filters.top} premiers en {last} sont nommés, le reste est "
            "regroupé dans « Autres »."
            + (
                f" {b.partial.label}, année partielle, n'y figure pas (voir l'évolution "
                "trimestrielle)."
                if b.partial
                else ""
            )
        )
        show_table(series_table(b, what), filters, t.name, key=f"series_{by}")
        st.markdown(f"**Plus fortes hausses et baisses {first}–{last}**")
        st.plotly_chart(charts_trends.movers_chart(b), config=PLOT_CONFIG, key=f"movers_{by}")
        st.caption(
            f"Clé de lecture : variation en millions d'euros des {flow_label} entre {first} "
            f"et {last} ; en vert les cinq plus fortes hausses, en rouge les cinq plus fortes "
            "baisses."
        )
        risers, fallers = b.movers(5)
        noun = "produit" if by == "product" else "pays"
        if fallers.empty and not risers.empty:
            st.caption(
                f"Aucune baisse à montrer : aucun {noun} n'a reculé entre {first} et {last}."
            )
        elif risers.empty and not fallers.empty:
            st.caption(
                f"Aucune hausse à montrer : aucun {noun} n'a progressé entre {first} et {last}."
            )
        show_table(movers_table(b, what, first, last), filters, t.name, key=f"movers_{by}_t")
