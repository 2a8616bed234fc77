"""Comparer: two to four territories side by side (départements, régions or France), with
their key figures, top partners, top products and balance on the same scales.

Page parameter in the URL: ``comparer``, comma-separated territory codes (``93,95,59``,
``R11,R32``, ``FR``). Unknown codes are ignored with a French notice; without a valid list the
page compares a département with its région and France, a région with France, and France with
its three largest régions (and says so).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import cache, charts_trends, tables
from core.filters import FLOW_LABELS, normalise_territory, quote
from pages import shared
from pages.tables import show_table

filters = shared.current_filters()
catalog = cache.catalog()
PLOT_CONFIG = {"displaylogo": False}
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
    kinds = {}
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
    shared.show_notices(notices)

    st.title(f"Comparer des territoires {filters.period.phrase}")
    st.caption(f"Comparer · {filters.describe(catalog)}")
    codes = st.multiselect(
        "Territoires comparés (de 2 à 4)",
        catalog.territory_codes(),
        format_func=catalog.territory_label,
        key=KEY,
        max_selections=MAX_TERRITORIES,
    )
    ss[LAST] = list(codes)
    default = list(cache.default_comparison(filters))
    if list(codes) == default:
        why = {
            "departement": "le département, sa région et la France entière",
            "region": "la région et la France entière",
            "france": "la France entière et ses trois premières régions exportatrices",
        }[filters.kind]
        st.caption(
            f"Comparaison proposée par défaut : {why}. Ajoutez ou retirez des territoires "
            "ci-dessus ; le lien de la page garde votre choix."
        )
    shared.sync_url({"comparer": ",".join(codes)}, owned=["comparer"])
    if len(codes) < 2:
        st.info("Choisissez au moins deux territoires à comparer.")
        st.stop()

    c = cache.compare(filters, tuple(codes))
    label_of_page = " · ".join(c.names)

    st.subheader("Chiffres clés")
    st.plotly_chart(charts_trends.compare_kpis_chart(c), config=PLOT_CONFIG, key="cmp_kpis")
    st.caption(
        "Clé de lecture : exportations (violet) et importations (bleu) de chaque territoire "
        "sur une même échelle, en millions d'euros ; le losange donne le solde, vert en "
        "excédent, rouge en déficit."
    )
    k = c.kpis
    kpi_frame = pd.DataFrame({"Code": k["code"], "Territoire": k["name"], **tables.kpi_columns(k)})
    show_table(
        tables.Table(
            kpi_frame,
            tables.KPI_KINDS,
            view="comparer-chiffres-cles",
            caption=f"{filters.period.label}, millions d'euros courants ; évolutions par "
            "rapport aux mêmes trimestres de l'année précédente.",
        ),
        filters,
        label_of_page,
        key="cmp_kpis_t",
    )

    flow_label = FLOW_LABELS[filters.flow]
    for what, noun, heading in (
        ("partners", "Pays", "Principaux pays partenaires"),
        ("products", "Produit", f"Principaux produits ({filters.level})"),
    ):
        st.subheader(f"{heading} : {flow_label}")
        st.plotly_chart(
            charts_trends.compare_shares_chart(c, what), config=PLOT_CONFIG, key=f"cmp_{what}"
        )
        st.caption(
            f"Clé de lecture : part de chaque {noun.lower()} dans les {flow_label} de chaque "
            f"territoire ; mêmes lignes, même ordre et même échelle dans chaque panneau (les "
            f"{filters.top} premiers de chaque territoire, réunis), le reste dans « Autres »."
        )
        frame = c.partners if what == "partners" else c.products
        show_table(
            share_table(frame, noun, f"comparer-{'pays' if what == 'partners' else 'produits'}"),
            filters,
            label_of_page,
            key=f"cmp_{what}_t",
        )
