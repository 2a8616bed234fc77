"""Helpers for AppTest tests: open the app through a deep link, read what a user sees."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def open_app(params: dict[str, str], page: str | None = None) -> AppTest:
    """Run Home.py as if opened with ``?params`` (then switch to ``pages/<page>``)."""
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}")
        at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    """All markdown, captions, titles and alerts of the page, joined."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success"):  # fmt: skip
        parts.extend(str(el.value) for el in getattr(at, kind))
    return "\n".join(parts)


def url(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


def near_charts(at: AppTest) -> dict[str, dict]:
    """The charts waiting to be scrolled near (``pages.tables.drawn_when_near``): their key and
    what their placeholder was given (``seen``, ``height``)."""
    return {
        el.key: json.loads(el.proto.json)
        for el in at.get("bidi_component")
        if el.proto.component_name == "comex.near"
    }


def scroll_through(at: AppTest) -> AppTest:
    """What a reader scrolling down the page does: each chart drawn once near is told it has
    been seen (the state its placeholder sets in a browser), then the page runs again."""
    for key in near_charts(at):
        at.session_state[key] = {"seen": True}
    at.run()
    return at
