"""Geodesic geometry on the WGS 84 ellipsoid: range rings, distances to borders, bands along borders.

Conventions: functions take ``lat, lon`` in decimal degrees (geopy's order); rings and polygons come back as
``[lon, lat]`` pairs (deck.gl's and GeoJSON's order). Distances are kilometres unless a unit is named.

    >>> round(to_km(75, "mi"), 2)
    120.7
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import shapely
from geopy.distance import geodesic
from shapely.geometry import MultiLineString, Point, shape
from shapely.ops import nearest_points

from dashboard.errors import RefusedError
from dashboard.model.schema import DISTANCE_UNITS_KM

GEO_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"
DEFAULT_BORDER = "RUS-UKR"
RING_POINTS = 181  # one vertex every 2 degrees of bearing


class GeometryError(RefusedError, ValueError):
    """Input that no geometry can be drawn from (NaN centre, negative radius, unknown border)."""


def to_km(value: float, unit: str) -> float:
    """``value`` in ``unit`` (km, mi or nmi) as kilometres."""
    try:
        return float(value) * DISTANCE_UNITS_KM[unit]
    except KeyError:
        raise GeometryError(f"unknown unit {unit!r}: use one of {', '.join(DISTANCE_UNITS_KM)}") from None


def from_km(km: float, unit: str) -> float:
    return km / DISTANCE_UNITS_KM[unit]


def format_distance(km: float) -> str:
    """``"115 km / 71 mi"``."""
    return f"{km:,.0f} km / {from_km(km, 'mi'):,.0f} mi"


def _check_point(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise GeometryError(f"a centre needs finite coordinates; got latitude {lat!r}, longitude {lon!r}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 360):
        raise GeometryError(f"coordinates out of range: latitude {lat!r}, longitude {lon!r}")


def ring(lat: float, lon: float, radius_km: float, points: int = RING_POINTS) -> list[list[float]]:
    """A closed geodesic circle of ``radius_km`` around (lat, lon) as ``[lon, lat]`` pairs.

    Longitudes are unwrapped, so a ring across the antimeridian runs on continuously (e.g. 179 → 181)
    instead of jumping across the map. A ring that encloses a pole cannot be a simple polygon in
    longitude/latitude: it is returned as a path across all longitudes, closed along the pole's latitude.
    """
    _check_point(lat, lon)
    if not (math.isfinite(radius_km) and radius_km > 0):
        raise GeometryError(f"radius must be a positive number of kilometres; got {radius_km!r}")
    bearings = np.linspace(0.0, 360.0, points)
    start = geodesic(kilometers=radius_km)
    coords = [start.destination((lat, lon), bearing) for bearing in bearings]
    lons = np.degrees(np.unwrap(np.radians([point.longitude for point in coords])))
    lons += 360.0 * round((lon - lons[0]) / 360.0)  # start next to the centre, not a turn away
    lats = [point.latitude for point in coords]
    path = [[float(x), float(y)] for x, y in zip(lons, lats, strict=True)]
    if abs(path[-1][0] - path[0][0]) > 180:  # encloses a pole: the path wraps once around the globe
        pole = 90.0 if lat > 0 else -90.0
        path += [[path[-1][0], pole], [path[0][0], pole], path[0]]
    return path


_WGS84 = pyproj.Geod(ellps="WGS84")
ROUTE_STEP_KM = 50  # one vertex every 50 km along a route


def route(lat1: float, lon1: float, lat2: float, lon2: float) -> list[list[float]]:
    """The geodesic from (lat1, lon1) to (lat2, lon2) as ``[lon, lat]`` pairs, a vertex every `ROUTE_STEP_KM`
    (so a GIS that joins vertices with straight lines still draws the shortest way), longitudes unwrapped."""
    _check_point(lat1, lon1)
    _check_point(lat2, lon2)
    between = int(geodesic_km(lat1, lon1, lat2, lon2) // ROUTE_STEP_KM)
    inner = _WGS84.npts(lon1, lat1, lon2, lat2, min(between, 400)) if between else []
    lons = np.degrees(np.unwrap(np.radians([lon1, *(x for x, _ in inner), lon2])))
    lons += 360.0 * round((lon1 - lons[0]) / 360.0)
    lats = [lat1, *(y for _, y in inner), lat2]
    return [[round(float(x), 6), round(float(y), 6)] for x, y in zip(lons, lats, strict=True)]


def pairwise_km(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances in km between every two points (haversine on a sphere of 6,371 km: enough to
    tell near from far; use `geodesic_km` for a distance to report)."""
    lat, lon = np.radians(np.asarray(lats, dtype=float)), np.radians(np.asarray(lons, dtype=float))
    a = (
        np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
        + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def bounds(points: pd.DataFrame) -> tuple[float, float, float, float] | None:
    """West, east, south, north of ``points`` (``longitude`` and ``latitude`` columns), or None when empty."""
    if points.empty:
        return None
    lons, lats = points["longitude"], points["latitude"]
    return float(lons.min()), float(lons.max()), float(lats.min()), float(lats.max())


NICE_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000)


def scale_bar(west: float, east: float, lat: float) -> tuple[int, float]:
    """A scale bar for a map spanning ``west`` to ``east`` at latitude ``lat``: a round distance about a fifth
    of the span, and the longitude it reaches going east from ``west`` (true at that latitude)."""
    _check_point(lat, west)
    span_km = geodesic_km(lat, west, lat, east) if east - west < 180 else 40_075 * math.cos(math.radians(lat)) / 2
    km = max([value for value in NICE_KM if value <= span_km / 5] or [NICE_KM[0]])
    end, _, _ = _WGS84.fwd(west, lat, 90, km * 1000)
    return km, float(end if end >= west else end + 360)


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return geodesic((lat1, lon1), (lat2, lon2)).km


@dataclass(frozen=True)
class Border:
    id: str  # "RUS-UKR"
    name: str  # "Russia–Ukraine border"
    a: str
    b: str
    line: MultiLineString  # lon/lat


@lru_cache(maxsize=4)
def load_borders(path: Path = GEO_DIR / "borders.geojson") -> dict[str, Border]:
    """The land borders shipped in ``data/geo/borders.geojson``, by id (``"RUS-UKR"``)."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    borders = {}
    for feature in collection["features"]:
        props = feature["properties"]
        geometry = shape(feature["geometry"])
        line = geometry if isinstance(geometry, MultiLineString) else MultiLineString([geometry])
        borders[props["id"]] = Border(props["id"], props["name"], props["a"], props["b"], line)
    return borders


@lru_cache(maxsize=4)
def load_border_sides(path: Path = GEO_DIR / "border_sides.geojson") -> dict[tuple[str, str], shapely.Geometry]:
    """Each country's land near each border, by (border id, country code)."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    return {
        (feature["properties"]["border"], feature["properties"]["side"]): shape(feature["geometry"])
        for feature in collection["features"]
    }


def _aeqd(lat: float, lon: float) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    """Transformers lon/lat ↔ azimuthal equidistant metres centred on (lat, lon)."""
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    forward = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    backward = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return forward, backward


def _reproject(transformer: pyproj.Transformer, geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, transformer.transform, interleaved=False)


@dataclass(frozen=True)
class BorderDistance:
    km: float
    nearest_lat: float
    nearest_lon: float
    border: str


def distance_to_border(lat: float, lon: float, border_id: str = DEFAULT_BORDER) -> BorderDistance:
    """Geodesic distance from (lat, lon) to the nearest point of a shipped land border.

    The nearest point is found in an azimuthal-equidistant projection centred on the point (where
    distances from the centre are true), then measured on the ellipsoid with geopy.
    """
    _check_point(lat, lon)
    borders = load_borders()
    if border_id not in borders:
        raise GeometryError(f"unknown border {border_id!r}: known borders are {', '.join(sorted(borders))}")
    forward, backward = _aeqd(lat, lon)
    projected = _reproject(forward, borders[border_id].line)
    _, nearest = nearest_points(Point(0, 0), projected)
    near_lon, near_lat = backward.transform(nearest.x, nearest.y)
    return BorderDistance(geodesic_km(lat, lon, near_lat, near_lon), near_lat, near_lon, border_id)


def border_band(border_id: str, side: str, width_km: float) -> list[list[list[float]]]:
    """The land of country ``side`` within ``width_km`` of the border, as polygons of ``[lon, lat]`` rings.

    Computed in an azimuthal-equidistant projection centred on the border (scale error under 0.5% within
    1,000 km of the centre), clipped to the shipped country outline.
    """
    return [[[list(point) for point in ring] for ring in polygon] for polygon in _band(border_id, side, width_km)]


@lru_cache(maxsize=16)
def _band(border_id: str, side: str, width_km: float) -> tuple[tuple[tuple[tuple[float, float], ...], ...], ...]:
    """`border_band` as immutable tuples, computed once per border, side and width."""
    if not (math.isfinite(width_km) and width_km > 0):
        raise GeometryError(f"band width must be a positive number of kilometres; got {width_km!r}")
    borders = load_borders()
    if border_id not in borders:
        raise GeometryError(f"unknown border {border_id!r}: known borders are {', '.join(sorted(borders))}")
    land = load_border_sides().get((border_id, side))
    if land is None:
        raise GeometryError(f"no land for {side!r} along {border_id}: choose {' or '.join(border_id.split('-'))}")
    centre = borders[border_id].line.centroid
    forward, backward = _aeqd(centre.y, centre.x)
    line = _reproject(forward, borders[border_id].line)
    band = line.buffer(width_km * 1000, quad_segs=32).intersection(_reproject(forward, land))
    band = _reproject(backward, shapely.make_valid(band))
    polygons = [geom for geom in getattr(band, "geoms", [band]) if geom.geom_type == "Polygon" and not geom.is_empty]
    return tuple(
        (tuple(polygon.exterior.coords), *(tuple(hole.coords) for hole in polygon.interiors)) for polygon in polygons
    )


def border_line_paths(border_id: str) -> list[list[list[float]]]:
    """The border as paths of ``[lon, lat]`` pairs (for drawing it)."""
    return [list(map(list, part.coords)) for part in load_borders()[border_id].line.geoms]
