"""Geodesic geometry: rings, distances to borders and bands, tested at the hard cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from geopy.distance import geodesic

from dashboard.geo import geodesy

KARACHEV = (53.1424, 34.9498)
TOROPETS = (56.5068, 31.7024)


@pytest.mark.parametrize(
    ("lat", "lon", "km"),
    [(53.1424, 34.9498, 120.7), (0.0, 0.0, 1000.0), (-33.9, 151.2, 2500.0), (70.0, 20.0, 75.0)],
)
def test_every_ring_point_is_at_the_requested_geodesic_distance(lat: float, lon: float, km: float) -> None:
    for ring_lon, ring_lat in geodesy.ring(lat, lon, km):
        assert geodesic((lat, lon), (ring_lat, ring_lon)).km == pytest.approx(km, rel=0.001)


def test_ring_is_closed() -> None:
    path = geodesy.ring(*KARACHEV, 120.7)
    assert path[0] == pytest.approx(path[-1])


def test_ring_across_the_antimeridian_is_continuous() -> None:
    path = geodesy.ring(0.0, 179.5, 500.0)
    lons = np.array([point[0] for point in path])
    assert np.abs(np.diff(lons)).max() < 1.0
    assert lons.min() < 180 < lons.max()  # runs past 180 instead of jumping to -180


def test_ring_around_a_pole_spans_all_longitudes_without_breaking() -> None:
    path = geodesy.ring(89.0, 0.0, 500.0)
    lons = [point[0] for point in path]
    assert max(lons) - min(lons) >= 359
    assert sorted({point[1] for point in path if abs(point[1]) == 90}) == [90.0]
    assert np.abs(np.diff(lons)).max() < 361


@pytest.mark.parametrize("centre", [(math.nan, 30.0), (50.0, math.nan), (math.inf, 0.0)])
def test_nan_centre_is_refused_with_a_message(centre: tuple[float, float]) -> None:
    with pytest.raises(geodesy.GeometryError, match="finite coordinates"):
        geodesy.ring(*centre, 100.0)


@pytest.mark.parametrize("radius", [0.0, -5.0, math.nan])
def test_bad_radius_is_refused(radius: float) -> None:
    with pytest.raises(geodesy.GeometryError, match="radius"):
        geodesy.ring(50.0, 30.0, radius)


@pytest.mark.parametrize(("value", "unit", "km"), [(75, "mi", 120.7008), (70, "mi", 112.6541), (10, "nmi", 18.52)])
def test_units(value: float, unit: str, km: float) -> None:
    assert geodesy.to_km(value, unit) == pytest.approx(km, abs=1e-3)
    assert geodesy.from_km(km, unit) == pytest.approx(value, abs=1e-3)


def brute_force_km(lat: float, lon: float, border_id: str, step_km: float = 0.5) -> float:
    """Densify the border to ``step_km`` and take the smallest geodesic distance to any vertex."""
    best = math.inf
    for part in geodesy.load_borders()[border_id].line.geoms:
        coords = list(part.coords)
        for (lon1, lat1), (lon2, lat2) in itertools.pairwise(coords):
            length = geodesic((lat1, lon1), (lat2, lon2)).km
            steps = max(1, int(length / step_km))
            for t in np.linspace(0, 1, steps + 1):
                point = (lat1 + (lat2 - lat1) * t, lon1 + (lon2 - lon1) * t)
                best = min(best, geodesic((lat, lon), point).km)
    return best


@pytest.mark.parametrize(
    ("point", "border"),
    [(KARACHEV, "RUS-UKR"), (TOROPETS, "RUS-UKR"), ((50.45, 30.52), "BLR-UKR"), ((39.03, 125.75), "CHN-PRK")],
)
def test_border_distance_agrees_with_a_dense_brute_force_check(point: tuple[float, float], border: str) -> None:
    computed = geodesy.distance_to_border(*point, border).km
    assert computed == pytest.approx(brute_force_km(*point, border), rel=0.01)


def test_karachev_depot_is_about_115_km_from_the_russia_ukraine_border() -> None:
    distance = geodesy.distance_to_border(*KARACHEV)
    assert 113 <= distance.km <= 119
    assert 70 <= geodesy.from_km(distance.km, "mi") <= 74


def test_toropets_depot_is_about_466_km_from_the_border() -> None:
    assert geodesy.distance_to_border(*TOROPETS).km == pytest.approx(466, abs=9)


def test_unknown_border_is_refused() -> None:
    with pytest.raises(geodesy.GeometryError, match="known borders"):
        geodesy.distance_to_border(50.0, 30.0, "XXX-YYY")


def test_band_holds_land_within_the_width_on_the_chosen_side_only() -> None:
    from shapely.geometry import Point, Polygon

    polygons = [
        Polygon(rings[0], rings[1:]) for rings in geodesy.border_band("RUS-UKR", "RUS", geodesy.to_km(70, "mi"))
    ]

    def inside(lat: float, lon: float) -> bool:
        return any(polygon.contains(Point(lon, lat)) for polygon in polygons)

    assert inside(52.5, 35.0)  # Russian side, ~30 km from the border
    assert not inside(*KARACHEV)  # ~117 km: beyond 70 mi
    assert not inside(50.45, 30.52)  # Kyiv: Ukrainian side
    assert not inside(55.75, 37.62)  # Moscow: far


def test_band_edge_is_at_the_requested_distance() -> None:
    polygons = geodesy.border_band("RUS-UKR", "RUS", 100.0)
    distances = []
    for rings in polygons:
        for lon, lat in rings[0][::25]:
            distances.append(geodesy.distance_to_border(lat, lon).km)
    assert max(distances) == pytest.approx(100.0, rel=0.01)


def test_band_side_must_be_a_country_of_the_border() -> None:
    with pytest.raises(geodesy.GeometryError, match="RUS or UKR"):
        geodesy.border_band("RUS-UKR", "POL", 50.0)
