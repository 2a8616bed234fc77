"""The thin Streamlit boundary of ``core``: the shared connection and cached query results.

This is the only module of ``core`` that imports streamlit. It holds one ``Database`` per
database path (``st.cache_resource``) and wraps query functions with ``st.cache_data`` keyed on
the build being read, so a newly loaded database never serves stale results, with a bounded
number of entries so memory stays flat.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st

from core import fiche as fiche_doc
from core import queries, queries_trends, store
from core.db import Catalog, Database
from core.filters import Filters

P = ParamSpec("P")
R = TypeVar("R")

MAX_ENTRIES = 128


@st.cache_resource(show_spinner=False)
def _database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    return _database(str(store.db_path()))


def catalog() -> Catalog:
    return database().catalog()


def cached(fn: Callable[..., R], max_entries: int = MAX_ENTRIES) -> Callable[..., R]:
    """Cache ``fn(db, *args)`` per database build; callers drop the ``db`` argument."""

    def run(version: str, path: str, *args: object, **kwargs: object) -> R:
        return fn(_database(path), *args, **kwargs)

    # st.cache_data keys a function by module and qualified name: make each wrapper distinct.
    run.__qualname__ = run.__name__ = f"cached__{fn.__module__}__{fn.__qualname__}"
    run.__module__ = __name__
    cached_run = st.cache_data(max_entries=max_entries, show_spinner=False)(run)

    @functools.wraps(fn)
    def call(*args: object, **kwargs: object) -> R:
        db = database()
        return cached_run(db.version, str(db.path), *args, **kwargs)

    call.clear = cached_run.clear  # type: ignore[attr-defined]
    return call


kpis = cached(queries.kpis)
partner_balance = cached(queries.partner_balance)
product_breakdown = cached(queries.product_breakdown)
sankey_flows = cached(queries.sankey_flows)
comparison = cached(queries.comparison)
# Only limited or summed rows are cached (a France-wide year is ~120 MB in pandas).
trade_rows = cached(queries.trade_rows, max_entries=16)
trade_rows_summary = cached(queries.trade_rows_summary)
trade_rows_grouped = cached(queries.trade_rows_grouped, max_entries=16)


def trade_rows_batches(f: Filters) -> Iterator[pd.DataFrame]:
    """Every row behind the filters in parts, not cached: for a download, when asked for."""
    return queries.trade_rows_batches(database(), f)


# Trends, rankings, specialisation, comparison, map.
trend = cached(queries_trends.trend)
trend_breakdown = cached(queries_trends.trend_breakdown)
departement_indicators = cached(queries_trends.departement_indicators)
rankings = cached(queries_trends.rankings)
specialisation = cached(queries_trends.specialisation)
compare = cached(queries_trends.compare, max_entries=32)
default_comparison = cached(queries_trends.default_comparison)

# Fiche territoriale: the document model and its two files, per territory and year.
fiche = cached(fiche_doc.build_fiche, max_entries=16)
fiche_html = cached(fiche_doc.fiche_html, max_entries=4)  # ~5 MB each (plotly.js inlined)
fiche_pdf = cached(fiche_doc.fiche_pdf, max_entries=8)
