"""Figures made ready for Streamlit to draw once (``core.plotly_theme``): the theme written into
the layout as plotly.js would have applied it as a template, plotly's typed arrays as lists, a
data revision that follows the data. The browser check (each chart computed once when it
mounts) is in ``tests/test_browser_ui.py``."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core import plotly_theme
from core.charts import FrozenFigure, french_layout

THEME = {
    "font": {"color": "#808495", "size": 12},
    "legend": {"font": {"size": 12}},
    "margin": {"pad": 8, "l": 0, "r": 0},
    "xaxis": {"gridcolor": "#e6eaf1", "linecolor": "#EBF0F8", "showgrid": False,
              "minor": {"gridcolor": "#e6eaf1"}, "tickfont": {"size": 12}},
    "yaxis": {"gridcolor": "#e6eaf1", "linecolor": "#EBF0F8", "zerolinecolor": "#e6eaf1",
              "tickfont": {"size": 12}},
    "annotationdefaults": {"arrowhead": 0},
}  # fmt: skip


def test_merged_keeps_the_figure_values_over_the_theme():
    under = {"font": {"color": "grey", "size": 12}, "margin": {"pad": 8, "l": 0}}
    over = {"font": {"size": 13}, "margin": {"l": 90}, "height": 300}
    assert plotly_theme.merged(under, over) == {
        "font": {"color": "grey", "size": 13}, "margin": {"pad": 8, "l": 90}, "height": 300,
    }  # fmt: skip
    assert under == {"font": {"color": "grey", "size": 12}, "margin": {"pad": 8, "l": 0}}


def test_typed_arrays_become_lists_with_their_shape():
    fig = go.Figure(go.Bar(x=["a", "b"], y=np.array([1.5, 2.0]),
                           customdata=np.array([[1, 2], [3, 4]])))  # fmt: skip
    spec = fig.to_dict()
    assert isinstance(spec["data"][0]["y"], dict)  # plotly.py writes base64 typed arrays
    data = plotly_theme.plain_arrays(spec["data"])
    assert data[0]["y"] == [1.5, 2.0]
    assert data[0]["customdata"] == [[1, 2], [3, 4]]
    assert data[0]["x"] == ["a", "b"]


def test_the_theme_is_written_as_a_template_would_apply_it():
    fig = go.Figure()
    fig.add_bar(x=["2023", "2024"], y=[1.0, 2.0], name="Exportations")
    fig.add_scatter(x=["2023", "2024"], y=[1.5, 2.5], name="Importations")
    fig.add_annotation(text="note", x=0, y=1, arrowhead=2)
    fig = french_layout(fig)
    fig.update_yaxes(title_text="Millions d'euros")
    spec = plotly_theme.with_theme(fig.to_dict(), THEME)
    layout = spec["layout"]
    assert "template" not in layout
    assert layout["font"] == {"color": "#808495", "size": 13, "family": layout["font"]["family"]}
    assert layout["margin"] == {"pad": 8, "l": 10, "r": 10, "t": 20, "b": 10}
    x, y = layout["xaxis"], layout["yaxis"]
    # A template's line colour draws no line, nor its minor grid colour a minor grid.
    assert x["showline"] is False and y["showline"] is False and "minor" not in x
    # Bars stand along x: no grid there (and the theme says so); y keeps its grid and zero line.
    assert x["showgrid"] is False and y["showgrid"] is True and y["zeroline"] is True
    assert y["title"] == {"text": "Millions d'euros"} and y["tickfont"] == {"size": 12}
    assert layout["annotations"][0]["arrowhead"] == 2  # the figure's own value wins
    assert spec["data"][0]["y"] == [1.0, 2.0]


def test_horizontal_bars_have_no_grid_along_their_names_and_a_given_line_is_drawn():
    fig = go.Figure(go.Bar(y=["Allemagne", "Italie"], x=[3.0, 1.0], orientation="h"))
    fig.update_yaxes(linecolor="#444")
    layout = plotly_theme.with_theme(fig.to_dict(), THEME)["layout"]
    assert layout["yaxis"]["showgrid"] is False and layout["xaxis"]["showgrid"] is False
    assert layout["yaxis"]["showline"] is True


def test_the_data_revision_follows_the_data_only():
    def spec(values, height):
        fig = go.Figure(go.Bar(x=["a", "b"], y=np.array(values)))
        fig.update_layout(height=height)
        return plotly_theme.with_theme(fig.to_dict(), THEME)

    same = spec([1.0, 2.0], 300)["layout"]["datarevision"]
    assert spec([1.0, 2.0], 400)["layout"]["datarevision"] == same
    assert spec([1.0, 2.5], 300)["layout"]["datarevision"] != same


def test_the_app_frozen_figure_carries_the_shipped_theme():
    fig = french_layout(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
    frozen = FrozenFigure(fig, for_app=True).to_dict()
    assert "template" not in frozen["layout"]
    assert frozen["layout"]["xaxis"]["tickfont"] == plotly_theme.THEME["xaxis"]["tickfont"]
    assert frozen["layout"]["paper_bgcolor"] == plotly_theme.THEME["paper_bgcolor"]
    assert "template" in FrozenFigure(fig).to_dict()["layout"]  # the fiche's figures: as built
