"""The map as a Plotly figure, for static images (PNG/SVG/PDF) that need no network.

pydeck cannot export images, so the same content (outlines, border band, rings with labels, arcs with their
direction, events, legend) is drawn with Plotly's geo projection, plus what a printed map needs: place labels,
country names and a scale bar. Every built-in geo layer is off (they fetch a world topojson from a CDN); the
country outlines come from the shipped Natural Earth file. The projection is Mercator (north is up, so no
north arrow); the scale bar holds at the latitude it is drawn at.

The map is framed on the events as the Map page frames them (a few far from all the others are left out, and
the map says so); `main_cluster` finds the part of a widely spread set worth a second, closer map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pyproj import Geod

from dashboard.geo.geodesy import border_band, border_line_paths, bounds, pairwise_km, scale_bar
from dashboard.geo.overlays import Band, Ring
from dashboard.model.registries import Registries
from dashboard.store.selection import Selection
from dashboard.views.layers import (
    ARC_LIMIT,
    CELL_DEGREES,
    FLOW_CELL_DEGREES,
    POINT_LIMIT,
    country_label_points,
    framing,
    label_sides,
    place_counts,
    world_outlines,
)
from dashboard.views.text import escape_plotly

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
MAP_IMAGE_SIZE = (1600, 900)  # pixels before scaling (16:9, as the slides); the map area inside is about 2:1
# Text sizes in pixels of MAP_IMAGE_SIZE: on a 16:9 slide the image is about 10 inches wide, 160 px an inch, so
# 30 px is 12 pt or more (the legend, readable at the back of a room) and 22 px about 9 pt (labels on the map).
LEGEND_PX, LABEL_PX, COUNTRY_PX, TITLE_PX = 30, 22, 18, 30
PLACE_LABELS = 14  # the most place names written on one map (the places with the most events first)
CLUSTER_KM = 1_000  # events this close to the busiest place form the cluster a closer map shows


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


def map_extent(
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


def outline_rings(lon_range: list[float], lat_range: list[float]) -> list[list[list[float]]]:
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


def clusters(events: pd.DataFrame, most: int = 2) -> list[pd.DataFrame]:
    """Up to ``most`` groups of events worth a closer map of their own, busiest first: the events within
    `CLUSTER_KM` of the place with the most events near it (then of the next, among the rest), when the whole
    set is spread much wider than the group (Korea and Ukraine). None when the events sit close together."""
    points = events.dropna(subset=["latitude", "longitude"])
    if len(points) < 4 or len(points) > POINT_LIMIT:
        return []
    near = pairwise_km(points["latitude"], points["longitude"]) <= CLUSTER_KM
    west, east, south, north = bounds(points)
    spread = max(east - west, north - south)
    free = np.ones(len(points), dtype=bool)
    found = []
    while len(found) < most:
        counts = (near & free[None, :]).sum(axis=1) * free
        centre = int(counts.argmax())
        members = near[centre] & free
        if members.sum() < 3 or members.sum() == len(points):
            break
        group = points[members]
        g_west, g_east, g_south, g_north = bounds(group)
        if max(g_east - g_west, g_north - g_south, 1.0) >= spread / 3:
            break
        found.append(group)
        free &= ~members
    return found


def cluster_name(group: pd.DataFrame) -> str:
    """``"around Najin (8 events)"``: the group's busiest place."""
    places = group["place"].dropna().astype(str)
    where = f"around {places.value_counts().index[0]}" if not places.empty else "detail"
    return f"{where} ({len(group)} events)"


def static_map_figure(
    selection: Selection,
    rings: list[Ring] = (),
    band: Band | None = None,
    title: str = "Events map",
    subtitle: str = "",
    footer: str = "",
    aspect: float = 2.0,
    focus: pd.DataFrame | None = None,
) -> go.Figure:
    """The map as drawn on the Map page, as a Plotly figure that renders without any network.

    ``aspect`` is the width/height of the map area the figure will be drawn at (see `MAP_IMAGE_SIZE`);
    ``focus``: events to frame the map on (a `main_cluster`) instead of all of them.
    """
    registries = selection.registries
    located = selection.located
    rings = list(rings)
    events = located.rows() if located.count <= POINT_LIMIT else None
    note = None
    if focus is not None:
        framed = focus
        west, east, south, north = bounds(focus)
        rings = [ring for ring in rings if west - 5 <= ring.lon <= east + 5 and south - 5 <= ring.lat <= north + 5]
    elif events is not None:
        framed, note = framing(events)
    else:
        framed = None
    lon_range, lat_range = map_extent(bounds(framed) if framed is not None else located.extent, rings, aspect)
    figure = go.Figure()
    lons, lats = _lines(outline_rings(lon_range, lat_range))
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
    polygons = border_band(band.border, band.side, band.width_km) if band is not None else []
    band_points = np.asarray([point for polygon in polygons for point in polygon[0]]).reshape(-1, 2)
    if band is not None and _within(band_points[:, 0], band_points[:, 1], lon_range, lat_range).any():
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
                line={"color": ring.colour, "width": 4},
                name=f"{ring.label} from {ring.centre_label}",
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
                textposition="top right",
                textfont={"color": ring.colour, "size": LABEL_PX},
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
    _add_country_names(figure, lon_range, lat_range)
    if events is None:
        _add_cells(figure, located.cells(CELL_DEGREES), registries)
    else:
        seen = events[_within(events["longitude"], events["latitude"], lon_range, lat_range)]
        _add_points(figure, seen, registries)  # the legend names only what the map shows
        _add_place_labels(figure, seen, lon_range, lat_range)
    _add_scale_bar(figure, lon_range, lat_range)
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
    notes = [footer] if footer else []
    notes += ["marker size: location precision (larger = vaguer)", "outlines: Natural Earth"]
    notes += [f"{ring.label.split(' · ')[0]} range: {ring.source}" for ring in rings]
    notes += [note] if note else []
    figure.update_layout(
        title={
            "text": f"<b>{escape_plotly(title)}</b><br>"
            f"<span style='font-size:{LABEL_PX}px'>{escape_plotly(subtitle)}</span>",
            "x": 0.01,
            "y": 0.97,
            "yanchor": "top",
            "font": {"size": TITLE_PX},
        },
        margin={"l": 10, "r": 10, "t": 150, "b": 10},
        legend={
            "orientation": "h",
            "y": -0.02,
            "yanchor": "top",
            "x": 0,
            "font": {"size": LEGEND_PX},
            "itemsizing": "constant",
        },
        paper_bgcolor="white",
        annotations=[
            {
                "text": _wrapped(notes),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1.0,
                "showarrow": False,
                "font": {"size": 15, "color": "#444444"},
                "xanchor": "left",
                "yanchor": "bottom",
            }
        ],
    )
    return figure


def _within(lons: object, lats: object, lon_range: list[float], lat_range: list[float]) -> np.ndarray:
    """Which points (arrays of longitudes and latitudes) lie inside the map."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    return (lons >= lon_range[0]) & (lons <= lon_range[1]) & (lats >= lat_range[0]) & (lats <= lat_range[1])


def _in_view(lon: float, lat: float, lon_range: list[float], lat_range: list[float]) -> bool:
    return lon_range[0] <= lon <= lon_range[1] and lat_range[0] <= lat <= lat_range[1]


def _add_place_labels(figure: go.Figure, events: pd.DataFrame, lon_range: list[float], lat_range: list[float]) -> None:
    """The names of the places with the most events (at most `PLACE_LABELS`), beside their markers."""
    counted = place_counts(events)
    if counted.empty:
        return
    shown = counted[[_in_view(row.lon, row.lat, lon_range, lat_range) for row in counted.itertuples()]]
    sides = _clear_of_each_other(shown, lon_range, lat_range)
    shown = shown.loc[list(sides)].head(PLACE_LABELS)
    figure.add_trace(
        go.Scattergeo(
            lon=shown["lon"],
            lat=shown["lat"],
            mode="text",
            text=[escape_plotly(str(place)) for place in shown.index],
            textposition=[sides[str(place)] for place in shown.index],
            textfont={"size": LABEL_PX, "color": "#1f2933"},
            showlegend=False,
            hoverinfo="skip",
            name="places",
        )
    )


MAP_AREA_PX = (1500, 650)  # about the map's drawn size in MAP_IMAGE_SIZE, to keep labels from overlapping


def _clear_of_each_other(places: pd.DataFrame, lon_range: list[float], lat_range: list[float]) -> dict[str, str]:
    """The places whose label fits inside the map without overlapping another, each with its side."""
    width_px, height_px = MAP_AREA_PX
    top, bottom = _mercator_y(lat_range[1]), _mercator_y(lat_range[0])
    scale = min(width_px / np.radians(lon_range[1] - lon_range[0]), height_px / (top - bottom))
    x = np.radians(places["lon"].to_numpy(float) - lon_range[0]) * scale
    y = np.array([(top - _mercator_y(lat)) * scale for lat in places["lat"]])
    sides = label_sides(places, x, y, LABEL_PX, np.radians(lon_range[1] - lon_range[0]) * scale)
    return {place: f"middle {side}" for place, side in sides.items()}


def _wrapped(parts: list[str], width: int = 190) -> str:
    """Notes joined by " · ", broken into lines of at most about ``width`` characters (``<br>``)."""
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) + 3 > width:
            lines.append("")
        lines[-1] += (" · " if lines[-1] else "") + escape_plotly(part)
    return "<br>".join(lines)


def _add_country_names(figure: go.Figure, lon_range: list[float], lat_range: list[float]) -> None:
    """Country names in grey, for the countries large enough at this scale whose label point is in view."""
    view_area = (lon_range[1] - lon_range[0]) * (lat_range[1] - lat_range[0])
    shown = [
        (name, lon, lat)
        for name, lon, lat, area in country_label_points()
        if _in_view(lon, lat, lon_range, lat_range) and area > view_area / 150
    ]
    if not shown:
        return
    figure.add_trace(
        go.Scattergeo(
            lon=[lon for _, lon, _ in shown],
            lat=[lat for _, _, lat in shown],
            mode="text",
            text=[escape_plotly(name.upper()) for name, _, _ in shown],
            textfont={"size": COUNTRY_PX, "color": "#a8adb3"},
            showlegend=False,
            hoverinfo="skip",
            name="countries (names)",
        )
    )


def _add_scale_bar(figure: go.Figure, lon_range: list[float], lat_range: list[float]) -> None:
    """A scale bar near the bottom left: a round distance about a fifth of the map's width, true at the
    latitude it is drawn at (Mercator stretches distances away from the equator)."""
    west, east = lon_range
    south, north = lat_range
    lat = south + (north - south) * 0.06
    start = west + (east - west) * 0.03
    km, end = scale_bar(start, east, lat)
    end_lat = lat
    figure.add_trace(
        go.Scattergeo(
            lon=[start, end],
            lat=[lat, end_lat],
            mode="lines+markers",
            line={"color": "#1f2933", "width": 4},
            marker={"symbol": "line-ns", "size": 14, "line": {"width": 3, "color": "#1f2933"}},
            showlegend=False,
            hoverinfo="skip",
            name="scale bar",
        )
    )
    miles = km / 1.609344
    figure.add_trace(
        go.Scattergeo(
            lon=[(start + end) / 2],
            lat=[lat],
            mode="text",
            text=[f"{km:,} km ({miles:,.0f} mi)"],
            textposition="top center",
            textfont={"size": LABEL_PX, "color": "#1f2933"},
            showlegend=False,
            hoverinfo="skip",
            name="scale",
        )
    )


def _add_arcs(figure: go.Figure, routed: pd.DataFrame, registries: Registries) -> None:
    """Origin→destination arcs, one trace per event type, each with an arrowhead at its destination."""
    for event_type in registries.event_types.index:
        of_type = routed[routed["event_type"] == event_type]
        lons: list[float | None] = []
        lats: list[float | None] = []
        heads: list[int] = []
        for _, event in of_type.iterrows():
            arc_lons, arc_lats = _arc(
                event["origin_longitude"],
                event["origin_latitude"],
                event["destination_longitude"],
                event["destination_latitude"],
            )
            lons += [*arc_lons, None]
            lats += [*arc_lats, None]
            heads += [0] * (len(arc_lons) - 1) + [18, 0]  # the last point of each arc: its arrowhead
        if lons:
            colour = registries.event_type_colour(event_type)
            figure.add_trace(
                go.Scattergeo(
                    lon=lons,
                    lat=lats,
                    mode="lines+markers",
                    line={"color": colour, "width": 3},
                    marker={"symbol": "arrow", "size": heads, "angleref": "previous", "color": colour},
                    opacity=0.85,
                    showlegend=False,
                    hoverinfo="skip",
                    name="routes",
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
                text=of_type["title"].map(escape_plotly),
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
