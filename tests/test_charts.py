"""Chart builders on the hand-made fixture database: trace types, colours, amounts, layouts.

Département 93 in 2024 (see ``tests/fixture_data.py``): exports 200 M€ (DE 100, US 80, CN 20),
imports 250 M€ (CN 120, US 80, BE 50), so the balances are DE +100, US 0, CN −100, BE −50.
"""

from __future__ import annotations

import json
import math

import pytest

from core import charts, geo, queries
from core.filters import Filters
from core.labels import shorten
from core.periods import Period

NN, NB = "\u202f", "\u00a0"
Y2024 = Period.of_year(2024)
F93 = Filters(territory="93", period=Y2024)


@pytest.fixture(scope="module")
def balance(fixture_db):
    return queries.partner_balance(fixture_db, F93)


# --- Partners ------------------------------------------------------------------------------
def test_butterfly_shows_both_amounts_and_the_balance_coloured_by_sign(balance):
    fig = charts.partner_butterfly(balance)
    imports, exports = fig.data
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert imports.name == "Importations" and exports.name == "Exportations"
    assert imports.marker.color == charts.IMPORT_COLOR
    assert exports.marker.color == charts.EXPORT_COLOR
    by_country = dict(zip(imports.y, imports.x, strict=True))
    assert by_country["Chine"] == pytest.approx(-120) and by_country["Belgique"] == -50
    assert dict(zip(exports.y, exports.x, strict=True))["Allemagne"] == pytest.approx(100)
    # Each bar carries its amount (M€, as the seeds' key says), outside its end.
    assert dict(zip(imports.y, imports.text, strict=True)) == {
        "Chine": "120,0", "États-Unis": "80,0", "Belgique": "50,0", "Allemagne": "0,0",
    }  # fmt: skip
    assert dict(zip(exports.y, exports.text, strict=True))["Allemagne"] == "100,0"
    assert imports.textposition == exports.textposition == "outside"
    # The balance in its column, signed, French, in its colour.
    notes = {a.y: (a.text, a.font.color) for a in fig.layout.annotations if a.y is not None}
    assert notes["Allemagne"] == (f"+100,0{NB}M€", charts.POSITIVE_COLOR)
    assert notes["Chine"] == (f"\u2212100,0{NB}M€", charts.NEGATIVE_COLOR)
    assert notes["Belgique"] == (f"\u221250,0{NB}M€", charts.NEGATIVE_COLOR)
    assert notes["États-Unis"] == (f"0,0{NB}M€", charts.POSITIVE_COLOR)
    assert "<b>Solde</b>" in [a.text for a in fig.layout.annotations]
    assert fig.layout.separators == f",{NN}"


def test_butterfly_of_nothing_says_so(fixture_db):
    empty = queries.restrict_zone(queries.partner_balance(fixture_db, F93), "ue", 10)
    empty = queries.PartnerBalance(empty.table.iloc[0:0], 0, 0)
    fig = charts.partner_butterfly(empty)
    assert not fig.data and "Aucun partenaire" in fig.layout.annotations[0].text


def test_restrict_zone_keeps_territory_totals_and_recomputes_main_partners(balance):
    eu = queries.restrict_zone(balance, "ue", 1)
    assert set(eu.table["code"]) == {"DE", "BE"}
    assert eu.total_imports == 250_000_000  # shares still read "of the territory's total"
    assert set(eu.main["code"]) == {"DE", "BE"}  # top 1 exporter DE ∪ top 1 importer BE
    outside = queries.restrict_zone(balance, "hors-ue", 10)
    assert set(outside.table["code"]) == {"US", "CN"}
    with pytest.raises(ValueError):
        queries.restrict_zone(balance, "lune", 10)


def test_world_geometry_is_keyed_by_iso3_and_closed():
    world = geo.world_countries()
    iso3 = {f["properties"]["iso3"] for f in world["features"]}
    assert len(world["features"]) >= 170
    assert {"FRA", "DEU", "CHN", "USA", "BEL", "XKX"} <= iso3
    france = next(f for f in world["features"] if f["properties"]["iso3"] == "FRA")
    assert france["geometry"]["type"] == "MultiPolygon"
    ring = france["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1]  # rings close


def test_map_colours_the_balance_and_greys_countries_without_trade(balance):
    fig = charts.partner_map(balance, geojson=geo.world_countries())
    base, main = fig.data
    assert base.type == main.type == "choropleth"
    assert "FRA" in base.locations and "DEU" not in base.locations
    values = dict(zip(main.locations, main.z, strict=True))
    assert values == pytest.approx({"DEU": 100, "USA": 0, "CHN": -100, "BEL": -50})
    assert main.zmid == 0 and main.zmax == -main.zmin == 100  # second-largest balance
    assert main.colorscale[0][1] == charts.NEGATIVE_COLOR
    assert main.colorscale[-1][1] == charts.POSITIVE_COLOR
    assert fig.layout.geo.visible is False  # no CDN outlines needed
    assert tuple(fig.layout.geo.lonaxis.range) == (-180, 180)


def test_served_outlines_match_the_shipped_geometry_and_replace_it_in_the_figure(balance):
    # static/geo/monde.json is what the browser fetches: it must be today's geometry.
    assert json.loads(geo.STATIC_FILE.read_text(encoding="utf-8")) == geo.world_countries()
    fig = charts.partner_map(balance, geojson=geo.world_countries(), geojson_url=geo.STATIC_URL)
    assert [trace.geojson for trace in fig.data] == [geo.STATIC_URL, geo.STATIC_URL]
    assert len(fig.to_json()) < 20_000  # a link, not 200 kB of outlines per view
    values = dict(zip(fig.data[-1].locations, fig.data[-1].z, strict=True))
    assert values == pytest.approx({"DEU": 100, "USA": 0, "CHN": -100, "BEL": -50})


def test_europe_view_frames_europe_and_scales_colours_on_its_countries(balance):
    fig = charts.partner_map(balance, geojson=geo.world_countries(), view="europe")
    assert tuple(fig.layout.geo.lonaxis.range) == charts.MAP_RANGES["europe"][0]
    assert tuple(fig.layout.geo.lataxis.range) == charts.MAP_RANGES["europe"][1]
    # In view: Germany (+100) and Belgium (−50); the colour range stops at the second one.
    main = fig.data[-1]
    assert main.zmax == pytest.approx(50)
    with pytest.raises(ValueError):
        charts.partner_map(balance, geojson=geo.world_countries(), view="lune")


# --- Products ------------------------------------------------------------------------------
def test_treemap_drills_from_a17_to_cpf4_and_opens_at_the_chosen_level(fixture_db):
    detail = queries.product_breakdown(fixture_db, F93, "CPF4")
    fig = charts.product_treemap(detail, "A38")
    (trace,) = fig.data
    assert trace.type == "treemap" and trace.branchvalues == "total"
    nodes = dict(zip(trace.ids, zip(trace.values, trace.marker.colors, strict=True), strict=True))
    assert nodes["import"] == (pytest.approx(250), charts.IMPORT_COLOR)
    assert nodes["export"] == (pytest.approx(200), charts.EXPORT_COLOR)
    # flow / A17 / A38 / A129 / CPF4, each child adding up to its parent.
    assert "export/C5/CF/C21Z/2120" in nodes and nodes["export/C5/CF/C21Z/2120"][0] == 150
    for node, parent, value in zip(trace.ids, trace.parents, trace.values, strict=True):
        children = [v for i, p, v in zip(trace.ids, trace.parents, trace.values, strict=True)
                    if p == node]  # fmt: skip
        if children:
            assert math.isclose(sum(children), value), node
        assert parent == "" or parent in nodes
    assert trace.maxdepth == 3
    # A pattern on no tile, given per tile: plotly.js then keeps the trace as it was given
    # (drawn once; the browser test checks it).
    assert trace.marker.pattern.shape == ("",) * len(trace.ids)
    assert [charts.product_treemap(detail, lv).data[0].maxdepth for lv in ("A17", "A129", "CPF4")] == [2, 4, 5]  # fmt: skip
    marked = charts.product_treemap(detail, "A38", unpublished=("import",)).data[0]
    assert (
        dict(zip(marked.ids, marked.labels, strict=True))["import"] == "Importations (non publié)"
    )


def test_treemap_carries_one_level_below_the_one_it_opens_at():
    assert [charts.treemap_detail_level(lv) for lv in ("A17", "A38", "A129", "CPF4")] == [
        "A38", "A129", "CPF4", "CPF4",
    ]  # fmt: skip


def test_print_treemap_labels_every_tile_with_its_value_and_groups_the_rest(demo_db):
    f = Filters("59", demo_db.catalog().period("2024"), level="A129")
    breakdown = queries.product_breakdown(demo_db, f, "A129")
    fig = charts.product_treemap_print(breakdown, width=704, height=760, font_size=11.5)
    texts = [a.text for a in fig.layout.annotations]
    assert texts[0] == f"<b>Importations</b> · 40{NN}986,6{NB}M€"
    tiles = charts.treemap_tiles(breakdown.table, "imports", (2, 22, 700, 400), 11.5)
    assert len(tiles) >= 3 and tiles[-1].label.startswith("Autres (")
    assert sum(t.value for t in tiles) == breakdown.total_imports  # parts add up
    for tile in tiles:
        text = "<br>".join(tile.lines)
        assert f"<b>{charts.format_meur(tile.value)}</b>" in text  # every tile has its value
        assert tile.label in " ".join(tile.lines).replace("<br>", " ") or tile.code == "Autres"
        x, y, w, h = tile.rect
        assert w * h == pytest.approx(700 * 400 * tile.share, rel=1e-6)  # area ∝ value
        assert len(tile.lines) * 11.5 * charts.LINE_SPACING + 8 <= h  # the text fits
    # No text smaller than 11,5 px (8,6 pt) anywhere in the chart.
    assert min(a.font.size for a in fig.layout.annotations) >= 11.5


def test_squarify_fills_the_rectangle_with_areas_proportional_to_values():
    rects = charts.squarify([6, 6, 4, 3, 2, 2, 1], 0, 0, 600, 400)
    areas = [w * h for _, _, w, h in rects]
    assert areas == pytest.approx([v * 600 * 400 / 24 for v in (6, 6, 4, 3, 2, 2, 1)])
    assert all(x >= 0 and x + w <= 600 + 1e-6 and y >= 0 and y + h <= 400 + 1e-6
               for x, y, w, h in rects)  # fmt: skip


def test_product_balance_bars_are_green_for_surpluses_and_red_for_deficits(fixture_db):
    breakdown = queries.product_breakdown(fixture_db, F93, "A129")
    (bars,) = charts.product_balance_bars(breakdown, top=10).data
    colours = dict(zip(bars.y, bars.marker.color, strict=True))
    values = dict(zip(bars.y, bars.x, strict=True))
    for label, value in values.items():
        expected = charts.POSITIVE_COLOR if value >= 0 else charts.NEGATIVE_COLOR
        assert colours[label] == expected
    assert values["Produits pharmaceutiques"] == pytest.approx(30)  # 150 − 120
    assert values["Viandes"] == pytest.approx(-50)


# --- Sankey --------------------------------------------------------------------------------
def test_sankey_adds_up_with_autres_five_red_links_and_values_on_every_node(fixture_db):
    flows = queries.sankey_flows(fixture_db, F93.with_(top=1, flow="import", level="A129"))
    fig = charts.sankey(flows)
    (trace,) = fig.data
    assert trace.type == "sankey"
    labels = list(trace.node.label)
    assert labels == [
        f"Chine <b>120,0{NB}M€</b>",
        f"Autres <b>130,0{NB}M€</b>",
        f"Produits pharmaceutiques<br><b>120,0{NB}M€</b>",  # the value on its own line
        f"Autres <b>130,0{NB}M€</b>",
    ]
    assert sum(trace.link.value) == pytest.approx(250)
    red = [c for c in trace.link.color if c == charts.TOP_FLOW_COLOR]
    assert len(red) == min(5, int(flows.links["top"].sum())) == 1
    # Imports: countries on the left, products on the right.
    assert trace.node.x[0] < 0.5 and trace.node.x[-1] > 0.5
    assert all(0 < y < 1 for y in trace.node.y)


def test_sankey_prints_long_names_whole_and_its_labels_outside_when_asked(fixture_db):
    flows = queries.sankey_flows(fixture_db, F93.with_(flow="export", level="A129"))
    long = {**flows.labels, "P:C30C": "Produits de la construction aéronautique et spatiale"}
    flows = queries.SankeyFlows(
        flows.flow, flows.level, flows.links, flows.total, flows.left, flows.right, long
    )
    inside = charts.node_labels(charts.sankey(flows, label_width=20))
    assert (
        f"Produits de la<br>construction<br>aéronautique et<br>spatiale <b>30,0{NB}M€</b>" in inside
    )
    fig = charts.sankey(flows, font_size=11, labels="outside", margins=(250, 150))
    assert list(fig.data[0].node.label) == [""] * len(flows.left + flows.right)
    outside = charts.node_labels(fig)
    assert f"Produits de la construction aéronautique<br>et spatiale <b>30,0{NB}M€</b>" in outside
    assert {a.font.size for a in fig.layout.annotations} == {11}
    assert fig.layout.margin.l == 250 and fig.layout.margin.r == 150


def test_sankey_geometry_gives_every_label_its_room_and_plotly_the_same_scale():
    left, right = [500.0, 300.0, 5.0, 5.0, 190.0], [600.0, 2.0, 398.0]
    left_px, right_px = [30.0, 15.0, 45.0, 15.0, 15.0], [15.0, 15.0, 30.0]
    geo_ = charts.sankey_geometry(left, right, left_px, right_px, plot_height=300, gap=4)
    h, k = geo_.plot_height, geo_.scale
    for values, labels, ys in ((left, left_px, geo_.left_y), (right, right_px, geo_.right_y)):
        slots = [max(k * v, lab) for v, lab in zip(values, labels, strict=True)]
        centres = [y * h for y in ys]
        for i in range(len(values) - 1):  # consecutive slots never overlap
            assert centres[i] + slots[i] / 2 <= centres[i + 1] - slots[i + 1] / 2 + 1e-6
        assert centres[0] - slots[0] / 2 >= -1e-6 and centres[-1] + slots[-1] / 2 <= h + 1e-6
    # plotly.js (d3-sankey) scales nodes by (height − (n − 1) × pad) / total: the same scale.
    assert (h - (5 - 1) * geo_.pad) / 1000 == pytest.approx(k)
    # Labels taller than the plot make it grow.
    tall = charts.sankey_geometry([1.0] * 3, [3.0], [200.0] * 3, [20.0], plot_height=300)
    assert tall.plot_height >= 600


def test_shorten_cuts_long_labels_on_request():
    assert shorten("Produits des industries alimentaires", 20) == "Produits des indust…"
    assert shorten("Chine", None) == "Chine"


def test_wrap_text_never_breaks_a_figure_at_its_no_break_spaces():
    lines = charts.wrap_text(f"Produits chimiques 1{NN}234,5{NB}M€ · 3,0{NN}%", 14).split("<br>")
    assert lines == ["Produits", "chimiques", f"1{NN}234,5{NB}M€ ·", f"3,0{NN}%"]
