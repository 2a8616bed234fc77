"""Margins reserved before plotly.js draws a chart (``core.chart_margins``): text widths from
Arial's advances, the labels each axis draws, and the margins computed by hand from the
Streamlit theme's offsets (``Geometry``). The browser check that plotly.js then draws the
app's charts without widening them is in ``tests/test_browser_ui.py``."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from core import chart_margins as cm
from core import charts, charts_trends, queries_trends
from core.charts import FrozenFigure, french_layout
from core.filters import Filters
from core.periods import Period


def test_text_width_adds_arial_advances():
    # A 667, l 222, l 222, e 556, m 833, a 556, g 556, n 556, e 556 thousandths of an em.
    assert cm.text_width("Allemagne", 12) == pytest.approx(4724 * 12 / 1000)
    # Digits are 556, the narrow no-break space 139, the minus sign 584; unknown: 720.
    assert cm.text_width("−1\u202f000", 10) == pytest.approx((584 + 4 * 556 + 139) / 100)
    assert cm.text_width("中", 10) == pytest.approx(7.2)


def test_labels_box_reads_lines_and_drops_tags():
    width, lines = cm.labels_box(["<b>Italie</b>", "Produits<br>chimiques", 2024], 10)
    assert lines == 2
    assert width == pytest.approx(cm.text_width("chimiques", 10))
    assert cm.label_lines("a<br />b<BR>c") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("value", "fraction", "label"),
    [
        (780_000, False, "000 000"),  # 858 000: six digits
        (950_000, False, "0 000 000"),  # a tick at 1 000 000 is possible
        (-200_000, False, "−000 000"),
        (45, False, "00"),
        (4.2, True, "0,00"),
    ],
)
def test_number_labels_are_as_wide_as_the_widest_tick(value, fraction, label):
    assert cm._number_label(value, fraction) == label


def test_stacked_values_are_summed_for_the_axis_extent():
    traces = [
        {"type": "bar", "x": ["a", "b"], "y": [10, -5]},
        {"type": "bar", "x": ["a", "b"], "y": [30, -7]},
    ]
    assert cm._extent(traces, "y", "relative") == (-12, 40)
    assert cm._extent(traces, "y", "group") == (-7, 30)
    area = [
        {"type": "scatter", "stackgroup": "one", "x": ["2023", "2024"], "y": [1, 2]},
        {"type": "scatter", "stackgroup": "one", "x": ["2023", "2024"], "y": [3, 4]},
    ]
    assert cm._extent(area, "y", None) == (0, 6)  # a stack starts from zero


def bars() -> go.Figure:
    fig = go.Figure(go.Bar(y=["Allemagne", "Italie"], x=[1500.0, 2000.0], orientation="h"))
    fig.update_xaxes(title_text="Millions d'euros")
    return french_layout(fig)


def test_horizontal_bars_get_room_for_their_names_values_and_title():
    margin = cm.reserved_margins(bars().to_dict())
    # Left: « Allemagne » at 12 px, 10 % more, the theme's 19 px and 3 px of pad.
    assert margin["l"] == math.ceil(4724 * 12 / 1000 * 1.1 + 19 + 3)
    # Bottom: one line of ticks (12 × 1,17), 20 px, the title's line (14 × 1,17), 14 px, pad.
    assert margin["b"] == math.ceil(12 * 1.17 + 20 + 14 * 1.17 + 14 + 3)
    # Right: half the widest tick (« 0 000 » for 2 000 grown by a tenth) overhangs the edge.
    half = cm.text_width("0 000", 12) * 1.1 / 2
    assert margin["r"] == math.ceil(half + 10 + 3)
    assert margin["t"] == 20  # no legend, no title: french_layout's own


def test_a_legend_above_the_plot_gets_its_row():
    fig = go.Figure()
    fig.add_bar(x=["2023", "2024"], y=[1.0, 2.0], name="Exportations")
    fig.add_bar(x=["2023", "2024"], y=[1.5, 2.5], name="Importations")
    fig.update_yaxes(title_text="Millions d'euros")
    margin = cm.reserved_margins(french_layout(fig).to_dict())
    assert margin["t"] == 29 + 13 + 3
    # Bars on categories stand back from the right edge: no room asked there.
    assert margin["r"] == 10
    # A title on y: its line, then the theme's 37 px beyond the ticks (« 0,00 »: values < 10).
    assert margin["l"] == math.ceil(cm.text_width("0,00", 12) * 1.1 + 37 + 14 * 1.17 + 3)


def test_nothing_is_reserved_where_the_size_depends_on_the_width_or_there_is_no_axis():
    treemap = go.Figure(go.Treemap(labels=["a", "b"], parents=["", "a"], values=[2, 1]))
    assert cm.reserved_margins(treemap.to_dict()) is None
    below = go.Figure()
    below.add_scatter(x=["2023", "2024"], y=[1, 2], name="A")
    below.add_scatter(x=["2023", "2024"], y=[2, 3], name="B")
    below.update_layout(legend={"orientation": "h", "y": -0.1})
    assert cm.reserved_margins(below.to_dict()) is None
    beside = go.Figure(below)
    beside.update_layout(legend={"orientation": "v", "y": 1})
    assert cm.reserved_margins(beside.to_dict()) is None


def test_subplots_count_the_left_column_and_the_bottom_row_only():
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True)
    for col in (1, 2, 3):
        fig.add_bar(
            y=["Court", "Un nom nettement plus long"], x=[10.0, 20.0], orientation="h",
            showlegend=False, row=1, col=col,
        )  # fmt: skip
    fig = french_layout(fig)
    margin = cm.reserved_margins(fig.to_dict())
    widest = cm.text_width("Un nom nettement plus long", 12) * 1.1
    assert margin["l"] == math.ceil(widest + 19 + 3)  # not three times: inner panels
    assert margin["b"] == math.ceil(12 * 1.17 + 20 + 3)
    assert margin["r"] == math.ceil(cm.text_width("00", 12) * 1.1 / 2 + 10 + 3)


def test_frozen_figures_drawn_by_the_app_ask_for_the_margins_and_leave_the_source_alone():
    fig = bars()
    frozen = FrozenFigure(fig, for_app=True)
    assert frozen.to_dict()["layout"]["margin"] == {
        "pad": 8,
        **cm.reserved_margins(fig.to_dict()),
    }  # the app's theme pads the plot by 8 px (core/plotly_theme.json)
    assert fig.layout.margin.l == 10  # the fiche's own figure is not changed
    assert FrozenFigure(fig).to_dict()["layout"]["margin"]["l"] == 10


def test_the_app_charts_get_margins_no_smaller_than_their_own(trends_db):
    filters = Filters(territory="93", period=Period.of_year(2024))
    trend = queries_trends.trend(trends_db, filters)
    for fig in (
        charts_trends.trend_chart(trend),
        charts_trends.growth_chart(trend),
        charts_trends.quarterly_chart(trend),
    ):
        spec = fig.to_dict()
        margin = cm.reserved_margins(spec)
        assert margin is not None
        own = spec["layout"]["margin"]
        assert all(margin[k] >= own[k] for k in "lrtb")
        assert margin["l"] > own["l"] and margin["b"] > own["b"]
    assert cm.reserved_margins(charts.empty_figure("Aucun échange").to_dict()) is None
