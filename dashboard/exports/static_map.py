"""The map as a Plotly figure, for static images (PNG/SVG/PDF) that need no network.

pydeck cannot export images, so the same content (outlines, border band, rings with labels, arcs, events,
legend) is drawn with Plotly's geo projection. Every built-in geo layer is off (they fetch a world topojson
from a CDN); the country outlines come from the shipped Natural Earth file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pyproj import Geod

from dashboard.geo.geodesy import border_band, border_line_paths
from dashboard.geo.overlays import Band, Ring
from dashboard.records.registries import Registries
from dashboard.store.selection import Selection
from dashboard.views.layers import ARC_LIMIT, CELL_DEGREES, FLOW_CELL_DEGREES, POINT_LIMIT, world_outlines
from dashboard.views.text import escape_html

_GEOD = Geod(ellps="WGS84")
PRECISION_SIZE = {"exact": 7, "near": 9, "city": 11, "region": 14, "country": 18}
BORDER, BACKGROUND = "#8c8c8c", "#fbfaf7"
FLOW_COLUMNS = {
    "origin_lon": "origin_longitude",
    "origin_lat": "origin_latitude",
    "destination_lon": "destination_longitude",
    "destination_lat": "destination_latitude",
    "type": "event_type",
}
MAP_IMAGE_SIZE = (1600, 1000)  # pixels before scaling; the map area inside is about 16:8


def _lines(rings: list[list[list[float]]]) -> tuple[list[float | None], list[float | None]]:
    """Several rings of [lon, lat] as one trace's coordinates, separated by None."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in rings:
        lons += [point[0] for point in ring] + [None]
        lats += [point[1] for point in ring] + [None]
    return lons, lats


def _mercator_y(lat: float) -> float:
    return float(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))


def _extent(
    events: tuple[float, float, float, float] | None, rings: list[Ring], aspect: float
) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges that hold the events' extent (west, east, south, north) and every ring,
    widened to fill a ``aspect`` (w/h) frame."""
    corners = [(events[0], events[2]), (events[1], events[3])] if events else []
    lons = [point[0] for point in corners] + [point[0] for ring in rings for point in ring.path]
    lats = [point[1] for point in corners] + [point[1] for ring in rings for point in ring.path]
    if not lons:
        lons, lats = [22.0, 60.0], [40.0, 62.0]
    west, east = min(lons), max(lons)
    south, north = max(min(lats), -80.0), min(max(lats), 80.0)
    pad_lon, pad_lat = max((east - west) * 0.06, 1.5), max((north - south) * 0.06, 1.0)
    west, east, south, north = west - pad_lon, east + pad_lon, max(south - pad_lat, -82), min(north + pad_lat, 82)
    width = np.radians(east - west)
    height = _mercator_y(north) - _mercator_y(south)
    if width / height > aspect:  # too wide: add latitude around the middle
        middle, half = (_mercator_y(north) + _mercator_y(south)) / 2, width / aspect / 2
        south, north = (float(np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)) for y in (middle - half, middle + half))
        south, north = max(south, -84.0), min(north, 84.0)
    else:  # too tall: add longitude
        middle, half = (west + east) / 2, float(np.degrees(height * aspect)) / 2
        west, east = middle - half, middle + half
    return [west, east], [south, north]


def _outline_rings(lon_range: list[float], lat_range: list[float]) -> list[list[list[float]]]:
    """Exterior rings of the shipped countries that reach into the view (plus a margin)."""
    rings = []
    for feature in world_outlines()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            outer = np.asarray(polygon[0])
            if (
                outer[:, 0].max() >= lon_range[0] - 10
                and outer[:, 0].min() <= lon_range[1] + 10
                and outer[:, 1].max() >= lat_range[0] - 10
                and outer[:, 1].min() <= lat_range[1] + 10
            ):
                rings.append(polygon[0])
    return rings


def _arc(lon1: float, lat1: float, lon2: float, lat2: float, points: int = 48) -> tuple[list[float], list[float]]:
    """A great-circle path between two points (geodesic on WGS 84)."""
    middle = _GEOD.npts(lon1, lat1, lon2, lat2, points)
    lons = [lon1, *(point[0] for point in middle), lon2]
    lats = [lat1, *(point[1] for point in middle), lat2]
    return list(np.degrees(np.unwrap(np.radians(lons)))), lats


def static_map_figure(
    selection: Selection,
    rings: list[Ring] = (),
    band: Band | None = None,
    title: str = "Events map",
    subtitle: str = "",
    footer: str = "",
    aspect: float = 16 / 8,
) -> go.Figure:
    """The map as drawn on the Map page, as a Plotly figure that renders without any network.

    ``aspect`` is the width/height of the map area the figure will be drawn at (see `MAP_IMAGE_SIZE`).
    """
    registries = selection.registries
    located = selection.located
    rings = list(rings)
    lon_range, lat_range = _extent(located.extent, rings, aspect)
    figure = go.Figure()
    lons, lats = _lines(_outline_rings(lon_range, lat_range))
    figure.add_trace(
        go.Scattergeo(
            lon=lons,
            lat=lats,
            mode="lines",
            line={"color": BORDER, "width": 0.6},
            hoverinfo="skip",
            showlegend=False,
            name="countries",
        )
    )
    if band is not None:
        polygons = border_band(band.border, band.side, band.width_km)
        lons, lats = _lines([polygon[0] for polygon in polygons])
        figure.add_trace(
            go.Scattergeo(
                lon=lons,
                lat=lats,
                mode="lines",
                fill="toself",
                fillcolor="rgba(230,159,0,0.25)",
                line={"color": "rgba(200,120,0,0.8)", "width": 1},
                name=band.label,
                hoverinfo="name",
            )
        )
        lons, lats = _lines(border_line_paths(band.border))
        figure.add_trace(
            go.Scattergeo(
                lon=lons,
                lat=lats,
                mode="lines",
                line={"color": "#783c00", "width": 2},
                showlegend=False,
                hoverinfo="skip",
                name="border",
            )
        )
    for ring in rings:
        lons, lats = _lines([ring.path])
        figure.add_trace(
            go.Scattergeo(
                lon=lons,
                lat=lats,
                mode="lines",
                line={"color": ring.colour, "width": 2},
                name=f"{ring.label} around {ring.centre_label} (range source: {ring.source})",
                hoverinfo="name",
            )
        )
        top = max(ring.path, key=lambda point: point[1])
        figure.add_trace(
            go.Scattergeo(
                lon=[top[0], ring.lon],
                lat=[top[1], ring.lat],
                mode="text+markers",
                text=[ring.label, ""],
                textposition="top center",
                textfont={"color": ring.colour, "size": 12},
                marker={"size": [0, 5], "color": ring.colour},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    routed = located.routed
    if routed.count > ARC_LIMIT:  # as on the Map page: arcs between cells, one per route and type
        flows = routed.flows(FLOW_CELL_DEGREES).head(ARC_LIMIT)  # the largest routes
        _add_arcs(figure, flows.rename(columns=FLOW_COLUMNS), registries)
    else:
        _add_arcs(figure, routed.rows(), registries)
    if located.count > POINT_LIMIT:
        _add_cells(figure, located.cells(CELL_DEGREES), registries)
    else:
        _add_points(figure, located.rows(), registries)
    figure.update_geos(
        visible=False,  # no built-in layers: they would be fetched from a CDN
        showland=False,
        showcountries=False,
        showcoastlines=False,
        showocean=False,
        showlakes=False,
        showrivers=False,
        showsubunits=False,
        showframe=True,
        framecolor="#cccccc",
        projection_type="mercator",
        lonaxis_range=lon_range,
        lataxis_range=lat_range,
        bgcolor=BACKGROUND,
    )
    figure.update_layout(
        title={
            "text": f"<b>{escape_html(title)}</b><br><span style='font-size:12px'>{escape_html(subtitle)}</span>",
            "x": 0.01,
        },
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0, "font": {"size": 11}},
        paper_bgcolor="white",
        annotations=[
            {
                "text": escape_html(footer) + (" · " if footer else "") + "marker size: location precision "
                "(larger = vaguer) · outlines: Natural Earth",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1.0,
                "showarrow": False,
                "font": {"size": 10},
                "xanchor": "left",
                "yanchor": "bottom",
            }
        ],
    )
    return figure


def _add_arcs(figure: go.Figure, routed: pd.DataFrame, registries: Registries) -> None:
    """Origin→destination arcs, one trace per event type."""
    for event_type in registries.event_types.index:
        of_type = routed[routed["event_type"] == event_type]
        lons: list[float | None] = []
        lats: list[float | None] = []
        for _, event in of_type.iterrows():
            arc_lons, arc_lats = _arc(
                event["origin_longitude"],
                event["origin_latitude"],
                event["destination_longitude"],
                event["destination_latitude"],
            )
            lons += [*arc_lons, None]
            lats += [*arc_lats, None]
        if lons:
            figure.add_trace(
                go.Scattergeo(
                    lon=lons,
                    lat=lats,
                    mode="lines",
                    line={"color": registries.event_type_colour(event_type), "width": 2},
                    opacity=0.8,
                    showlegend=False,
                    hoverinfo="skip",
                )
            )


def _add_points(figure: go.Figure, events: pd.DataFrame, registries: Registries) -> None:
    """One marker per event, sized by location precision, one trace (legend entry) per type."""
    for event_type in registries.event_types.index:
        of_type = events[events["event_type"] == event_type]
        if of_type.empty:
            continue
        figure.add_trace(
            go.Scattergeo(
                lon=of_type["longitude"],
                lat=of_type["latitude"],
                mode="markers",
                marker={
                    "color": registries.event_type_colour(event_type),
                    "size": of_type["location_precision"].astype(str).map(PRECISION_SIZE).tolist(),
                    "line": {"color": "white", "width": 1},
                    "opacity": 0.9,
                },
                name=registries.event_type_label(event_type),
                text=of_type["title"].map(escape_html),
                hoverinfo="text",
                customdata=of_type[["id"]].to_numpy(),
            )
        )


def _add_cells(figure: go.Figure, cells: pd.DataFrame, registries: Registries) -> None:
    """Many events: one marker per grid cell, sized by its count, coloured by its most common type."""
    largest = max(int(cells["count"].max()), 1) if not cells.empty else 1
    for event_type in registries.event_types.index:
        of_type = cells[cells["type"] == event_type]
        if of_type.empty:
            continue
        figure.add_trace(
            go.Scattergeo(
                lon=(of_type["cx"] + 0.5) * CELL_DEGREES,
                lat=(of_type["cy"] + 0.5) * CELL_DEGREES,
                mode="markers",
                marker={
                    "color": registries.event_type_colour(event_type),
                    "size": (5 + 25 * (of_type["count"] / largest) ** 0.5).tolist(),
                    "line": {"color": "white", "width": 0.5},
                    "opacity": 0.75,
                },
                name=f"{registries.event_type_label(event_type)} (most common in a {CELL_DEGREES}° cell)",
                text=of_type["count"].map("{:,} events".format),
                hoverinfo="text",
            )
        )
