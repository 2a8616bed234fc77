"""Chart builders for trends, rankings, specialisation, comparison and the map.

Pure functions: a query result in, a ``go.Figure`` out; no streamlit, no I/O beyond the
geometry shipped with the project. Colours, French separators and the empty-figure message come
from ``core.charts`` so that every page reads the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import geo_france
from core.charts import (
    EXPORT_COLOR,
    IMPORT_COLOR,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    balance_color,
    empty_figure,
    french_layout,
)
from core.formatting import format_meur, format_number, format_percent
from core.labels import wrap
from core.queries_trends import (
    INDICATORS,
    OTHERS,
    Comparison,
    DeptIndicators,
    Rankings,
    Specialisation,
    Trend,
    TrendBreakdown,
)

HIGHLIGHT_COLOR = "#e07b00"  # the selected territory, distinct from flow colours
NEUTRAL_COLOR = "#9e9e9e"
OTHERS_COLOR = "#c8c8c8"
# Qualitative palette for products or partners (colour-blind friendly, Okabe–Ito then Tol).
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#332288",
    "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#AA4499", "#882255", "#661100",
)  # fmt: skip
FLOW_COLORS = {"export": EXPORT_COLOR, "import": IMPORT_COLOR}
INDEX_MIN = 0.05
# d3 format for M€ axes: "15 000" and "0,5" with French separators, never "15k".
MEUR_TICKS = ",~r"  # indices are drawn on a log axis: smaller (or zero) ones are clipped here


PANEL_TITLE_CHARS = 10  # a panel title's line: four panels side by side on a phone


def _wrap_name(name: str, width: int = 12) -> str:
    """A territory name on short lines, broken at spaces and after hyphens
    (« Seine-Saint-<br>Denis »), for panel titles that sit side by side on a phone."""
    tokens = re.findall(r"[^\s-]+-?|-", name)
    lines: list[str] = []
    line = ""
    for token in tokens:
        joiner = "" if not line or line.endswith("-") else " "
        if line and len(line) + len(joiner) + len(token) > width:
            lines.append(line)
            line = token
        else:
            line += joiner + token
    if line:
        lines.append(line)
    return "<br>".join(lines)


def _axis_label(label: str) -> str:
    """« 2025 (T1–T2) » on two lines under its bar, so that it never runs into « 2024 »."""
    return label.replace(" (", "<br>(", 1)


def _indicator_text(value: float | None, kind: str, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if kind == "meur":
        return format_meur(value, signed=signed)
    return format_percent(float(value), 1, signed=signed)


# --- Vue d'ensemble ----------------------------------------------------------------------
def _unpublished_suffix(unpublished: dict[str, set[str]], label: str, flow: str) -> str:
    return " (non publié)" if flow in unpublished.get(label, set()) else ""


def overview_flows_chart(
    trend: Trend,
    unpublished: dict[str, set[str]] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Exports and imports of every loaded year as bars (M€); a partial year hatched and pale
    under its label « 2025 (T1–T2) », so that it never reads as a fall. ``unpublished`` maps a
    year label to the flows whose figure the source does not publish (« non publié » in the
    hover)."""
    t = trend.table
    if t.empty or (t["exports"].sum() == 0 and t["imports"].sum() == 0):
        return empty_figure("Aucun échange enregistré pour ce territoire")
    unpublished = unpublished or {}
    labels = t["label"].astype(str).tolist()
    ticks = [_axis_label(lbl) for lbl in labels]
    partial = t["partial"].astype(bool).tolist()
    fig = go.Figure()
    for col, flow, name, color in (
        ("exports", "export", "Exportations", EXPORT_COLOR),
        ("imports", "import", "Importations", IMPORT_COLOR),
    ):
        fig.add_bar(
            x=ticks,
            y=t[col] / 1e6,
            name=name,
            marker={
                "color": color,
                "opacity": [0.45 if p else 1.0 for p in partial],
                "pattern": {"shape": ["/" if p else "" for p in partial], "solidity": 0.3},
            },
            customdata=[
                format_meur(v)
                + _unpublished_suffix(unpublished, lbl, flow)
                + (" (année partielle)" if p else "")
                for v, lbl, p in zip(t[col], labels, partial, strict=True)
            ],
            text=labels,
            hovertemplate=f"%{{text}}<br>{name} : %{{customdata}}<extra></extra>",
            textposition="none",
        )
    fig.update_yaxes(title_text="Millions d'euros", tickformat=MEUR_TICKS)
    fig.update_xaxes(type="category")
    fig.update_layout(barmode="group", bargap=0.25)
    return french_layout(fig, title, height=320)


def overview_share_chart(
    trend: Trend,
    parent: Trend,
    parent_phrase: str,
    unpublished: dict[str, set[str]] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The territory's share of its parent (its région, or France for a région) per year, on
    exports and on imports (%), ``parent_phrase`` naming it (« de la région Île-de-France »);
    a partial year as hollow markers apart from the lines (its
    share compares the same quarters, so it is comparable, but it is not a whole year)."""
    t = trend.table.merge(
        parent.table[["year", "exports", "imports"]], on="year", suffixes=("", "_parent")
    )
    if t.empty or (t["exports_parent"].sum() == 0 and t["imports_parent"].sum() == 0):
        return empty_figure("Aucun échange enregistré pour ce territoire")
    unpublished = unpublished or {}
    fig = go.Figure()
    for col, flow, name, color in (
        ("exports", "export", "Exportations", EXPORT_COLOR),
        ("imports", "import", "Importations", IMPORT_COLOR),
    ):
        share = t[col] / t[f"{col}_parent"].replace(0, np.nan)
        for is_partial in (False, True):
            part = t["partial"].astype(bool) == is_partial
            if not part.any():
                continue
            labels = t.loc[part, "label"].astype(str).tolist()
            fig.add_scatter(
                x=[_axis_label(lbl) for lbl in labels],
                text=labels,
                y=(share[part] * 100).tolist(),
                name=name,
                legendgroup=col,
                showlegend=not is_partial,
                mode="markers" if is_partial else "lines+markers",
                line={"color": color, "width": 2.5},
                marker=(
                    {"color": "white", "size": 9, "line": {"color": color, "width": 2}}
                    if is_partial
                    else {"color": color, "size": 6}
                ),
                customdata=[
                    format_percent(v, 1)
                    + _unpublished_suffix(unpublished, lbl, flow)
                    + (" (année partielle)" if is_partial else "")
                    for v, lbl in zip(share[part], labels, strict=True)
                ],
                hovertemplate=(
                    f"%{{text}}<br>{name} : %{{customdata}} {parent_phrase}<extra></extra>"
                ),
            )
    fig.update_yaxes(title_text="Part (%)", rangemode="tozero", tickformat=",~r")
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[_axis_label(lbl) for lbl in t["label"].astype(str)])  # fmt: skip
    return french_layout(fig, title, height=320)


# --- Évolution -----------------------------------------------------------------------------
PARTIAL_PATTERN = {"shape": "/", "solidity": 0.35}
LEGEND_WIDTH = 30  # characters per line of a wrapped legend entry


def trend_chart(
    trend: Trend,
    title: str | None = None,
    unpublished: dict[str, set[str]] | None = None,
) -> go.Figure:
    """Exports and imports as lines, the balance as bars (green surplus, red deficit), one
    point per year; a partial year is drawn apart (hatched bar, hollow markers, not joined to
    the line) under its label « 2025 (T1–T2) », so that it never reads as a fall.
    ``unpublished`` maps a year label to the flows the source does not publish."""
    t = trend.table
    if t.empty or (t["exports"].sum() == 0 and t["imports"].sum() == 0):
        return empty_figure("Aucun échange enregistré pour ce territoire")
    unpublished = unpublished or {}
    labels = t["label"].astype(str)
    partial = t["partial"].astype(bool)
    fig = go.Figure()
    fig.add_bar(
        x=[_axis_label(lbl) for lbl in labels],
        y=t["balance"] / 1e6,
        name="Solde",
        marker_color=[balance_color(b) for b in t["balance"]],
        marker_pattern_shape=["/" if p else "" for p in partial],
        opacity=0.55,
        text=labels,
        textposition="none",
        customdata=[
            format_meur(v, signed=True) + (" (non publié)" if unpublished.get(lbl) else "")
            for v, lbl in zip(t["balance"], labels, strict=True)
        ],
        hovertemplate="%{text}<br>Solde : %{customdata}<extra></extra>",
    )
    for col, flow, name, color in (
        ("exports", "export", "Exportations", EXPORT_COLOR),
        ("imports", "import", "Importations", IMPORT_COLOR),
    ):
        for is_partial in (False, True):
            part = t[partial == is_partial]
            if part.empty:
                continue
            lbls = part["label"].astype(str).tolist()
            fig.add_scatter(
                x=[_axis_label(lbl) for lbl in lbls],
                y=part[col] / 1e6,
                name=name if not is_partial else f"{name} (année partielle)",
                legendgroup=col,
                showlegend=not is_partial,
                mode="markers" if is_partial else "lines+markers",
                line={"color": color, "width": 3},
                marker=(
                    {"color": "white", "size": 10, "line": {"color": color, "width": 2.5}}
                    if is_partial
                    else {"color": color, "size": 7}
                ),
                text=lbls,
                customdata=[
                    format_meur(v) + _unpublished_suffix(unpublished, lbl, flow)
                    for v, lbl in zip(part[col], lbls, strict=True)
                ],
                hovertemplate=(
                    f"%{{text}}{', année partielle' if is_partial else ''}<br>{name} : "
                    "%{customdata}<extra></extra>"
                ),
            )
    fig.update_yaxes(
        title_text="Millions d'euros", zeroline=True, zerolinecolor="#555", tickformat=MEUR_TICKS
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=[_axis_label(lbl) for lbl in labels],
    )
    return french_layout(fig, title, height=420)


def growth_chart(trend: Trend, title: str | None = None) -> go.Figure:
    """Change on the same quarters a year earlier, per flow, in % (a partial year hatched)."""
    t = trend.table[trend.table["growth_exports"].notna() | trend.table["growth_imports"].notna()]
    if t.empty:
        return empty_figure("Une seule année chargée : pas d'évolution à montrer")
    labels = t["label"].astype(str)
    fig = go.Figure()
    for col, name, color in (
        ("growth_exports", "Exportations", EXPORT_COLOR),
        ("growth_imports", "Importations", IMPORT_COLOR),
    ):
        fig.add_bar(
            x=[_axis_label(lbl) for lbl in labels],
            y=t[col] * 100,
            name=name,
            marker_color=color,
            marker_pattern_shape=["/" if p else "" for p in t["partial"]],
            text=labels,
            textposition="none",
            customdata=[format_percent(v, 1, signed=True) for v in t[col]],
            hovertemplate=f"%{{text}}<br>{name} : %{{customdata}}<extra></extra>",
        )
    fig.update_yaxes(title_text="Évolution sur un an (%)", zeroline=True, zerolinecolor="#555")
    fig.update_xaxes(type="category")
    fig.update_layout(barmode="group")
    return french_layout(fig, title, height=340)


def quarterly_chart(
    trend: Trend,
    title: str | None = None,
    unpublished: dict[str, set[str]] | None = None,
) -> go.Figure:
    """Exports and imports of every loaded quarter (lines) and the balance (bars); the hover
    gives the change on the same quarter a year earlier. ``unpublished`` maps a quarter label
    (« T3 2024 ») to the flows the source does not publish."""
    q = trend.quarterly
    if q.empty or (q["exports"].sum() == 0 and q["imports"].sum() == 0):
        return empty_figure("Aucun échange enregistré pour ce territoire")
    unpublished = unpublished or {}
    labels = q["label"].astype(str)
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=q["balance"] / 1e6,
        name="Solde",
        marker_color=[balance_color(b) for b in q["balance"]],
        opacity=0.55,
        customdata=[
            format_meur(v, signed=True) + (" (non publié)" if unpublished.get(lbl) else "")
            for v, lbl in zip(q["balance"], labels, strict=True)
        ],
        hovertemplate="%{x}<br>Solde : %{customdata}<extra></extra>",
    )
    for col, growth_col, flow, name, color in (
        ("exports", "growth_exports", "export", "Exportations", EXPORT_COLOR),
        ("imports", "growth_imports", "import", "Importations", IMPORT_COLOR),
    ):
        fig.add_scatter(
            x=labels,
            y=q[col] / 1e6,
            name=name,
            mode="lines+markers",
            line={"color": color, "width": 2.5},
            marker={"size": 5},
            customdata=list(
                zip(
                    [
                        format_meur(v) + _unpublished_suffix(unpublished, lbl, flow)
                        for v, lbl in zip(q[col], labels, strict=True)
                    ],
                    [format_percent(v, 1, signed=True) for v in q[growth_col]],
                    strict=True,
                )
            ),
            hovertemplate=(
                f"%{{x}}<br>{name} : %{{customdata[0]}}<br>"
                "Sur un an (même trimestre) : %{customdata[1]}<extra></extra>"
            ),
        )
    fig.update_yaxes(
        title_text="Millions d'euros", zeroline=True, zerolinecolor="#555", tickformat=MEUR_TICKS
    )
    fig.update_xaxes(type="category", tickangle=-45)
    return french_layout(fig, title, height=400)


def breakdown_area(breakdown: TrendBreakdown, title: str | None = None) -> go.Figure:
    """Stacked areas, one per product or partner, "Autres" on top in grey (M€). The legend
    sits under the chart with every name whole (wrapped, never cut), and the chart grows
    with it so the plot keeps its height on a phone."""
    s = breakdown.series
    if s.empty or s["value"].sum() == 0:
        return empty_figure("Aucun échange pour ces filtres")
    codes = list(dict.fromkeys(s["code"]))
    fig = go.Figure()
    rows: list[int] = []
    for i, code in enumerate(codes):
        part = s[s["code"] == code]
        label = str(part["label"].iloc[0])
        name = wrap(label, LEGEND_WIDTH, lines=12)
        rows.append(name.count("<br>") + 1)
        color = OTHERS_COLOR if code == OTHERS else PALETTE[i % len(PALETTE)]
        fig.add_scatter(
            x=part["year"].astype(str),
            y=part["value"] / 1e6,
            name=name,
            mode="lines",
            stackgroup="one",
            line={"width": 0.5, "color": color},
            fillcolor=color,
            customdata=[format_meur(v) for v in part["value"]],
            hovertemplate=f"{label}<br>%{{x}} : %{{customdata}}<extra></extra>",
        )
    # The legend flows entries left to right and wraps: three or four a row on a desktop, one
    # on a phone. The height is that of one entry a row (≈ 17 px a line), so that the plot
    # keeps room on a phone; a desktop gets a taller plot.
    lines = sum(rows)
    fig.update_yaxes(title_text="Millions d'euros", tickformat=MEUR_TICKS)
    fig.update_xaxes(type="category")
    fig = french_layout(fig, title, height=340 + 17 * lines + 6 * len(rows))
    fig.update_layout(
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.08,
            "x": 0,
            "traceorder": "normal",
            "font": {"size": 12},
            "valign": "top",
        }
    )
    return fig


def movers_chart(breakdown: TrendBreakdown, n: int = 5, title: str | None = None) -> go.Figure:
    """The largest rises (green) and falls (red) from the first to the last year (M€)."""
    risers, fallers = breakdown.movers(n)
    both = pd.concat([fallers.iloc[::-1], risers.iloc[::-1]])
    both = both.sort_values("change")
    if both.empty:
        return empty_figure("Aucune variation sur la période")
    labels = [wrap(str(label), 28, lines=4) for label in both["label"]]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=both["change"] / 1e6,
            orientation="h",
            marker_color=[POSITIVE_COLOR if c > 0 else NEGATIVE_COLOR for c in both["change"]],
            customdata=np.stack(
                [
                    both["label"].astype(str),
                    [format_meur(v, signed=True) for v in both["change"]],
                    [format_percent(v, 1, signed=True) for v in both["growth_period"]],
                ],
                axis=-1,
            ),
            hovertemplate=(
                "%{customdata[0]}<br>Variation : %{customdata[1]} (%{customdata[2]})<extra></extra>"
            ),
        )
    )
    fig.update_xaxes(
        title_text=(f"Variation {breakdown.first_year}–{breakdown.last_year}, millions d'euros"),
        zeroline=True,
        zerolinecolor="#555",
        tickformat=MEUR_TICKS,
    )
    fig.update_yaxes(automargin=True, tickfont={"size": 12})
    height = 120 + sum(22 + 14 * label.count("<br>") for label in labels)
    return french_layout(fig, title, height=max(300, height))


# --- Classements ---------------------------------------------------------------------------
def ranking_chart(
    rankings: Rankings,
    indicator: str,
    title: str | None = None,
    notes: dict[str, str] | None = None,
) -> go.Figure:
    """Horizontal bars, best first; the selected département in orange, the others grey.
    ``notes`` adds a word to a département's hover (« non publié »)."""
    column, label, kind = INDICATORS[indicator]
    t = rankings.table.dropna(subset=[column])
    if t.empty:
        return empty_figure("Aucune valeur à classer pour cet indicateur")
    t = t.sort_values([column, "code"], ascending=[True, False])
    scale = 1e6 if kind == "meur" else 0.01
    colors = [
        HIGHLIGHT_COLOR
        if code == rankings.selected
        else (balance_color(v) if column == "balance" else NEUTRAL_COLOR)
        for code, v in zip(t["code"], t[column], strict=True)
    ]
    signed = column in ("balance", "growth_exports", "growth_imports")
    fig = go.Figure(
        go.Bar(
            y=[f"{c} – {n}" for c, n in zip(t["code"], t["name"], strict=True)],
            x=t[column].astype("float64") / scale,
            orientation="h",
            marker_color=colors,
            customdata=np.stack(
                [
                    [
                        _indicator_text(v, kind, signed)
                        + (f" ({notes[c]})" if notes and c in notes else "")
                        for c, v in zip(t["code"], t[column], strict=True)
                    ],
                    t[f"rank_{column}"].astype(str),
                ],
                axis=-1,
            ),
            hovertemplate=(
                f"%{{y}}<br>{label} : %{{customdata[0]}}<br>Rang : %{{customdata[1]}}"
                "<extra></extra>"
            ),
        )
    )
    unit = "millions d'euros" if kind == "meur" else "%"
    fig.update_xaxes(
        title_text=f"{label} ({unit})",
        zeroline=True,
        zerolinecolor="#555",
        tickformat=MEUR_TICKS,
    )
    fig.update_yaxes(automargin=True, tickfont={"size": 11})
    return french_layout(fig, title, height=max(320, 18 * len(t) + 120))


# --- Spécialisation ------------------------------------------------------------------------
def specialisation_chart(
    spec: Specialisation, flow: str, top: int = 15, title: str | None = None
) -> go.Figure:
    """Specialisation index of the territory's ``top`` largest products (or partners), as bars
    around 1 on a log axis: right (green) = more than France, left (grey) = less."""
    col = "exports" if flow == "export" else "imports"
    t = spec.table[spec.table[col] > 0].nlargest(top, col)
    t = t.dropna(subset=[f"index_{col}"])
    if t.empty:
        return empty_figure("Aucun échange pour ces filtres")
    t = t.sort_values(f"index_{col}")
    index = t[f"index_{col}"].clip(lower=INDEX_MIN)
    colors = [POSITIVE_COLOR if v >= 1 else NEUTRAL_COLOR for v in index]
    fig = go.Figure(
        go.Bar(
            y=[wrap(str(label), 28, lines=3) for label in t["label"]],
            x=index - 1,
            base=1,
            orientation="h",
            marker_color=colors,
            customdata=np.stack(
                [
                    t["label"].astype(str),
                    [format_number(v, 2) for v in t[f"index_{col}"]],
                    [format_percent(v, 1) for v in t[f"share_{col}"]],
                    [format_percent(v, 1) for v in t[f"fr_share_{col}"]],
                    [format_meur(v) for v in t[col]],
                ],
                axis=-1,
            ),
            hovertemplate=(
                "%{customdata[0]}<br>Indice : %{customdata[1]}<br>Part dans le territoire : "
                "%{customdata[2]} (%{customdata[4]})<br>Part en France : %{customdata[3]}"
                "<extra></extra>"
            ),
        )
    )
    lo = min(float(index.min()), 0.5)
    hi = max(float(index.max()), 2.0)
    ticks = [
        v for v in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo / 1.5 <= v <= hi * 1.5
    ]
    fig.update_xaxes(
        type="log",
        range=[math.log10(lo / 1.3), math.log10(hi * 1.3)],
        tickvals=ticks,
        ticktext=[format_number(v, 2 if v < 0.1 else (1 if v < 1 else 0)) for v in ticks],
        title_text="Indice de spécialisation<br>(1 = comme la France)",
    )
    fig.add_vline(x=1, line_color="#333", line_width=1.5)
    fig.update_yaxes(automargin=True, tickfont={"size": 12})
    rows = [str(y).count("<br>") for y in fig.data[0].y]
    return french_layout(fig, title, height=max(320, 120 + sum(24 + 14 * r for r in rows)))


# --- Comparer ------------------------------------------------------------------------------
def compare_kpis_chart(
    comparison: Comparison,
    title: str | None = None,
    unpublished: dict[str, set[str]] | None = None,
) -> go.Figure:
    """Exports, imports and balance per territory on one axis (M€); ``unpublished`` maps a
    territory code to the flows the source does not publish (« non publié » in the hover)."""
    k = comparison.kpis
    if k.empty:
        return empty_figure("Aucun territoire à comparer")
    fig = go.Figure()
    unpublished = unpublished or {}
    for col, flow, name, color in (
        ("exports", "export", "Exportations", EXPORT_COLOR),
        ("imports", "import", "Importations", IMPORT_COLOR),
    ):
        fig.add_bar(
            x=k["name"],
            y=k[col] / 1e6,
            name=name,
            marker_color=color,
            customdata=[
                format_meur(v) + _unpublished_suffix(unpublished, c, flow)
                for c, v in zip(k["code"], k[col], strict=True)
            ],
            hovertemplate=f"%{{x}}<br>{name} : %{{customdata}}<extra></extra>",
        )
    fig.add_scatter(
        x=k["name"],
        y=k["balance"] / 1e6,
        name="Solde",
        mode="markers",
        marker={
            "symbol": "diamond",
            "size": 13,
            "color": [balance_color(b) for b in k["balance"]],
            "line": {"color": "white", "width": 1},
        },
        customdata=[
            format_meur(v, signed=True) + (" (non publié)" if unpublished.get(c) else "")
            for c, v in zip(k["code"], k["balance"], strict=True)
        ],
        hovertemplate="%{x}<br>Solde : %{customdata}<extra></extra>",
    )
    fig.update_yaxes(
        title_text="Millions d'euros", zeroline=True, zerolinecolor="#555", tickformat=MEUR_TICKS
    )
    fig.update_xaxes(tickvals=list(k["name"]), ticktext=[_wrap_name(str(n), 14) for n in k["name"]])
    fig.update_layout(barmode="group")
    return french_layout(fig, title, height=400)


def compare_shares_chart(comparison: Comparison, what: str, title: str | None = None) -> go.Figure:
    """Small multiples, one per territory, the same rows in the same order and the same x
    scale (share of the territory's flow, %), so the panels read side by side."""
    frame = comparison.partners if what == "partners" else comparison.products
    if frame.empty or frame["value"].sum() == 0:
        return empty_figure("Aucun échange pour ces filtres")
    keys = list(dict.fromkeys(frame["code"]))
    labels = frame.drop_duplicates("code").set_index("code")["label"]
    n = len(comparison.codes)
    # Sized for a phone too: labels on two short lines (whole in the tooltip), panel titles
    # on lines of ten characters, one axis title for all the panels. Labels of 38 characters
    # on one line left three panels 50 px each at 390 px, their titles running into each
    # other.
    fig = make_subplots(
        rows=1,
        cols=n,
        shared_yaxes=True,
        subplot_titles=[_wrap_name(name, PANEL_TITLE_CHARS) for name in comparison.names],
        horizontal_spacing=0.03,
    )
    color = FLOW_COLORS[comparison.flow]
    xmax = float(frame["share"].max(skipna=True) or 0) * 100 * 1.1 or 1.0
    axis_labels = [wrap(str(labels[k]), 22, 2) for k in keys][::-1]
    for i, code in enumerate(comparison.codes, start=1):
        part = frame[frame["territory"] == code].set_index("code").reindex(keys)
        fig.add_bar(
            y=axis_labels,
            x=(part["share"].fillna(0) * 100).to_numpy()[::-1],
            orientation="h",
            marker_color=[OTHERS_COLOR if k == OTHERS else color for k in keys][::-1],
            customdata=np.stack(
                [
                    [str(labels[k]) for k in keys][::-1],
                    [format_percent(v, 1) for v in part["share"]][::-1],
                    [format_meur(v) for v in part["value"]][::-1],
                ],
                axis=-1,
            ),
            hovertemplate=(
                f"{comparison.names[i - 1]}<br>%{{customdata[0]}} : %{{customdata[1]}} "
                "(%{customdata[2]})<extra></extra>"
            ),
            showlegend=False,
            row=1,
            col=i,
        )
        fig.update_xaxes(range=[0, xmax], nticks=4, row=1, col=i)
    fig.update_yaxes(automargin=True, tickfont={"size": 11})
    fig = french_layout(fig, title, height=max(380, 30 * len(keys) + 160))
    fig.update_annotations(font={"size": 12})
    fig.add_annotation(
        text="Part du total de chaque territoire (%)",
        x=1, xref="paper", xanchor="right", y=0, yref="paper", yanchor="top", yshift=-28,
        showarrow=False, font={"size": 12},
    )  # fmt: skip
    lines = max(_wrap_name(name, PANEL_TITLE_CHARS).count("<br>") + 1 for name in comparison.names)
    fig.update_layout(margin={"t": 20 + 16 * lines, "b": 56})
    return fig


# --- Carte ---------------------------------------------------------------------------------
DIVERGING = [[0.0, NEGATIVE_COLOR], [0.5, "#f7f7f7"], [1.0, POSITIVE_COLOR]]
MISSING_COLOR = "#e4e4e4"
BORDER_COLOR = "#ffffff"
REGION_BORDER_COLOR = "#333333"
TI_COLOR = "#3a3a3a"
TI_HIGHLIGHT_COLOR = "#111111"
TRANSPARENT = "rgba(0,0,0,0)"
INSET_NAMES = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
               "976": "Mayotte"}  # fmt: skip


def _map_scale(column: str, values: pd.Series) -> tuple[list, float, float]:
    """(colorscale, cmin, cmax): diverging and centred on 0 for the balance and growth, on
    1 (100 %) for coverage; sequential for flows."""
    finite = values.dropna().astype("float64")
    if finite.empty:
        return [[0, "#eeeeee"], [1, "#eeeeee"]], 0.0, 1.0
    if column in ("balance", "growth_exports", "growth_imports"):
        # Centre on 0 and cap at the 95th percentile so one outlier does not wash out the rest.
        bound = float(np.nanpercentile(finite.abs(), 95)) or float(finite.abs().max()) or 1.0
        return DIVERGING, -bound, bound
    if column == "coverage":
        bound = float(np.nanpercentile((finite - 1).abs(), 95)) or 1.0
        return DIVERGING, 1 - bound, 1 + bound
    hi = float(np.nanpercentile(finite, 95)) or float(finite.max()) or 1.0
    scale = [
        [0, "#f2ecf7"],
        [0.5, "#b48acb"],
        [1, EXPORT_COLOR if column == "exports" else "#3f007d"],
    ]
    if column == "imports":
        scale = [[0, "#eaf1fa"], [0.5, "#86b0e0"], [1, IMPORT_COLOR]]
    return scale, 0.0, hi


@dataclass(frozen=True)
class MapLayers:
    """What the main map and its insets share: the values on one colour scale, the hover
    texts, the outlines to stress and the Territoires d'industrie to draw."""

    values: dict[str, float]  # code → value in the scale's unit (M€ or %); NaN: none
    texts: dict[str, str]  # code → hover text
    names: dict[str, str]  # code → département name
    region_of: dict[str, str]  # code → région code
    scale: list
    zmin: float
    zmax: float
    unit: str  # "M€" or "%"
    selected: str | None
    region: str | None
    territoires: bool  # draw the Territoires d'industrie
    highlighted: frozenset[str]  # Territoires d'industrie ids drawn thicker


def map_layers(
    indicators: DeptIndicators,
    indicator: str,
    selected: str | None = None,
    region: str | None = None,
    territoires: bool = False,
    highlighted: tuple[str, ...] = (),
    notes: dict[str, str] | None = None,
) -> MapLayers:
    """Values, colours and hover texts of every département for ``indicator``; ``notes`` adds
    a word to a département's hover (« non publié »)."""
    column, label, kind = INDICATORS[indicator]
    table = indicators.table
    raw = table[column].astype("float64")
    scale, cmin, cmax = _map_scale(column, raw)
    div = 1e6 if kind == "meur" else 0.01
    signed = column in ("balance", "growth_exports", "growth_imports")
    notes = notes or {}
    texts = {}
    for code, name, value in zip(table["code"], table["name"], raw, strict=True):
        text = f"{code} – {name}<br>{label} : {_indicator_text(value, kind, signed)}"
        if code in notes:
            text += f" ({notes[code]})"
        texts[code] = text
    return MapLayers(
        values=dict(zip(table["code"], (raw / div).tolist(), strict=True)),
        texts=texts,
        names=dict(zip(table["code"], table["name"], strict=True)),
        region_of=dict(zip(table["code"], table["region"], strict=True)),
        scale=scale,
        zmin=cmin / div,
        zmax=cmax / div,
        unit="M€" if kind == "meur" else "%",
        selected=selected,
        region=region,
        territoires=territoires,
        highlighted=frozenset(highlighted),
    )


def _choropleths(
    fig: go.Figure,
    layers: MapLayers,
    geojson: dict,
    codes: list[str],
    geo: str,
    showscale: bool = False,
    url: str | None = None,
) -> None:
    """The départements ``codes`` of ``geojson`` on subplot ``geo``: coloured by value (grey
    without one), their région outlined in dark grey, the selected one in orange on top. With
    ``url`` (the same outlines served by the app) the traces link to it instead."""
    with_value = [c for c in codes if not math.isnan(layers.values[c])]
    without = [c for c in codes if math.isnan(layers.values[c])]
    by_code = {f["id"]: f for f in geojson["features"]}

    def only(cs: list[str]) -> dict | str:
        # Each trace links to the served outlines (``url``) or carries those it draws, no
        # more: plotly copies a trace's GeoJSON when the figure is built and serialised.
        return url or geo_france.collection([by_code[c] for c in cs])

    def borders(cs: list[str]) -> tuple[list[str], list[float]]:
        mine = [layers.region is not None and layers.region_of.get(c) == layers.region for c in cs]
        return (
            [REGION_BORDER_COLOR if m else BORDER_COLOR for m in mine],
            [1.2 if m else 0.6 for m in mine],
        )

    if with_value:
        colors, widths = borders(with_value)
        fig.add_choropleth(
            geojson=only(with_value),
            featureidkey="properties.code",
            locations=with_value,
            z=[layers.values[c] for c in with_value],
            zmin=layers.zmin,
            zmax=layers.zmax,
            colorscale=layers.scale,
            marker={"line": {"color": colors, "width": widths}},
            text=[layers.texts[c] for c in with_value],
            hovertemplate="%{text}<extra></extra>",
            showscale=showscale,
            colorbar={
                "title": {"text": layers.unit, "side": "top"},
                "tickformat": MEUR_TICKS,
                "orientation": "h",
                "thickness": 12,
                "len": 0.75,
                "x": 0.5,
                "xanchor": "center",
                "y": -0.02,
                "yanchor": "top",
            },
            geo=geo,
            name="",
        )
    if without:
        colors, widths = borders(without)
        fig.add_choropleth(
            geojson=only(without),
            featureidkey="properties.code",
            locations=without,
            z=[0] * len(without),
            colorscale=[[0, MISSING_COLOR], [1, MISSING_COLOR]],
            marker={"line": {"color": colors, "width": widths}},
            text=[layers.texts[c] for c in without],
            hovertemplate="%{text}<extra></extra>",
            showscale=False,
            geo=geo,
            name="",
        )
    if layers.selected in codes:
        code = layers.selected
        value = layers.values[code]
        fig.add_choropleth(
            geojson=only([code]),
            featureidkey="properties.code",
            locations=[code],
            z=[0 if math.isnan(value) else value],
            zmin=layers.zmin,
            zmax=layers.zmax,
            colorscale=layers.scale if not math.isnan(value) else [[0, MISSING_COLOR],
                                                                   [1, MISSING_COLOR]],
            marker={"line": {"color": HIGHLIGHT_COLOR, "width": 3}},
            text=[layers.texts[code]],
            hovertemplate="%{text}<extra></extra>",
            showscale=False,
            geo=geo,
            name="",
        )  # fmt: skip


def _territoires(
    fig: go.Figure, layers: MapLayers, geojson: dict, geo: str, url: str | None = None
) -> None:
    """Territoires d'industrie outlines over the départements (transparent inside), those of
    the selected territory thicker; hovering one gives its name and départements. With ``url``
    (``geojson`` as the app serves it) the traces link to it instead."""
    features = geojson["features"]
    if not layers.territoires or not features:
        return
    for thick in (False, True):
        mine = [f for f in features if (f["id"] in layers.highlighted) == thick]
        if not mine:
            continue
        texts = []
        for f in mine:
            depts = ", ".join(
                f"{d} – {layers.names[d]}" if d in layers.names else d
                for d in f["properties"]["depts"]
            )
            texts.append(
                f"Territoire d'industrie : {f['properties']['name']}<br>Départements : {depts}"
            )
        fig.add_choropleth(
            geojson=url or geo_france.collection(mine),
            featureidkey="properties.id",
            locations=[f["id"] for f in mine],
            z=[0] * len(mine),
            colorscale=[[0, TRANSPARENT], [1, TRANSPARENT]],
            marker={
                "line": {
                    "color": TI_HIGHLIGHT_COLOR if thick else TI_COLOR,
                    "width": 2.4 if thick else 0.6,
                }
            },
            text=texts,
            hovertemplate="%{text}<extra></extra>",
            showscale=False,
            geo=geo,
            name="",
        )


def _geo_layout(projection: str = "mercator") -> dict:
    """A bare geo subplot: no base map (it would come from a CDN), only our outlines."""
    return {
        "visible": False,
        "projection": {"type": projection},
        "bgcolor": TRANSPARENT,
        "showframe": False,
    }


def _fit(geo: dict, box: tuple[float, float, float, float], pad: float = 0.04) -> dict:
    """Frame a geo subplot on a lon/lat box (insets: the département only, whatever else the
    subplot holds, such as a Territoire d'industrie reaching beyond it)."""
    x0, x1, y0, y1 = box
    dx, dy = (x1 - x0) * pad + 0.01, (y1 - y0) * pad + 0.01
    return {
        **geo,
        "fitbounds": False,
        "lonaxis": {"range": [x0 - dx, x1 + dx]},
        "lataxis": {"range": [y0 - dy, y1 + dy]},
        "center": {"lon": (x0 + x1) / 2, "lat": (y0 + y1) / 2},
    }


def departement_map(
    indicators: DeptIndicators,
    indicator: str,
    selected: str | None = None,
    region: str | None = None,
    territoires: bool = False,
    highlighted: tuple[str, ...] = (),
    notes: dict[str, str] | None = None,
    title: str | None = None,
    layers: MapLayers | None = None,
    served: bool = False,
) -> go.Figure:
    """Metropolitan départements (Corsica as one « 20 ») coloured by ``indicator``, Monaco as a
    labelled marker, from outlines shipped with the project (offline). ``selected`` is outlined
    in orange, the départements of ``region`` in dark grey; with ``territoires`` the
    Territoires d'industrie are drawn on top (``highlighted`` ones thicker). Île-de-France and
    the overseas départements are in ``departement_insets``. ``served``: the traces link to
    the outlines the app serves (``geo_france.static_urls``) instead of carrying them."""
    urls = geo_france.static_urls() if served else {}
    layers = layers or map_layers(
        indicators, indicator, selected, region, territoires, highlighted, notes
    )
    if all(math.isnan(v) for v in layers.values.values()):
        return empty_figure("Aucune valeur à cartographier pour cet indicateur")
    geojson = geo_france.metro_departements()
    drawn = {f["id"] for f in geojson["features"]}
    codes = [c for c in layers.values if c in drawn]
    fig = go.Figure()
    _choropleths(
        fig, layers, geojson, codes, "geo", showscale=True, url=urls.get("metro_departements")
    )
    _territoires(
        fig, layers, geo_france.metro_territoires(), "geo", url=urls.get("metro_territoires")
    )
    if geo_france.MONACO in layers.values:
        value = layers.values[geo_france.MONACO]
        lon, lat = geo_france.monaco()
        fig.add_scattergeo(
            lon=[lon],
            lat=[lat],
            mode="markers+text",
            text=["Monaco"],
            textposition="middle right",
            textfont={"size": 12, "color": "#111", "shadow": "0 0 3px #fff"},
            marker={
                "size": 11,
                "color": [MISSING_COLOR if math.isnan(value) else value],
                "colorscale": layers.scale,
                "cmin": layers.zmin,
                "cmax": layers.zmax,
                "line": {
                    "color": HIGHLIGHT_COLOR if layers.selected == geo_france.MONACO else "#333",
                    "width": 3 if layers.selected == geo_france.MONACO else 1,
                },
            },
            customdata=[layers.texts[geo_france.MONACO]],
            hovertemplate="%{customdata}<extra></extra>",
            showlegend=False,
            geo="geo",
            name="",
        )
    # Mercator: plotly.js fits a rotated conic projection on the wrong bounds, and between
    # 41° and 51° north Mercator barely distorts.
    fig.update_layout(geo={**_geo_layout(), "fitbounds": "locations"})
    fig = french_layout(fig, title, height=500)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 40 if title else 0, "b": 50})
    return fig


def has_insets(layers: MapLayers) -> bool:
    """Whether ``departement_insets`` draws anything (Île-de-France or overseas shown)."""
    return any(c in layers.values for c in (*geo_france.ILE_DE_FRANCE, *geo_france.OVERSEAS))


def departement_insets(
    indicators: DeptIndicators,
    indicator: str,
    selected: str | None = None,
    region: str | None = None,
    territoires: bool = False,
    highlighted: tuple[str, ...] = (),
    notes: dict[str, str] | None = None,
    layers: MapLayers | None = None,
    served: bool = False,
) -> go.Figure | None:
    """The insets of the map, on its colour scale: Île-de-France (Paris and the petite
    couronne readable, codes written) on top, then the overseas départements, each named.
    None when the data has neither. ``served`` as for ``departement_map``."""
    urls = geo_france.static_urls() if served else {}
    layers = layers or map_layers(
        indicators, indicator, selected, region, territoires, highlighted, notes
    )
    idf = tuple(c for c in geo_france.ILE_DE_FRANCE if c in layers.values)
    overseas = [c for c in geo_france.OVERSEAS if c in layers.values]
    if not idf and not overseas:
        return None
    fig = go.Figure()
    geos: dict[str, dict] = {}
    annotations = []
    # Île-de-France takes the top of the figure, the overseas départements two rows below.
    top = 0.40 if overseas else 0.0
    if idf:
        geojson = geo_france.inset_departements(idf)
        _choropleths(fig, layers, geojson, list(idf), "geo", url=urls.get("inset_departements"))
        _territoires(
            fig, layers, geo_france.inset_territoires(idf), "geo", url=urls.get("inset_territoires")
        )
        lon, lat = zip(*(geo_france.departement_centroid(c) for c in idf), strict=True)
        fig.add_scattergeo(
            lon=list(lon),
            lat=list(lat),
            mode="text",
            text=list(idf),
            # A white halo keeps a code readable over a dark fill or an outline.
            textfont={"size": 12, "color": "#111", "weight": "bold", "shadow": "0 0 3px #fff"},
            hoverinfo="skip",
            showlegend=False,
            geo="geo",
        )
        geos["geo"] = {
            **_fit(_geo_layout(), geo_france.bounds(geojson)),
            "domain": {"x": [0, 1], "y": [top + 0.02, 0.95]},
        }
        annotations.append(("Île-de-France", 0.5, 1.0))
    cells = [(0, 0.2, 0.38), (1, 0.2, 0.38), (2, 0.2, 0.38), (0.5, 0.0, 0.18), (1.5, 0.0, 0.18)]
    for i, code in enumerate(overseas):
        col, y0, y1 = cells[i]
        x0, x1 = col / 3, (col + 1) / 3
        name = f"geo{i + 2}"
        geojson = geo_france.inset_departements((code,))
        _choropleths(fig, layers, geojson, [code], name, url=urls.get("inset_departements"))
        _territoires(
            fig,
            layers,
            geo_france.inset_territoires((code,)),
            name,
            url=urls.get("inset_territoires"),
        )
        geos[name] = {
            **_fit(_geo_layout(), geo_france.bounds(geojson), pad=0.08),
            "domain": {"x": [x0 + 0.01, x1 - 0.01], "y": [y0, y1 - 0.035]},
        }
        label = layers.names.get(code) or INSET_NAMES.get(code, code)
        annotations.append((label, (x0 + x1) / 2, y1))
    fig.update_layout(**geos)
    for text, x, y in annotations:
        fig.add_annotation(
            text=text,
            x=x,
            y=y,
            xref="paper",
            yref="paper",
            xanchor="center",
            yanchor="top",
            showarrow=False,
            font={"size": 12, "color": "#333"},
        )
    fig = french_layout(fig, height=580)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig
