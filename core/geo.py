"""World country outlines for the partner map, shipped with the project (works offline).

Plotly's built-in choropleth fetches its world outlines from a CDN when the chart is drawn, so
it shows an empty frame on a closed network. The project ships Natural Earth's 1:110m countries
instead, as packaged by the npm package ``world-atlas`` 2.0.2 (TopoJSON, ISC licence; Natural
Earth data is in the public domain): ``data/geo/world-atlas-countries-110m.json``. This module
decodes that TopoJSON into a GeoJSON FeatureCollection whose features carry
``properties.iso3`` (ISO 3166 alpha-3, from the numeric ids through ``pycountry``), the key the
partner table uses.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pycountry

WORLD_TOPOJSON = (
    Path(__file__).resolve().parent.parent / "data" / "geo" / ("world-atlas-countries-110m.json")
)
# Features of the source without a numeric ISO id; Kosovo has a user-assigned code.
_ISO3_BY_NAME = {"Kosovo": "XKX"}


def _decode_arcs(topology: dict[str, Any]) -> list[list[list[float]]]:
    """Quantised, delta-encoded arcs → absolute longitude/latitude positions."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x += dx
                y += dy
                points.append([round(x * sx + tx, 4), round(y * sy + ty, 4)])
        else:
            points = [[float(p[0]), float(p[1])] for p in arc]
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[list[float]]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for i in indexes:
        # A negative index (~i) is arc i walked backwards.
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(points if not ring else points[1:])  # arcs share their end points
    return ring


def topojson_to_geojson(topology: dict[str, Any], object_name: str) -> dict[str, Any]:
    """Convert one object of a TopoJSON topology to a GeoJSON FeatureCollection."""
    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"][object_name]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            coordinates: Any = [_ring(r, arcs) for r in geometry["arcs"]]
        elif kind == "MultiPolygon":
            coordinates = [[_ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
        else:
            continue  # null geometries carry nothing to draw
        features.append(
            {
                "type": "Feature",
                "id": geometry.get("id"),
                "properties": dict(geometry.get("properties") or {}),
                "geometry": {"type": kind, "coordinates": coordinates},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _iso3(numeric: str | None, name: str) -> str | None:
    if numeric:
        country = pycountry.countries.get(numeric=numeric)
        if country is not None:
            return country.alpha_3
    return _ISO3_BY_NAME.get(name)


# The outlines as the app serves them (Streamlit's static folder, ``static/`` beside Home.py):
# a chart links to them instead of carrying them. ``python -m core.geo`` writes the file.
STATIC_FILE = Path(__file__).resolve().parent.parent / "static" / "geo" / "monde.json"
STATIC_URL = "app/static/geo/monde.json"  # relative: works under any base URL path


def write_static() -> Path:
    """Write ``STATIC_FILE`` from the shipped world outlines (deterministic)."""
    STATIC_FILE.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(world_countries(), separators=(",", ":"), ensure_ascii=False)
    STATIC_FILE.write_text(text, encoding="utf-8")
    return STATIC_FILE


@functools.lru_cache(maxsize=1)
def world_countries() -> dict[str, Any]:
    """GeoJSON of the world's countries keyed by ``properties.iso3`` (cached, read once)."""
    topology = json.loads(WORLD_TOPOJSON.read_text(encoding="utf-8"))
    collection = topojson_to_geojson(topology, "countries")
    kept = []
    for feature in collection["features"]:
        iso3 = _iso3(feature.get("id"), feature["properties"].get("name", ""))
        if iso3 is None:
            continue  # unrecognised territories (e.g. Somaliland) have no trade code
        feature["properties"]["iso3"] = iso3
        feature["id"] = iso3
        kept.append(feature)
    return {"type": "FeatureCollection", "features": kept}


if __name__ == "__main__":
    print(write_static())
