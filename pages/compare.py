"""Comparer: two to four territories side by side (départements, régions or France), with
their key figures, top partners, top products and balance on the same scales.

Page parameters in the URL: ``comparer``, comma-separated territory codes (``93,95,59``,
``R11,R32``, ``FR``). Unknown codes are ignored with a French notice; without a valid list the
page compares a département with its région and France, a région with France, and France with
its three largest régions by exports of the period, and says so under the selector.
``detail`` (``produits``, ``pays``): the open tab of the products and partners detail (shared
with Évolution).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, tables
from core.filters import FLOW_LABELS, normalise_territory, quote
from core.labels import md
from pages import shared
from pages.tables import (
    DETAIL_TABS,
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
DEFAULT_WHY = {
    "departement": "le département choisi dans les filtres, sa région et la France entière",
    "region": "la région choisie dans les filtres et la France entière",
    "france": "la France entière et ses trois premières régions exportatrices de la période",
}
KEY, SEEDED = "p_comparer", "_seeded_p_comparer"
LAST = "_last_comparer"
MAX_TERRITORIES = 4


def parse(raw: str | None) -> tuple[list[str], list[str]]:
    """Valid codes (deduplicated, at most four) and French notices."""
    if not raw:
        return [], []
    codes, unknown = [], []
    for item in raw.split(","):
        if not item.strip():
            continue
        code = normalise_territory(item, catalog)
        if code is None:
            unknown.append(item.strip())
        elif code not in codes:
            codes.append(code)
    notices = []
    if unknown:
        notices.append(
            f"Territoires inconnus ignorés dans « comparer » : "
            f"{', '.join(quote(u) for u in unknown[:4])}"
            + (f" et {len(unknown) - 4} autres" if len(unknown) > 4 else "")
            + ". Utilisez des codes de département (93, 20, 971), de région (R11) ou FR."
        )
    if len(codes) > MAX_TERRITORIES:
        notices.append(
            f"Au plus {MAX_TERRITORIES} territoires se comparent : seuls les "
            f"{MAX_TERRITORIES} premiers sont gardés."
        )
        codes = codes[:MAX_TERRITORIES]
    return codes, notices


def share_table(frame: pd.DataFrame, what: str, view: str) -> tables.Table:
    wide_v = frame.pivot_table(
        index=["code", "label"], columns="territory", values="value", sort=False
    )
    wide_s = frame.pivot_table(
        index=["code", "label"], columns="territory", values="share", sort=False
    )
    out = pd.DataFrame(
        {"Code": [c for c, _ in wide_v.index], what: [lbl for _, lbl in wide_v.index]}
    )
    kinds = {"Code": "code"}
    for code in codes:
        name = catalog.territory_name(code)
        out[f"{name} (M€)"] = tables.meur(wide_v[code].reset_index(drop=True))
        out[f"{name} (part)"] = wide_s[code].reset_index(drop=True)
        kinds[f"{name} (M€)"], kinds[f"{name} (part)"] = "meur", "pct1"
    return tables.Table(
        out,
        kinds,
        view=view,
        caption=f"{FLOW_LABELS[filters.flow].capitalize()} {filters.period.label}, millions d'euros "
        "courants et part du total de chaque territoire ; « Autres » complète chaque total.",
    )


with shared.guard():
    ss = st.session_state
    notices: list[str] = []
    if ss.get(SEEDED) and KEY not in ss and LAST in ss:
        # Streamlit drops a widget's state when another page runs: back to the last choice.
        ss[KEY] = ss[LAST]
    if not ss.get(SEEDED) or KEY not in ss:
        # Read once per session.
        codes, notices = parse(st.query_params.get("comparer"))
        if ss.get(SEEDED):
            notices = []
        if len(codes) < 2:
            if st.query_params.get("comparer") and not ss.get(SEEDED):
                notices.append(
                    "Il faut au moins deux territoires valides dans « comparer » : "
                    "comparaison par défaut affichée."
                )
            codes = list(cache.default_comparison(filters))
        ss[KEY] = codes
        ss[SEEDED] = True
    else:
        ss[KEY] = ss[KEY]  # the browser draws the server's value (shared.sidebar_filters)
    shared.show_notices(notices)

    st.title(heading(f"Comparer des territoires {filters.period.phrase}"))
    st.caption(f"Comparer · {filters.describe(catalog)}")
    period_note(filters.period)
    codes = st.multiselect(
        "Territoires comparés (de 2 à 4)",
        catalog.territory_codes(),
        format_func=catalog.territory_label,
        key=KEY,
        max_selections=MAX_TERRITORIES,
    )
    ss[LAST] = list(codes)
    default = list(cache.default_comparison(filters))
    default_names = ", ".join(md(catalog.territory_name(c)) for c in default)
    if list(codes) == default:
        st.caption(
            f"Comparaison proposée par défaut : {DEFAULT_WHY[filters.kind]} "
            f"({default_names}). Ajoutez ou retirez des territoires ci-dessus (de 2 à 4) ; le "
            "lien de la page garde votre choix."
        )
    else:
        st.caption(
            f"Sans choix, la page compare {DEFAULT_WHY[filters.kind]} ({default_names}). "
            "Le lien de la page garde votre choix."
        )
    shared.sync_url({"comparer": ",".join(codes)}, owned=["comparer"])
    if len(codes) < 2:
        st.info("Choisissez au moins deux territoires à comparer.")
        st.stop()

    c = cache.compare(filters, tuple(codes))
    label_of_page = " · ".join(c.names)
    name = catalog.territory_name(filters.territory)
    marks = {code: set(unpublished_flows(catalog, code, c.period)) for code in c.codes}
    marks = {code: flows for code, flows in marks.items() if flows}

    st.subheader("Chiffres clés")
    show_chart(
        lambda: charts_trends.compare_kpis_chart(c, unpublished=marks),
        "comparer",
        filters,
        name,
        key="cmp_kpis",
        depends=(tuple(codes),),
        reading_key="exportations (violet) et importations (bleu) de chaque territoire sur une "
        "même échelle, en millions d'euros ; le losange donne le solde, vert en excédent, "
        "rouge en déficit.",
    )
    if marks:
        notes = sorted(
            {
                n
                for code in marks
                for f in marks[code]
                if (n := catalog.unpublished(code, f, c.period))
            }
        )
        st.caption("« non publié » : " + " ".join(md(n) for n in notes))
    k = c.kpis
    kpi_frame = pd.DataFrame({"Code": k["code"], "Territoire": k["name"], **tables.kpi_columns(k)})
    note = unpublished_column(catalog, k["code"], c.period)
    if note is not None:
        kpi_frame["Note"] = note
    show_table(
        tables.Table(
            kpi_frame,
            {"Code": "code", **tables.KPI_KINDS},
            view="comparer-chiffres-cles",
            caption=f"{filters.period.label}, millions d'euros courants ; évolutions par "
            "rapport aux mêmes trimestres de l'année précédente.",
        ),
        filters,
        label_of_page,
        key="cmp_kpis_t",
    )

    # Partners and products in lazy tabs: only the open one is drawn (a chart and a table
    # fewer on every visit), kept in the URL as on Évolution.
    flow_label = FLOW_LABELS[filters.flow]
    st.subheader("Détail par produit et par pays partenaire")
    sections = (
        ("products", "Produit", f"Principaux produits ({filters.level})"),
        ("partners", "Pays", "Principaux pays partenaires"),
    )
    detail_tabs = page_tabs("detail", DETAIL_TABS, "produits")
    for (what, noun, title), tab in zip(sections, detail_tabs, strict=True):
        if not tab.open:
            continue
        view = f"comparer-{'pays' if what == 'partners' else 'produits'}"
        with tab:
            st.subheader(heading(f"{title} : {flow_label}"))
            show_chart(
                lambda what=what: charts_trends.compare_shares_chart(c, what),
                view,
                filters,
                name,
                key=f"cmp_{what}",
                depends=(tuple(codes),),
                reading_key=f"part de chaque {noun.lower()} dans les {flow_label} de chaque "
                f"territoire ; mêmes lignes, même ordre et même échelle dans chaque panneau (les "
                f"{filters.top} premiers de chaque territoire, réunis), le reste dans « Autres ».",
            )
            frame = c.partners if what == "partners" else c.products
            show_table(share_table(frame, noun, view), filters, label_of_page, key=f"cmp_{what}_t")
