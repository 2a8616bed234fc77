"""Évolution: the territory's exports, imports and balance in three tabs (``serie=annees|
un-an|trimestres`` in the URL): over every loaded year (a partial year drawn apart), their
growth over a year, and every quarter; then, in two tabs (``detail=produits|pays``), the same
flow by main product or main partner, and the largest risers and fallers between the first
and the last whole year. Only the open tab of each pair is built and drawn (Streamlit's lazy
tabs), the risers and fallers once their expander is opened, and the breakdown's chart, below
the fold, once the reader scrolls near it (``show_chart(below_fold=True)``): a page switch
draws one chart, not seven."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, tables
from core.filters import FLOW_LABELS
from core.formatting import format_meur, format_percent
from core.labels import md
from core.periods import Period
from pages import shared
from pages.tables import (
    DETAIL_TABS,
    UNPUBLISHED,
    heading,
    page_tabs,
    period_note,
    show_chart,
    show_table,
    unpublished_column,
    unpublished_flows,
)

filters = shared.current_filters()
catalog = cache.catalog()
SERIES_LABELS = {"annees": "Par année", "un-an": "Sur un an", "trimestres": "Par trimestre"}


def delta(change: float | None, colored: bool) -> dict:
    """Metric delta arguments. Streamlit reads the direction from an ASCII "-", but French
    figures carry a typographic minus, so direction and colour are given explicitly."""
    if change is None or pd.isna(change):
        return {}
    down = change < 0
    return {
        "delta": f"{format_percent(change, 1, signed=True)} sur un an",
        "delta_arrow": "down" if down else "up",
        "delta_color": ("red" if down else "green") if colored else "gray",
    }


def quarter_period(year: int, quarter: int) -> Period:
    index = year * 4 + quarter - 1
    return Period(index, index)


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
        "Code": "code",
        f"{first} (M€)": "meur",
        f"{last} (M€)": "meur",
        "Variation (M€)": "meur",
        f"Évolution {first}–{last}": "growth",
        "Évolution sur un an": "growth",
    }
    return tables.Table(
        frame,
        kinds,
        view=f"evolution-hausses-baisses-{'produits' if what == 'Produit' else 'pays'}",
        caption=f"Millions d'euros courants ; variation entre {first} et {last}, années "
        "entières ; « Évolution sur un an » : la dernière année entière sur la précédente.",
    )


def series_table(breakdown, what: str) -> tables.Table:
    wide = breakdown.series.pivot_table(
        index=["code", "label"], columns="year", values="value", aggfunc="sum", sort=False
    ).reset_index()
    frame = pd.DataFrame({"Code": wide["code"], what: wide["label"]})
    kinds = {"Code": "code"}
    for year in breakdown.series["year"].unique():
        frame[f"{year} (M€)"] = tables.meur(wide[year])
        kinds[f"{year} (M€)"] = "meur"
    return tables.Table(
        frame,
        kinds,
        view=f"evolution-{'produits' if what == 'Produit' else 'pays'}",
        caption="Millions d'euros courants, années entières ; « Autres » regroupe le reste, "
        "les années s'additionnent au total.",
    )


def why_no_movers(risers: pd.DataFrame, fallers: pd.DataFrame, noun: str, first, last) -> str:
    """Say why one side of « Plus fortes hausses et baisses » is empty."""
    if first == last:
        return (
            "Une seule année entière chargée : pas de hausse ni de baisse à mesurer. "
            "Chargez une autre année entière pour comparer."
        )
    if fallers.empty and risers.empty:
        return f"Aucun {noun} n'a varié entre {first} et {last}."
    if fallers.empty:
        return (
            f"Aucune baisse à montrer : aucun {noun} n'a reculé entre {first} et {last} "
            f"(seules {'la' if len(risers) == 1 else 'les'} {len(risers)} plus "
            f"forte{'s' if len(risers) > 1 else ''} hausse{'s' if len(risers) > 1 else ''} "
            "figurent)."
        )
    if risers.empty:
        return f"Aucune hausse à montrer : aucun {noun} n'a progressé entre {first} et {last}."
    return ""


with shared.guard():
    t = cache.trend(filters)
    k = cache.kpis(filters)
    name = md(t.name)
    first, last = t.first_year, t.last_year
    span = f"{first}–{last}" if first is not None and first != last else str(first or "")
    st.title(heading(f"{name} : évolution {span}"))
    st.caption(f"Évolution · {filters.describe(catalog)}")
    period_note(filters.period)
    unpublished = unpublished_flows(catalog, filters.territory, filters.period)

    # The period filter picks the first two figures (with the change on the same quarters a
    # year earlier); the charts show every year and every quarter.
    c1, c2, c3, c4 = st.columns(4)
    mark = {f: f" ({UNPUBLISHED})" if f in unpublished else "" for f in ("export", "import")}
    c1.metric(
        f"Exportations {filters.period.label}{mark['export']}",
        format_meur(k.exports),
        **delta(k.change_exports, True),
    )
    c2.metric(
        f"Importations {filters.period.label}{mark['import']}",
        format_meur(k.imports),
        **delta(k.change_imports, False),
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

    # Figures the source does not publish, per year and per quarter.
    year_marks = {
        p.label: set(unpublished_flows(catalog, filters.territory, p))
        for p in catalog.year_periods.values()
    }
    year_marks = {lbl: flows for lbl, flows in year_marks.items() if flows}
    quarter_marks = {
        f"T{q} {y}": set(unpublished_flows(catalog, filters.territory, quarter_period(y, q)))
        for y, q in catalog.quarters
    }
    quarter_marks = {lbl: flows for lbl, flows in quarter_marks.items() if flows}
    notes = sorted(
        {
            n
            for p in catalog.year_periods.values()
            for f in ("export", "import")
            if (n := catalog.unpublished(filters.territory, f, p))
        }
    )
    if notes:
        st.warning("« non publié » : " + " ".join(md(n) for n in notes), icon=":material/info:")

    st.subheader("Exportations, importations et solde")
    by_year, over_a_year, by_quarter = page_tabs("serie", SERIES_LABELS, "annees")
    if by_year.open:
        with by_year:
            show_chart(
                lambda: charts_trends.trend_chart(t, unpublished=year_marks),
                "evolution",
                filters,
                t.name,
                key="trend_chart",
                reading_key="les courbes donnent les exportations (violet) et les importations "
                "(bleu) de chaque année, en millions d'euros courants ; les barres donnent le "
                "solde, vert en excédent, rouge en déficit.",
            )
            totals = pd.DataFrame(
                {"Année": t.table["label"].astype(str), **tables.kpi_columns(t.table)}
            )
            note = unpublished_column(
                catalog,
                [filters.territory] * len(t.table),
                [catalog.year_periods[y] for y in t.table["year"]],
            )
            if note is not None:
                totals["Note"] = note
            show_table(
                tables.Table(
                    totals,
                    tables.KPI_KINDS,
                    view="evolution-totaux",
                    caption="Millions d'euros courants ; évolutions par rapport aux mêmes "
                    "trimestres de l'année précédente.",
                ),
                filters,
                t.name,
                key="trend_totals",
            )
    if over_a_year.open:
        with over_a_year:
            show_chart(
                lambda: charts_trends.growth_chart(t),
                "evolution-sur-un-an",
                filters,
                t.name,
                key="growth_chart",
                reading_key="une barre de +10 % signifie que le flux a augmenté de 10 % par "
                "rapport aux mêmes trimestres de l'année précédente (valeurs en euros courants, "
                "inflation comprise) ; une année partielle est hachurée.",
            )
    if by_quarter.open:
        with by_quarter:
            show_chart(
                lambda: charts_trends.quarterly_chart(t, unpublished=quarter_marks),
                "evolution-trimestres",
                filters,
                t.name,
                key="quarterly_chart",
                reading_key="exportations et importations de chaque trimestre publié, en "
                "millions d'euros courants ; le survol donne l'évolution sur le même trimestre de "
                "l'année précédente. Les trimestres ont des saisonnalités propres : comparez un "
                "trimestre au même trimestre d'une autre année.",
            )
            quarterly = t.quarterly
            quarters = pd.DataFrame(
                {
                    "Trimestre": quarterly["label"],
                    "Exportations (M€)": tables.meur(quarterly["exports"]),
                    "Importations (M€)": tables.meur(quarterly["imports"]),
                    "Solde (M€)": tables.meur(quarterly["balance"]),
                    "Évolution des exportations": quarterly["growth_exports"],
                    "Évolution des importations": quarterly["growth_imports"],
                }
            )
            note = unpublished_column(
                catalog,
                [filters.territory] * len(quarterly),
                [
                    quarter_period(y, q)
                    for y, q in zip(quarterly["year"], quarterly["quarter"], strict=True)
                ],
            )
            if note is not None:
                quarters["Note"] = note
            show_table(
                tables.Table(
                    quarters,
                    {k: v for k, v in tables.KPI_KINDS.items() if k != "Taux de couverture"},
                    view="evolution-trimestres",
                    caption="Millions d'euros courants ; évolutions par rapport au même "
                    "trimestre de l'année précédente.",
                ),
                filters,
                t.name,
                key="trend_quarters",
            )

    flow_label = FLOW_LABELS[filters.flow]
    st.subheader("Détail par produit et par pays partenaire")
    detail_tabs = page_tabs("detail", DETAIL_TABS, "produits")
    sections = (
        ("product", "Produit", f"Principaux produits ({filters.level})"),
        ("partner", "Pays", "Principaux pays partenaires"),
    )
    for (by, what, heading_text), tab in zip(sections, detail_tabs, strict=True):
        if not tab.open:
            continue
        with tab:
            b = cache.trend_breakdown(filters, by)
            noun = "produit" if by == "product" else "pays"
            view = f"evolution-{'produits' if by == 'product' else 'pays'}"
            st.subheader(heading(f"{heading_text} : {flow_label}"))
            flow_marks = sorted(lbl for lbl, flows in year_marks.items() if filters.flow in flows)
            show_chart(
                lambda b=b: charts_trends.breakdown_area(b),
                view,
                filters,
                t.name,
                key=f"area_{by}",
                below_fold=True,
                reading_key=f"chaque bande est la valeur des {flow_label} d'un {noun} ; "
                f"l'empilement donne le total du territoire. Les {filters.top} premiers en {b.last_year} "
                "sont nommés, le reste est regroupé dans « Autres »."
                + (
                    f" {b.partial.label}, année partielle, n'y figure pas (voir l'évolution "
                    "trimestrielle)."
                    if b.partial
                    else ""
                )
                + (
                    f" Total de {', '.join(flow_marks)} non publié dans la source : "
                    "valeurs de démonstration."
                    if flow_marks
                    else ""
                ),
            )
            show_table(
                cache.derived(
                    ("series", filters, by), lambda b=b, what=what: series_table(b, what)
                ),
                filters,
                t.name,
                key=f"series_{by}",
            )

            # Lazy: the risers and fallers (a chart and a table, far below the fold) are drawn
            # once the reader opens them, as the fiche's comparisons.
            box = st.expander(
                f"Plus fortes hausses et baisses, {b.first_year}–{b.last_year}",
                key=f"x_movers_{by}",
                on_change="rerun",
                icon=":material/swap_vert:",
            )
            if box.open:
                with box:
                    risers, fallers = cache.derived(
                        ("movers", filters, by), lambda b=b: b.movers(5)
                    )
                    show_chart(
                        lambda b=b: charts_trends.movers_chart(b),
                        f"evolution-hausses-baisses-{'produits' if by == 'product' else 'pays'}",
                        filters,
                        t.name,
                        key=f"movers_{by}",
                        reading_key=f"variation en millions d'euros des {flow_label} de chaque "
                        f"{noun} entre {b.first_year} et {b.last_year} (années entières) ; en vert "
                        "les cinq plus fortes hausses, en rouge les cinq plus fortes baisses.",
                    )
                    if why := why_no_movers(risers, fallers, noun, b.first_year, b.last_year):
                        st.info(why, icon=":material/info:")
                    show_table(
                        cache.derived(
                            ("movers_table", filters, by),
                            lambda b=b, what=what: movers_table(b, what, b.first_year, b.last_year),
                        ),
                        filters,
                        t.name,
                        key=f"movers_{by}_t",
                    )
