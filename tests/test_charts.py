"""Chart builders on the hand-made fixture database: trace types, colours, totals.

Département 93 in 2024 (see ``tests/fixture_data.py``): exports 200 M€ (DE 100, US 80, CN 20),
imports 250 M€ (CN 120, US 80, BE 50), so the balances are DE +100, US 0, CN −100, BE −50.
"""

from __future__ import annotations

import math

import pytest

from core import charts, geo, queries
from core.filters import Filters

F93 = Filters(territory="93", year=2024)


@pytest.fixture(scope="module")
def balance(fixture_db):
    return queries.partner_balance(fixture_db, F93)


def test_butterfly_puts_imports_left_exports_right_and_colours_the_balance_by_sign(balance):
    fig = charts.partner_butterfly(balance)
    bars = [t for t in fig.data if t.type == "bar"]
    imports, exports = bars
    assert imports.name == "Importations" and exports.name == "Exportations"
    assert imports.marker.color == charts.IMPORT_COLOR
    assert exports.marker.color == charts.EXPORT_COLOR
    by_country = dict(zip(imports.y, imports.x, strict=True))
    assert by_country["Chine"] == pytest.approx(-120) and by_country["Belgique"] == -50
    assert dict(zip(exports.y, exports.x, strict=True))["Allemagne"] == pytest.approx(100)
    (marker,) = [t for t in fig.data if t.type == "scatter"]
    colours = dict(zip(marker.y, marker.marker.color, strict=True))
    assert colours["Allemagne"] == charts.POSITIVE_COLOR
    assert colours["Chine"] == charts.NEGATIVE_COLOR
    assert colours["Belgique"] == charts.NEGATIVE_COLOR
    # The balance is also written beside each row, signed and in French.
    notes = {a.y: a.text for a in fig.layout.annotations}
    assert notes["Allemagne"] == "+100,0\u00a0M€"
    assert notes["Chine"] == "\u2212100,0\u00a0M€"
    assert fig.layout.separators == ",\u202f"


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
    lons = [p[0] for polygon in france["geometry"]["coordinates"] for p in polygon[0]]
    assert any(-5 < lon < 9 for lon in lons)  # metropolitan France is where it should be


def test_map_colours_the_balance_and_greys_countries_without_trade(balance):
    world = geo.world_countries()
    fig = charts.partner_map(balance, geojson=world)
    base, main = fig.data
    assert base.type == main.type == "choropleth"
    assert "FRA" in base.locations and "DEU" not in base.locations
    values = dict(zip(main.locations, main.z, strict=True))
    assert values == pytest.approx({"DEU": 100, "USA": 0, "CHN": -100, "BEL": -50})
    assert main.featureidkey == "properties.iso3"
    assert main.zmid == 0 and main.zmax == -main.zmin
    assert main.colorscale[0][1] == charts.NEGATIVE_COLOR
    assert main.colorscale[-1][1] == charts.POSITIVE_COLOR
    assert fig.layout.geo.visible is False  # no CDN outlines needed


def test_treemap_has_a_blue_import_block_and_a_purple_export_block_sized_by_value(fixture_db):
    detail = queries.product_breakdown(fixture_db, F93, "A129")
    fig = charts.product_treemap(detail, "A38")
    (trace,) = fig.data
    assert trace.type == "treemap" and trace.branchvalues == "total"
    nodes = dict(zip(trace.ids, zip(trace.values, trace.marker.colors, strict=True), strict=True))
    assert nodes["import"] == (pytest.approx(250), charts.IMPORT_COLOR)
    assert nodes["export"] == (pytest.approx(200), charts.EXPORT_COLOR)
    # Children add up to their parent at every level (areas proportional to values).
    for node, parent, value in zip(trace.ids, trace.parents, trace.values, strict=True):
        children = [v for i, p, v in zip(trace.ids, trace.parents, trace.values, strict=True)
                    if p == node]  # fmt: skip
        if children:
            assert math.isclose(sum(children), value), node
        assert parent == "" or parent in nodes
    assert trace.maxdepth == 3
    assert charts.product_treemap(detail, "A129").data[0].maxdepth == 4


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


def test_sankey_adds_up_to_the_total_with_autres_and_five_red_links(fixture_db):
    flows = queries.sankey_flows(fixture_db, F93.with_(top=1, flow="import"))
    fig = charts.sankey(flows)
    (trace,) = fig.data
    assert trace.type == "sankey"
    labels = list(trace.node.label)
    assert labels.count("Autres") == 2
    assert sum(trace.link.value) == pytest.approx(250)
    red = [c for c in trace.link.color if c == charts.TOP_FLOW_COLOR]
    assert len(red) == min(5, int(flows.links["top"].sum())) == 1
    # Imports: countries on the left, products on the right.
    assert labels[0] == "Chine" and trace.node.x[0] < 0.5
    assert all(0 < y < 1 for y in trace.node.y)


def test_sankey_shortens_long_labels_on_request_but_keeps_them_in_hovers():
    assert charts.shorten("Produits des industries alimentaires", 20) == "Produits des indust…"
    assert charts.shorten("Chine", 20) == "Chine"
    assert charts.shorten("Chine", None) == "Chine"
