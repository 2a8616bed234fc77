"""Chart builders of the trend, ranking, specialisation, comparison and map pages: pure
functions checked on the fixture database's query results."""

from __future__ import annotations

import pytest

from core import charts_trends as ct
from core import geo_france
from core import queries_trends as q
from core.charts import EXPORT_COLOR, IMPORT_COLOR, NEGATIVE_COLOR, POSITIVE_COLOR
from core.db import Database
from core.filters import Filters
from core.formatting import PLOTLY_SEPARATORS


@pytest.fixture
def db(trends_db: Database) -> Database:
    return trends_db


def f(territory: str = "93", **kw) -> Filters:
    return Filters(territory=territory, year=kw.pop("year", 2024), **kw)


def test_trend_chart_draws_flows_in_their_colours_and_balance_by_sign(db):
    fig = ct.trend_chart(q.trend(db, f("95")))  # balance 200, 150, 100: all surplus
    bars, exports, imports = fig.data
    assert exports.line.color == EXPORT_COLOR and imports.line.color == IMPORT_COLOR
    assert list(exports.y) == [300, 250, 200]
    assert list(bars.marker.color) == [POSITIVE_COLOR] * 3
    assert fig.layout.separators == PLOTLY_SEPARATORS
    assert fig.layout.yaxis.tickformat == ct.MEUR_TICKS  # "15 000", never "15k"


def test_trend_chart_draws_a_deficit_in_red(demo_db):
    fig = ct.trend_chart(q.trend(demo_db, f("93")))  # Seine-Saint-Denis imports more
    assert fig.data[0].marker.color[-1] == NEGATIVE_COLOR


def test_growth_chart_skips_the_first_year_and_shows_percentages(db):
    fig = ct.growth_chart(q.trend(db, f("93")))
    assert list(fig.data[0].x) == ["2023", "2024"]
    assert list(fig.data[0].y) == pytest.approx([60.0, 25.0])
    assert fig.data[0].customdata[0] == "+60,0\u202f%"


def test_breakdown_area_stacks_every_series_with_others_in_grey(db):
    fig = ct.breakdown_area(q.trend_breakdown(db, f("93", level="A129", top=1), "product"))
    assert [t.stackgroup for t in fig.data] == ["one", "one"]
    assert fig.data[-1].fillcolor == ct.OTHERS_COLOR
    assert list(fig.data[0].y) == [100, 100, 150]


def test_movers_chart_colours_rises_green_and_falls_red(db):
    fig = ct.movers_chart(q.trend_breakdown(db, f("FR"), "partner"))
    bar = fig.data[0]
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert colours["États-Unis"] == NEGATIVE_COLOR and colours["Allemagne"] == POSITIVE_COLOR
    assert list(bar.x) == [-50, 50, 150]  # sorted from the largest fall to the largest rise


def test_ranking_chart_highlights_the_selected_departement(db):
    fig = ct.ranking_chart(q.rankings(db, f("93"), "france"), "exportations")
    bar = fig.data[0]
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert colours["93 – Seine-Saint-Denis"] == ct.HIGHLIGHT_COLOR
    assert colours["95 – Val-d'Oise"] == ct.NEUTRAL_COLOR
    assert bar.y[-1] == "59 – Nord"  # the largest at the top of the chart


def test_specialisation_chart_is_centred_on_one_on_a_log_axis(db):
    spec = q.specialisation(db, f("93", level="A129"), "product")
    fig = ct.specialisation_chart(spec, "export")
    bar = fig.data[0]
    assert fig.layout.xaxis.type == "log"
    assert bar.base == 1
    # Only the territory's products: C30C (index 1) then C21Z (5/3), sorted by index.
    assert list(bar.y) == ["Aéronautique et spatial", "Produits pharmaceutiques"]
    assert [round(x + 1, 4) for x in bar.x] == [1.0, round(0.75 / 0.45, 4)]
    assert list(bar.marker.color) == [POSITIVE_COLOR, POSITIVE_COLOR]


def test_comparison_panels_share_rows_and_scale(db):
    c = q.compare(db, f("93", top=1), ("93", "95", "R32"))
    fig = ct.compare_shares_chart(c, "partners")
    assert len(fig.data) == 3
    rows = [tuple(t.y) for t in fig.data]
    assert rows[0] == rows[1] == rows[2] == ("Autres", "États-Unis", "Allemagne")
    ranges = {tuple(fig.layout[f"xaxis{i if i > 1 else ''}"].range) for i in (1, 2, 3)}
    assert len(ranges) == 1  # the same x scale in every panel
    assert list(fig.data[2].x) == pytest.approx([40.0, 0.0, 60.0])


def test_comparison_kpis_on_one_axis(db):
    fig = ct.compare_kpis_chart(q.compare(db, f("93"), ("93", "95")))
    assert list(fig.data[0].x) == ["Seine-Saint-Denis", "Val-d'Oise"]
    assert list(fig.data[0].y) == [200, 200]
    assert list(fig.data[2].marker.color) == [POSITIVE_COLOR, POSITIVE_COLOR]


def test_map_draws_each_departement_and_outlines_the_selected_one(db):
    fig = ct.departement_map(q.departement_indicators(db, 2024), "solde", selected="93")
    polygons = [t for t in fig.data if t.fill == "toself"]
    assert len(polygons) == 5  # the fixture's five départements
    assert sum(t.line.color == ct.HIGHLIGHT_COLOR for t in polygons) == 1
    hover = fig.data[-1]
    assert any(
        "93 – Seine-Saint-Denis" in text and "Solde commercial" in text for text in hover.text
    )
    assert hover.marker.cmin == -hover.marker.cmax  # diverging scale centred on 0


def test_map_of_the_demo_database_has_all_101_departements(demo_db):
    ind = q.departement_indicators(demo_db, 2024)
    fig = ct.departement_map(ind, "exportations")
    assert sum(t.fill == "toself" for t in fig.data) == 101  # 96 outlines + 5 overseas squares
    assert fig.layout.yaxis.scaleanchor == "x"  # no distortion


def test_geometry_ships_with_the_project_and_is_small():
    assert geo_france.GEO_PATH.stat().st_size < 1_000_000
    outlines = geo_france.outlines()
    assert len(outlines) == 96 and {"2A", "2B", "93"} <= set(outlines)


def test_empty_results_give_a_message_instead_of_a_chart(db):
    empty = q.Trend("93", "Seine-Saint-Denis", q.trend(db, f("93")).table[:0])
    assert ct.trend_chart(empty).layout.annotations[0].text.startswith("Aucun")
    assert ct.growth_chart(empty).layout.annotations[0].text.startswith("Une seule année")
