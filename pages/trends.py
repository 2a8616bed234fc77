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
    first, last = t.first_year, t.last_year
    st.title(f"{t.name} : évolution {first}–{last}")
    st.caption(f"Évolution · {filters.describe(catalog)}")

    # The year filter picks the year of the first two figures; the chart shows them all.
    last_row = t.table[t.table["year"] == filters.year].iloc[0]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        f"Exportations {filters.year}",
        format_meur(int(last_row["exports"])),
        **delta(last_row["growth_exports"], colored=True),
    )
    c2.metric(
        f"Importations {filters.year}",
        format_meur(int(last_row["imports"])),
        **delta(last_row["growth_imports"], colored=False),
    )
    c3.metric(
        f"Exportations {first}–{last}",
        format_percent(t.period_growth("exports"), 1, signed=True),
        help="Évolution entre la première et la dernière année chargées.",
    )
    c4.metric(
        f"Importations {first}–{last}",
        format_percent(t.period_growth("imports"), 1, signed=True),
        help="Évolution entre la première et la dernière année chargées.",
    )
    rate_x, rate_m = t.annual_rate("exports"), t.annual_rate("imports")
    if rate_x is not None or rate_m is not None:
        st.caption(
            f"Soit en moyenne par an : {format_percent(rate_x, 1, signed=True)} à l'export, "
            f"{format_percent(rate_m, 1, signed=True)} à l'import."
        )

    st.subheader("Exportations, importations et solde")
    st.plotly_chart(charts_trends.trend_chart(t), config=PLOT_CONFIG, key="trend_chart")
    st.caption(
        "Clé de lecture : les courbes donnent les exportations (violet) et les importations "
        "(bleu) de chaque année, en millions d'euros courants ; les barres donnent le solde, "
        "vert en excédent, rouge en déficit."
    )
    totals = pd.DataFrame({"Année": t.table["year"].astype(str), **tables.kpi_columns(t.table)})
    show_table(
        tables.Table(
            totals,
            tables.KPI_KINDS,
            view="evolution-totaux",
            caption="Millions d'euros courants ; évolutions par rapport à l'année précédente.",
        ),
        filters,
        t.name,
        key="trend_totals",
    )

    st.subheader("Évolution sur un an")
    st.plotly_chart(charts_trends.growth_chart(t), config=PLOT_CONFIG, key="growth_chart")
    st.caption(
        "Clé de lecture : une barre de +10 % signifie que le flux a augmenté de 10 % par "
        "rapport à l'année précédente (valeurs en euros courants, inflation comprise)."
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
        )
        show_table(series_table(b, what), filters, t.name, key=f"series_{by}")
        st.markdown(f"**Plus fortes hausses et baisses {first}–{last}**")
        st.plotly_chart(charts_trends.movers_chart(b), config=PLOT_CONFIG, key=f"movers_{by}")
        st.caption(
            f"Clé de lecture : variation en millions d'euros des {flow_label} entre {first} "
            f"et {last} ; en vert les cinq plus fortes hausses, en rouge les cinq plus fortes "
            "baisses."
        )
        show_table(movers_table(b, what, first, last), filters, t.name, key=f"movers_{by}_t")
