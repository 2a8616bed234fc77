"""Map geometry of the Carte page: départements and Territoires d'industrie in longitude/latitude.

The outlines are IGN's (ADMIN EXPRESS COG, Licence Ouverte 2.0) as ``core.geo_ti`` dissolved
them into ``data/geo/departements_lonlat.json`` (Corsica as one ``20``, the overseas
départements where they lie, ``99`` Monaco as a point) and ``data/geo/territoires_industrie.json``.
Nothing is fetched at display time: the map works offline.

Two scales, so that a map carries no more points than it can draw:

- the metropolitan map (about 600 px for 15° of longitude, ≈ 0.025° a pixel): outlines
  simplified to ``METRO_TOLERANCE`` once, by ``python -m core.geo_france`` (shapely's coverage
  simplification, so shared borders stay shared), into ``data/geo/carte_metropole.json``;
- the insets (Île-de-France, the five overseas départements): the source outlines (0.004°).

Plotly draws GeoJSON with d3-geo, which reads a ring wound clockwise (on a north-up map) as the
outline of an area and a counter-clockwise one as a hole; a ring the other way round would fill
the rest of the globe. Every ring handed out here is wound that way (``d3_wound``).

Readers use the standard library only and read each file once per process (``lru_cache``:
static files, never query results). No streamlit here.

    .venv/bin/pip install "shapely>=2.1"   # for the conversion only
    .venv/bin/python -m core.geo_france
    .venv/bin/python -m core.geo_france --static   # then the files the app serves
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from core import geo_ti

GEO_DIR = Path(__file__).resolve().parent.parent / "data" / "geo"
METRO_PATH = GEO_DIR / "carte_metropole.json"
METRO_TOLERANCE = 0.015  # degrees: about half a pixel of the metropolitan map
DECIMALS = 3
ATTRIBUTION = (
    "Contours : IGN – ADMIN EXPRESS COG (Licence Ouverte 2.0), simplifiés pour la carte ; "
    "Territoires d'industrie : ANCT."
)
OVERSEAS = ("971", "972", "973", "974", "976")
MONACO = "99"
ILE_DE_FRANCE = ("75", "92", "93", "94", "77", "78", "91", "95")
PETITE_COURONNE = ("75", "92", "93", "94")

Geometry = dict[str, Any]
Collection = dict[str, Any]


# --- Readers (standard library) -----------------------------------------------------------
def _signed_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def d3_wound(geometry: Geometry) -> Geometry:
    """The (Multi)Polygon with outer rings clockwise and holes counter-clockwise (d3-geo)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return geometry
    wound = []
    for polygon in polygons:
        rings = []
        for i, ring in enumerate(polygon):
            clockwise = _signed_area(ring) < 0
            rings.append(ring if clockwise == (i == 0) else ring[::-1])
        wound.append(rings)
    return {"type": "MultiPolygon", "coordinates": wound}


class SharedGeoJSON(dict):
    """A GeoJSON object that copies as itself.

    Plotly deep-copies every trace when it is added to a figure and again when the figure is
    serialised: for a map, copying thousands of coordinate pairs twice costs more than all
    the rest of the page. The outlines here are read once per process and never changed (by
    us or by Plotly), so sharing them is safe."""

    def __copy__(self) -> SharedGeoJSON:
        return self

    def __deepcopy__(self, memo: dict) -> SharedGeoJSON:
        return self


def collection(features: list[dict[str, Any]]) -> Collection:
    """A FeatureCollection of ``features`` (shared, not copied, by Plotly)."""
    return SharedGeoJSON(type="FeatureCollection", features=features)


_collection = collection


@functools.lru_cache(maxsize=1)
def _source_departements() -> dict[str, dict[str, Any]]:
    """Code → feature of the source file, wound for d3 (Monaco stays a Point)."""
    out = {}
    for feature in geo_ti.load_departements()["features"]:
        code = feature["properties"]["code"]
        out[code] = {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": feature["properties"]["name"]},
            "geometry": d3_wound(feature["geometry"]),
        }
    return out


@functools.lru_cache(maxsize=1)
def _source_territoires() -> dict[str, dict[str, Any]]:
    out = {}
    for feature in geo_ti.load_territoires()["features"]:
        props = feature["properties"]
        out[props["id"]] = {
            "type": "Feature",
            "id": props["id"],
            "properties": {"id": props["id"], "name": props["name"], "depts": props["depts"]},
            "geometry": d3_wound(feature["geometry"]),
        }
    return out


@functools.lru_cache(maxsize=1)
def _metro() -> dict[str, Any]:
    data = json.loads(METRO_PATH.read_text(encoding="utf-8"))
    for key in ("departements", "territoires"):
        data[key] = collection(data[key]["features"])
    return data


def metro_departements() -> Collection:
    """The metropolitan départements (Corsica as ``20``), simplified for the whole map."""
    return _metro()["departements"]


def metro_territoires() -> Collection:
    """The metropolitan Territoires d'industrie, simplified for the whole map."""
    return _metro()["territoires"]


@functools.lru_cache(maxsize=16)
def inset_departements(codes: tuple[str, ...]) -> Collection:
    """Some départements at the source's precision (for an inset)."""
    source = _source_departements()
    return _collection([source[c] for c in codes if c in source])


@functools.lru_cache(maxsize=16)
def inset_territoires(depts: tuple[str, ...]) -> Collection:
    """The Territoires d'industrie with communes in ``depts``, at the source's precision."""
    wanted = set(depts)
    return _collection(
        [f for f in _source_territoires().values() if wanted & set(f["properties"]["depts"])]
    )


# The Carte's outlines as the app serves them (Streamlit's static folder, ``static/`` beside
# Home.py): its charts link to them instead of carrying them. A figure's inline GeoJSON is a new
# object every time the browser copies the figure, and plotly.js compares it by identity: the
# copy Streamlit hands to Plotly.react when a chart mounts made it compute and draw both maps
# again. A link is a string, equal in every copy, and the browser fetches each file once.
# ``python -m core.geo_france --static`` writes the files (deterministic).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "geo"
STATIC_FILES = {
    "metro_departements": "carte_departements.json",
    "metro_territoires": "carte_territoires.json",
    "inset_departements": "encarts_departements.json",
    "inset_territoires": "encarts_territoires.json",
}
INSETS = ILE_DE_FRANCE + OVERSEAS


def static_collections() -> dict[str, Collection]:
    """What each served file holds: the metropolitan map's simplified outlines, and the
    insets' départements and territories at the source's precision."""
    return {
        "metro_departements": metro_departements(),
        "metro_territoires": metro_territoires(),
        "inset_departements": inset_departements(INSETS),
        "inset_territoires": inset_territoires(INSETS),
    }


def static_urls() -> dict[str, str]:
    """Name → URL of each served file, relative (it works under any base URL path)."""
    return {name: f"app/static/geo/{file}" for name, file in STATIC_FILES.items()}


def static_text(collection: Collection) -> str:
    """A served file's text: compact JSON, accents as they are."""
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False)


def write_static() -> list[Path]:
    """Write the served files from ``static_collections`` (deterministic)."""
    STATIC_DIR.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, collection in static_collections().items():
        path = STATIC_DIR / STATIC_FILES[name]
        path.write_text(static_text(collection), encoding="utf-8")
        paths.append(path)
    return paths


def monaco() -> tuple[float, float]:
    """(longitude, latitude) of the Principauté de Monaco, drawn as a marker."""
    lon, lat = _source_departements()[MONACO]["geometry"]["coordinates"]
    return float(lon), float(lat)


@functools.lru_cache(maxsize=1)
def territoire_depts() -> dict[str, tuple[str, ...]]:
    """Territoire d'industrie id → the départements where it has communes."""
    return {k: tuple(f["properties"]["depts"]) for k, f in _source_territoires().items()}


def bounds(collection: Collection) -> tuple[float, float, float, float]:
    """(lon_min, lon_max, lat_min, lat_max) of a collection's polygons."""
    xs: list[float] = []
    ys: list[float] = []
    for feature in collection["features"]:
        for polygon in _polygons(feature["geometry"]):
            for x, y in polygon[0]:
                xs.append(x)
                ys.append(y)
    return min(xs), max(xs), min(ys), max(ys)


@functools.lru_cache(maxsize=256)
def _centroid(code: str) -> tuple[float, float]:
    return centroid(_source_departements()[code]["geometry"])


def departement_centroid(code: str) -> tuple[float, float]:
    """Where a label of the département reads best (its largest part's centroid)."""
    return _centroid(code)


def centroid(geometry: Geometry) -> tuple[float, float]:
    """Area-weighted centroid of the largest outer ring (lon, lat; planar, for labels)."""
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"]
        return float(lon), float(lat)
    ring = max((p[0] for p in _polygons(geometry)), key=lambda r: abs(_signed_area(r)))
    a = _signed_area(ring)
    if a == 0:
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * a), cy / (6 * a)


def _polygons(geometry: Geometry) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    return []


def n_points(collection: Collection) -> int:
    """How many positions a collection holds (what a map sends to the browser)."""
    return sum(
        len(ring)
        for feature in collection["features"]
        for polygon in _polygons(feature["geometry"])
        for ring in polygon
    )


# --- One-off conversion (needs shapely ≥ 2.1) ---------------------------------------------
def _simplified(features: list[dict[str, Any]], tolerance: float) -> list[dict[str, Any]]:
    """The features' geometries simplified together (shared borders stay shared), wound for
    d3, rounded to ``DECIMALS``."""
    import numpy as np
    import shapely
    from shapely.geometry import mapping, shape

    geoms = np.array([shape(f["geometry"]) for f in features])
    simple = shapely.coverage_simplify(geoms, tolerance)
    simple = shapely.set_precision(shapely.make_valid(simple), 10**-DECIMALS)
    out = []
    for feature, geom in zip(features, simple, strict=True):
        polygons = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
        if not polygons:
            continue
        multi = shapely.MultiPolygon(polygons)
        coords = mapping(multi)["coordinates"]
        rounded = [
            [[[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring] for ring in polygon]
            for polygon in coords
        ]
        geometry = d3_wound({"type": "MultiPolygon", "coordinates": rounded})
        out.append({**feature, "geometry": geometry})
    return out


def build_metro(tolerance: float = METRO_TOLERANCE) -> dict[str, Any]:
    """The metropolitan map's two collections, simplified for its scale."""
    depts = [
        f
        for code, f in _source_departements().items()
        if code not in OVERSEAS and f["geometry"]["type"] != "Point"
    ]
    territoires = [
        f
        for f in _source_territoires().values()
        if not any(d in OVERSEAS for d in f["properties"]["depts"])
    ]
    return {
        "source": geo_ti.SOURCE + "; simplified again for the metropolitan map by core.geo_france",
        "licence": "Licence Ouverte 2.0",
        "tolerance_deg": tolerance,
        "departements": _collection(_simplified(depts, tolerance)),
        "territoires": _collection(_simplified(territoires, tolerance)),
    }


def main(argv: list[str]) -> int:
    if argv == ["--static"]:
        for path in write_static():
            print(f"{path.name}: {path.stat().st_size // 1024} Ko")
        return 0
    data = build_metro()
    METRO_PATH.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), "utf-8")
    print(
        f"{METRO_PATH.name}: {len(data['departements']['features'])} départements "
        f"({n_points(data['departements'])} points), "
        f"{len(data['territoires']['features'])} territoires "
        f"({n_points(data['territoires'])} points), {METRO_PATH.stat().st_size // 1024} Ko"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
