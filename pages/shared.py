"""Streamlit pieces every page uses: the shared filters bound to the URL, the territory
search, the provenance banner with the methodological caveats, URL notices, and a guard that
turns errors into a French message instead of a traceback.

Why not ``bind="query-params"``: a bound selectbox writes its *formatted* label in the URL
(``territoire=93 – Seine-Saint-Denis``) and silently drops invalid values. Here the URL is read
through ``Filters.from_query_params`` (which explains what it ignored) when a session starts and
when the user goes Back or Forward in the browser; the widgets then hold the state, and every
run writes the complete filters back to the URL (Streamlit pushes a history entry when the
query string changes, so Back undoes a change of territory or period).

The filters also live in a session key of their own (``_STATE``): Streamlit forgets a widget's
value when a run is interrupted before the widget is drawn (quick page switches), and the
widgets are restored from it instead of falling back to their first option. Every widget value
is written to the session state before the widget is drawn, on every run, so that the browser
always draws the server's value (see ``sidebar_filters``).

Every text that comes from a URL or a file is shown literally (``core.labels.md``), never as
Markdown: a link or an image in a URL never becomes one in the app's own notices.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core import cache, search
from core.db import Catalog, DataUnavailable
from core.filters import (
    FLOW_LABELS,
    LEVEL_LABELS,
    LEVELS,
    PARAM_NAMES,
    TOP_MAX,
    TOP_MIN,
    Filters,
    quote,
)
from core.formatting import NBSP, format_moment
from core.labels import md
from core.periods import span_label
from core.texts import METHODOLOGY, METHODOLOGY_SCOPE

log = logging.getLogger(__name__)

_STATE = "_filter_state"  # the filters' widget values, kept whatever Streamlit drops
_NOTICES = "_url_notices"
_SEARCH = "f_recherche"
_WIDGETS = {
    "territory": "f_territoire",
    "period": "f_annee",
    "flow": "f_flux",
    "level": "f_niveau",
    "top": "f_top",
    "partners": "f_pays",
    "products": "f_produits",
}


_SELECTION = "f_selection"  # the expander holding the countries' and products' lists
_SELECTION_OPEN = "_selection_open"  # whether it is open, kept whatever Streamlit drops


def selection_summary(partners: Sequence[str], products: Sequence[str]) -> str:
    """« Sélection : 2 pays, 1 produit » (empty without a selection)."""
    parts = [
        f"{n}{NBSP}{one if n == 1 else many}"
        for n, one, many in (
            (len(partners), "pays", "pays"),
            (len(products), "produit", "produits"),
        )
        if n
    ]
    return f"Sélection{NBSP}: {', '.join(parts)}" if parts else ""


def history_navigation() -> bool:
    """Whether this run was started by the browser's Back or Forward button."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "is_history_navigation", False))


def _widget_state(filters: Filters) -> dict[str, object]:
    state: dict[str, object] = {}
    for field, key in _WIDGETS.items():
        value = getattr(filters, field)
        if field == "period":
            value = value.token
        state[key] = list(value) if isinstance(value, tuple) else value
    return state


def _valid(state: dict[str, object], catalog: Catalog) -> bool:
    """Whether kept widget values still fit the build (a new load may drop a period)."""
    periods = {p.token for p in catalog.periods}
    return (
        state.get(_WIDGETS["period"]) in periods
        and state.get(_WIDGETS["territory"]) in catalog.territory_codes()
    )


def _choose(code: str) -> None:
    """Search result clicked: that territory becomes the filter (before widgets are drawn)."""
    st.session_state[_WIDGETS["territory"]] = code
    st.session_state[_SEARCH] = ""


def territory_search(catalog: Catalog) -> None:
    """A French search box over codes, names, chefs-lieux and Territoires d'industrie,
    forgiving accents, case, hyphens and spaces; results are buttons."""
    query = st.text_input(
        "Rechercher un territoire",
        key=_SEARCH,
        placeholder="Nom, code, chef-lieu, Territoire d'industrie…",
        help="Sans accents ni tirets si vous voulez : « ardeche », « seine saint », « 2A », "
        "« Bobigny », « Roissy ».",
    )
    if not query.strip():
        return
    matches = search.search(catalog, query)
    if not matches:
        st.caption(f"Aucun territoire ne correspond à « {md(query, limit=40)} ».")
        return
    for m in matches:
        why = "" if m.why in ("code", "nom") else f" · {m.why}"
        st.button(
            md(f"{catalog.territory_label(m.code)}{why}", limit=90),
            key=f"f_choix_{m.code}",
            on_click=_choose,
            args=(m.code,),
            width="stretch",
            type="tertiary",
        )


def sidebar_filters(catalog: Catalog) -> tuple[Filters, list[str]]:
    """Render the shared filters; returns the current filters and this run's URL notices."""
    ss = st.session_state
    notices: list[str] = []
    state = ss.get(_STATE)
    if state is None or history_navigation() or not _valid(state, catalog):
        filters, notices = Filters.from_query_params(st.query_params.to_dict(), catalog)
        if state is not None and not _valid(state, catalog) and not history_navigation():
            notices.append(
                "Les données ont changé depuis l'ouverture de la page : filtres relus depuis "
                "le lien."
            )
        state = _widget_state(filters)
        ss.update(state)
        ss[_NOTICES] = notices
    else:
        # Every value is written back before its widget is drawn, not only those Streamlit
        # dropped: a value set in this run is sent to the browser as the widget's value. Else
        # a widget the browser forgot (a page switch it had not finished drawing when the
        # user clicked again) is drawn with its first option, and the browser sends that back
        # on the next click: the filters were lost, silently.
        for key, value in state.items():
            ss[key] = ss.get(key, value)

    country_names = dict(zip(catalog.countries["code"], catalog.countries["name_fr"], strict=True))
    a129 = catalog.products.drop_duplicates("a129")
    product_labels = dict(zip(a129["a129"], a129["a129_label"], strict=True)) | dict(
        zip(catalog.products["code"], catalog.products["label"], strict=True)
    )
    periods = {p.token: p for p in catalog.periods}
    with st.sidebar:
        st.header("Filtres")
        territory_search(catalog)
        st.selectbox(
            "Territoire",
            catalog.territory_codes(),
            format_func=catalog.territory_label,
            key=_WIDGETS["territory"],
            # Typing is left to the search box above: it ignores accents and speaks French.
            filter_mode=None,
            help="France entière, une région ou un département.",
        )
        st.selectbox(
            "Période",
            list(periods),
            format_func=lambda t: periods[t].label,
            key=_WIDGETS["period"],
            filter_mode=None,
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
            filter_mode=None,
        )
        st.slider(
            "Nombre de pays et de produits affichés",
            min_value=TOP_MIN,
            max_value=TOP_MAX,
            key=_WIDGETS["top"],
        )
        # The two lists (every country, every A129 and CPF4 product) are drawn only while the
        # expander is open: drawn closed, they took about 50 ms of every page switch in the
        # browser. Closed, a line says what they hold; the filters apply either way.
        # Streamlit forgets the expander's state on a page switch: kept, and written back as
        # the filters are.
        ss[_SELECTION] = ss.get(_SELECTION, ss.get(_SELECTION_OPEN, False))
        box = st.expander("Sélection de pays et de produits", key=_SELECTION, on_change="rerun")
        ss[_SELECTION_OPEN] = box.open
        if box.open:
            with box:
                st.multiselect(
                    "Pays partenaires",
                    list(country_names),
                    format_func=lambda c: f"{country_names[c]} ({c})",
                    key=_WIDGETS["partners"],
                    placeholder="Tous les pays",
                    filter_mode="contains",
                )
                st.multiselect(
                    "Produits (A129 ou CPF4)",
                    list(product_labels),
                    format_func=lambda c: f"{c} – {product_labels[c]}",
                    key=_WIDGETS["products"],
                    placeholder="Tous les produits",
                    filter_mode="contains",
                )
        elif chosen := selection_summary(ss[_WIDGETS["partners"]], ss[_WIDGETS["products"]]):
            st.caption(chosen)

    ss[_STATE] = {key: ss[key] for key in _WIDGETS.values()}
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
    if not ss.get(seeded) or history_navigation():
        raw = st.query_params.get(name)
        if raw is not None and raw not in options:
            readable = ", ".join(options)
            show_notices(
                [
                    f"Valeur « {quote(raw)} » du paramètre « {name} » inconnue ({readable} "
                    f"attendu) : affichage de « {(label_of or {}).get(default, default)} »."
                ]
            )
        ss[key] = raw if raw in options else default
        ss[seeded] = True
    elif key not in ss:
        # Streamlit drops a widget's state when a run does not draw it (another page was
        # shown): come back to the value the user last had on this page.
        ss[key] = ss.get(last, default)
    else:
        ss[key] = ss[key]  # sent to the browser as the widget's value (see sidebar_filters)
    ss[last] = ss[key]
    return ss[key]


def current_filters() -> Filters:
    return st.session_state["filters"]


def provenance_banner(catalog: Catalog) -> None:
    """Say on every page where the figures come from, with the methodological caveats."""
    meta = catalog.metadata
    years = span_label(catalog.quarters)
    if catalog.is_demo:
        st.info(
            "**Données de démonstration** : chiffres générés pour illustrer l'outil, calibrés "
            "sur les totaux publiés pour 2024 (France, régions et départements des fiches ANCT) "
            f"mais fictifs dans le détail ; {years} ; version du "
            f"{format_moment(meta.get('built_at'))}. Ce ne sont pas des statistiques "
            "officielles : chargez les fichiers de la DGDDI depuis la page « Sources de "
            "données ».",
            icon=":material/science:",
        )
    else:
        files = [str(f) for f in meta.get("files") or []]
        names = ", ".join(md(f, limit=60) for f in files[:4]) if files else "fichiers officiels"
        if len(files) > 4:
            names += f" et {len(files) - 4} autres"
        loaded = format_moment(meta.get("built_at"))
        st.success(
            f"**Données officielles DGDDI** : {names} ; {years} ; chargées le {loaded}.",
            icon=":material/verified:",
        )
    with st.expander("Précisions méthodologiques"):
        st.markdown("\n".join(f"- {md(line)}" for line in (*METHODOLOGY, METHODOLOGY_SCOPE)))


def show_notices(notices: list[str]) -> None:
    """URL notices, shown literally (they quote what the URL held)."""
    for notice in notices:
        st.warning(md(notice), icon=":material/link_off:")


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
