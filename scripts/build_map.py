#!/usr/bin/env python3
"""Build the SVG map data of the French regions from a GeoJSON file of their boundaries.

Usage: scripts/build_map.py REGIONS_GEOJSON [OUTPUT_JSON]
(default output: frenchimpact/directory/data/regions_map.json, committed in the repository).

The input is IGN GEOFLA 2016 / INSEE COG boundaries (Licence Ouverte / Etalab) with
``code`` and ``nom`` properties. Mainland France and Corsica are drawn with an
equirectangular projection corrected by cos(latitude); each overseas region gets its own
inset box, projected around its own latitude. Paths are simplified (Douglas-Peucker, in
pixels), tiny islets dropped and coordinates rounded, to keep the file small. Standard
library only: the platform itself never reads the GeoJSON.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OVERSEAS = ("01", "02", "03", "04", "06")  # Guadeloupe, Martinique, Guyane, Réunion, Mayotte
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / (
    "frenchimpact/directory/data/regions_map.json"
)
ATTRIBUTION = "Contours : IGN GEOFLA 2016, INSEE COG — Licence Ouverte / Etalab"

MAINLAND_WIDTH = 560.0  # pixels for the mainland frame
INSET_SIZE = 88.0  # square box of each overseas region
INSET_GAP = 14.0
MARGIN = 8.0
TOLERANCE = 0.35  # Douglas-Peucker tolerance, in pixels
MIN_AREA = 1.5  # rings smaller than this (square pixels) are dropped, except the largest

Point = tuple[float, float]
Ring = list[Point]


def rings_of(geometry: dict) -> list[Ring]:
    """Outer rings only (holes are not worth their bytes at this scale)."""
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    else:
        polygons = geometry["coordinates"]
    return [[(float(x), float(y)) for x, y in polygon[0]] for polygon in polygons]


def bounds(rings: list[Ring]) -> tuple[float, float, float, float]:
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def projector(rings: list[Ring], box: tuple[float, float, float, float]):
    """A function fitting (lon, lat) into box (x, y, width, height), north up."""
    west, south, east, north = bounds(rings)
    cos_lat = math.cos(math.radians((south + north) / 2))
    width, height = (east - west) * cos_lat, north - south
    x0, y0, box_width, box_height = box
    scale = min(box_width / width, box_height / height)
    # Centre the shape in its box.
    dx = x0 + (box_width - width * scale) / 2
    dy = y0 + (box_height - height * scale) / 2

    def project(point: Point) -> Point:
        lon, lat = point
        return dx + (lon - west) * cos_lat * scale, dy + (north - lat) * scale

    return project, height * scale


def perpendicular_distance(point: Point, start: Point, end: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def simplify(points: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker, iterative (long coastlines would exhaust the recursion limit)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = 0, 0.0
        for index in range(first + 1, last):
            current = perpendicular_distance(points[index], points[first], points[last])
            if current > distance:
                farthest, distance = index, current
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def area(ring: Ring) -> float:
    return (
        abs(
            sum(
                x1 * y2 - x2 * y1
                for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=False)
            )
        )
        / 2
    )


def centroid(ring: Ring) -> Point:
    signed = 0.0
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=False):
        cross = x1 * y2 - x2 * y1
        signed += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if signed == 0:
        xs, ys = zip(*ring, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    return cx / (3 * signed), cy / (3 * signed)


def number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def path_data(rings: list[Ring]) -> str:
    """Absolute first point, then relative moves: shorter than absolute coordinates."""
    parts = []
    for ring in rings:
        rounded = [(round(x, 1), round(y, 1)) for x, y in ring]
        deduplicated = [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]
        if deduplicated[0] == deduplicated[-1]:
            deduplicated.pop()
        if len(deduplicated) < 3:
            continue
        x, y = deduplicated[0]
        segments = [f"M{number(x)} {number(y)}l"]
        moves = []
        for nx, ny in deduplicated[1:]:
            moves.append(f"{number(nx - x)} {number(ny - y)}")
            x, y = nx, ny
        parts.append(segments[0] + " ".join(moves) + "z")
    return "".join(parts).replace(" -", "-")


def shape(rings: list[Ring], project) -> tuple[str, Point]:
    projected = [simplify([project(p) for p in ring], TOLERANCE) for ring in rings]
    projected.sort(key=area, reverse=True)
    kept = [projected[0]] + [ring for ring in projected[1:] if area(ring) >= MIN_AREA]
    x, y = centroid(kept[0])
    return path_data(kept), (round(x, 1), round(y, 1))


def build(geojson: dict) -> dict:
    features = {feature["properties"]["code"]: feature for feature in geojson["features"]}
    mainland = {
        code: rings_of(f["geometry"]) for code, f in features.items() if code not in OVERSEAS
    }
    all_mainland_rings = [ring for rings in mainland.values() for ring in rings]
    inset_column = MARGIN + INSET_SIZE + INSET_GAP
    project, mainland_height = projector(
        all_mainland_rings, (inset_column, MARGIN, MAINLAND_WIDTH, MAINLAND_WIDTH)
    )
    regions: dict[str, dict] = {}
    for code, rings in sorted(mainland.items()):
        d, (x, y) = shape(rings, project)
        regions[code] = {"nom": features[code]["properties"]["nom"], "d": d, "x": x, "y": y}
    insets = []
    for position, code in enumerate(OVERSEAS):
        if code not in features:
            continue
        rings = rings_of(features[code]["geometry"])
        box = (MARGIN, MARGIN + position * (INSET_SIZE + INSET_GAP), INSET_SIZE, INSET_SIZE)
        inset_project, _ = projector(rings, (box[0] + 4, box[1] + 4, box[2] - 8, box[3] - 8))
        d, (x, y) = shape(rings, inset_project)
        regions[code] = {"nom": features[code]["properties"]["nom"], "d": d, "x": x, "y": y}
        insets.append(
            {"code": code, "x": box[0], "y": box[1], "largeur": box[2], "hauteur": box[3]}
        )
    width = inset_column + MAINLAND_WIDTH + MARGIN
    height = max(
        MARGIN * 2 + mainland_height,
        MARGIN + len(OVERSEAS) * (INSET_SIZE + INSET_GAP),
    )
    return {
        "attribution": ATTRIBUTION,
        "viewbox": f"0 0 {number(width)} {number(height)}",
        "encarts": insets,
        "regions": dict(sorted(regions.items())),
    }


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        return 2
    source = Path(argv[1])
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    data = build(json.loads(source.read_text(encoding="utf-8")))
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
