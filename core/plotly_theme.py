"""Figures made ready for Streamlit to draw once: the theme written into them, plain arrays, a
data revision.

Streamlit's chart element draws a figure when it mounts, then applies its theme to a fresh
JSON copy of it and hands that to ``Plotly.react`` (read in its bundled ``PlotlyChart`` code).
``Plotly.react`` compares the copy with what it drew: a new ``layout.template`` object (the
theme lives there), new data arrays without a ``layout.datarevision``, or plotly's base64
typed arrays (``{"dtype", "bdata"}``, compared as objects) each make it compute and draw the
whole chart a second time. That second drawing was about half of the app's chart time.

So a figure drawn by the app carries:

- the theme as its own layout values, under the figure's own (``THEME``: Streamlit 1.67's light
  theme for Plotly merged over Plotly's ``plotly_white``, as the app drew it with
  ``theme="streamlit"``, read from a drawn chart's ``layout.template``), and no template: the
  app draws with ``theme=None`` and the light base (``.streamlit/config.toml``), so nothing
  is added at mount, and the charts look as before;
- plain lists where plotly.py wrote typed arrays;
- a ``datarevision``: a digest of its data, so that a copy of the same data is recognised as
  unchanged, and different data is not.

With these, ``Plotly.react`` finds nothing changed and the mount costs one drawing.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path

import numpy as np

THEME: dict = json.loads(Path(__file__).with_name("plotly_theme.json").read_text("utf-8"))
_PER_ITEM = {"annotations": "annotationdefaults", "shapes": "shapedefaults"}
_PER_KIND = ("xaxis", "yaxis")  # the theme's entry for every axis of its kind
_CARTESIAN_TRACES = ("bar", "scatter")


def merged(under: dict, over: dict) -> dict:
    """``over`` with the keys of ``under`` it lacks, nested dicts merged the same way (a new
    dict; lists and values are taken whole from ``over`` when it has them)."""
    out = copy.deepcopy(under)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def plain_arrays(value: object) -> object:
    """``value`` with plotly's typed arrays (``{"dtype", "bdata"[, "shape"]}``) as lists."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if shape := value.get("shape"):
                dims = [int(d) for d in str(shape).split(",")] if isinstance(shape, str) else shape
                array = array.reshape(dims)
            return array.tolist()
        return {k: plain_arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_arrays(v) for v in value]
    return value


def _axis(theme: dict, own: dict, grid: bool) -> dict:
    """An axis with the theme's values under its own. plotly.js shows an axis line, grid lines
    and a zero line when a figure gives their colour or width, but not when a template does
    (``coerce2``): where the figure does not say, they are shown as plotly.js showed them with
    the theme as a template (no line, no minor grid; a grid and a zero line unless bars stand
    along the axis: ``grid``)."""
    axis = merged({k: v for k, v in theme.items() if k not in ("minor", "rangeselector")}, own)
    if "showline" not in own:
        axis["showline"] = bool(own.get("linecolor") or own.get("linewidth"))
    if "showgrid" not in axis:
        axis["showgrid"] = grid or any(own.get(k) for k in ("gridcolor", "gridwidth", "griddash"))
    if "zeroline" not in axis:
        axis["zeroline"] = grid or any(
            own.get(k) for k in ("zerolinecolor", "zerolinewidth", "zerolinelayer")
        )
    return axis


def axis_key(trace: dict, letter: str) -> str:
    """The layout key of the ``letter`` (x or y) axis a trace is drawn on: ``xaxis``,
    ``yaxis2``…"""
    ref = str(trace.get(f"{letter}axis") or letter)
    return f"{letter}axis{ref[1:]}"


def _bar_categories(data: list[dict]) -> set[str]:
    """The axes bars stand along (their category axis): plotly.js draws no grid there."""
    return {
        axis_key(t, "y" if t.get("orientation") == "h" else "x")
        for t in data
        if t.get("type") == "bar"
    }


def with_theme(spec: dict, theme: dict = THEME) -> dict:
    """A figure's dict (``Figure.to_dict()``) ready to draw with ``theme=None``: its template
    replaced by ``theme`` written into its layout (under its own values: for every x and y
    axis, every annotation and shape), plain arrays, and a ``datarevision``."""
    data = plain_arrays(spec.get("data") or [])
    layout = dict(spec.get("layout") or {})
    layout.pop("template", None)
    present = set(layout)
    along_bars = _bar_categories(data)
    if {t.get("type", "scatter") for t in data} & set(_CARTESIAN_TRACES):
        present |= {"xaxis", "yaxis"}
    out = {k: v for k, v in theme.items() if k not in (*_PER_KIND, *_PER_ITEM.values())}
    out = merged(out, layout)
    for key in present:
        kind = next((k for k in _PER_KIND if key.startswith(k) and key[len(k) :].isdigit()
                     or key == k), None)  # fmt: skip
        if kind and kind in theme:
            out[key] = _axis(theme[kind], layout.get(key) or {}, key not in along_bars)
    for items, defaults in _PER_ITEM.items():
        if isinstance(layout.get(items), list | tuple) and defaults in theme:
            out[items] = [merged(theme[defaults], item) for item in layout[items]]
    digest = hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    out["datarevision"] = digest[:16]
    return {**spec, "data": data, "layout": out}
