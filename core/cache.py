"""The thin Streamlit boundary of ``core``: the shared connection and cached query results.

This is the only module of ``core`` that imports streamlit, and the one cache layer of the app
(``core`` itself memoises nothing). It holds one ``Database`` per database path
(``st.cache_resource``); every script run pins one build (``begin_run``), so a page reads one
build from start to end even if a load swaps the data meanwhile; query results are cached with
``st.cache_data`` keyed on that build, with a bounded number of entries so memory stays flat.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from core import fiche as fiche_doc
from core import queries, queries_trends, store
from core.charts import FrozenFigure
from core.db import Build, Catalog, Database

R = TypeVar("R")

MAX_ENTRIES = 128
_PINNED = "_pinned_build"


@st.cache_resource(show_spinner=False)
def _database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    return _database(str(store.db_path()))


# Builds pinned by live sessions, by version. Session state holds only the version (plain text:
# session state must stay copyable), this map holds the open build behind it: the current one
# and the one before (runs that began before a publication end on it). Older builds are let go
# (their connection and buffers freed once no query holds them); a session still pinned to one
# reads the current build from its next run.
_BUILDS: dict[str, Build] = {}
_BUILDS_KEPT = 2
_BUILDS_LOCK = threading.Lock()


_HOLD = "_hold_build"


def hold_build() -> None:
    """Keep the pinned build for the next run of this session (a callback that made a file
    from it: the run that offers the file shows the same data, even if a new build was
    published meanwhile; the run after moves on)."""
    st.session_state[_HOLD] = True


def begin_run() -> Build:
    """Pin the current build for this script run (called once at the top of ``Home.py``)."""
    if st.session_state.get(_HOLD):
        del st.session_state[_HOLD]
        held = _BUILDS.get(st.session_state.get(_PINNED, ""))
        if held is not None:
            return held
    pinned = database().pin()
    with _BUILDS_LOCK:
        if next(reversed(_BUILDS), None) != pinned.version:  # most recent last
            _BUILDS.pop(pinned.version, None)
            for older in _BUILDS.values():  # runs in flight end on it, from disk
                if older is not pinned:
                    older.retire()
            pinned.revive()
            _BUILDS[pinned.version] = pinned
            while len(_BUILDS) > _BUILDS_KEPT:
                _BUILDS.pop(next(iter(_BUILDS)))
    st.session_state[_PINNED] = pinned.version
    return pinned


def build() -> Build:
    """The build this run reads: the one pinned by ``begin_run`` (a fragment rerun keeps the
    build of the full run it belongs to), else the current one."""
    version = st.session_state.get(_PINNED)
    pinned = _BUILDS.get(version) if version is not None else None
    return pinned if pinned is not None else begin_run()


def catalog() -> Catalog:
    return build().catalog()


def cached(fn: Callable[..., R], max_entries: int = MAX_ENTRIES) -> Callable[..., R]:
    """Cache ``fn(build, *args)`` per build; callers drop the ``build`` argument."""

    # ``_build`` is not hashed (leading underscore): the key is the build's version.
    def run(version: str, _build: Build, *args: object, **kwargs: object) -> R:
        return fn(_build, *args, **kwargs)

    # st.cache_data keys a function by module and qualified name: make each wrapper distinct.
    run.__qualname__ = run.__name__ = f"cached__{fn.__module__}__{fn.__qualname__}"
    run.__module__ = __name__
    cached_run = st.cache_data(max_entries=max_entries, show_spinner=False)(run)

    @functools.wraps(fn)
    def call(*args: object, **kwargs: object) -> R:
        pinned = build()
        return cached_run(pinned.version, pinned, *args, **kwargs)

    call.clear = cached_run.clear  # type: ignore[attr-defined]
    return call


kpis = cached(queries.kpis)
partner_balance = cached(queries.partner_balance)
product_breakdown = cached(queries.product_breakdown)
sankey_flows = cached(queries.sankey_flows)
comparison = cached(queries.comparison)
# Only limited or summed rows are cached (a France-wide year is large in pandas).
trade_rows = cached(queries.trade_rows, max_entries=16)
trade_rows_summary = cached(queries.trade_rows_summary)
trade_rows_grouped = cached(queries.trade_rows_grouped, max_entries=16)


# Trends, rankings, specialisation, comparison, map.
trend = cached(queries_trends.trend)
trend_breakdown = cached(queries_trends.trend_breakdown)
departement_indicators = cached(queries_trends.departement_indicators)
rankings = cached(queries_trends.rankings)
specialisation = cached(queries_trends.specialisation)
compare = cached(queries_trends.compare, max_entries=32)
default_comparison = cached(queries_trends.default_comparison)


# --- Figures: built once per (chart, filters, options), then drawn as frozen dicts ------------
@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(version: str, key: tuple, _make: Callable[[], object]) -> FrozenFigure:
    return FrozenFigure(_make(), for_app=True)


def figure(key: tuple, make: Callable[[], object]) -> FrozenFigure:
    """The figure ``make()`` builds, once per build and ``key`` (hashable: the chart's name, the
    filters and every option it depends on); later runs reuse it without copying it."""
    return _figure(build().version, key, make)


# --- Values derived from cached results (a page's table models, its movers…) -----------------
@st.cache_resource(max_entries=512, show_spinner=False)
def _derived(version: str, key: tuple, _make: Callable[[], R]) -> R:
    return _make()


def derived(key: tuple, make: Callable[[], R]) -> R:
    """What ``make()`` computes from cached query results, once per build and ``key`` (the
    value's name, the filters and every option it depends on): a page's tables and rankings
    are then not rebuilt on every run. Shared by sessions: read it, never change it."""
    return _derived(build().version, key, make)


# Fiche territoriale: the document model (kept as it is, not copied: it holds many figures)
# and its two files, per territory and period.
@st.cache_resource(max_entries=16, show_spinner=False)
def _fiche(version: str, _build: Build, territory: str, period: object, **options: object):
    return fiche_doc.build_fiche(_build, territory, period, **options)


def fiche(territory: str, period: object, **options: object):
    pinned = build()
    return _fiche(pinned.version, pinned, territory, period, **options)


fiche_html = cached(fiche_doc.fiche_html, max_entries=4)  # ~5 MB each (plotly.js inlined)
fiche_pdf = cached(fiche_doc.fiche_pdf, max_entries=8)
