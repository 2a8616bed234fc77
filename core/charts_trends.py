"""Chart builders for trends, rankings, specialisation, comparison and the map.

Pure functions: a query result in, a ``go.Figure`` out; no streamlit, no I/O beyond the
geometry shipped with the project. Colours, French separators and the empty-figure message come
from ``core.charts`` so that every page reads the same way.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
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
from core.labels import shorten, wrap
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


def _indicator_text(value: float | None, kind: str, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if kind == "meur":
        return format_meur(value, signed=signed)
    return format_percent(float(value), 1, signed=signed)


# --- Évolution -----------------------------------------------------------------------------
PARTIAL_PATTERN = {"shape": "/", "solidity": 0.35}


def trend_chart(trend: Trend, title: str | None = None) -> go.Figure:
    """Exports and imports as lines, the balance as bars (green surplus, red deficit), one
    point per year; a partial year is drawn apart (hatched bar, hollow markers, not joined to
    the line) under its label « 2025 (T1–T2) », so that it never reads as a fall."""
    t = trend.table
    if t.empty or (t["exports"].sum() == 0 and t["imports"].sum() == 0):
        return empty_figure("Aucun échange enregistré pour ce territoire")
    labels = t["label"].astype(str)
    partial = t["partial"].astype(bool)
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=t["balance"] / 1e6,
        name="Solde",
        marker_color=[balance_color(b) for b in t["balance"]],
        marker_pattern_shape=["/" if p else "" for p in partial],
        opacity=0.55,
        customdata=[format_meur(v, signed=True) for v in t["balance"]],
        hovertemplate="%{x}<br>Solde : %{customdata}<extra></extra>",
    )
    for col, name, color in (
        ("exports", "Exportations", EXPORT_COLOR),
        ("imports", "Importations", IMPORT_COLOR),
    ):
        whole = t[~partial]
        fig.add_scatter(
            x=whole["label"].astype(str),
            y=whole[col] / 1e6,
            name=name,
            legendgroup=col,
            mode="lines+markers",
            line={"color": color, "width": 3},
            customdata=[format_meur(v) for v in whole[col]],
            hovertemplate=f"%{{x}}<br>{name} : %{{customdata}}<extra></extra>",
        )
        part = t[partial]
        if len(part):
            fig.add_scatter(
                x=part["label"].astype(str),
                y=part[col] / 1e6,
                name=f"{name} (année partielle)",
                legendgroup=col,
                showlegend=False,
                mode="markers",
                marker={"color": "white", "size": 10, "line": {"color": color, "width": 2.5}},
                customdata=[format_meur(v) for v in part[col]],
                hovertemplate=(
                    f"%{{x}}, année partielle<br>{name} : %{{customdata}}<extra></extra>"
                ),
            )
    fig.update_yaxes(
        title_text="Millions d'euros", zeroline=True, zerolinecolor="#555", tickformat=MEUR_TICKS
    )
    fig.update_xaxes(type="category")
    return french_layout(fig, title, height=420)


def growth_chart(trend: Trend, title: str | None = None) -> go.Figure:
    """Change on the same quarters a year earlier, per flow, in % (a partial year hatched)."""
    t = trend.table[trend.table["growth_exports"].notna() | trend.table["growth_imports"].notna()]
    if t.empty:
        return empty_figure("Une seule année chargée : pas d'évolution à montrer")
    fig = go.Figure()
    for col, name, color in (
        ("growth_exports", "Exportations", EXPORT_COLOR),
        ("growth_imports", "Importations", IMPORT_COLOR),
    ):
        fig.add_bar(
            x=t["label"].astype(str),
            y=t[col] * 100,
            name=name,
            marker_color=color,
            marker_pattern_shape=["/" if p else "" for p in t["partial"]],
            customdata=[format_percent(v, 1, signed=True) for v in t[col]],
            hovertemplate=f"%{{x}}<br>{name} : %{{customdata}}<extra></extra>",
        )
    fig.update_yaxes(title_text="Évolution sur un an (%)", zeroline=True, zerolinecolor="#555")
    fig.update_xaxes(type="category")
    fig.update_layout(barmode="group")
    return french_layout(fig, title, height=340)


def quarterly_chart(trend: Trend, title: str | None = None) -> go.Figure:
    """Exports and imports of every loaded quarter (lines) and the balance (bars)."""
    q = trend.quarterly
    if q.empty or (q["exports"].sum() == 0 and q["imports"].sum() == 0):
        return empty_figure("Aucun échange enregistré pour ce territoire")
    labels = q["label"].astype(str)
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=q["balance"] / 1e6,
        name="Solde",
        marker_color=[balance_color(b) for b in q["balance"]],
        opacity=0.55,
        customdata=[format_meur(v, signed=True) for v in q["balance"]],
        hovertemplate="%{x}<br>Solde : %{customdata}<extra></extra>",
    )
    for col, growth_col, name, color in (
        ("exports", "growth_exports", "Exportations", EXPORT_COLOR),
        ("imports", "growth_imports", "Importations", IMPORT_COLOR),
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
                    [format_meur(v) for v in q[col]],
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
    """Stacked areas, one per product or partner, "Autres" on top in grey (M€)."""
    s = breakdown.series
    if s.empty or s["value"].sum() == 0:
        return empty_figure("Aucun échange pour ces filtres")
    codes = list(dict.fromkeys(s["code"]))
    fig = go.Figure()
    for i, code in enumerate(codes):
        part = s[s["code"] == code]
        label = str(part["label"].iloc[0])
        color = OTHERS_COLOR if code == OTHERS else PALETTE[i % len(PALETTE)]
        fig.add_scatter(
            x=part["year"].astype(str),
            y=part["value"] / 1e6,
            name=wrap(label, 32),
            mode="lines",
            stackgroup="one",
            line={"width": 0.5, "color": color},
            fillcolor=color,
            customdata=[format_meur(v) for v in part["value"]],
            hovertemplate=f"{label}<br>%{{x}} : %{{customdata}}<extra></extra>",
        )
    fig.update_yaxes(title_text="Millions d'euros", tickformat=MEUR_TICKS)
    fig.update_xaxes(type="category")
    fig.update_layout(legend={"orientation": "v", "y": 1, "x": 1.02, "yanchor": "top"})
    fig = french_layout(fig, title, height=460)
    fig.update_layout(legend={"orientation": "v", "y": 1, "x": 1.02, "yanchor": "top"})
    return fig


def movers_chart(breakdown: TrendBreakdown, n: int = 5, title: str | None = None) -> go.Figure:
    """The largest rises (green) and falls (red) from the first to the last year (M€)."""
    risers, fallers = breakdown.movers(n)
    both = pd.concat([fallers.iloc[::-1], risers.iloc[::-1]])
    both = both.sort_values("change")
    if both.empty:
        return empty_figure("Aucune variation sur la période")
    fig = go.Figure(
        go.Bar(
            y=[shorten(label, 45) for label in both["label"]],
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
    fig.update_yaxes(automargin=True)
    return french_layout(fig, title, height=max(300, 30 * len(both) + 120))


# --- Classements ---------------------------------------------------------------------------
def ranking_chart(rankings: Rankings, indicator: str, title: str | None = None) -> go.Figure:
    """Horizontal bars, best first; the selected département in orange, the others grey."""
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
                    [_indicator_text(v, kind, signed) for v in t[column]],
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
            y=[shorten(label, 45) for label in t["label"]],
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
        title_text="Indice de spécialisation (1 = comme la France ; échelle logarithmique)",
    )
    fig.add_vline(x=1, line_color="#333", line_width=1.5)
    fig.update_yaxes(automargin=True)
    return french_layout(fig, title, height=max(320, 28 * len(t) + 120))


# --- Comparer ------------------------------------------------------------------------------
def compare_kpis_chart(comparison: Comparison, title: str | None = None) -> go.Figure:
    """Exports, imports and balance per territory on one axis (M€)."""
    k = comparison.kpis
    if k.empty:
        return empty_figure("Aucun territoire à comparer")
    fig = go.Figure()
    for col, name, color in (
        ("exports", "Exportations", EXPORT_COLOR),
        ("imports", "Importations", IMPORT_COLOR),
    ):
        fig.add_bar(
            x=k["name"],
            y=k[col] / 1e6,
            name=name,
            marker_color=color,
            customdata=[format_meur(v) for v in k[col]],
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
        customdata=[format_meur(v, signed=True) for v in k["balance"]],
        hovertemplate="%{x}<br>Solde : %{customdata}<extra></extra>",
    )
    fig.update_yaxes(
        title_text="Millions d'euros", zeroline=True, zerolinecolor="#555", tickformat=MEUR_TICKS
    )
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
    fig = make_subplots(
        rows=1,
        cols=n,
        shared_yaxes=True,
        subplot_titles=list(comparison.names),
        horizontal_spacing=0.02,
    )
    color = FLOW_COLORS[comparison.flow]
    xmax = float(frame["share"].max(skipna=True) or 0) * 100 * 1.1 or 1.0
    for i, code in enumerate(comparison.codes, start=1):
        part = frame[frame["territory"] == code].set_index("code").reindex(keys)
        fig.add_bar(
            y=[shorten(str(labels[k]), 38) for k in keys][::-1],
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
        fig.update_xaxes(range=[0, xmax], title_text="% du total", row=1, col=i)
    fig.update_yaxes(automargin=True, tickfont={"size": 11})
    fig = french_layout(fig, title, height=max(360, 24 * len(keys) + 140))
    fig.update_annotations(font={"size": 13})
    return fig


# --- Carte ---------------------------------------------------------------------------------
DIVERGING = [[0.0, NEGATIVE_COLOR], [0.5, "#f7f7f7"], [1.0, POSITIVE_COLOR]]


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


def departement_map(
    indicators: DeptIndicators,
    indicator: str,
    selected: str | None = None,
    region: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Départements coloured by ``indicator`` (drawn from the shipped outlines, offline);
    overseas départements as labelled squares on the left. ``selected`` is outlined in
    orange, the départements of ``region`` in dark grey."""
    column, label, kind = INDICATORS[indicator]
    table = indicators.table.set_index("code")
    values = table[column].astype("float64")
    if values.notna().sum() == 0:
        return empty_figure("Aucune valeur à cartographier pour cet indicateur")
    scale, cmin, cmax = _map_scale(column, values)
    shapes = geo_france.outlines()
    xmin, xmax, ymin, ymax = geo_france.bounds()
    signed = column in ("balance", "growth_exports", "growth_imports")

    def color_of(v: float) -> str:
        if v is None or math.isnan(v):
            return "#eeeeee"
        pos = 0.0 if cmax == cmin else min(max((v - cmin) / (cmax - cmin), 0.0), 1.0)
        return sample_colorscale(scale, [pos])[0]

    fig = go.Figure()
    # Overseas: squares stacked in a column left of the mainland (an inset, not to scale).
    overseas = [c for c in geo_france.OVERSEAS if c in table.index]
    side = 38.0
    inset_x = xmin - 70
    polygons: dict[str, list[list[tuple[float, float]]]] = {
        code: rings for code, rings in shapes.items() if code in table.index
    }
    for i, code in enumerate(overseas):
        y0 = ymax - 60 - i * (side + 22)
        polygons[code] = [
            [(inset_x, y0), (inset_x + side, y0), (inset_x + side, y0 - side), (inset_x, y0 - side)]
        ]
    hover_x, hover_y, hover_text = [], [], []
    for code, rings in polygons.items():
        v = values.get(code, np.nan)
        name = table.at[code, "name"]
        text = f"{code} – {name}<br>{label} : {_indicator_text(v, kind, signed)}"
        line_color, width = "white", 0.6
        if region is not None and table.at[code, "region"] == region:
            line_color, width = "#333333", 1.0
        if code == selected:
            line_color, width = HIGHLIGHT_COLOR, 3.0
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in rings:
            xs.extend([p[0] for p in ring] + [ring[0][0], None])
            ys.extend([p[1] for p in ring] + [ring[0][1], None])
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            fill="toself",
            fillcolor=color_of(v),
            line={"color": line_color, "width": width},
            hoverinfo="skip",
            showlegend=False,
        )
        cx, cy = geo_france.centroid(rings)
        hover_x.append(cx)
        hover_y.append(cy)
        hover_text.append(text)
    for i, code in enumerate(overseas):
        y0 = ymax - 60 - i * (side + 22)
        fig.add_annotation(
            x=inset_x + side / 2,
            y=y0 + 9,
            text=code,
            showarrow=False,
            font={"size": 11},
        )
    if overseas:
        fig.add_annotation(
            x=inset_x + side / 2,
            y=ymax - 20,
            text="Outre-mer",
            showarrow=False,
            font={"size": 11, "color": "#555"},
        )
    # One invisible marker per département carries the hover and the colour bar.
    fig.add_scatter(
        x=hover_x,
        y=hover_y,
        mode="markers",
        marker={
            "size": 9,
            "opacity": 0,
            "color": [values.get(c, np.nan) / (1e6 if kind == "meur" else 0.01) for c in polygons],
            "colorscale": scale,
            "cmin": cmin / (1e6 if kind == "meur" else 0.01),
            "cmax": cmax / (1e6 if kind == "meur" else 0.01),
            "showscale": True,
            "colorbar": {
                "title": {"text": "M€" if kind == "meur" else "%"},
                "tickformat": MEUR_TICKS,
                "thickness": 14,
                "len": 0.7,
            },
        },
        text=hover_text,
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    )
    fig.update_xaxes(visible=False, range=[inset_x - 10, xmax + 5])
    fig.update_yaxes(visible=False, range=[ymin - 5, ymax + 5], scaleanchor="x", scaleratio=1)
    return french_layout(fig, title, height=680)
