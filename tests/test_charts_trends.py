"""Chart builders of the overview, trend, ranking, specialisation, comparison and map pages:
pure functions checked on the trends fixture's query results (three whole years, M€ by hand)
and, for partial years, overseas départements, Corsica and Monaco, on the demonstration data."""

from __future__ import annotations

import copy
import json

import plotly.io as pio
import pytest

from core import charts_trends as ct
from core import geo_france
from core import queries_trends as q
from core.charts import EXPORT_COLOR, IMPORT_COLOR, NEGATIVE_COLOR, POSITIVE_COLOR
from core.db import Database
from core.filters import Filters
from core.formatting import PLOTLY_SEPARATORS
from core.periods import Period

NN = "\u202f"
Y2024 = Period.of_year(2024)


@pytest.fixture
def db(trends_db: Database) -> Database:
    return trends_db


def f(territory: str = "93", period: Period = Y2024, **kw) -> Filters:
    return Filters(territory, period, **kw)


def demo_filters(demo_db: Database, territory: str, token: str = "2024") -> Filters:
    return Filters(territory, demo_db.catalog().period(token))


# --- Vue d'ensemble ----------------------------------------------------------------------------
def test_overview_flows_chart_draws_each_year_and_flow_in_its_colour(db):
    fig = ct.overview_flows_chart(q.trend(db, f("93")))
    exports, imports = fig.data
    assert (exports.name, imports.name) == ("Exportations", "Importations")
    assert exports.marker.color == EXPORT_COLOR and imports.marker.color == IMPORT_COLOR
    assert list(exports.x) == ["2022", "2023", "2024"]
    assert list(exports.y) == [100, 160, 200]
    assert list(imports.y) == [80, 160, 200]
    assert exports.customdata[-1] == "200,0\u00a0M€"
    assert fig.layout.separators == PLOTLY_SEPARATORS


def test_overview_share_chart_gives_the_share_of_the_region(db):
    # Région 11 exports in 2024: 93 200 + 95 200 + 75 100 = 500 M€, so 93 is 40 %.
    t, region = q.trend(db, f("93")), q.trend(db, f("R11"))
    fig = ct.overview_share_chart(t, region, "de la région Île-de-France")
    exports = next(tr for tr in fig.data if tr.name == "Exportations")
    assert list(exports.y) == pytest.approx([100 / 500 * 100, 160 / 510 * 100, 40.0])
    assert exports.customdata[-1] == f"40,0{NN}%"
    assert "de la région Île-de-France" in exports.hovertemplate
    assert fig.layout.yaxis.title.text == "Part (%)"


def test_overview_charts_draw_a_partial_year_apart(demo_db):
    t = q.trend(demo_db, demo_filters(demo_db, "93"))
    fig = ct.overview_flows_chart(t)
    exports = fig.data[0]
    assert exports.x[-1] == "2025<br>(T1–T2)"  # two lines under its bar
    assert exports.marker.pattern.shape[-1] == "/" and exports.marker.pattern.shape[0] == ""
    assert exports.customdata[-1].endswith("(année partielle)")
    region = q.trend(demo_db, demo_filters(demo_db, "R11"))
    share = ct.overview_share_chart(t, region, "de la région Île-de-France")
    hollow = [tr for tr in share.data if not tr.showlegend]
    assert [tr.mode for tr in hollow] == ["markers", "markers"]
    assert all(tr.marker.color == "white" for tr in hollow)


def test_an_unpublished_figure_is_marked_in_the_hover(db):
    t = q.trend(db, f("02"))
    fig = ct.overview_flows_chart(t, unpublished={"2024": {"import"}})
    exports, imports = fig.data
    assert imports.customdata[-1].endswith("(non publié)")
    assert not imports.customdata[0].endswith("(non publié)")
    assert not exports.customdata[-1].endswith("(non publié)")
    trend = ct.trend_chart(t, unpublished={"2024": {"import"}})
    assert trend.data[0].customdata[-1].endswith("(non publié)")  # the balance reads imports


# --- Évolution -------------------------------------------------------------------------------
def test_trend_chart_draws_flows_in_their_colours_and_balance_by_sign(db):
    fig = ct.trend_chart(q.trend(db, f("95")))  # balance 200, 150, 100: all surplus
    bars, exports, imports = fig.data
    assert exports.line.color == EXPORT_COLOR and imports.line.color == IMPORT_COLOR
    assert list(exports.y) == [300, 250, 200]
    assert list(bars.marker.color) == [POSITIVE_COLOR] * 3
    assert fig.layout.separators == PLOTLY_SEPARATORS
    assert fig.layout.yaxis.tickformat == ct.MEUR_TICKS  # "15 000", never "15k"


def test_trend_chart_draws_a_deficit_in_red_and_the_partial_year_hollow(demo_db):
    fig = ct.trend_chart(q.trend(demo_db, demo_filters(demo_db, "93")))
    bars = fig.data[0]
    assert bars.marker.color[-2] == NEGATIVE_COLOR  # Seine-Saint-Denis imports more
    assert bars.marker.pattern.shape[-1] == "/"  # 2025 (T1–T2), hatched
    partial = [t for t in fig.data if t.name and "année partielle" in t.name]
    assert len(partial) == 2 and all(t.mode == "markers" for t in partial)
    assert all(list(t.text) == ["2025 (T1–T2)"] for t in partial)
    whole = next(t for t in fig.data if t.name == "Exportations")
    assert "2025<br>(T1–T2)" not in list(whole.x)  # never joined to the whole years


def test_growth_chart_skips_the_first_year_and_shows_percentages(db):
    fig = ct.growth_chart(q.trend(db, f("93")))
    assert list(fig.data[0].x) == ["2023", "2024"]
    assert list(fig.data[0].y) == pytest.approx([60.0, 25.0])
    assert fig.data[0].customdata[0] == f"+60,0{NN}%"


def test_quarterly_chart_has_every_quarter_and_its_change_on_a_year(db):
    fig = ct.quarterly_chart(q.trend(db, f("93")), unpublished={"T1 2024": {"export"}})
    exports = next(t for t in fig.data if t.name == "Exportations")
    assert len(exports.x) == 12 and exports.x[0] == "T1 2022"
    assert "Sur un an (même trimestre)" in exports.hovertemplate
    assert exports.customdata[8][0].endswith("(non publié)")  # T1 2024


def test_breakdown_area_stacks_every_series_with_others_in_grey(db):
    fig = ct.breakdown_area(q.trend_breakdown(db, f("93", level="A129", top=1), "product"))
    assert [t.stackgroup for t in fig.data] == ["one", "one"]
    assert fig.data[-1].fillcolor == ct.OTHERS_COLOR
    assert list(fig.data[0].y) == [100, 100, 150]


def test_breakdown_legend_gives_every_name_whole_under_the_chart(demo_db):
    b = q.trend_breakdown(demo_db, demo_filters(demo_db, "93").with_(level="A129"), "product")
    fig = ct.breakdown_area(b)
    labels = dict(zip(b.series["code"], b.series["label"], strict=False))
    for trace, code in zip(fig.data, dict.fromkeys(b.series["code"]), strict=True):
        assert "…" not in trace.name
        assert trace.name.replace("<br>", " ") == labels[code]  # wrapped, never cut
        assert all(len(line) <= ct.LEGEND_WIDTH + 12 for line in trace.name.split("<br>"))
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.yanchor == "top"
    assert fig.layout.height > 460  # the chart grows with its legend


def test_movers_chart_colours_rises_green_and_falls_red(db):
    fig = ct.movers_chart(q.trend_breakdown(db, f("FR"), "partner"))
    bar = fig.data[0]
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert colours["États-Unis"] == NEGATIVE_COLOR and colours["Allemagne"] == POSITIVE_COLOR
    assert list(bar.x) == [-50, 50, 150]  # sorted from the largest fall to the largest rise


# --- Classements -----------------------------------------------------------------------------
def test_ranking_chart_highlights_the_selected_departement(db):
    fig = ct.ranking_chart(q.rankings(db, f("93"), "france"), "exportations")
    bar = fig.data[0]
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert colours["93 – Seine-Saint-Denis"] == ct.HIGHLIGHT_COLOR
    assert colours["95 – Val-d'Oise"] == ct.NEUTRAL_COLOR
    assert bar.y[-1] == "59 – Nord"  # the largest at the top of the chart


def test_ranking_chart_marks_an_unpublished_figure(db):
    fig = ct.ranking_chart(
        q.rankings(db, f("02"), "france"), "importations", notes={"02": "non publié"}
    )
    bar = fig.data[0]
    hover = dict(zip(bar.y, (c[0] for c in bar.customdata), strict=True))
    assert hover["02 – Aisne"] == "50,0\u00a0M€ (non publié)"
    assert hover["59 – Nord"] == "200,0\u00a0M€"


# --- Spécialisation --------------------------------------------------------------------------
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


# --- Comparer --------------------------------------------------------------------------------
def test_comparison_panels_share_rows_and_scale(db):
    c = q.compare(db, f("93", top=1), ("93", "95", "R32"))
    fig = ct.compare_shares_chart(c, "partners")
    assert len(fig.data) == 3
    rows = [tuple(t.y) for t in fig.data]
    assert rows[0] == rows[1] == rows[2] == ("Autres", "États-Unis", "Allemagne")
    ranges = {tuple(fig.layout[f"xaxis{i if i > 1 else ''}"].range) for i in (1, 2, 3)}
    assert len(ranges) == 1  # the same x scale in every panel
    assert list(fig.data[2].x) == pytest.approx([40.0, 0.0, 60.0])
    # Sized for a phone: panel titles break after hyphens on lines of ten characters, one
    # axis title serves every panel, long labels take two short lines (whole in the tooltip).
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [
        "Seine-<br>Saint-<br>Denis", "Val-d'Oise", "Hauts-de-<br>France",
        "Part du total de chaque territoire (%)",
    ]  # fmt: skip
    assert all(not fig.layout[f"xaxis{i if i > 1 else ''}"].title.text for i in (1, 2, 3))
    products = ct.compare_shares_chart(q.compare(db, f("93", top=1), ("93", "95")), "products")
    assert all(label.count("<br>") <= 1 for label in products.data[0].y)
    assert all(len(line) <= 23 for label in products.data[0].y for line in label.split("<br>"))


def test_comparison_kpis_on_one_axis(db):
    fig = ct.compare_kpis_chart(q.compare(db, f("93"), ("93", "95")))
    assert list(fig.data[0].x) == ["Seine-Saint-Denis", "Val-d'Oise"]
    assert list(fig.data[0].y) == [200, 200]
    assert list(fig.data[2].marker.color) == [POSITIVE_COLOR, POSITIVE_COLOR]
    marked = ct.compare_kpis_chart(
        q.compare(db, f("02"), ("02", "59")), unpublished={"02": {"import"}}
    )
    assert marked.data[1].customdata[0].endswith("(non publié)")
    assert not marked.data[1].customdata[1].endswith("(non publié)")


# --- Carte -----------------------------------------------------------------------------------
def choropleths(fig) -> list:
    return [t for t in fig.data if t.type == "choropleth"]


def test_map_colours_each_departement_and_outlines_the_selected_one(db):
    ind = q.departement_indicators(db, Y2024)
    fig = ct.departement_map(ind, "solde", selected="93", region="11")
    main, selected = choropleths(fig)
    assert sorted(main.locations) == ["02", "59", "75", "93", "95"]
    assert main.featureidkey == "properties.code"
    assert list(selected.locations) == ["93"]
    assert selected.marker.line.color == ct.HIGHLIGHT_COLOR
    lines = dict(zip(main.locations, main.marker.line.color, strict=True))
    assert lines["95"] == ct.REGION_BORDER_COLOR and lines["59"] == ct.BORDER_COLOR
    hover = dict(zip(main.locations, main.text, strict=True))
    assert hover["59"] == "59 – Nord<br>Solde commercial : +200,0\u00a0M€"
    assert main.zmin == -main.zmax  # diverging scale centred on 0
    assert fig.layout.geo.fitbounds == "locations" and fig.layout.geo.visible is False


def test_map_marks_an_unpublished_figure_in_the_hover(db):
    ind = q.departement_indicators(db, Y2024)
    fig = ct.departement_map(ind, "importations", notes={"02": "non publié"})
    hover = dict(zip(fig.data[0].locations, fig.data[0].text, strict=True))
    assert hover["02"] == "02 – Aisne<br>Importations : 50,0\u00a0M€ (non publié)"


def test_map_draws_corsica_as_one_shape_and_monaco_as_a_labelled_marker(demo_db):
    ind = q.departement_indicators(demo_db, demo_db.catalog().default_period)
    fig = ct.departement_map(ind, "exportations", selected="20")
    main = choropleths(fig)[0]
    drawn = set(main.locations)
    assert len(drawn) == 95  # 94 mainland départements and Corsica
    assert "20" in drawn and not {"2A", "2B"} & drawn
    assert not {"971", "972", "973", "974", "976", "99"} & drawn  # insets and a marker
    corsica = next(f for f in main.geojson["features"] if f["id"] == "20")
    assert corsica["geometry"]["type"] == "MultiPolygon"
    (monaco,) = [t for t in fig.data if t.type == "scattergeo"]
    assert list(monaco.text) == ["Monaco"] and monaco.mode == "markers+text"
    assert monaco.customdata[0].startswith("99 – Principauté de Monaco<br>Exportations : ")
    assert choropleths(fig)[-1].locations == ("20",)  # selected: drawn last, in orange


def test_map_insets_show_ile_de_france_and_the_overseas_departements_by_name(demo_db):
    ind = q.departement_indicators(demo_db, demo_db.catalog().default_period)
    fig = ct.departement_insets(ind, "exportations", selected="93", region="11")
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [
        "Île-de-France", "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte",
    ]  # fmt: skip
    subplots = {t.geo for t in fig.data}
    assert subplots == {"geo", "geo2", "geo3", "geo4", "geo5", "geo6"}
    idf = [t for t in fig.data if t.geo == "geo" and t.type == "choropleth"]
    assert set(idf[0].locations) == set(geo_france.ILE_DE_FRANCE)
    labels = next(t for t in fig.data if t.geo == "geo" and t.type == "scattergeo")
    assert set(labels.text) == set(geo_france.ILE_DE_FRANCE)  # codes written in the inset
    assert idf[-1].locations == ("93",) and idf[-1].marker.line.color == ct.HIGHLIGHT_COLOR
    guadeloupe = [t for t in fig.data if t.geo == "geo2"]
    assert guadeloupe[0].locations == ("971",)
    # Each inset is framed on its own département (not on a territory reaching beyond it).
    assert fig.layout.geo.fitbounds is False and fig.layout.geo.lonaxis.range[0] < 2.0


def test_map_without_ile_de_france_nor_overseas_has_no_insets(db):
    ind = q.departement_indicators(db, Y2024)
    fixture = ind.table[ind.table["code"].isin(["02", "59"])]
    only_north = q.DeptIndicators(ind.period, ind.prev_period, fixture)
    assert ct.departement_insets(only_north, "exportations") is None


def test_territoires_are_drawn_on_top_with_the_selected_ones_thicker(demo_db):
    ind = q.departement_indicators(demo_db, demo_db.catalog().default_period)
    fig = ct.departement_map(
        ind, "exportations", selected="93", territoires=True, highlighted=("ti-1104",)
    )
    outlines = [t for t in choropleths(fig) if t.featureidkey == "properties.id"]
    thin, thick = outlines
    assert len(thin.locations) + len(thick.locations) == 173  # the metropolitan territories
    assert thick.marker.line.width > thin.marker.line.width
    assert thin.colorscale[0][1] == ct.TRANSPARENT  # outlines only: the map shows through
    text = thin.text[0]
    assert text.startswith("Territoire d'industrie : ") and "<br>Départements : " in text
    assert all(t not in outlines for t in choropleths(fig)[:1])
    without = ct.departement_map(ind, "exportations", territoires=False)
    assert not [t for t in choropleths(without) if t.featureidkey == "properties.id"]


def test_map_json_stays_light(demo_db):
    ind = q.departement_indicators(demo_db, demo_db.catalog().default_period)
    layers = ct.map_layers(ind, "exportations", selected="93", territoires=True)
    main = pio.to_json(ct.departement_map(ind, "exportations", layers=layers), validate=False)
    insets = pio.to_json(ct.departement_insets(ind, "exportations", layers=layers))
    assert len(main) < 600_000 and len(insets) < 250_000
    assert json.loads(main)["data"][0]["geojson"]["type"] == "FeatureCollection"


def test_served_map_links_to_the_files_the_app_serves_which_hold_todays_outlines(demo_db):
    # static/geo/*.json is what the browser fetches: it must be today's geometry.
    urls = geo_france.static_urls()
    for name, collection in geo_france.static_collections().items():
        served = geo_france.STATIC_DIR / geo_france.STATIC_FILES[name]
        assert served.read_text(encoding="utf-8") == geo_france.static_text(collection), name
        assert urls[name] == f"app/static/geo/{served.name}"
    ind = q.departement_indicators(demo_db, demo_db.catalog().default_period)
    layers = ct.map_layers(
        ind, "exportations", "93", region="11", territoires=True, highlighted=("ti-1104",)
    )
    inline = ct.departement_map(ind, "exportations", layers=layers)
    linked = ct.departement_map(ind, "exportations", layers=layers, served=True)
    assert [t.geojson for t in choropleths(linked)] == [
        urls["metro_departements"], urls["metro_departements"],  # coloured, selected
        urls["metro_territoires"], urls["metro_territoires"],  # thin, thick
    ]  # fmt: skip
    # The same traces otherwise, each drawing what it lists out of the whole file.
    for a, b in zip(inline.data, linked.data, strict=True):
        assert a.to_plotly_json() | {"geojson": None} == b.to_plotly_json() | {"geojson": None}
    served = {
        n: {f["id"] for f in c["features"]} for n, c in geo_france.static_collections().items()
    }
    for trace in choropleths(linked):
        name = next(n for n, url in urls.items() if url == trace.geojson)
        assert set(trace.locations) <= served[name]
    assert len(pio.to_json(linked, validate=False)) < 60_000
    insets = ct.departement_insets(ind, "exportations", layers=layers, served=True)
    by_subplot = {}
    for trace in choropleths(insets):
        name = next(n for n, url in urls.items() if url == trace.geojson)
        assert name.startswith("inset_") and set(trace.locations) <= served[name]
        by_subplot.setdefault(trace.geo, []).extend(trace.locations)
    assert set(by_subplot) == {"geo", "geo2", "geo3", "geo4", "geo5", "geo6"}
    assert "976" in by_subplot["geo6"] and "93" in by_subplot["geo"]


# --- Geometry --------------------------------------------------------------------------------
def test_map_geometry_ships_with_the_project_and_is_small():
    assert geo_france.METRO_PATH.stat().st_size < 500_000
    metro = geo_france.metro_departements()
    codes = {f["id"] for f in metro["features"]}
    assert len(codes) == 95 and "20" in codes and "93" in codes
    assert geo_france.n_points(metro) < 15_000  # simplified for the scale it is drawn at
    assert len(geo_france.metro_territoires()["features"]) == 173


def test_outlines_are_wound_as_d3_reads_them():
    """Outer rings clockwise, holes counter-clockwise: otherwise d3 fills the whole globe."""
    for collection in (
        geo_france.metro_departements(),
        geo_france.inset_departements(geo_france.OVERSEAS),
        geo_france.inset_territoires(geo_france.ILE_DE_FRANCE),
    ):
        for feature in collection["features"]:
            for polygon in feature["geometry"]["coordinates"]:
                assert geo_france._signed_area(polygon[0]) < 0
                assert all(geo_france._signed_area(hole) > 0 for hole in polygon[1:])
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    wound = geo_france.d3_wound(square)
    assert geo_france._signed_area(wound["coordinates"][0][0]) < 0


def test_shared_outlines_are_not_copied_by_plotly():
    metro = geo_france.metro_departements()
    assert copy.deepcopy(metro) is metro
    assert geo_france.monaco() == pytest.approx((7.4246, 43.7384))


def test_empty_results_give_a_message_instead_of_a_chart(db):
    full = q.trend(db, f("93"))
    empty = q.Trend("93", "Seine-Saint-Denis", full.table[:0], full.quarterly[:0])
    assert ct.trend_chart(empty).layout.annotations[0].text.startswith("Aucun")
    assert ct.growth_chart(empty).layout.annotations[0].text.startswith("Une seule année")
    assert ct.quarterly_chart(empty).layout.annotations[0].text.startswith("Aucun")
    assert ct.overview_flows_chart(empty).layout.annotations[0].text.startswith("Aucun")
