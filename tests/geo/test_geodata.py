"""Checks on the derived geodata in data/geo/ (made by scripts/derive_geodata.py).

Reads only the committed files under data/geo/, never the Natural Earth source.
Distances: nearest border point found in an azimuthal-equidistant projection
centred on the place, then measured on the WGS84 ellipsoid with geopy.
"""

from __future__ import annotations

import json
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyproj
import pytest
import shapely
from geopy.distance import geodesic
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

GEO_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"
MAX_WORLD_BYTES = 1_500_000


@cache
def features(name: str) -> tuple[dict[str, Any], ...]:
    """Features of one derived GeoJSON file (cached: files are read once)."""
    collection = json.loads((GEO_DIR / name).read_text(encoding="utf-8"))
    return tuple(collection["features"])


def border(border_id: str) -> BaseGeometry:
    """The full-resolution border line with this id, e.g. ``RUS-UKR``."""
    (feat,) = [f for f in features("borders.geojson") if f["properties"]["id"] == border_id]
    return shape(feat["geometry"])


def distance_to_line_km(lat: float, lon: float, line: BaseGeometry) -> float:
    """Geodesic distance (km) from (lat, lon) to the nearest point of ``line``."""
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    forward = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    backward = pyproj.Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    projected = shapely.transform(line, forward.transform, interleaved=False)
    _, nearest = nearest_points(Point(0, 0), projected)  # the place is the origin
    near_lon, near_lat = backward.transform(nearest.x, nearest.y)
    return geodesic((lat, lon), (near_lat, near_lon)).km


def geodesic_length_km(line: BaseGeometry) -> float:
    """Sum of geodesic segment lengths (km) over all parts of a (multi)line."""
    total = 0.0
    for part in shapely.get_parts(line):
        coords = list(part.coords)
        total += sum(geodesic((y1, x1), (y2, x2)).km for (x1, y1), (x2, y2) in pairwise(coords))
    return total


@pytest.mark.parametrize(
    ("place", "lat", "lon", "low", "high"),
    [
        ("67th GRAU arsenal, Karachev", 53.1424, 34.9498, 113.0, 119.0),  # article: "about 70 miles"
        ("Toropets depot", 56.5068, 31.7024, 455.0, 475.0),
    ],
)
def test_distance_to_rus_ukr_border(place: str, lat: float, lon: float, low: float, high: float) -> None:
    km = distance_to_line_km(lat, lon, border("RUS-UKR"))
    assert low <= km <= high, f"{place}: {km:.1f} km"


def test_simferopol_is_in_ukraine() -> None:
    # German point-of-view edition: Crimea is part of Ukraine.
    simferopol = Point(34.10, 44.95)
    inside = [f["properties"]["iso_a3"] for f in features("world.geojson") if shape(f["geometry"]).contains(simferopol)]
    assert inside == ["UKR"]


def test_border_lengths_positive_and_consistent() -> None:
    for feat in features("borders.geojson"):
        props = feat["properties"]
        assert props["id"] == f"{props['a']}-{props['b']}" and props["a"] < props["b"]
        assert props["length_km"] > 0, props["id"]
        # The stored length matches a fresh geodesic measurement of the line.
        assert geodesic_length_km(shape(feat["geometry"])) == pytest.approx(props["length_km"], abs=0.1)


def test_rus_ukr_length_plausible() -> None:
    # Natural Earth 1:10m is generalised: about 1,524 km, shorter than the
    # official ~1,974 km of land border (rivers and bends are smoothed out).
    (props,) = [f["properties"] for f in features("borders.geojson") if f["properties"]["id"] == "RUS-UKR"]
    assert 1_450 <= props["length_km"] <= 2_400


def test_border_sides_meet_on_the_border() -> None:
    # Both sides keep the border at full resolution, so bands drawn from them
    # line up exactly with the border line.
    for feat in features("border_sides.geojson"):
        props = feat["properties"]
        outline = shape(feat["geometry"]).boundary.buffer(1e-6)  # ~0.1 m
        assert outline.covers(border(props["border"])), (props["border"], props["side"])


def test_world_count_size_and_properties() -> None:
    world = features("world.geojson")
    assert len(world) >= 240
    assert (GEO_DIR / "world.geojson").stat().st_size <= MAX_WORLD_BYTES
    assert all(set(f["properties"]) == {"iso_a3", "name"} for f in world)
