"""Render tables and charts the same way on every page.

``show_table`` puts a ``core.tables.Table`` on screen with its two server-side downloads (CSV
for French Excel and XLSX) of exactly the rows and numbers shown. ``show_chart`` is the one way
a page draws a Plotly figure: plotly.js's French toolbar (« Télécharger le graphique en fichier
PNG », « Réinitialiser les axes »…), no Plotly logo, and a PNG named after view, territory and
period (``evolution_93-seine-saint-denis_2024.png``), then its « Clé de lecture ». A chart far
down a long page (``below_fold=True``) is drawn once the reader scrolls near it, in a fragment
of its own, so that it does not hold up the page's first paint.

Streamlit's own element toolbar (« Download as CSV », « Search », « Fullscreen ») has no French
translation and no option to rename it: ``french_chrome`` hides it with a static style sheet
(no user text in it), so the French « Télécharger (CSV) / (Excel) » buttons are the only ones.
``Home.py`` adds it once per run, before any page's content.

``heading`` gives titles French typography (a no-break space before « : », « ; », « ? », « ! »)
so that a narrow screen never starts a line with the colon. ``unpublished_note`` and
``unpublished_column`` mark figures the source does not publish (« non publié »).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit import dataframe_util
from streamlit.elements.lib import pandas_styler_utils as _styler_utils

from core import cache, exports, tables, texts
from core.db import Catalog
from core.filters import Filters
from core.formatting import format_number
from core.periods import Period
from core.plotly_locale import locale_config
from pages import shared

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NBSP = "\u00a0"
CAVEAT = (
    "Chiffres des douanes rattachés au lieu de dédouanement, qui n'est pas toujours le lieu de "
    "production (voir « Précisions méthodologiques »)."
)
UNPUBLISHED = "non publié"
# Plotly's built-in maps fetch their outlines from a CDN even when a trace brings its own
# GeoJSON; an empty topology served inline keeps the browser from reaching for the network.
# The "#" makes Plotly's appended "/world_110m.json" a fragment, which a data: URL ignores.
_EMPTY_TOPOJSON_URL = 'data:application/json,{"type":"Topology","objects":{},"arcs":[]}#'
# Streamlit's element toolbar over tables and charts is English only (« Download as CSV »,
# « Search », « Fullscreen », « Show/hide columns ») and has no option to translate it; so is
# the « Fullscreen » button Streamlit adds to Plotly's toolbar (plotly.js does not translate a
# custom button). Both hidden. A constant style sheet; no user text ever goes into it.
_CHROME_CSS = """<style>
[data-testid="stElementToolbar"] { display: none !important; }
.modebar-btn[data-title="Fullscreen"], .modebar-btn[data-title="Close fullscreen"] {
  display: none !important;
}
</style>"""


def heading(text: str) -> str:
    """French typography for a title (``core.texts.title``)."""
    return texts.title(text)


def french_chrome() -> None:
    """Hide Streamlit's English element toolbar (style only: it takes no room on the page).
    Called once per run by ``Home.py``, first in the main area, so that every page has the
    same element there; pages do not add it again."""
    st.html(_CHROME_CSS)


def show_table(
    table: tables.Table,
    filters: Filters,
    territory_name: str,
    key: str,
    height: int | str = "auto",
) -> None:
    """The table, its caption, and « Télécharger (CSV) » / « Télécharger (Excel) » buttons."""
    if table.frame.empty:
        st.info("Aucune ligne ne correspond aux filtres choisis.")
        return
    digest = table.__dict__.get("_digest")  # a table reused from ``cache.derived`` keeps it
    if digest is None:
        digest = _digest(table)
        object.__setattr__(table, "_digest", digest)
    shown = _prepared(digest, table)
    st.dataframe(
        shown.styler,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        placeholder="–",
    )
    if table.caption:
        st.caption(table.caption)
    download_buttons(table, filters, territory_name, key, digest=digest)


# A table up to this many rows downloads in one click (its files are made with the page and
# cached); a larger one is prepared on request, written to disk and streamed from there.
SMALL_ROWS = 5_000


@dataclass(frozen=True)
class _Shown:
    styler: pd.io.formats.style.Styler  # its French display strings computed once


def _digest(table: tables.Table) -> str:
    """A fingerprint of a table's content (values, columns, kinds, view): tables are rebuilt
    on every run, their prepared form is found again by this."""
    h = hashlib.blake2b(digest_size=16)
    frame = table.frame
    h.update(repr((list(frame.columns), [str(t) for t in frame.dtypes], sorted(table.kinds.items()),
                   table.view, len(frame))).encode())  # fmt: skip
    if len(frame):
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


# Streamlit turns a Styler's display strings into an Arrow table on every run (a column cast
# to text, cell by cell assignments, serialisation: most of what a table costs a warm run).
# For a Styler prepared here the strings never change: they are serialised once and kept in
# its translation (a key of the dict Streamlit is handed back), other Stylers go the usual way.
_DISPLAY_BYTES = "_comex_display_values"
_marshall_display_values = _styler_utils._marshall_display_values


def _display_values_once(proto, df: pd.DataFrame, styles) -> None:  # noqa: ANN001 (Streamlit's)
    if isinstance(styles, dict) and _DISPLAY_BYTES in styles:
        proto.styler.display_values = styles[_DISPLAY_BYTES]
    else:
        _marshall_display_values(proto, df, styles)


_styler_utils._marshall_display_values = _display_values_once


@st.cache_resource(max_entries=256, show_spinner=False)
def _prepared(digest: str, _table: tables.Table) -> _Shown:
    """The table's Styler, its display strings computed once per content.

    Streamlit asks a Styler for its display strings on every run (``_compute`` then
    ``_translate``, then an Arrow table of them: a few milliseconds a table, most of a warm
    page run when a page has six tables). They depend on the content only: computed here
    once, serialised, and the Styler then hands back the same translation, cut to what
    Streamlit reads (no per-cell structures kept: memory stays small). Nothing mutates it;
    sessions share it read-only."""
    styler = tables.styled(_table)
    styler.set_uuid(digest[:12])  # stable element identity across runs
    styler._compute()
    translated = styler._translate(False, False)
    shown = _styler_utils._use_display_values(styler.data, translated)
    kept = {k: translated[k] for k in ("table_styles", "cellstyle") if k in translated}
    kept[_DISPLAY_BYTES] = dataframe_util.convert_pandas_df_to_arrow_bytes(shown)
    styler._compute = lambda: styler  # type: ignore[method-assign]
    styler._translate = lambda *args, **kwargs: kept  # type: ignore[method-assign]
    return _Shown(styler)


@st.cache_resource(max_entries=256, show_spinner=False)
def _files(digest: str, _table: tables.Table) -> tuple[bytes, bytes]:
    """CSV and XLSX bytes of a small table shown by ``show_table``, once per content."""
    return tables.to_csv(_table), tables.to_xlsx(_table)


@st.cache_data(max_entries=256, show_spinner=False)
def _small_files(
    frame: pd.DataFrame, kinds: tuple[tuple[str, str], ...], view: str
) -> tuple[bytes, bytes]:
    """CSV and XLSX bytes of a small table, made once per content."""
    table = tables.Table(frame, dict(kinds), view)
    return tables.to_csv(table), tables.to_xlsx(table)


def size_label(size: int) -> str:
    """A file size as a person reads it: « 18,5 Mo », « 740 ko » (never « 0,0 Mo »)."""
    if size >= 1_000_000:
        return f"{format_number(size / 1e6, 1)} Mo"
    return f"{format_number(max(1, round(size / 1000)))} ko"


@dataclass(frozen=True)
class AllRows:
    """Every row behind the filters, as the Données page lists them (``core.tables.rows_table``
    of ``core.queries.trade_rows``): a download written by a worker process
    (``core.exports.write_rows``), never by the server itself."""


def download_buttons(
    table: tables.Table | AllRows,
    filters: Filters,
    territory_name: str,
    key: str,
    view: str | None = None,
    digest: str | None = None,
) -> None:
    """« Télécharger (CSV) » and « Télécharger (Excel) » of exactly the rows shown (``digest``:
    the table's fingerprint, from ``show_table``).

    A small table's files are made with the page (once per content) and handed to the browser
    by Streamlit. Not on the click (a deferred download): Streamlit forgets a deferred file
    when a run is interrupted before it draws the button again, which quick clicks do. A large
    table (more than ``SMALL_ROWS`` rows), or ``AllRows`` (every row behind the filters, written
    by a worker process), is prepared on request: written to a temporary file and streamed from
    disk by the server (``core.exports``), so that memory stays flat however many users
    download; its link lasts an hour.
    """
    view = view or (table.view if isinstance(table, tables.Table) else "tableau")
    names = {
        ext: tables.file_name(view, filters.territory, territory_name, filters.period, ext)
        for ext in ("csv", "xlsx")
    }
    # Buttons side by side on any width (Streamlit stacks columns on a phone, which would put a
    # wide gap between them): a horizontal container wraps them only when needed.
    if isinstance(table, tables.Table) and len(table.frame) <= SMALL_ROWS:
        if digest is not None:
            csv_bytes, xlsx_bytes = _files(digest, table)
        else:
            csv_bytes, xlsx_bytes = _small_files(table.frame, tuple(table.kinds.items()), view)
        with st.container(horizontal=True, gap="small"):
            st.download_button(
                "Télécharger (CSV)", data=csv_bytes, file_name=names["csv"], mime=CSV_MIME,
                key=f"{key}_csv", icon=":material/download:", on_click="ignore",
            )  # fmt: skip
            st.download_button(
                "Télécharger (Excel)", data=xlsx_bytes, file_name=names["xlsx"],
                mime=XLSX_MIME, key=f"{key}_xlsx", icon=":material/download:",
                on_click="ignore",
            )  # fmt: skip
        return

    prepared: dict[str, tuple[tuple, exports.Export]] = st.session_state.setdefault("_exports", {})
    failed: dict[str, str] = st.session_state.setdefault("_export_errors", {})
    # A prepared file is offered again only for the same rows: the same filters (flow and
    # selections included, which the file name does not tell), view and build.
    identity = (filters, view, cache.build().version)

    def prepare(kind: str) -> None:
        made_from = identity
        failed.pop(f"{key}_{kind}", None)
        try:
            if isinstance(table, AllRows):
                # Read by a worker process from the newest build, pinned here (the click's
                # callback runs before its run pins one), which that run then keeps
                # (``hold_build``) even if another is published while the file is written.
                pinned = cache.begin_run()
                made_from = (filters, view, pinned.version)
                ready = exports.write_rows(
                    kind, pinned.version, filters.to_query_params(), names[kind]
                )
            else:
                ready = exports.write(kind, [table], names[kind])
        except exports.ExportFailed as exc:
            failed[f"{key}_{kind}"] = str(exc)
            return
        prepared[f"{key}_{kind}"] = (made_from, ready)
        cache.hold_build()  # the run that offers the file shows the build it was made from

    for kind in ("csv", "xlsx"):
        if f"{key}_{kind}" in failed:
            st.error(failed.pop(f"{key}_{kind}"), icon=":material/error:")
    with st.container(horizontal=True, gap="small"):
        for kind, label in (("csv", "CSV"), ("xlsx", "Excel")):
            made_for, ready = prepared.get(f"{key}_{kind}", (None, None))
            if made_for == identity and ready is not None and exports.lookup(ready.token):
                st.link_button(
                    f"Télécharger ({label}, {size_label(ready.size)})", ready.url,
                    icon=":material/download:", type="primary",
                )  # fmt: skip
            else:
                st.button(
                    f"Préparer le fichier {label}", key=f"{key}_{kind}_prepare",
                    on_click=prepare, args=(kind,), icon=":material/hourglass_top:",
                    help="Le fichier complet est écrit sur le serveur, puis un lien le "
                    "télécharge (valable une heure).",
                )  # fmt: skip


def chart_file_stem(
    view: str, filters: Filters, territory_name: str, territory: str | None = None
) -> str:
    """`evolution_93-seine-saint-denis_2024`: the PNG's name without its extension."""
    name = tables.file_name(
        view, territory or filters.territory, territory_name, filters.period, ""
    )
    return name.rstrip(".")


def chart_config(
    view: str,
    filters: Filters,
    territory_name: str,
    territory: str | None = None,
    **extra: object,
) -> dict:
    """Plotly config: French locale, no logo, PNG export named `view_territory_period`."""
    return {
        "toImageButtonOptions": {
            "format": "png",
            "filename": chart_file_stem(view, filters, territory_name, territory),
            "scale": 2,
        },
        "displaylogo": False,
        "topojsonURL": _EMPTY_TOPOJSON_URL,
        **locale_config(),
        **extra,
    }


def show_chart(
    fig: Callable[[], go.Figure],
    view: str,
    filters: Filters,
    territory_name: str,
    key: str,
    reading_key: str | None = None,
    territory: str | None = None,
    caption: str | None = None,
    config: dict | None = None,
    depends: tuple = (),
    below_fold: bool = False,
) -> None:
    """The figure with its French toolbar and named PNG export, then its « Clé de lecture »
    (``reading_key``, Markdown) and an optional ``caption``. Every chart of the app goes
    through here; ``config`` adds Plotly options (``{"scrollZoom": False}``).

    ``fig`` is a function building the figure: it is built once per (``key``, filters,
    territory and ``depends``: every other option the figure depends on), made ready to be
    drawn once (its margins and the app's theme written in: ``core.cache.figure``) and drawn
    from the cache afterwards.

    ``below_fold``: a chart far down a long page is drawn once the reader scrolls near it
    (``drawn_when_near``), so that it does not hold up the page's first paint; its place is
    kept at the figure's height meanwhile."""
    figure = cache.figure((key, view, filters, territory, *depends), fig)
    options = chart_config(view, filters, territory_name, territory, **(config or {}))
    if below_fold:
        drawn_when_near(figure, key, options)
    else:
        draw_chart(figure, key, options)
    if reading_key:
        st.markdown(f"**Clé de lecture{NBSP}:** {reading_key}")
    if caption:
        st.caption(caption)


def draw_chart(figure: go.Figure, key: str, options: dict) -> None:
    st.plotly_chart(
        figure,
        width="stretch",
        # The theme is in the figure (core.plotly_theme): Streamlit adding it again when the
        # chart mounts would make plotly.js draw it a second time.
        theme=None,
        key=key,
        config=options,
    )


# An empty element that tells the server once its block (the chart's place) comes within 800
# px of the visible part of its scrolling container (the page's main area): a state value
# « seen », which reruns the fragment it is in. The block is held at the chart's height from
# the start, and until the chart has drawn itself (Streamlit first shows a small placeholder):
# nothing below it moves, nor comes near by mistake. Streamlit sends the widget changes made
# in one task together, with the first one's fragment only: two charts reached at the same
# moment would rerun one fragment. So each element sends its change in a task of its own, one
# after the other (a queue shared by the page). A constant script: nothing from the data or
# the reader goes into it.
_NEAR_JS = """
export default function (component) {
    const { data, setStateValue, parentElement } = component;
    const block = parentElement.closest('[data-testid="stVerticalBlock"]') || parentElement;
    block.style.minHeight = `${data.height}px`;
    parentElement.dataset.near = data.seen ? "seen" : "waiting";
    if (data.seen) return;
    let mounted = true;
    let root = block.parentElement;
    while (root && !/(auto|scroll)/.test(getComputedStyle(root).overflowY)) {
        root = root.parentElement;
    }
    const send = () => new Promise((done) => setTimeout(() => {
        try {
            if (mounted) setStateValue("seen", true);
        } finally {
            done();
        }
    }, 0));
    const observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
            observer.disconnect();
            window.__comexNear = (window.__comexNear || Promise.resolve()).then(send);
        }
    }, { root, rootMargin: "800px 0px" });
    observer.observe(block);
    return () => {
        mounted = false;
        observer.disconnect();
    };
}
"""
_near = st.components.v2.component("comex.near", js=_NEAR_JS, isolate_styles=False)
NEAR_SUFFIX = "_proche"
DEFAULT_HEIGHT = 450  # plotly.js's, for a figure that sets none


@st.fragment
def drawn_when_near(figure: go.Figure, key: str, options: dict) -> None:
    """The chart once the reader has scrolled near it: until then, an empty block of its
    height (``_NEAR_JS``). Its state (« seen ») is kept while the page shows it, so later runs
    of the page draw the chart at once; a page switch forgets it, as Streamlit does for every
    widget."""
    state_key = key + NEAR_SUFFIX
    seen = bool((st.session_state.get(state_key) or {}).get("seen"))
    height = int(figure.to_dict().get("layout", {}).get("height") or DEFAULT_HEIGHT)
    # A rerun of this fragment alone is not inside its page's guard: it has its own.
    with shared.guard(), st.container(gap=None):
        _near(
            key=state_key,
            data={"seen": seen, "height": height},
            on_seen_change=lambda: None,
        )
        if seen:
            draw_chart(figure, key, options)


def caveat() -> None:
    st.caption(CAVEAT)


def period_note(period: Period) -> None:
    """Say when the figures are not a whole year (partial year, « 12 derniers mois »)."""
    if period.note:
        st.info(period.note, icon=":material/event_busy:")


# --- Figures the source does not publish ----------------------------------------------------
def unpublished_note(catalog: Catalog, territory: str, period: Period) -> str | None:
    """The notes of every flow of ``territory`` not published for ``period``, joined."""
    notes = [catalog.unpublished(territory, flow, period) for flow in ("export", "import")]
    notes = [n for n in notes if n]
    return " ".join(notes) if notes else None


def unpublished_flows(catalog: Catalog, territory: str, period: Period) -> tuple[str, ...]:
    """The flows (``export``, ``import``) of ``territory`` not published for ``period``."""
    return tuple(
        flow for flow in ("export", "import") if catalog.unpublished(territory, flow, period)
    )


def unpublished_label(flows: Sequence[str]) -> str:
    """« importations non publiées » (the cell of a « Note » column), « » when none."""
    words = {"export": "exportations", "import": "importations"}
    if not flows:
        return ""
    if len(flows) == 2:
        return "exportations et importations non publiées"
    return f"{words[flows[0]]} non publiées"


def unpublished_column(
    catalog: Catalog, codes: Iterable[str], period: Period | Iterable[Period]
) -> pd.Series | None:
    """A « Note » column for a table of territories (one period for all rows, or one per
    row): « importations non publiées » where the source publishes no figure; None when every
    figure is published (the table then has no such column)."""
    codes = list(codes)
    periods = [period] * len(codes) if isinstance(period, Period) else list(period)
    notes = [
        unpublished_label(unpublished_flows(catalog, c, p))
        for c, p in zip(codes, periods, strict=True)
    ]
    return pd.Series(notes) if any(notes) else None


def page_choice(
    name: str, label: str, labels: dict[str, str], default: str, help: str | None = None
) -> str:
    """A page control kept in the URL as ``name``: horizontal radio over ``labels``' keys."""
    key = f"p_{name}"
    shared.page_param(name, list(labels), default, labels)
    value = st.radio(
        label, list(labels), format_func=labels.get, key=key, horizontal=True, help=help
    )
    shared.sync_url({name: value}, owned=[name])
    return value


# The « detail » tabs of Évolution and Comparer: one URL parameter and one choice for both.
DETAIL_TABS = {"produits": "Par produit", "pays": "Par pays partenaire"}


def page_tabs(name: str, labels: dict[str, str], default: str) -> list:
    """Tabs kept in the URL as ``name`` (``labels``: URL value → tab title) whose content runs
    only when open (Streamlit's lazy tabs: a heavy section that is not shown costs nothing);
    returns the tab containers in ``labels``' order. Draw a tab's content only if its
    container's ``open`` is true."""
    value = shared.page_param(name, list(labels), default, labels)
    widget = f"t_{name}"
    st.session_state[widget] = labels[value]  # a deep link or Back opens its tab
    containers = st.tabs(
        list(labels.values()), key=widget, on_change=_tab_changed, args=(name, labels)
    )
    shared.sync_url({name: value}, owned=[name])
    return containers


def _tab_changed(name: str, labels: dict[str, str]) -> None:
    chosen = st.session_state[f"t_{name}"]
    st.session_state[f"p_{name}"] = next(v for v, t in labels.items() if t == chosen)
