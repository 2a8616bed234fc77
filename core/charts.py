"""Chart builders: one pure function per chart, a query result in, a ``go.Figure`` out.

No streamlit, no caching, no I/O. Colours follow the seeds: imports blue, exports purple, a
negative balance red and a positive one green, the five largest flows of a Sankey red and the
others neutral. Every figure gets French separators (``layout.separators``) and French hovers
built with ``core.formatting``, and states its unit.

The fact sheet prints some of these charts: ``font_size`` sets their smallest text (the fiche
passes 11,5 px, 8,6 pt at print scale), the print treemap groups the small products so that
every tile is readable, and the Sankey writes its labels beside the diagram when asked
(``labels="outside"``) so that no text lies on the links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from core import chart_margins, plotly_theme
from core.formatting import PLOTLY_SEPARATORS, format_meur, format_number, format_percent
from core.labels import wrap
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
OTHERS_NODE_COLOR = "#b0b0b0"
NO_TRADE_COLOR = "#dcdcdc"
TEXT_COLOR = "#222222"
FONT = "Marianne, Arial, Helvetica, sans-serif"
FLOW_NAMES = {"export": "Exportations", "import": "Importations"}
UNPUBLISHED = "non publié"  # the mark of a figure its source does not publish

# plotly.js draws multi-line text with this line spacing (constants/alignment.js).
LINE_SPACING = 1.3
# Average advance of a character of the chart font, in ems (Arial/Liberation Sans, French
# text): used to wrap labels to the room they have.
CHAR_EM = 0.53


# plotly_white's layout only: a template object built once (passing the name copies and
# validates the whole template, data defaults included, on every chart).
_TEMPLATE = go.layout.Template(layout=pio.templates["plotly_white"].layout)
# Plotly's default template, so every figure starts from it: a figure takes the default
# without validating it again, where assigning it in ``french_layout`` validated and copied it
# on every chart (4 ms a figure, a fifth of the fiche's first build).
pio.templates["comex"] = _TEMPLATE
pio.templates.default = "comex"


class FrozenFigure(go.Figure):
    """A finished figure kept as its plain dict. Streamlit calls ``to_dict()`` on every run, and
    Plotly deep-copies the whole figure there (maps: their geometry): a frozen figure hands its
    dict over as is. Read-only by contract: built once (``core.cache.figure``), drawn often.

    For the app (``for_app``, what ``core.cache.figure`` builds): its margins widened
    beforehand to hold its labels (``chart_margins.reserved_margins``), and the app's theme
    written into it with plain arrays and a data revision (``plotly_theme.with_theme``), so
    that plotly.js draws it once where it drew it up to three times."""

    def __init__(self, figure: go.Figure, for_app: bool = False) -> None:
        super().__init__()
        self._frozen = figure.to_dict()
        if not for_app:
            return
        if margin := chart_margins.reserved_margins(self._frozen, chart_margins.STREAMLIT):
            layout = self._frozen.setdefault("layout", {})
            layout["margin"] = {**layout.get("margin", {}), **margin}
        self._frozen = plotly_theme.with_theme(self._frozen)

    def to_dict(self) -> dict:
        return self._frozen


def french_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Shared layout: French separators, sober template, title and legend placement."""
    fig.update_layout(
        separators=PLOTLY_SEPARATORS,
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


DOT = "\u00a0·\u00a0"  # between a value and its share, never at the start of a line
_KEEP = {"\u202f": "\ue000", "\u00a0": "\ue001"}  # no-break spaces hidden from ``wrap``


def wrap_text(text: str, width: int, lines: int = 8) -> str:
    """``core.labels.wrap`` that never breaks at a no-break space (« 1 500,4 M€ » stays
    whole): they are whitespace to ``str.split``."""
    for space, mark in _KEEP.items():
        text = text.replace(space, mark)
    wrapped = wrap(text, width, lines)
    for space, mark in _KEEP.items():
        wrapped = wrapped.replace(mark, space)
    return wrapped


def _chars(width_px: float, font_size: float) -> int:
    """How many characters of the chart font fit in ``width_px``."""
    return max(8, int(width_px / (CHAR_EM * font_size)))


def _flow_name(flow: str, unpublished: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """« Importations », or « Importations (non publié) » when its total is not published."""
    name = FLOW_NAMES[flow]
    return f"{name} ({UNPUBLISHED})" if flow in unpublished else name


# --- Partners ------------------------------------------------------------------------------
def partner_butterfly(
    balance: PartnerBalance,
    title: str | None = None,
    font_size: float = 13,
    row_height: int = 34,
) -> go.Figure:
    """Main partners: imports to the left, exports to the right, each bar with its amount
    (M€, as the seeds' key says), and the balance of each country written in its own column
    on the right, red when negative and green when positive."""
    main = balance.main
    if main.empty:
        return empty_figure("Aucun partenaire pour ces filtres")
    main = main.iloc[::-1]  # largest at the top
    names = [wrap_text(str(n), 26, 2) for n in main["name"]]
    imports = main["imports"].to_numpy() / 1e6
    exports = main["exports"].to_numpy() / 1e6
    text_font = {"size": font_size, "color": TEXT_COLOR}
    fig = go.Figure()
    for flow, values, raw, color in (
        ("import", -imports, main["imports"], IMPORT_COLOR),
        ("export", exports, main["exports"], EXPORT_COLOR),
    ):
        fig.add_bar(
            y=names,
            x=values,
            orientation="h",
            name=FLOW_NAMES[flow],
            marker_color=color,
            text=[format_number(v / 1e6, 1) for v in raw],
            textposition="outside",
            textfont=text_font,
            cliponaxis=False,
            customdata=np.stack(
                [
                    main["name"],
                    [format_meur(v) for v in raw],
                    [format_meur(v, signed=True) for v in main["balance"]],
                ],
                axis=-1,
            ),
            hovertemplate=(
                f"<b>%{{customdata[0]}}</b><br>{FLOW_NAMES[flow]} : %{{customdata[1]}}<br>"
                "Solde : %{customdata[2]}<extra></extra>"
            ),
        )
    # The balance in its own column, right of the plot, in its colour. (Annotations are set
    # at once: Plotly re-validates every annotation on each add_annotation.)
    notes = []
    for name, raw in zip(names, main["balance"], strict=True):
        notes.append(
            dict(
                x=1,
                xref="paper",
                xanchor="left",
                xshift=8,
                y=name,
                text=format_meur(raw, signed=True),
                showarrow=False,
                font={"color": balance_color(raw), "size": font_size},
            )
        )
    notes.append(
        dict(
            x=1,
            xref="paper",
            xanchor="left",
            xshift=8,
            y=1,
            yref="paper",
            yanchor="bottom",
            text="<b>Solde</b>",
            showarrow=False,
            font={"size": font_size, "color": TEXT_COLOR},
        )
    )
    fig.update_layout(annotations=notes)
    extent = float(max(imports.max(initial=0), exports.max(initial=0))) or 1.0
    ticks = _symmetric_ticks(extent)
    widest = max(len(format_meur(v, signed=True)) for v in main["balance"])
    fig.update_layout(barmode="overlay", bargap=0.3)
    fig.update_xaxes(
        tickvals=ticks,
        ticktext=[format_number(abs(t), 0) for t in ticks],
        tickfont={"size": font_size},
        title_text="← Importations · Exportations → (millions d'euros)",
        title_font={"size": font_size},
        # Room beyond the longest bars for their amounts.
        range=[-extent * 1.42, extent * 1.42],
        zeroline=True,
        zerolinecolor="#444",
    )
    fig.update_yaxes(tickfont={"size": font_size}, automargin=True)
    fig = french_layout(fig, title, height=max(320, row_height * len(names) + 130))
    fig.update_layout(
        font={"size": font_size},
        legend={"font": {"size": font_size}, "x": 0, "y": 1.0, "yanchor": "bottom"},
        margin={"r": int(widest * CHAR_EM * font_size) + 18, "t": 60 if title else 40},
    )  # fmt: skip
    return fig


def _symmetric_ticks(extent: float) -> list[float]:
    step = 10 ** np.floor(np.log10(extent / 2)) if extent > 0 else 1
    for mult in (1, 2, 5, 10):
        if extent / (step * mult) <= 4:
            step *= mult
            break
    n = int(extent // step)
    return [float(i * step) for i in range(-n, n + 1)]


MapView = Literal["monde", "europe"]
# Longitudes and latitudes of each view (Europe: Iceland to the Urals, the Maghreb to the
# North Cape, wide enough to fill a page's width in Mercator).
MAP_RANGES: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "monde": ((-180, 180), (-58, 85)),
    "europe": ((-28, 62), (33, 71.5)),
}


def _in_view(table: pd.DataFrame, geojson: dict | None, view: str) -> pd.Series:
    """Partners whose outline has a point inside the view (every partner for the world)."""
    if view == "monde" or geojson is None:
        return pd.Series(True, index=table.index)
    (lon0, lon1), (lat0, lat1) = MAP_RANGES[view]
    inside = set()
    for feature in geojson.get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates") or []
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        for polygon in polygons:
            if any(lon0 <= x <= lon1 and lat0 <= y <= lat1 for x, y in polygon[0]):
                inside.add(feature["properties"].get("iso3"))
                break
    return table["iso3"].isin(inside)


def partner_map(
    balance: PartnerBalance,
    geojson: dict | None = None,
    view: MapView = "monde",
    geojson_url: str | None = None,
) -> go.Figure:
    """Map of the balance by partner (diverging red–green around zero, M€), of the world or
    of Europe (``view``), where European partners are more than specks.

    ``geojson`` (countries with ``properties.iso3``, see ``core.geo``) draws offline, with the
    countries that have no trade in light grey underneath; without it Plotly's built-in world
    outlines are used, which the browser fetches from Plotly's CDN. The colour range stops at
    the second-largest balance among the countries in view, so that one dominant partner does
    not wash out all the others (its colour saturates; hovers and the table keep the exact
    figures). ``geojson_url`` (the same outlines served by the app, ``core.geo.STATIC_URL``)
    puts a link in the figure instead of the outlines, which the browser fetches once: the
    figure shrinks from 450 kB to a few kB.
    """
    outlines: dict | str | None = geojson_url or geojson
    if view not in MAP_RANGES:
        raise ValueError(f"unknown map view {view!r}")
    table = balance.table[balance.table["iso3"].fillna("").str.len() == 3]
    if table.empty:
        return empty_figure("Aucun pays à cartographier")
    values = table["balance"] / 1e6
    shown = values[_in_view(table, geojson, view)]
    magnitudes = (shown if len(shown) else values).abs().sort_values(ascending=False)
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
                    geojson=outlines,
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
        trace.update(geojson=outlines, featureidkey="properties.iso3")
    fig.add_trace(trace)
    lon_range, lat_range = MAP_RANGES[view]
    fig.update_geos(
        projection_type="natural earth" if view == "monde" else "mercator",
        showframe=False,
        showcoastlines=False,
        visible=geojson is None,
        lonaxis_range=list(lon_range),
        lataxis_range=list(lat_range),
        bgcolor="rgba(0,0,0,0)",
    )
    fig = french_layout(fig, height=500 if view == "monde" else 540)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig


# --- Products ------------------------------------------------------------------------------
# Depth of each level in the treemap: the flow block is 1, then A17, A38, A129, CPF4.
TREEMAP_DEPTH = {"A17": 2, "A38": 3, "A129": 4, "CPF4": 5}
_TREE_LEVELS = (("a17", "a17_label"), ("a38", "a38_label"), ("a129", "a129_label"))


def treemap_detail_level(level: str) -> str:
    """The finest level the products treemap carries when it opens at ``level``: the next one
    down (CPF4 for A129 and CPF4), so a click on a box shows what it is made of.

    Not the whole CPF4 tree at every level: plotly.js draws every node it is given (those
    below ``maxdepth`` as empty boxes, with their text measured), and the 821 nodes of
    Seine-Saint-Denis down to CPF4 made the Produits page switch take 0.63 s against 0.37 s
    with the 218 nodes down to A129 (A38 opening, Chromium).
    """
    order = list(TREEMAP_DEPTH)
    return order[min(order.index(level) + 1, len(order) - 1)]


def product_treemap(
    breakdown: ProductBreakdown,
    level: str = "A38",
    title: str | None = None,
    unpublished: tuple[str, ...] = (),
) -> go.Figure:
    """Imports (blue) and exports (purple) as two blocks whose areas are proportional to
    values, so the blocks also show the overall balance; A17 → A38 → A129 → CPF4 inside each
    block, down to the breakdown's level (``treemap_detail_level`` for the page).

    ``level`` sets how deep the boxes go before the user clicks to drill down (its parents
    frame them above); ``unpublished`` names the flows whose total the source does not
    publish (their block says so).
    """
    table = breakdown.table
    finest = breakdown.level
    parents = [c for c in _TREE_LEVELS if c[0] in table.columns]
    ids, labels, texts, tree_parents, values, colors, hover = [], [], [], [], [], [], []
    for flow, color, light in (
        ("import", IMPORT_COLOR, IMPORT_LIGHT),
        ("export", EXPORT_COLOR, EXPORT_LIGHT),
    ):
        col = "imports" if flow == "import" else "exports"
        total = int(table[col].sum())
        if total <= 0:
            continue
        part = table[table[col] > 0]
        name = _flow_name(flow, unpublished)
        ids.append(flow)
        labels.append(name)
        texts.append(name)
        tree_parents.append("")
        values.append(total / 1e6)
        colors.append(color)
        hover.append(format_meur(total))
        path: list[str] = []  # code columns of the levels above the current one
        for depth, (code_col, label_col) in enumerate(parents):
            grouped = part.groupby([*path, code_col], as_index=False).agg(
                label=(label_col, "first"), value=(col, "sum")
            )
            node_ids = _node_ids(flow, grouped, [*path, code_col])
            parent_ids = _node_ids(flow, grouped, path)
            ids.extend(node_ids)
            tree_parents.extend(parent_ids)
            labels.extend(grouped["label"])
            texts.extend(wrap(str(label), 30, lines=4) for label in grouped["label"])
            values.extend(grouped["value"] / 1e6)
            colors.extend([color if depth == 0 else light] * len(grouped))
            hover.extend(
                f"{format_meur(v)} · {format_percent(v / total)}" for v in grouped["value"]
            )
            path.append(code_col)
        ids.extend(_node_ids(flow, part, [*path, "code"]))
        tree_parents.extend(_node_ids(flow, part, path))
        labels.extend(part["label"])
        texts.extend(wrap(str(label), 30, lines=4) for label in part["label"])
        values.extend(part[col] / 1e6)
        colors.extend([light] * len(part))
        hover.extend(f"{format_meur(v)} · {format_percent(v / total)}" for v in part[col])
    if not ids:
        return empty_figure("Aucun échange pour ces filtres")
    depth = min(TREEMAP_DEPTH.get(level, 3), TREEMAP_DEPTH.get(finest, 5))
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            text=texts,
            parents=tree_parents,
            values=values,
            branchvalues="total",
            marker={
                "colors": colors,
                "line": {"color": "white", "width": 1},
                # No pattern on any tile (""), but a pattern array all the same: plotly.js then
                # fills each tile from ``colors`` without writing the tile's colour into the
                # trace (``marker.color``, sunburst/fill_one.js). That write made the next
                # Plotly.react, which Streamlit always makes when a chart mounts, compute and
                # draw the whole treemap again.
                "pattern": {"shape": [""] * len(ids)},
            },
            customdata=hover,
            hovertemplate="<b>%{label}</b><br>%{customdata}<extra></extra>",
            texttemplate="%{text}<br>%{customdata}",
            maxdepth=depth,
            pathbar={"visible": True},
            sort=True,
        )
    )
    return french_layout(fig, title, height=620)


def _node_ids(flow: str, frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Treemap ids ``flow/A17/A38/…`` of the rows of ``frame`` along ``columns``."""
    if not columns:
        return [flow] * len(frame)
    joined = frame[columns[0]].astype(str)
    for column in columns[1:]:
        joined = joined + "/" + frame[column].astype(str)
    return (flow + "/" + joined).tolist()


def squarify(values: list[float], x: float, y: float, w: float, h: float) -> list[tuple]:
    """Squarified treemap (Bruls, Huizing and van Wijk): rectangles ``(x, y, w, h)`` for
    ``values`` (largest first) filling the rectangle, as close to squares as the rows allow."""
    total = sum(values)
    if total <= 0 or not values:
        return [(x, y, 0.0, 0.0) for _ in values]
    scale = w * h / total
    areas = [v * scale for v in values]
    out: list[tuple] = []

    def worst(row: list[float], side: float) -> float:
        s = sum(row)
        return max(max(side * side * r / (s * s), (s * s) / (side * side * r)) for r in row)

    i = 0
    while i < len(areas):
        side = min(w, h)
        row = [areas[i]]
        j = i + 1
        while j < len(areas) and worst([*row, areas[j]], side) <= worst(row, side):
            row.append(areas[j])
            j += 1
        s = sum(row)
        if w >= h:  # a column on the left
            col_w = s / h if h else 0.0
            yy = y
            for a in row:
                rh = a / col_w if col_w else 0.0
                out.append((x, yy, col_w, rh))
                yy += rh
            x, w = x + col_w, w - col_w
        else:  # a row on top
            row_h = s / w if w else 0.0
            xx = x
            for a in row:
                rw = a / row_h if row_h else 0.0
                out.append((xx, y, rw, row_h))
                xx += rw
            y, h = y + row_h, h - row_h
        i = j
    return out


@dataclass(frozen=True)
class Tile:
    code: str
    label: str
    value: int
    share: float  # of its flow
    rect: tuple[float, float, float, float]  # x, y, width, height (pixels, y down)
    lines: tuple[str, ...]  # the label as wrapped, then the value
    members: tuple[tuple[str, int], ...] = ()  # « Autres »: its products, largest first


def _tile_lines(label: str, value: int, share: float, width: float, font: float) -> list[str]:
    chars = _chars(width, font)
    lines = wrap(label, chars, lines=8).split("<br>")
    amount = f"<b>{format_meur(value)}</b>{DOT}{format_percent(share)}"
    plain = f"{format_meur(value)}{DOT}{format_percent(share)}"
    if len(plain) <= chars:
        return [*lines, amount]
    return [*lines, f"<b>{format_meur(value)}</b>", format_percent(share)]


def _fit_ratio(lines: list[str], rect: tuple, font: float) -> float:
    """How much room the text needs over the room the tile has (≤ 1: it fits)."""
    _, _, w, h = rect
    chars = _chars(w - 2 * TILE_PAD, font)
    text_w = max(len(line.replace("<b>", "").replace("</b>", "")) for line in lines)
    need_h = len(lines) * font * LINE_SPACING + 2 * TILE_PAD
    return max(text_w / max(chars, 1), need_h / max(h, 1e-9))


TILE_PAD = 4  # pixels between a tile's edge and its text
HEADER_PX = 22  # the strip that names each flow block


TILE_ASPECT = 2.0  # tiles about twice as wide as tall: room for lines of text


def treemap_tiles(
    table: pd.DataFrame,
    col: str,
    rect: tuple[float, float, float, float],
    font: float,
    max_tiles: int = 16,
) -> list[Tile]:
    """The tiles of one flow in ``rect``: its largest products, as many as can each carry
    their whole name, value and share at ``font`` pixels, the rest grouped into one
    « Autres (n produits) » strip along the bottom of the block.

    Tiles are squarified in a space stretched ``TILE_ASPECT`` times vertically, so that
    they come out wider than tall, the shape a few lines of text need."""
    part = table[table[col] > 0].sort_values([col, "code"], ascending=[False, True])
    total = float(part[col].sum())
    if total <= 0:
        return []
    products = list(
        zip(part["code"].astype(str), part["label"].astype(str), part[col].astype(int), strict=True)
    )
    x, y, w, h = rect
    named = products[:max_tiles]
    while True:
        codes = {c for c, *_ in named}
        rest = [p for p in products if p[0] not in codes]
        rest_value = sum(v for *_, v in rest)
        rest_h = h * rest_value / total if rest else 0.0
        rects = squarify([float(v) for *_, v in named], x, 0.0, w, (h - rest_h) * TILE_ASPECT)
        entries = list(named)
        boxes = [(rx, y + ry / TILE_ASPECT, rw, rh / TILE_ASPECT) for rx, ry, rw, rh in rects]
        if rest:
            noun = "produit" if len(rest) == 1 else "produits"
            entries.append((OTHERS, f"{OTHERS} ({len(rest)} {noun})", rest_value))
            boxes.append((x, y + h - rest_h, w, rest_h))
        tiles, ratios = [], []
        members = tuple((label, value) for _, label, value in rest)
        for (code, label, value), box in zip(entries, boxes, strict=True):
            lines = _tile_lines(label, value, value / total, box[2] - 2 * TILE_PAD, font)
            ratios.append(_fit_ratio(lines, box, font))
            tiles.append(
                Tile(code, label, value, value / total, box, tuple(lines),
                     members if code == OTHERS else ())
            )  # fmt: skip
        if max(ratios) <= 1 or not named:
            return tiles
        # Group the product whose text is furthest from fitting; when only « Autres » is too
        # thin for its line, grow it with the smallest product.
        worst = max(range(len(named)), key=lambda i: ratios[i]) if named else 0
        if ratios[worst] <= 1:
            worst = len(named) - 1
        named = [p for i, p in enumerate(named) if i != worst]


def _list_members(tile: Tile, total: float, font: float) -> list[dict]:
    """Inside « Autres », the largest of its products in two columns (« dont : … »), as
    many as its room holds: the space tells what it groups instead of staying blank."""
    x, y, w, h = tile.rect
    line_px = font * LINE_SPACING
    top = y + TILE_PAD + len(tile.lines) * line_px + 2
    rows = int((y + h - TILE_PAD - top) // line_px) - 1  # one line for « dont : »
    if rows < 1:
        return []
    col_w = (w - 3 * TILE_PAD) / 2
    chars = _chars(col_w - TILE_PAD, font)
    columns: list[list[str]] = [[], []]
    used = [0, 0]
    col = 0
    for label, value in tile.members:
        amount = format_meur(value)
        item = f"{label} {amount}{DOT}{format_percent(value / total)}"
        lines = wrap_text(item, chars, 3).split("<br>")
        if len(lines) > 2:
            continue  # a name too long for two lines: counted in « Autres » only
        if used[col] + len(lines) > rows:
            col += 1
            if col > 1 or len(lines) > rows:
                break
        columns[col].append("<br>".join(lines).replace(amount, f"<b>{amount}</b>"))
        used[col] += len(lines)
    if not columns[0]:
        return []
    notes = [dict(
        x=x + TILE_PAD, y=top, xanchor="left", yanchor="top", align="left",
        text="dont :", showarrow=False, font={"size": font, "color": TEXT_COLOR},
    )]  # fmt: skip
    for i, items in enumerate(columns):
        if items:
            notes.append(dict(
                x=x + TILE_PAD + i * (col_w + TILE_PAD), y=top + line_px,
                xanchor="left", yanchor="top", align="left", text="<br>".join(items),
                showarrow=False, font={"size": font, "color": TEXT_COLOR},
            ))  # fmt: skip
    return notes


def product_treemap_print(
    breakdown: ProductBreakdown,
    width: int,
    height: int,
    font_size: float = 11.5,
    unpublished: tuple[str, ...] = (),
) -> go.Figure:
    """The treemap as printed: imports (blue) above exports (purple), each block's area
    proportional to its total, so the blocks show the overall balance; inside, the largest
    products at the breakdown's level as squarified tiles, each carrying its whole name, its
    value and its share in text of ``font_size`` pixels, the small ones grouped into
    « Autres (n produits) » until every tile's text fits. Drawn as shapes and annotations (a
    Plotly treemap shrinks or hides text that does not fit; this one never has to)."""
    table = breakdown.table
    totals = {f: float(table[c].sum()) for f, c in (("import", "imports"), ("export", "exports"))}
    flows = [f for f in ("import", "export") if totals[f] > 0]
    if not flows:
        return empty_figure("Aucun échange pour ces filtres")
    gap = 6
    room = height - len(flows) * HEADER_PX - gap * (len(flows) - 1)
    grand = sum(totals[f] for f in flows)
    fig = go.Figure()
    top = 0.0
    hover_x, hover_y, hover_text = [], [], []
    shapes: list[dict] = []
    notes: list[dict] = []
    for flow in flows:
        color, light = (
            (IMPORT_COLOR, IMPORT_LIGHT) if flow == "import" else (EXPORT_COLOR, EXPORT_LIGHT)
        )
        block_h = room * totals[flow] / grand
        shapes.append(dict(
            type="rect", x0=0, x1=width, y0=top, y1=top + HEADER_PX + block_h,
            fillcolor=color, line={"width": 0}, layer="below",
        ))  # fmt: skip
        notes.append(dict(
            x=TILE_PAD, y=top + HEADER_PX / 2, xanchor="left", yanchor="middle",
            text=f"<b>{_flow_name(flow, unpublished)}</b> · {format_meur(totals[flow])}",
            showarrow=False, font={"size": font_size + 1, "color": "white"},
        ))  # fmt: skip
        col = "imports" if flow == "import" else "exports"
        inner = (2.0, top + HEADER_PX, width - 4.0, block_h - 2.0)
        for tile in treemap_tiles(table, col, inner, font_size):
            x, y, w, h = tile.rect
            shapes.append(dict(
                type="rect", x0=x + 1, x1=x + w - 1, y0=y + 1, y1=y + h - 1,
                fillcolor=OTHERS_NODE_COLOR if tile.code == OTHERS else light,
                line={"width": 0}, layer="below",
            ))  # fmt: skip
            notes.append(dict(
                x=x + TILE_PAD, y=y + TILE_PAD, xanchor="left", yanchor="top", align="left",
                text="<br>".join(tile.lines), showarrow=False,
                font={"size": font_size, "color": TEXT_COLOR},
            ))  # fmt: skip
            if tile.members:
                notes += _list_members(tile, total=totals[flow], font=font_size)
            hover_x.append(x + w / 2)
            hover_y.append(y + h / 2)
            hover_text.append(
                f"<b>{tile.label}</b><br>{FLOW_NAMES[flow]} : {format_meur(tile.value)} · "
                f"{format_percent(tile.share)}"
            )
        top += HEADER_PX + block_h + gap
    # Invisible points give each tile its hover in the interactive file.
    fig.add_scatter(
        x=hover_x, y=hover_y, mode="markers", marker={"opacity": 0, "size": 30},
        hovertext=hover_text, hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
    )  # fmt: skip
    fig = french_layout(fig, height=height)
    fig.update_xaxes(visible=False, range=[0, width], fixedrange=True)
    fig.update_yaxes(visible=False, range=[height, 0], fixedrange=True)
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False, shapes=shapes, annotations=notes
    )
    return fig


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
            y=[wrap(str(label), 45, lines=2) for label in ordered["label"]],
            x=ordered["balance"] / 1e6,
            orientation="h",
            marker_color=[balance_color(b) for b in ordered["balance"]],
            customdata=np.stack(
                [ordered["label"], [format_meur(v, signed=True) for v in ordered["balance"]]],
                axis=-1,
            ),
            hovertemplate="%{customdata[0]}<br>Solde : %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_xaxes(
        title_text="Solde (exportations − importations), millions d'euros", tickformat=",.0f"
    )
    fig.update_yaxes(automargin=True)
    return french_layout(fig, title, height=max(320, 34 * len(ordered) + 120))


# --- Sankey --------------------------------------------------------------------------------
LabelPlacement = Literal["inside", "outside"]


@dataclass(frozen=True)
class SankeyGeometry:
    """Where the nodes go so that every label has room: node heights are ``scale`` × value
    (pixels per M€), each node sits in a slot at least as tall as its label, and ``pad`` is
    the node padding that makes plotly.js use the same scale."""

    plot_height: float
    scale: float
    pad: float
    left_y: list[float]  # node centres, fractions of the plot height from the top
    right_y: list[float]


def sankey_geometry(
    left: list[float],
    right: list[float],
    left_labels: list[float],
    right_labels: list[float],
    plot_height: float,
    gap: float = 4.0,
) -> SankeyGeometry:
    """Node scale and positions for two columns of values (M€) whose labels are
    ``*_labels`` pixels tall. The plot grows when the labels need more than ``plot_height``.

    plotly.js (d3-sankey) sizes nodes with one scale for the whole diagram, set by the column
    with the most nodes: ``(height − (n − 1) × pad) / total``. This finds the largest scale at
    which every node's slot (its own height, or its label's if taller) fits, then derives the
    ``pad`` that gives plotly.js that scale, so the nodes drawn are the nodes placed here.
    """
    total = sum(left) or 1.0

    def extent(values: list[float], labels: list[float], scale: float) -> float:
        slots = sum(max(scale * v, h) for v, h in zip(values, labels, strict=True))
        return slots + gap * (len(values) - 1)

    height = max(plot_height, extent(left, left_labels, 0) + 2, extent(right, right_labels, 0) + 2)
    n_max = max(len(left), len(right))
    if n_max <= 1:
        scale = height / total
    else:
        lo, hi = 0.0, height / total
        for _ in range(60):
            mid = (lo + hi) / 2
            if max(extent(left, left_labels, mid), extent(right, right_labels, mid)) <= height:
                lo = mid
            else:
                hi = mid
        scale = lo
    pad = (height - scale * total) / (n_max - 1) if n_max > 1 else 10.0

    def centres(values: list[float], labels: list[float]) -> list[float]:
        slots = [max(scale * v, h) for v, h in zip(values, labels, strict=True)]
        spare = height - sum(slots)
        step = spare / (len(slots) - 1) if len(slots) > 1 else 0.0
        top = 0.0 if len(slots) > 1 else spare / 2
        out = []
        for slot in slots:
            out.append(min(max((top + slot / 2) / height, 1e-4), 1 - 1e-4))
            top += slot + step
        return out

    return SankeyGeometry(
        height, scale, pad, centres(left, left_labels), centres(right, right_labels)
    )


def _node_text(label: str, value: int, width: int) -> tuple[str, int]:
    """A node's label wrapped to ``width`` characters with its value in bold, on the last
    line when it fits there; returns the text and its number of lines."""
    amount = f"<b>{format_meur(value)}</b>"
    lines = wrap(label, width, lines=8).split("<br>")
    if len(lines[-1]) + 1 + len(format_meur(value)) <= width:
        lines[-1] = f"{lines[-1]} {amount}"
    else:
        lines.append(amount)
    return "<br>".join(lines), len(lines)


def sankey(
    flows: SankeyFlows,
    title: str | None = None,
    height: int | None = None,
    label_width: int | None = None,
    font_size: float = 12,
    labels: LabelPlacement = "inside",
    margins: tuple[int, int] = (0, 0),
) -> go.Figure:
    """Products → countries (exports) or countries → products (imports); the five largest
    single flows in red, the others neutral; nodes in the seeds' order, « Autres » last.

    Every node is labelled with its whole name (wrapped to ``label_width`` characters) and
    its value, and its slot is at least as tall as its label, so labels never overlap; the
    figure grows when ``height`` cannot hold them. ``labels="inside"`` lets plotly.js write
    each label beside its node, over the diagram (the web pages); ``"outside"`` writes them
    in side columns of ``margins`` pixels (left, right), clear of the links (the printed
    fiche).
    """
    if flows.links.empty:
        return empty_figure("Aucun flux pour ces filtres")
    node_ids = list(flows.left) + list(flows.right)
    index = {node: i for i, node in enumerate(node_ids)}
    links = flows.links
    node_values = flows.node_totals()
    outside = labels == "outside"
    width = label_width or 26
    left_width = right_width = width
    if outside:
        left_width = _chars(margins[0] - 10, font_size)
        right_width = _chars(margins[1] - 10, font_size)
    texts, n_lines = [], []
    for i, node in enumerate(node_ids):
        text, lines = _node_text(
            flows.labels[node],
            node_values.get(node, 0),
            left_width if i < len(flows.left) else right_width,
        )
        texts.append(text)
        n_lines.append(lines)
    line_px = font_size * LINE_SPACING
    label_px = [n * line_px + 2 for n in n_lines]
    n_left = len(flows.left)
    top = 60 if title else 8
    bottom = 8
    geometry = sankey_geometry(
        [node_values.get(n, 0) / 1e6 for n in flows.left],
        [node_values.get(n, 0) / 1e6 for n in flows.right],
        label_px[:n_left],
        label_px[n_left:],
        (height or 620) - top - bottom,
    )
    thickness = 14
    ys = geometry.left_y + geometry.right_y
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={
                "label": [""] * len(node_ids) if outside else texts,
                "color": [
                    NODE_COLOR if not n.endswith(OTHERS) else OTHERS_NODE_COLOR for n in node_ids
                ],
                "pad": geometry.pad,
                "thickness": thickness,
                "x": [0.001] * n_left + [0.999] * len(flows.right),
                "y": ys,
                "line": {"width": 0},
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
            textfont={"size": font_size, "color": TEXT_COLOR},
        )
    )
    fig = french_layout(fig, title, height=round(geometry.plot_height + top + bottom))
    fig.update_layout(margin={"l": margins[0], "r": margins[1], "t": top, "b": bottom})
    if outside:
        notes = []
        for i, (text, y) in enumerate(zip(texts, ys, strict=True)):
            left_side = i < n_left
            notes.append(
                dict(
                    x=0 if left_side else 1,
                    xref="paper",
                    xanchor="right" if left_side else "left",
                    xshift=-(thickness / 2 + 4) if left_side else thickness / 2 + 4,
                    y=1 - y,
                    yref="paper",
                    yanchor="middle",
                    align="right" if left_side else "left",
                    text=text,
                    showarrow=False,
                    font={"size": font_size, "color": TEXT_COLOR},
                )
            )
        fig.update_layout(annotations=notes)
    return fig


def node_labels(fig: go.Figure) -> list[str]:
    """The texts that label a Sankey's nodes, wherever they are drawn (tests, checks)."""
    (trace,) = [t for t in fig.data if t.type == "sankey"]
    inside = [label for label in trace.node.label if label]
    return inside or [a.text for a in fig.layout.annotations]
