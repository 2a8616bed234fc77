"""Streamlit pieces every page uses: the shared filters bound to the URL, the provenance
banner with the methodological caveats, URL notices, and a guard that turns errors into a
French message instead of a traceback.

Why not ``bind="query-params"``: a bound selectbox writes its *formatted* label in the URL
(``territoire=93 – Seine-Saint-Denis``) and silently drops invalid values. Here the URL is read
once per session through ``Filters.from_query_params`` (which explains what it ignored), the
widgets then hold the state, and every run writes the complete filters back to the URL, so page
switches keep them and a copied link reopens the same view.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence

import streamlit as st

from core import cache
from core.db import Catalog, DataUnavailable
from core.filters import (
    FLOW_LABELS,
    LEVEL_LABELS,
    LEVELS,
    PARAM_NAMES,
    TOP_MAX,
    TOP_MIN,
    Filters,
)
from core.formatting import format_day, format_year_span

log = logging.getLogger(__name__)

_SEEDED = "_filters_seeded_from_url"
_NOTICES = "_url_notices"
_WIDGETS = {
    "territory": "f_territoire",
    "period": "f_annee",
    "flow": "f_flux",
    "level": "f_niveau",
    "top": "f_top",
    "partners": "f_pays",
    "products": "f_produits",
}

METHODOLOGY = (
    "Les douanes rattachent chaque flux au **lieu de dédouanement**, pas au lieu de "
    "production : un bien fabriqué dans un département peut être exporté depuis un autre, "
    "selon la logistique des entreprises.",
    "Les grandes infrastructures de transport (ports, aéroports, plateformes logistiques) "
    "concentrent certains flux, comme les importations d'hydrocarbures dans les zones "
    "industrialo-portuaires, sans que ces biens soient utilisés sur place.",
    "L'échelle infra-départementale, dont celle des Territoires d'industrie, n'est pas "
    "disponible : pour un territoire à cheval sur plusieurs départements, consultez chacun "
    "d'eux.",
    "Exportations FAB, importations CAF, hors matériel militaire ; valeurs en euros courants.",
)


def sidebar_filters(catalog: Catalog) -> tuple[Filters, list[str]]:
    """Render the shared filters; returns the current filters and this run's URL notices."""
    ss = st.session_state
    notices: list[str] = []
    if not ss.get(_SEEDED):
        filters, notices = Filters.from_query_params(st.query_params.to_dict(), catalog)
        for field, key in _WIDGETS.items():
            value = getattr(filters, field)
            if field == "period":
                value = value.token
            ss[key] = list(value) if isinstance(value, tuple) else value
        ss[_SEEDED] = True
        ss[_NOTICES] = notices

    country_names = dict(zip(catalog.countries["code"], catalog.countries["name_fr"], strict=True))
    a129 = catalog.products.drop_duplicates("a129")
    product_labels = dict(zip(a129["a129"], a129["a129_label"], strict=True)) | dict(
        zip(catalog.products["code"], catalog.products["label"], strict=True)
    )
    with st.sidebar:
        st.header("Filtres")
        st.selectbox(
            "Territoire",
            catalog.territory_codes(),
            format_func=catalog.territory_label,
            key=_WIDGETS["territory"],
            help="France entière, une région ou un département (tapez pour chercher).",
        )
        periods = {p.token: p for p in catalog.periods}
        st.selectbox(
            "Période",
            list(periods),
            format_func=lambda t: periods[t].label,
            key=_WIDGETS["period"],
            help=(
                "Une année (partielle quand tous ses trimestres ne sont pas encore publiés, "
                "comparée alors aux mêmes trimestres de l'année précédente) ou les 12 derniers "
                "mois publiés."
            ),
        )
        st.radio(
            "Flux",
            ["export", "import"],
            format_func=lambda f: FLOW_LABELS[f].capitalize(),
            key=_WIDGETS["flow"],
            horizontal=True,
        )
        st.selectbox(
            "Niveau de produits",
            list(LEVELS),
            format_func=LEVEL_LABELS.get,
            key=_WIDGETS["level"],
        )
        st.slider(
            "Nombre de pays et de produits affichés",
            min_value=TOP_MIN,
            max_value=TOP_MAX,
            key=_WIDGETS["top"],
        )
        with st.expander("Sélection de pays et de produits"):
            st.multiselect(
                "Pays partenaires",
                list(country_names),
                format_func=lambda c: f"{country_names[c]} ({c})",
                key=_WIDGETS["partners"],
                placeholder="Tous les pays",
            )
            st.multiselect(
                "Produits (A129 ou CPF4)",
                list(product_labels),
                format_func=lambda c: f"{c} – {product_labels[c]}",
                key=_WIDGETS["products"],
                placeholder="Tous les produits",
            )

    filters = Filters(
        territory=ss[_WIDGETS["territory"]],
        period=periods[ss[_WIDGETS["period"]]],
        flow=ss[_WIDGETS["flow"]],
        level=ss[_WIDGETS["level"]],
        top=int(ss[_WIDGETS["top"]]),
        partners=tuple(ss[_WIDGETS["partners"]]),
        products=tuple(ss[_WIDGETS["products"]]),
    )
    sync_url(filters.to_query_params(), owned=PARAM_NAMES)
    return filters, notices


def sync_url(params: dict[str, str], owned: Sequence[str]) -> None:
    """Write ``params`` into the URL, replacing the ``owned`` names and keeping the others."""
    current = st.query_params.to_dict()
    wanted = {k: v for k, v in current.items() if k not in owned} | params
    if wanted != current:
        st.query_params.from_dict(wanted)


def page_param(
    name: str, options: Sequence[str], default: str, label_of: dict[str, str] | None = None
) -> str:
    """A page-specific URL parameter: read once per session, kept in the URL afterwards.

    An invalid value opens the default with a French notice. Use with a widget whose ``key``
    is ``f"p_{name}"``.
    """
    key, seeded, last = f"p_{name}", f"_seeded_p_{name}", f"_last_p_{name}"
    ss = st.session_state
    if not ss.get(seeded):
        raw = st.query_params.get(name)
        if raw is not None and raw not in options:
            readable = ", ".join(options)
            st.warning(
                f"Valeur « {raw} » du paramètre « {name} » inconnue ({readable} attendu) : "
                f"affichage de « {(label_of or {}).get(default, default)} »."
            )
        ss[key] = raw if raw in options else default
        ss[seeded] = True
    elif key not in ss:
        # Streamlit drops a widget's state when a run does not draw it (another page was
        # shown): come back to the value the user last had on this page.
        ss[key] = ss.get(last, default)
    ss[last] = ss[key]
    return ss[key]


def current_filters() -> Filters:
    return st.session_state["filters"]


def provenance_banner(catalog: Catalog) -> None:
    """Say on every page where the figures come from, with the methodological caveats."""
    meta = catalog.metadata
    years = format_year_span(catalog.years)
    if catalog.is_demo:
        st.info(
            "**Données de démonstration** : chiffres générés pour illustrer l'outil, calibrés "
            "sur les totaux publiés pour 2024 (France, régions et départements des fiches ANCT) "
            f"mais fictifs dans le détail ; {years}. Ce ne sont pas des statistiques "
            "officielles : chargez les fichiers de la DGDDI depuis la page « Sources de "
            "données ».",
            icon=":material/science:",
        )
    else:
        files = meta.get("files") or []
        names = ", ".join(str(f) for f in files) if files else "fichiers officiels"
        loaded = format_day(meta.get("built_at"))
        st.success(
            f"**Données officielles DGDDI** : {names} ; {years} ; chargées le {loaded}.",
            icon=":material/verified:",
        )
    with st.expander("Précisions méthodologiques"):
        st.markdown("\n".join(f"- {line}" for line in METHODOLOGY))


def show_notices(notices: list[str]) -> None:
    for notice in notices:
        st.warning(notice, icon=":material/link_off:")


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Turn any failure inside a page into a French message (never a traceback)."""
    try:
        yield
    except DataUnavailable as exc:
        st.error(str(exc))
    except Exception as exc:
        if type(exc).__name__ in ("StopException", "RerunException", "RerunData"):
            raise
        log.exception("page failed")
        st.error(
            "Une erreur inattendue a empêché l'affichage de cette vue. Modifiez les filtres "
            "ou rechargez la page ; si le problème persiste, signalez-le avec le lien de la "
            "page."
        )


def catalog_or_stop() -> Catalog:
    """Pin this run's build (every query of the run reads it) and return its catalog."""
    try:
        return cache.begin_run().catalog()
    except DataUnavailable as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop raises
