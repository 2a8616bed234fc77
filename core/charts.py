"""Chart builders: one pure function per chart, a query result in, a ``go.Figure`` out.

No streamlit, no caching, no I/O. Colours follow the seeds: imports blue, exports purple, a
negative balance red and a positive one green, the five largest flows of a Sankey red and the
others neutral. Every figure gets French separators (``layout.separators``) and French hovers
built with ``core.formatting``, and states its unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.formatting import PLOTLY_SEPARATORS, format_meur, format_percent
from core.labels import shorten
from core.queries import OTHERS, PartnerBalance, ProductBreakdown, SankeyFlows

IMPORT_COLOR = "#2f6db5"
IMPORT_LIGHT = "#9cc0e8"
EXPORT_COLOR = "#7a3f9d"
EXPORT_LIGHT = "#c9a6dd"
NEGATIVE_COLOR = "#c62828"
POSITIVE_COLOR = "#2e7d32"
TOP_FLOW_COLOR = "rgba(198, 40, 40, 0.75)"
FLOW_COLOR = "rgba(140, 140, 140, 0.30)"
NODE_COLOR = "#6b6b6b"
NO_TRADE_COLOR = "#dcdcdc"
FONT = "Marianne, Arial, Helvetica, sans-serif"
FLOW_NAMES = {"export": "Exportations", "import": "Importations"}


def french_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Shared layout: French separators, sober template, title and legend placement."""
    fig.update_layout(
        separators=PLOTLY_SEPARATORS,
        template="plotly_white",
        font={"family": FONT, "size": 13},
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 10},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    if height:
        fig.update_layout(height=height)
    return fig


def balance_color(balance: float) -> str:
    return POSITIVE_COLOR if balance >= 0 else NEGATIVE_COLOR


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 15})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return french_layout(fig, height=200)


# --- Partners ------------------------------------------------------------------------------
def partner_butterfly(balance: PartnerBalance, title: str | None = None) -> go.Figure:
    """Main partners: imports to the left, exports to the right (M€), the balance per country
    as a marker coloured red when negative and green when positive."""
    main = balance.main
    if main.empty:
        return empty_figure("Aucun partenaire pour ces filtres")
    main = main.iloc[::-1]  # largest at the top
    names = main["name"].tolist()
    imports = main["imports"].to_numpy() / 1e6
    exports = main["exports"].to_numpy() / 1e6
    balances = main["balance"].to_numpy() / 1e6
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=-imports,
        orientation="h",
        name="Importations",
        marker_color=IMPORT_COLOR,
        customdata=[format_meur(v) for v in main["imports"]],
        hovertemplate="%{y}<br>Importations : %{customdata}<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=exports,
        orientation="h",
        name="Exportations",
        marker_color=EXPORT_COLOR,
        customdata=[format_meur(v) for v in main["exports"]],
        hovertemplate="%{y}<br>Exportations : %{customdata}<extra></extra>",
    )
    fig.add_scatter(
        y=names,
        x=balances,
        mode="markers",
        name="Solde (exportations − importations)",
        marker={
            "symbol": "diamond",
            "size": 11,
            "color": [balance_color(b) for b in balances],
            "line": {"color": "white", "width": 1},
        },
        customdata=[format_meur(v, signed=True) for v in main["balance"]],
        hovertemplate="%{y}<br>Solde : %{customdata}<extra></extra>",
    )
    # The balance written at the right end of each row, in its colour.
    right = float(max(exports.max(initial=0), 0)) * 1.02
    for name, value, raw in zip(names, balances, main["balance"], strict=True):
        fig.add_annotation(
            x=right,
            y=name,
            text=format_meur(raw, signed=True),
            showarrow=False,
            xanchor="left",
            font={"color": balance_color(value), "size": 12},
        )
    extent = float(max(imports.max(initial=0), exports.max(initial=0))) or 1.0
    ticks = _symmetric_ticks(extent)
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_xaxes(
        tickvals=ticks,
        ticktext=[format_meur(abs(t) * 1e6, decimals=0) for t in ticks],
        title_text="← Importations · Exportations → (millions d'euros)",
        range=[-extent * 1.05, extent * 1.35],
        zeroline=True,
        zerolinecolor="#444",
    )
    return french_layout(fig, title, height=max(320, 34 * len(names) + 140))


def _symmetric_ticks(extent: float) -> list[float]:
    step = 10 ** np.floor(np.log10(extent / 2)) if extent > 0 else 1
    for mult in (1, 2, 5, 10):
        if extent / (step * mult) <= 4:
            step *= mult
            break
    n = int(extent // step)
    return [float(i * step) for i in range(-n, n + 1)]


def partner_map(balance: PartnerBalance, geojson: dict | None = None) -> go.Figure:
    """World map of the balance by partner (diverging red–green around zero, M€).

    ``geojson`` (countries with ``properties.iso3``, see ``core.geo``) draws offline, with the
    countries that have no trade in light grey underneath; without it Plotly's built-in world
    outlines are used, which the browser fetches from Plotly's CDN. The colour range stops at
    the second-largest balance so that one dominant partner does not wash out all the others
    (its colour saturates; hovers and the table keep the exact figures).
    """
    table = balance.table[balance.table["iso3"].fillna("").str.len() == 3]
    if table.empty:
        return empty_figure("Aucun pays à cartographier")
    values = table["balance"] / 1e6
    magnitudes = values.abs().sort_values(ascending=False)
    extent = float(magnitudes.iloc[1] if len(magnitudes) > 1 else magnitudes.iloc[0]) or 1.0
    fig = go.Figure()
    if geojson is not None:
        traded = set(table["iso3"])
        others = [
            f["properties"]["iso3"]
            for f in geojson.get("features", [])
            if f["properties"].get("iso3") not in traded
        ]
        if others:
            fig.add_trace(
                go.Choropleth(
                    geojson=geojson,
                    featureidkey="properties.iso3",
                    locations=others,
                    z=[0] * len(others),
                    colorscale=[[0, NO_TRADE_COLOR], [1, NO_TRADE_COLOR]],
                    showscale=False,
                    marker_line_color="white",
                    marker_line_width=0.4,
                    hoverinfo="skip",
                    name="Sans échange",
                )
            )
    trace = go.Choropleth(
        locations=table["iso3"],
        z=values,
        zmin=-extent,
        zmax=extent,
        zmid=0,
        colorscale=[[0, NEGATIVE_COLOR], [0.5, "#f4f1ea"], [1, POSITIVE_COLOR]],
        marker_line_color="white",
        marker_line_width=0.4,
        colorbar={"title": {"text": "Solde<br>(M€)"}, "tickformat": ",.0f", "len": 0.8},
        customdata=np.stack(
            [
                table["name"],
                [format_meur(v) for v in table["exports"]],
                [format_meur(v) for v in table["imports"]],
                [format_meur(v, signed=True) for v in table["balance"]],
            ],
            axis=-1,
        ),
        hovertemplate=(
            "<b>%{customdata[0]}</b><br>Exportations : %{customdata[1]}<br>"
            "Importations : %{customdata[2]}<br>Solde : %{customdata[3]}<extra></extra>"
        ),
        name="Solde",
    )
    if geojson is not None:
        trace.update(geojson=geojson, featureidkey="properties.iso3")
    fig.add_trace(trace)
    fig.update_geos(
        projection_type="natural earth",
        showframe=False,
        showcoastlines=False,
        visible=geojson is None,
        lataxis_range=[-58, 85],
        bgcolor="rgba(0,0,0,0)",
    )
    fig = french_layout(fig, height=500)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig


# --- Products ------------------------------------------------------------------------------
_DEPTH = {"A17": 2, "A38": 3, "A129": 4}


def product_treemap(
    breakdown: ProductBreakdown, level: str = "A38", title: str | None = None
) -> go.Figure:
    """Imports (blue) and exports (purple) as two blocks whose areas are proportional to
    values, so the blocks also show the overall balance; A17 → A38 → A129 inside each block.

    ``breakdown`` must be at the A129 level (it carries the A17/A38 parents); ``level`` sets
    how deep the boxes go before the user clicks to drill down.
    """
    table = breakdown.table
    ids, labels, parents, values, colors, hover = [], [], [], [], [], []
    for flow, color, light in (
        ("import", IMPORT_COLOR, IMPORT_LIGHT),
        ("export", EXPORT_COLOR, EXPORT_LIGHT),
    ):
        col = "imports" if flow == "import" else "exports"
        total = int(table[col].sum())
        if total <= 0:
            continue
        part = table[table[col] > 0]
        ids.append(flow)
        labels.append(FLOW_NAMES[flow])
        parents.append("")
        values.append(total / 1e6)
        colors.append(color)
        hover.append(format_meur(total))
        for group_cols, depth_color in (
            (("a17", "a17_label"), color),
            (("a38", "a38_label"), light),
        ):
            code_col, label_col = group_cols
            prefix_cols = ["a17"] if code_col == "a38" else []
            grouped = part.groupby([*prefix_cols, code_col], as_index=False).agg(
                label=(label_col, "first"), value=(col, "sum")
            )
            for row in grouped.itertuples(index=False):
                parent = flow if code_col == "a17" else f"{flow}/{row.a17}"
                node = f"{parent}/{getattr(row, code_col)}"
                ids.append(node)
                labels.append(row.label)
                parents.append(parent)
                values.append(row.value / 1e6)
                colors.append(depth_color)
                hover.append(f"{format_meur(row.value)} · {format_percent(row.value / total)}")
        for row in part.itertuples(index=False):
            ids.append(f"{flow}/{row.a17}/{row.a38}/{row.code}")
            labels.append(row.label)
            parents.append(f"{flow}/{row.a17}/{row.a38}")
            value = getattr(row, col)
            values.append(value / 1e6)
            colors.append(light)
            hover.append(f"{format_meur(value)} · {format_percent(value / total)}")
    if not ids:
        return empty_figure("Aucun échange pour ces filtres")
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": colors, "line": {"color": "white", "width": 1}},
            customdata=hover,
            hovertemplate="<b>%{label}</b><br>%{customdata}<extra></extra>",
            texttemplate="%{label}<br>%{customdata}",
            maxdepth=_DEPTH.get(level, 3),
            pathbar={"visible": True},
            sort=True,
        )
    )
    return french_layout(fig, title, height=620)


def product_balance_bars(
    breakdown: ProductBreakdown, top: int = 15, title: str | None = None
) -> go.Figure:
    """Balance by product (exports − imports, M€): the largest surpluses and deficits."""
    table = breakdown.table
    if table.empty:
        return empty_figure("Aucun échange pour ces filtres")
    ordered = table.reindex(table["balance"].abs().sort_values(ascending=False).index).head(top)
    ordered = ordered.sort_values("balance")
    fig = go.Figure(
        go.Bar(
            y=ordered["label"],
            x=ordered["balance"] / 1e6,
            orientation="h",
            marker_color=[balance_color(b) for b in ordered["balance"]],
            customdata=[format_meur(v, signed=True) for v in ordered["balance"]],
            hovertemplate="%{y}<br>Solde : %{customdata}<extra></extra>",
        )
    )
    fig.update_xaxes(
        title_text="Solde (exportations − importations), millions d'euros", tickformat=",.0f"
    )
    fig.update_yaxes(automargin=True)
    return french_layout(fig, title, height=max(320, 28 * len(ordered) + 120))


# --- Sankey --------------------------------------------------------------------------------
def _column_y(values: list[float], gap: float = 0.02) -> list[float]:
    """Node centres (0 = top) stacking nodes of a column by size, in the given order."""
    total = sum(values) or 1.0
    n = len(values)
    gap = min(gap, 0.3 / max(n - 1, 1))
    room = 1.0 - gap * (n - 1)
    centres, top = [], 0.0
    for v in values:
        h = room * v / total
        centres.append(min(max(top + h / 2, 0.001), 0.999))
        top += h + gap
    return centres


def sankey(
    flows: SankeyFlows,
    title: str | None = None,
    height: int = 620,
    label_width: int | None = None,
) -> go.Figure:
    """Products → countries (exports) or countries → products (imports); the five largest
    single flows in red, the others neutral; nodes in the seeds' order, "Autres" last.

    ``label_width`` shortens long node labels (hovers keep them whole) for small diagrams.
    """
    if flows.links.empty:
        return empty_figure("Aucun flux pour ces filtres")
    node_ids = list(flows.left) + list(flows.right)
    index = {node: i for i, node in enumerate(node_ids)}
    links = flows.links
    node_values = (
        pd.concat(
            [
                links.groupby("source")["value"].sum(),
                links.groupby("target")["value"].sum(),
            ]
        )
        .groupby(level=0)
        .sum()
    )
    n_left = len(flows.left)
    left_values = [float(node_values.get(n, 0)) for n in flows.left]
    right_values = [float(node_values.get(n, 0)) for n in flows.right]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [shorten(flows.labels[n], label_width) for n in node_ids],
                "color": [NODE_COLOR if not n.endswith(OTHERS) else "#b0b0b0" for n in node_ids],
                "pad": 12,
                "thickness": 16,
                "x": [0.001] * n_left + [0.999] * len(flows.right),
                "y": _column_y(left_values) + _column_y(right_values),
                "customdata": [
                    f"{flows.labels[n]}<br>{format_meur(node_values.get(n, 0))}" for n in node_ids
                ],
                "hovertemplate": "%{customdata}<extra></extra>",
            },
            link={
                "source": [index[s] for s in links["source"]],
                "target": [index[t] for t in links["target"]],
                "value": (links["value"] / 1e6).tolist(),
                "color": [TOP_FLOW_COLOR if top else FLOW_COLOR for top in links["top"]],
                # Whole labels in the hover even when the node labels are shortened.
                "customdata": [
                    f"{a} → {b}<br>{format_meur(v)}"
                    for a, b, v in zip(
                        links["source_label"], links["target_label"], links["value"], strict=True
                    )
                ],
                "hovertemplate": "%{customdata}<extra></extra>",
            },
            valueformat=",.1f",
            valuesuffix=" M€",
            textfont={"shadow": "none", "size": 12, "color": "#222"},
        )
    )
    return french_layout(fig, title, height=height)
