"""Margins asked of plotly.js before it draws a chart, so that it draws it once.

plotly.js lets tick labels, axis titles, legends and colour bars widen a chart's margins
(``automargin``, ``margin.autoexpand``): it draws the chart, measures what they need, and if
a margin must grow it draws the whole chart again. On the app's bar and line charts that second
drawing was half their drawing time or more: Évolution's first chart took 36 ms to draw in a
bare page of plotly.js in Chromium, 13 ms with margins that already held its labels. When the
margins a figure asks for hold what its labels need, nothing grows and it is drawn once.

``reserved_margins`` estimates those needs from the figure itself (its labels, the values on
its axes, its legend, its colour bars) with the widths of Arial's characters, generously: plotly.js still
widens a margin whose estimate falls short, so a short estimate costs a second drawing, never a
clipped label; a long one costs a few pixels of white. The offsets in ``Geometry`` are those
of Streamlit's theme for Plotly (its tick and title sizes, title stand-offs and margin padding),
measured on the app's charts in Chromium: the estimate serves the charts Streamlit draws.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass

from core import plotly_theme

# Advance widths of Arial (Liberation Sans, metric-compatible), in thousandths of an em,
# read from LiberationSans-Regular.ttf with PIL (``ImageFont.truetype(path, 1000).getlength``)
# and grouped by width. Characters not listed count as a wide capital (``_OTHER``).
_WIDTHS = {
    0: "\u00ad", 139: "\u202f", 191: "'", 200: "\u2009", 222: "ijl‘’", 260: "|¦",
    278: " !,./:;I[\\]ft\u00a0·ÌÍÎÏìíîï", 333: "()-`r¡¨²³´¸¹“”", 334: "{}", 355: '"',
    365: "º", 370: "ª", 389: "*", 400: "°", 469: "^", 500: "Jcksvxyzçýÿ", 537: "¶",
    549: "±÷", 552: "¯",
    556: "#$0123456789?L_abdeghnopqu¢£¤¥§«»àáâãäåèéêëðñòóôõöùúûüþ–€",
    576: "µ", 584: "+<=>~¬×−", 611: "FTZ¿ßø", 667: "&ABEKPSVXYÀÁÂÃÄÅÈÉÊËÝÞŸ",
    722: "CDHNRUwÇÐÑÙÚÛÜ", 737: "©®", 778: "GOQÒÓÔÕÖØ", 833: "Mm", 834: "¼½¾", 889: "%æ",
    944: "Wœ", 1000: "Æ—…Œ", 1015: "@",
}  # fmt: skip
_ADVANCE = {c: w / 1000 for w, chars in _WIDTHS.items() for c in chars}
_OTHER = 0.72
_TAGS = re.compile(r"<(?!br\b)[^>]*>", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)

# Estimated widths are multiplied by this, and every margin gets ``_PAD`` more pixels: the
# first font the charts ask for (Marianne) is a little wider than Arial where it is installed.
SLACK = 1.1
_PAD = 3


def text_width(text: str, size: float) -> float:
    """The width in pixels of one line of ``text`` at a font ``size`` in pixels (Arial)."""
    return sum(_ADVANCE.get(c, _OTHER) for c in text) * size


def label_lines(label: object) -> list[str]:
    """The lines plotly.js draws for a label: split at ``<br>``, other tags removed."""
    return _BREAK.split(_TAGS.sub("", str(label)))


def labels_box(labels: Iterable[object], size: float) -> tuple[float, int]:
    """The widest line (pixels) and the most lines of ``labels`` at font ``size``."""
    width, lines = 0.0, 0
    for label in labels:
        parts = label_lines(label)
        lines = max(lines, len(parts))
        width = max([width, *(text_width(p, size) for p in parts)])
    return width, lines


@dataclass(frozen=True)
class Geometry:
    """Where plotly.js puts a chart's labels, in pixels, under the theme that draws it."""

    tick_size: float = 12  # tick labels without a size of their own
    title_size: float = 14  # axis titles
    line: float = 1.17  # the first line of a label, in font sizes
    next_line: float = 1.33  # each further line
    y_ticks: float = 19  # left margin beyond the y tick labels' width
    y_title: float = 37  # … and beyond the title's lines when the axis has one
    x_ticks: float = 20  # bottom margin beyond the x tick labels' height
    x_title: float = 14  # … and beyond the title's lines when the axis has one
    legend_row: float = 29  # a horizontal legend's height, per row
    legend_gap: float = 13  # top margin beyond a legend above the plot
    legend_symbol: float = 50  # a legend item's width beyond its text
    legend_room: float = 440  # the narrowest plot a one-row legend is counted on
    plot_room: float = 1200  # the widest plot (a colour bar stands 2 % of it away)
    colorbar_v: float = 21  # an upright colour bar's width beyond its bar and labels
    colorbar_h: float = 24  # a lying colour bar's height beyond its bar, labels and title


STREAMLIT = Geometry()
_CARTESIAN = ("bar", "scatter")
_GEO = ("choropleth", "scattergeo")


def _lines_height(lines: int, size: float, g: Geometry) -> float:
    return 0.0 if lines == 0 else size * (g.line + g.next_line * (lines - 1))


def _values(values: object) -> list:
    """A trace's array (a list, a tuple, a numpy array, or plotly's typed array: a dict of
    ``dtype`` and base64 ``bdata``) as a list; a lone value as one."""
    if values is None:
        return []
    if isinstance(values, dict):
        decoded = plotly_theme.plain_arrays(values)
        return decoded if isinstance(decoded, list) else []
    if isinstance(values, str) or not isinstance(values, Iterable):
        return [values]
    return list(values)


def _numbers(values: object) -> list[float]:
    """The finite numbers of an array; empty if any value is not a number (text)."""
    out = []
    for v in _values(values):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            return []
        if math.isfinite(v):
            out.append(float(v))
    return out


def _is_text(values: object) -> bool:
    return any(isinstance(v, str) for v in _values(values))


def _extent(traces: list[dict], letter: str, barmode: str | None) -> tuple[float, float] | None:
    """The smallest and largest value drawn on a numeric axis (``letter`` x or y), stacks
    summed: bars in ``stack``/``relative`` mode, scatter traces in a ``stackgroup``."""
    lo, hi = math.inf, -math.inf
    stacks: dict[tuple, list[float]] = {}
    for trace in traces:
        values = _numbers(trace.get(letter))
        if not values:
            continue
        positions = _values(trace.get("y" if letter == "x" else "x"))
        stacked = (trace.get("type") == "bar" and barmode in ("stack", "relative")) or (
            trace.get("type") == "scatter" and trace.get("stackgroup")
        )
        base = _numbers(trace.get("base")) if trace.get("type") == "bar" else []
        for i, v in enumerate(values):
            if base:
                b = base[i] if i < len(base) else base[-1]
                lo, hi = min(lo, b, b + v), max(hi, b, b + v)
            elif stacked:
                key = (trace.get("stackgroup") or "bars", positions[i] if i < len(positions) else i)
                sums = stacks.setdefault(key, [0.0, 0.0])
                sums[0 if v < 0 else 1] += v
                lo, hi = min(lo, sums[0]), max(hi, sums[1])
            else:
                lo, hi = min(lo, v), max(hi, v)
    return (lo, hi) if lo <= hi else None


def _number_label(value: float, fraction: bool) -> str:
    """A label at least as wide as plotly's widest tick up to ``|value|``: the digits of
    ``|value|`` grown by a tenth (a tick past the data), grouped by three, signed if below 0."""
    digits = len(str(int(abs(value) * 1.1)))
    text = " ".join(["000"] * ((digits - 1) // 3))
    text = "0" * (digits - 3 * ((digits - 1) // 3)) + (" " + text if text else "")
    return ("−" if value < 0 else "") + text + (",00" if fraction else "")


def _tick_labels(axis: dict, traces: list[dict], letter: str, barmode: str | None) -> list:
    """The labels an axis draws, or labels as wide: its ``ticktext``, its categories, or the
    numbers at the ends of its values."""
    if axis.get("ticktext") is not None and axis.get("tickvals") is not None:
        return list(axis["ticktext"])
    if axis.get("type") == "category" or any(_is_text(t.get(letter)) for t in traces):
        return [v for t in traces for v in _values(t.get(letter))]
    rng = axis.get("range")
    if rng is not None and axis.get("type") != "log":
        lo, hi = float(rng[0]), float(rng[1])
    elif (extent := _extent(traces, letter, barmode)) is not None:
        lo, hi = extent
    else:
        return []
    fraction = max(abs(lo), abs(hi)) < 10
    prefix, suffix = axis.get("tickprefix") or "", axis.get("ticksuffix") or ""
    return [f"{prefix}{_number_label(v, fraction)}{suffix}" for v in (lo, hi)]


def _title_lines(axis: dict) -> int:
    title = axis.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return len(label_lines(text)) if text else 0


def _legend_items(traces: list[dict], layout: dict) -> list[str]:
    """The names a legend lists (a choropleth is listed only if asked to be)."""
    names = [
        str(t.get("name") or "")
        for t in traces
        if t.get("name")
        and (t.get("showlegend") is True or (_listed(t) and t.get("showlegend") is not False))
    ]
    shown = layout.get("showlegend")
    if shown is False or (shown is None and len(names) < 2):
        return []
    return list(dict.fromkeys(names))


def _listed(trace: dict) -> bool:
    return trace.get("type", "scatter") in _CARTESIAN + ("scattergeo",)


def _colorbar(trace: dict, layout: dict, g: Geometry) -> dict[str, float]:
    """The margins a choropleth's colour bar takes: right of the plot when upright (plotly's
    default, 2 % of the plot's width away), under it when lying (``orientation="h"`` below
    ``y=0``): its bar, padding, tick labels (the ends of its scale) and title."""
    if trace.get("showscale") is False:
        return {}
    bar = trace.get("colorbar") or {}
    font = (layout.get("font") or {}).get("size") or g.tick_size
    size = (bar.get("tickfont") or {}).get("size") or font
    zs = _numbers(trace.get("z"))
    lo = trace.get("zmin") if trace.get("zmin") is not None else min(zs, default=0)
    hi = trace.get("zmax") if trace.get("zmax") is not None else max(zs, default=0)
    fraction = max(abs(lo), abs(hi)) < 10
    ticks = [_number_label(v, fraction) for v in (lo, hi)]
    title = bar.get("title") or {}
    title_size = (title.get("font") or {}).get("size") or font
    title_width, title_lines = labels_box([title.get("text") or ""], title_size)
    if title_width == 0:
        title_lines = 0
    if bar.get("orientation") == "h":
        if float(bar.get("y", -0.02)) > 0 or bar.get("yanchor", "top") != "top":
            return {}
        offset = -float(bar.get("y", -0.02)) * float(layout.get("height") or 450)
        height = (
            offset + float(bar.get("thickness", 30)) + g.colorbar_h
            + _lines_height(1, size, g) + _lines_height(title_lines, title_size, g)
        )  # fmt: skip
        return {"b": height + _PAD}
    offset = (float(bar.get("x", 1.02)) - 1) * g.plot_room
    ticks_width, _ = labels_box(ticks, size)
    width = max(
        float(bar.get("thickness", 30)) + g.colorbar_v + ticks_width * SLACK,
        title_width * SLACK + 2 * float(bar.get("xpad", 10)),
    )
    return {"r": offset + width + _PAD}


def _axes(traces: list[dict]) -> dict[str, list[dict]]:
    """The Cartesian axes the traces are drawn on (``xaxis``, ``yaxis2``…) and their traces."""
    axes: dict[str, list[dict]] = {}
    for trace in traces:
        for letter in "xy":
            axes.setdefault(plotly_theme.axis_key(trace, letter), []).append(trace)
    return axes


def _domain(axis: dict) -> tuple[float, float]:
    lo, hi = axis.get("domain") or (0.0, 1.0)
    return float(lo), float(hi)


def reserved_margins(spec: dict, g: Geometry = STREAMLIT) -> dict[str, int] | None:
    """The margins (``l``, ``r``, ``t``, ``b``) a figure's dict should ask for so that its
    labels, legend and colour bars fit without plotly.js widening them, never smaller than its
    own; None when there is nothing to estimate: neither Cartesian axes nor maps (treemaps,
    Sankeys), or a legend beside or below the plot (its rows depend on the width). Subplots
    count at the edges they touch: the y axes of the left column, the x axes of the bottom
    row."""
    layout = spec.get("layout") or {}
    traces = spec.get("data") or []
    types = {t.get("type", "scatter") for t in traces}
    if not traces or not types <= {*_CARTESIAN, *_GEO}:
        return None
    given = layout.get("margin") or {}
    need = {k: float(given.get(k, 100 if k == "t" else 80)) for k in "lrtb"}
    barmode = layout.get("barmode")
    for key, on_axis in _axes(
        [t for t in traces if t.get("type", "scatter") in _CARTESIAN]
    ).items():
        letter, axis = key[0], layout.get(key) or {}
        if axis.get("visible") is False or axis.get("side") in ("right", "top"):
            continue
        anchor = str(axis.get("anchor") or ("y" if letter == "x" else "x"))
        across = layout.get(f"{anchor[0]}axis{anchor[1:]}") or {}
        if _domain(across)[0] > 0.001:
            continue  # an inner subplot: its labels stay inside the figure
        size = (axis.get("tickfont") or {}).get("size") or g.tick_size
        width, lines = 0.0, 0
        if axis.get("showticklabels") is not False:
            width, lines = labels_box(_tick_labels(axis, on_axis, letter, barmode), size)
        width *= SLACK
        titled = _title_lines(axis)
        title_size = ((axis.get("title") or {}).get("font") or {}).get("size") or g.title_size
        if letter == "y":
            if width or titled:
                left = width + g.y_ticks
                if titled:
                    left += _lines_height(titled, title_size, g) + g.y_title - g.y_ticks
                need["l"] = max(need["l"], left + _PAD)
            continue
        if lines or titled:
            bottom = _lines_height(lines, size, g) + g.x_ticks
            if titled:
                bottom += _lines_height(titled, title_size, g) + g.x_title
            need["b"] = max(need["b"], bottom + _PAD)
        # A label centred on the plot's right edge overhangs it by half: the last tick of a
        # numeric axis, or the last category of lines (bars stand back from it).
        numeric = "ticktext" not in axis and not any(_is_text(t.get("x")) for t in on_axis)
        lines_only = all(t.get("type", "scatter") == "scatter" for t in on_axis)
        if _domain(axis)[1] > 0.999 and (numeric or lines_only):
            need["r"] = max(need["r"], width / 2 + 10 + _PAD)
    for trace in traces:
        if trace.get("type") == "choropleth":
            for side, value in _colorbar(trace, layout, g).items():
                need[side] = max(need[side], value)
    if items := _legend_items(traces, layout):
        legend = layout.get("legend") or {}
        above = legend.get("orientation") == "h" and float(legend.get("y", 1)) >= 1
        if not above or legend.get("xref") == "container":
            return None  # beside or below the plot: its size depends on the width
        size = (legend.get("font") or {}).get("size") or (layout.get("font") or {}).get("size")
        row = sum(text_width(n, size or g.tick_size) * SLACK + g.legend_symbol for n in items)
        if row > g.legend_room:
            return None
        need["t"] = max(need["t"], g.legend_row + g.legend_gap + _PAD)
    return {k: math.ceil(v) for k, v in need.items()}
