#!/usr/bin/env python
"""Derive the dashboard's offline geodata from Natural Earth admin-0 countries.

Only this script reads the Natural Earth source file; the app reads the derived
files it writes under ``data/geo/``:

* ``world.geojson``: every country, simplified as an offline basemap.
* ``borders.geojson``: selected shared land boundaries at full resolution.
* ``border_sides.geojson``: each side of those borders, clipped around the border.

Usage::

    python scripts/derive_geodata.py [SOURCE] [--out DIR]

The output is deterministic: re-running on the same source and library versions
produces byte-identical files. See ``data/geo/README.md`` for provenance.
Needs shapely >= 2.1 (``coverage_is_valid``, ``orient_polygons``) and pyproj.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import MultiLineString, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

DEFAULT_SOURCE = Path("/work/shared/data/ne_10m_admin_0_countries_deu.geojson.gz")
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data" / "geo"

# Country pairs whose shared land boundary goes into borders.geojson.
BORDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("UKR", "RUS"),
    ("UKR", "BLR"),
    ("UKR", "POL"),
    ("UKR", "SVK"),
    ("UKR", "HUN"),
    ("UKR", "ROU"),
    ("UKR", "MDA"),
    ("RUS", "BLR"),
    ("PRK", "RUS"),
    ("PRK", "KOR"),
    ("PRK", "CHN"),
)


@dataclass(frozen=True)
class Settings:
    """Tunable parameters of the derivation (all angles in degrees)."""

    world_tolerance: float = 0.03  # Douglas-Peucker tolerance of the basemap
    world_min_part_km2: float = 100.0  # drop smaller islands (keep largest part)
    world_decimals: int = 3
    border_decimals: int = 4  # the source's own precision: no change
    border_check_deg: float = 1e-4  # buffer for cross-checking shared boundaries
    side_margin: float = 8.0  # bbox expansion around each border
    side_tolerance: float = 0.005
    side_decimals: int = 4


@dataclass(frozen=True)
class Country:
    """One source feature: ISO code, English name and (multi)polygon."""

    iso: str
    name: str
    geom: Polygon | MultiPolygon


@dataclass(frozen=True)
class Border:
    """A shared land boundary between countries ``a`` and ``b`` (a < b)."""

    a: str
    b: str
    line: BaseGeometry

    @property
    def id(self) -> str:
        """Identifier such as ``RUS-UKR``."""
        return f"{self.a}-{self.b}"


# --------------------------------------------------------------------------- I/O


def load_countries(path: Path) -> dict[str, Country]:
    """Read the (optionally gzipped) GeoJSON source, keyed by ISO code."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    countries: dict[str, Country] = {}
    for feat in data["features"]:
        props = feat["properties"]
        iso = props["iso_a3"]
        if iso in countries:
            raise ValueError(f"duplicate iso_a3 {iso!r} in {path}")
        geom = shape(feat["geometry"])
        if not geom.is_valid:
            raise ValueError(f"invalid source geometry for {iso}")
        countries[iso] = Country(iso, props["name"], geom)
    return countries


def _round_coords(coords: object, decimals: int) -> object:
    """Round nested coordinate sequences; ``+ 0.0`` turns -0.0 into 0.0."""
    if isinstance(coords, (int, float)):
        return round(float(coords), decimals) + 0.0
    assert isinstance(coords, (list, tuple))
    return [_round_coords(c, decimals) for c in coords]


def make_feature(props: dict[str, Any], geom: BaseGeometry, decimals: int) -> dict[str, Any]:
    """Build a GeoJSON feature with coordinates rounded to ``decimals``."""
    geo = mapping(geom)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {
            "type": geo["type"],
            "coordinates": _round_coords(geo["coordinates"], decimals),
        },
    }


def write_feature_collection(path: Path, features: list[dict[str, Any]]) -> bytes:
    """Write compact GeoJSON, one feature per line (diff-friendly, deterministic)."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    payload = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return payload


# ---------------------------------------------------------------------- geometry


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Return the polygonal parts of ``geom`` as a MultiPolygon."""
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon)]
    return MultiPolygon(polys)


def drop_small_parts(geom: BaseGeometry, min_km2: float, geod: Geod) -> MultiPolygon:
    """Drop polygon parts below ``min_km2`` (geodesic), always keeping the largest."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon)]
    areas = [abs(geod.geometry_area_perimeter(p)[0]) / 1e6 for p in parts]
    largest = int(np.argmax(areas))
    kept = [p for i, (p, a) in enumerate(zip(parts, areas, strict=True)) if a >= min_km2 or i == largest]
    return MultiPolygon(kept)


def _segments(line: BaseGeometry) -> np.ndarray:
    """Split a LineString into its 2-point segments (which DP cannot simplify)."""
    xy = shapely.get_coordinates(line)
    return shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))


def simplify_coverage(
    polygons: Sequence[BaseGeometry],
    tolerance: float,
    pinned: BaseGeometry | None = None,
) -> list[MultiPolygon]:
    """Douglas-Peucker-simplify a polygon coverage so neighbours stay edge-matched.

    The boundaries are noded into arcs (edges between junctions), all arcs are
    simplified together with GEOS's topology-preserving simplifier (no arc may
    cross another, arc end points stay put), and the faces are rebuilt with
    polygonize and handed back to the polygon that covers most of each face.
    Shared edges are simplified once, so no slivers or gaps appear between
    neighbours. Arcs lying on ``pinned`` are split into 2-point segments, which
    keeps them at full resolution while the simplifier still avoids them.
    """
    polys = np.asarray([as_multipolygon(p) for p in polygons], dtype=object)
    arcs = shapely.get_parts(shapely.line_merge(shapely.union_all(shapely.boundary(polys))))
    if pinned is not None:
        on_pinned = shapely.covered_by(arcs, pinned.buffer(1e-9))
        if abs(shapely.length(arcs[on_pinned]).sum() - pinned.length) > 1e-6:
            raise RuntimeError("pinned line is not made of whole arcs of the coverage")
        exact = [_segments(a) for a in arcs[on_pinned]]
        arcs = np.concatenate([arcs[~on_pinned], *exact])
    simplified = shapely.simplify(MultiLineString(list(arcs)), tolerance, preserve_topology=True)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(simplified)))

    # Assign each face to the input polygon covering more than half of it;
    # faces covered by nobody (gaps in the coverage, e.g. the Caspian) drop out.
    tree = shapely.STRtree(polys)
    face_idx, poly_idx = tree.query(faces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(faces[face_idx], polys[poly_idx]))
    owned: list[list[Polygon]] = [[] for _ in polys]
    for f, p, area in zip(face_idx, poly_idx, overlap, strict=True):
        if area > 0.5 * faces[f].area:
            owned[p].append(faces[f])
    result = [as_multipolygon(shapely.union_all(fs)) for fs in owned]
    for i, (before, after) in enumerate(zip(polys, result, strict=True)):
        if after.is_empty or len(after.geoms) != len(before.geoms):
            raise RuntimeError(f"simplification changed the topology of polygon {i}")
    return result


def snap_polygons(geoms: Sequence[BaseGeometry], decimals: int) -> list[MultiPolygon]:
    """Snap to a 10**-decimals grid (keeping validity) and orient as RFC 7946."""
    snapped = shapely.set_precision(np.asarray(geoms, dtype=object), 10.0**-decimals)
    oriented = shapely.orient_polygons(snapped, exterior_cw=False)
    out = [as_multipolygon(g) for g in oriented]
    if not all(shapely.is_valid(out)) or not shapely.coverage_is_valid(out):
        raise RuntimeError("rounded polygons are invalid or overlap")
    return out


def shared_boundary(a: BaseGeometry, b: BaseGeometry, check_deg: float) -> BaseGeometry:
    """Return the line(s) where the boundaries of ``a`` and ``b`` coincide.

    Exact intersection of the two boundaries, keeping only linear parts (a
    boundary touching at a single point is not a border) and line-merged.
    Cross-checked against "boundary of a within a small buffer of b": if the
    source vertices did not coincide somewhere, the exact intersection would
    have gaps there and the two would differ by more than the buffer.
    """
    if a.intersection(b).area > 0:
        raise RuntimeError("polygons overlap")
    touching = a.boundary.intersection(b.boundary)
    lines = [g for g in shapely.get_parts(touching) if g.geom_type == "LineString"]
    if not lines:
        raise RuntimeError("polygons share no boundary")
    exact = shapely.line_merge(MultiLineString(lines))
    near = shapely.line_merge(a.boundary.intersection(b.buffer(check_deg)))
    gap = shapely.hausdorff_distance(exact, near)
    if gap > 2 * check_deg:
        raise RuntimeError(f"boundaries do not coincide (Hausdorff {gap:.6f} deg)")
    return exact


# ------------------------------------------------------------------------ layers


def build_world(countries: dict[str, Country], settings: Settings, geod: Geod) -> list[dict[str, Any]]:
    """Simplified basemap: every country, properties ``iso_a3`` and ``name``."""
    isos = sorted(countries)
    trimmed = [drop_small_parts(countries[i].geom, settings.world_min_part_km2, geod) for i in isos]
    simplified = simplify_coverage(trimmed, settings.world_tolerance)
    snapped = snap_polygons(simplified, settings.world_decimals)
    return [
        make_feature({"iso_a3": iso, "name": countries[iso].name}, geom, settings.world_decimals)
        for iso, geom in zip(isos, snapped, strict=True)
    ]


def build_borders(countries: dict[str, Country], settings: Settings) -> list[Border]:
    """Full-resolution shared land boundaries for ``BORDER_PAIRS``, sorted by id."""
    borders = []
    for pair in BORDER_PAIRS:
        a, b = sorted(pair)
        line = shared_boundary(countries[a].geom, countries[b].geom, settings.border_check_deg)
        borders.append(Border(a, b, line))
    return sorted(borders, key=lambda br: br.id)


def border_features(
    borders: list[Border], countries: dict[str, Country], settings: Settings, geod: Geod
) -> list[dict[str, Any]]:
    """GeoJSON features for the borders, with geodesic (WGS84) length in km."""
    return [
        make_feature(
            {
                "id": br.id,
                "a": br.a,
                "b": br.b,
                "name": f"{countries[br.a].name}\u2013{countries[br.b].name} border",
                "length_km": round(geod.geometry_length(br.line) / 1000, 1),
            },
            br.line,
            settings.border_decimals,
        )
        for br in borders
    ]


def expanded_box(geom: BaseGeometry, margin: float) -> Polygon:
    """Bounding box of ``geom`` grown by ``margin`` degrees, clamped to lon/lat."""
    minx, miny, maxx, maxy = geom.bounds
    return shapely.box(
        max(minx - margin, -180.0),
        max(miny - margin, -90.0),
        min(maxx + margin, 180.0),
        min(maxy + margin, 90.0),
    )


def build_border_sides(
    borders: list[Border], countries: dict[str, Country], settings: Settings
) -> list[dict[str, Any]]:
    """Both countries of each border, clipped around it and lightly simplified.

    The two sides are simplified as one coverage with the border pinned, so
    they meet exactly on the full-resolution border line (no gap, no overlap).
    """
    features = []
    for br in borders:
        box = expanded_box(br.line, settings.side_margin)
        clipped = [countries[iso].geom.intersection(box) for iso in (br.a, br.b)]
        simplified = simplify_coverage(clipped, settings.side_tolerance, pinned=br.line)
        snapped = snap_polygons(simplified, settings.side_decimals)
        for iso, geom in zip((br.a, br.b), snapped, strict=True):
            props = {"border": br.id, "side": iso, "name": countries[iso].name}
            features.append(make_feature(props, geom, settings.side_decimals))
    return features


# -------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments: source path and output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"Natural Earth admin-0 GeoJSON(.gz) (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: data/geo in the repository)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Derive all layers and print a short summary."""
    args = parse_args(argv)
    settings = Settings()
    geod = Geod(ellps="WGS84")
    countries = load_countries(args.source)

    borders = build_borders(countries, settings)
    outputs = {
        "world.geojson": build_world(countries, settings, geod),
        "borders.geojson": border_features(borders, countries, settings, geod),
        "border_sides.geojson": build_border_sides(borders, countries, settings),
    }
    for name, features in outputs.items():
        payload = write_feature_collection(args.out / name, features)
        digest = hashlib.sha256(payload).hexdigest()[:16]
        print(f"{name}: {len(features)} features, {len(payload):,} bytes, sha256 {digest}")
    for feat in outputs["borders.geojson"]:
        props = feat["properties"]
        print(f"  {props['id']}: {props['length_km']} km ({feat['geometry']['type']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
