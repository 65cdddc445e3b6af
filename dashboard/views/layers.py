"""The pydeck map: offline outlines, events by type with precision halos, arcs, range rings and border bands.

Every pickable layer has an ``id`` and objects that carry the event ``id`` (or the ring spec), so a click
selects them, and a plain-text ``tooltip`` field: tooltips are text, never HTML, so record text cannot
inject markup. Beyond `POINT_LIMIT` events, points are aggregated into
grid cells so the page stays fast and the payload small.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import shapely.geometry
from pydeck.bindings.json_tools import default_serialize

from dashboard.geo.geodesy import GEO_DIR, border_band, border_line_paths, bounds, format_distance, pairwise_km
from dashboard.geo.geodesy import scale_bar as geodesy_scale_bar
from dashboard.geo.overlays import Band, Ring
from dashboard.model.registries import Registries
from dashboard.store.queries import ARC_TYPES, CELL_DEGREES
from dashboard.store.selection import Selection

POINT_LIMIT = 5_000
MIN_SPAN_DEGREES = 6.0  # the narrowest fitted view: a region with its borders, not a blank square
ARC_LIMIT = 500  # beyond this many transfers and deployments, arcs join cells of FLOW_CELL_DEGREES
FLOW_CELL_DEGREES = 2.0
FLOW_LIMIT = 100  # the largest routes drawn; more would cover the map in a solid band
FLOW_MIN_WIDTH_PX, FLOW_MAX_WIDTH_PX = 1, 6  # a route's arc, from the smallest to the largest route
FLOW_MIN_ALPHA, FLOW_MAX_ALPHA = 70, 220  # small routes fade, so the large ones stand out
CELL_MIN_RADIUS_PX, CELL_MAX_RADIUS_PX = 3, 14  # an aggregated cell's mark, from one event to the fullest cell
# Halo radius in pixels around each point: the vaguer the location, the wider the halo.
PRECISION_HALO_PX = {"exact": 0, "near": 8, "city": 11, "region": 16, "country": 22}
TOOLTIP_STYLE = {"backgroundColor": "#1f2933", "color": "white", "fontSize": "12px", "maxWidth": "380px"}


def rgba(colour: str, alpha: int = 255) -> list[int]:
    """``"#d55e00"`` → ``[213, 94, 0, alpha]``."""
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


@lru_cache(maxsize=2)
def world_outlines(path: Path = GEO_DIR / "world.geojson") -> dict:
    """The shipped, simplified country outlines (Natural Earth)."""
    return json.loads(path.read_text(encoding="utf-8"))


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents by 2, which makes the map payload ~6x larger."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


@dataclass
class MapModel:
    """What the map shows, with notes for the analyst (aggregation, events without coordinates)."""

    deck: pdk.Deck
    notes: list[str] = field(default_factory=list)
    aggregated: bool = False


def _event_points(events: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    colours = {kind: rgba(registries.event_type_colour(kind)) for kind in registries.event_types.index}
    halos = {kind: rgba(registries.event_type_colour(kind), 60) for kind in registries.event_types.index}
    kinds = events["event_type"].astype(object)
    dates = events["date_start"].dt.strftime("%Y-%m-%d")
    tooltip = (
        events["title"].astype(str)
        + "\n"
        + kinds.map(registries.type_labels)
        + " · "
        + dates
        + " ("
        + events["date_precision"].astype(str)
        + " precision)\n"
        + events["place"].fillna("").astype(str)
        + " ("
        + events["location_precision"].astype(str)
        + " location) · confidence: "
        + events["confidence"].astype(str)
    )
    return pd.DataFrame(
        {
            "id": events["id"].astype(str),
            "position": [[lon, lat] for lon, lat in zip(events["longitude"], events["latitude"], strict=True)],
            "colour": kinds.map(colours),
            "halo_colour": kinds.map(halos),
            "halo_px": events["location_precision"].astype(str).map(PRECISION_HALO_PX).astype(float),
            "tooltip": tooltip,
        }
    )


def _cells(cells: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    """Map marks for the engine's grid cells (`dashboard.store.queries.grid_cells`): size by count, colour by
    the most common type."""
    cells = cells.copy()
    cells["position"] = [
        [(x + 0.5) * CELL_DEGREES, (y + 0.5) * CELL_DEGREES] for y, x in zip(cells["cy"], cells["cx"], strict=True)
    ]
    largest = max(int(cells["count"].max()), 1) if not cells.empty else 1
    # Area by share of the fullest cell, at most CELL_MAX_RADIUS_PX: absolute counts would grow marks past
    # their cells and bury the map at a million events.
    cells["radius"] = (
        CELL_MIN_RADIUS_PX + (CELL_MAX_RADIUS_PX - CELL_MIN_RADIUS_PX) * np.sqrt(cells["count"] / largest)
    ).round(1)
    cells["colour"] = cells["type"].map(lambda kind: rgba(registries.event_type_colour(kind), 170))
    cells["tooltip"] = (
        cells["count"].map("{:,} events".format)
        + " in this cell · most often: "
        + cells["type"].map(registries.type_labels).fillna(cells["type"])
    )
    cells["id"] = ""
    return cells[["id", "position", "radius", "colour", "tooltip", "count"]]


def _arcs(events: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    has_route = events["origin_latitude"].notna() & events["destination_latitude"].notna()
    routed = events[has_route & events["event_type"].isin(ARC_TYPES)]
    labels = (
        routed["title"].astype(str)
        + "\n"
        + routed["origin_place"].fillna("origin").astype(str)
        + " → "
        + routed["destination_place"].fillna("destination").astype(str)
    )
    return pd.DataFrame(
        {
            "id": routed["id"].astype(str),
            "source": [list(pair) for pair in zip(routed["origin_longitude"], routed["origin_latitude"], strict=True)],
            "target": [
                list(pair) for pair in zip(routed["destination_longitude"], routed["destination_latitude"], strict=True)
            ],
            "colour": routed["event_type"].astype(object).map(lambda kind: rgba(registries.event_type_colour(kind))),
            "tooltip": labels,
            "width": 3,
        }
    )


def _flows(flows: pd.DataFrame, registries: Registries) -> pd.DataFrame:
    """Arcs for the engine's flows (`dashboard.store.queries.route_flows`): width and opacity by the share of
    the largest route (square root, so that area rather than width follows the count)."""
    largest = max(int(flows["count"].max()), 1) if not flows.empty else 1
    share = (flows["count"] / largest) ** 0.5
    alpha = (FLOW_MIN_ALPHA + (FLOW_MAX_ALPHA - FLOW_MIN_ALPHA) * share).round().astype(int)
    labels = registries.type_labels
    return pd.DataFrame(
        {
            "id": "",
            "source": [list(pair) for pair in zip(flows["origin_lon"], flows["origin_lat"], strict=True)],
            "target": [list(pair) for pair in zip(flows["destination_lon"], flows["destination_lat"], strict=True)],
            "colour": [
                rgba(registries.event_type_colour(kind), int(value))
                for kind, value in zip(flows["type"], alpha, strict=True)
            ],
            "tooltip": flows["count"].map("{:,}".format)
            + " "
            + flows["type"].map(labels).fillna(flows["type"])
            + " events between these cells",
            "width": (FLOW_MIN_WIDTH_PX + (FLOW_MAX_WIDTH_PX - FLOW_MIN_WIDTH_PX) * share).round(1),
        }
    )


def fit_view(lons: pd.Series, lats: pd.Series) -> pdk.ViewState:
    """A view that shows all the given points (or the theatre, when there are none)."""
    lons, lats = lons.dropna(), lats.dropna()
    if lons.empty:
        return pdk.ViewState(latitude=50.0, longitude=40.0, zoom=3)
    west, east, south, north = lons.min(), lons.max(), lats.min(), lats.max()
    span = max(east - west, (north - south) * 1.6, MIN_SPAN_DEGREES)  # a lone event keeps its surroundings
    zoom = max(0.8, min(9.0, math.log2(360 / span) - 0.4))
    return pdk.ViewState(latitude=(south + north) / 2, longitude=(west + east) / 2, zoom=zoom)


FAR_KM = 2_000  # an event with few others this close is "far from the rest" when framing the map
FRAMING_LIMIT = 1_000  # above this many events the map frames all of them (outliers weigh little there)
SELECTED_ZOOM = 6.0  # the least zoom the map opens at around a selected event


def _far_from_the_rest(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Which points lie far from the others: fewer than a tenth of the points (and at most two) within
    `FAR_KM`, when such points are at most a quarter of all. A statement made in New York does not make a
    war in Ukraine open as a map of the world; a cluster in Korea next to one in Ukraine stays."""
    count = len(lons)
    if count < 4 or count > FRAMING_LIMIT:
        return np.zeros(count, dtype=bool)
    near = (pairwise_km(lats, lons) <= FAR_KM).sum(axis=1)
    far = near <= max(2, count // 10) if count >= 10 else near <= 1
    return far if far.sum() <= count // 4 else np.zeros(count, dtype=bool)


def framing(points: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The events the map opens on (``longitude``, ``latitude``, ``place`` columns), and a note naming those
    left outside the first view because they lie far from the rest."""
    far = _far_from_the_rest(points["longitude"].to_numpy(float), points["latitude"].to_numpy(float))
    if not far.any():
        return points, None
    places = points.loc[far, "place"].dropna().astype(str).unique().tolist()
    where = f" ({', '.join(places[:3])}{', ...' if len(places) > 3 else ''})" if places else ""
    events = "1 event lies" if far.sum() == 1 else f"{int(far.sum())} events lie"
    return points[~far], f"{events} far from the rest{where}: outside the first view; zoom out to see them."


PLACE_LABELS = 12  # the most place names written on the map (the places with the most events first)
LABEL_PX = 13
FONT = "'Source Sans Pro, Helvetica, Arial, sans-serif'"  # the page's font where the browser has it
LABEL_COLOUR, COUNTRY_COLOUR = [31, 41, 51, 255], [120, 126, 134, 200]


@lru_cache(maxsize=1)
def country_label_points() -> tuple[tuple[str, float, float, float], ...]:
    """(name, lon, lat, area in square degrees) of each shipped country: a point inside its largest part."""
    points = []
    for feature in world_outlines()["features"]:
        geometry = shapely.geometry.shape(feature["geometry"])
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda part: part.area)
        inside = largest.representative_point()
        points.append((str(feature["properties"]["name"]), inside.x, inside.y, largest.area))
    return tuple(points)


def label_sides(
    places: pd.DataFrame, x: np.ndarray, y: np.ndarray, text_px: float, width_px: float | None = None
) -> dict[str, str]:
    """Which places (in order: the busiest first) get a label, and on which side of the marker ("right" or
    "left"): a label must overlap no label placed before it (nor leave ``0..width_px``, when given). ``x``,
    ``y``: each place's marker in pixels; labels are ``text_px`` high, about 0.55 of that per character."""
    boxes: list[tuple[float, float, float, float]] = []
    sides: dict[str, str] = {}
    for place, left_x, top_y in zip(places.index, x, y, strict=True):
        length = 0.55 * text_px * len(str(place))
        for side, left in (("right", left_x + 8), ("left", left_x - 8 - length)):
            box = (left, top_y - text_px / 2, left + length, top_y + text_px / 2)
            inside = width_px is None or (box[0] >= 0 and box[2] <= width_px)
            clear = all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in boxes)
            if inside and clear:
                boxes.append(box)
                sides[str(place)] = side
                break
    return sides


def _web_mercator_px(lons: np.ndarray, lats: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions in screen pixels at ``zoom`` (deck.gl's 512-pixel world)."""
    size = 512 * 2**zoom
    x = (np.asarray(lons, dtype=float) + 180) / 360 * size
    lat = np.radians(np.clip(np.asarray(lats, dtype=float), -85, 85))
    y = (1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / np.pi) / 2 * size
    return x, y


def place_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Each named place with its events' count and position, the busiest first."""
    places = events.dropna(subset=["place", "latitude", "longitude"])
    counted = places.groupby("place", observed=True).agg(
        events=("id", "size"), lon=("longitude", "first"), lat=("latitude", "first")
    )
    return counted.sort_values("events", ascending=False, kind="stable")


def label_layers(events: pd.DataFrame, view: tuple[float, float, float, float] | None, zoom: float) -> list[pdk.Layer]:
    """What a reader needs to find their way, drawn offline: the busiest places' names (those that do not
    overlap at the opening ``zoom``), country names and a scale bar (a geographic object: true at its latitude
    at any zoom) below the events' south-west corner. ``view``: west, east, south, north of the events."""
    if view is None:
        return []
    west, east, south, north = view
    counted = place_counts(events)
    sides = label_sides(counted, *_web_mercator_px(counted["lon"], counted["lat"], zoom), LABEL_PX)
    places = counted.loc[list(sides)].head(PLACE_LABELS)
    area = max((east - west) * (north - south), 1.0)
    countries = [
        {"text": name.upper(), "position": [lon, lat]}
        for name, lon, lat, size in country_label_points()
        if west - 5 <= lon <= east + 5 and south - 5 <= lat <= north + 5 and size > area / 300
    ]
    bar_lat = max(south - max((north - south) * 0.08, 0.3), -80.0)
    km, end = geodesy_scale_bar(west, max(east, west + 0.5), bar_lat)
    font = {"font_family": FONT, "character_set": "'auto'"}
    return [
        pdk.Layer(
            "TextLayer",
            id="country-names",
            data=countries,
            get_position="position",
            get_text="text",
            get_size=12,
            get_color=COUNTRY_COLOUR,
            get_text_anchor="'middle'",
            pickable=False,
            **font,
        ),
        pdk.Layer(
            "TextLayer",
            id="place-labels",
            data=[
                {
                    "text": str(place),
                    "position": [row.lon, row.lat],
                    "anchor": "start" if sides[str(place)] == "right" else "end",
                    "offset": [8, 0] if sides[str(place)] == "right" else [-8, 0],
                }
                for place, row in places.iterrows()
            ],
            get_position="position",
            get_text="text",
            get_size=LABEL_PX,
            get_color=LABEL_COLOUR,
            get_text_anchor="anchor",
            get_pixel_offset="offset",
            get_alignment_baseline="'center'",
            pickable=False,
            **font,
        ),
        pdk.Layer(
            "PathLayer",
            id="scale-bar",
            data=[{"path": [[west, bar_lat], [end, bar_lat]]}],
            get_path="path",
            get_color=LABEL_COLOUR,
            get_width=3,
            width_units="'pixels'",
            pickable=False,
        ),
        pdk.Layer(
            "TextLayer",
            id="scale-bar-label",
            data=[{"text": f"{km:,} km ({km / 1.609344:,.0f} mi)", "position": [west, bar_lat]}],
            get_position="position",
            get_text="text",
            get_size=12,
            get_color=LABEL_COLOUR,
            get_pixel_offset=[0, -12],
            get_text_anchor="'start'",
            pickable=False,
            **font,
        ),
    ]


def basemap_layers(online_tiles: bool) -> list[pdk.Layer]:
    return [
        pdk.Layer(
            "GeoJsonLayer",
            id="countries",
            data=world_outlines(),
            stroked=True,
            filled=not online_tiles,
            get_fill_color=[241, 239, 233],
            get_line_color=[150, 150, 150],
            line_width_min_pixels=0.6,
            pickable=False,
        )
    ]


def ring_layers(rings: list[Ring]) -> list[pdk.Layer]:
    if not rings:
        return []
    records = [
        {
            "id": ring.spec,
            "polygon": ring.path,
            "colour": rgba(ring.colour),
            "fill": rgba(ring.colour, 28),
            "label": ring.label,
            "label_position": max(ring.path, key=lambda point: point[1]),
            "centre": [ring.lon, ring.lat],
            "tooltip": (
                f"{ring.label}\ncentre: {ring.centre_label}\nradius {format_distance(ring.radius_km)} (geodesic)"
                f"\nrange source: {ring.source}"
            ),
        }
        for ring in rings
    ]
    return [
        pdk.Layer(
            "PolygonLayer",
            id="rings",
            data=records,
            get_polygon="polygon",
            get_fill_color="fill",
            get_line_color="colour",
            line_width_min_pixels=2,
            stroked=True,
            filled=True,
            wrap_longitude=False,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="ring-centres",
            data=records,
            get_position="centre",
            get_fill_color="colour",
            get_radius=4,
            radius_units="'pixels'",
            pickable=False,
        ),
        pdk.Layer(
            "TextLayer",
            id="ring-labels",
            data=records,
            get_position="label_position",
            get_text="label",
            get_color="colour",
            get_size=13,
            get_alignment_baseline="'bottom'",
            background=True,
            background_padding=[6, 3, 6, 3],
            get_background_color=[255, 255, 255, 210],
            font_family="'sans-serif'",
            character_set="'auto'",
            pickable=False,
        ),
    ]


def band_layers(band: Band | None) -> list[pdk.Layer]:
    if band is None:
        return []
    polygons = border_band(band.border, band.side, band.width_km)
    tooltip = f"{band.label}\ngeodesic buffer of the border line, clipped to the {band.side} side"
    return [
        pdk.Layer(
            "PolygonLayer",
            id="border-band",
            data=[{"id": "band", "polygon": rings, "tooltip": tooltip} for rings in polygons],
            get_polygon="polygon",
            get_fill_color=[230, 159, 0, 55],
            get_line_color=[200, 120, 0, 200],
            line_width_min_pixels=1,
            pickable=True,
        ),
        pdk.Layer(
            "PathLayer",
            id="border-line",
            data=[{"path": path} for path in border_line_paths(band.border)],
            get_path="path",
            get_color=[120, 60, 0, 230],
            width_min_pixels=2,
            pickable=False,
        ),
    ]


def event_layers(selection: Selection) -> tuple[list[pdk.Layer], list[str], bool]:
    """Points (or the engine's grid cells beyond POINT_LIMIT) and arcs; notes say what was aggregated or left
    out."""
    registries = selection.registries
    notes = []
    located = selection.located
    if located.count < selection.count:
        notes.append(f"{selection.count - located.count:,} events have no coordinates and are not on the map.")
    layers: list[pdk.Layer] = []
    aggregated = located.count > POINT_LIMIT
    if aggregated:
        cells = _cells(located.cells(CELL_DEGREES), registries)
        notes.append(
            f"{located.count:,} events are more than {POINT_LIMIT:,}: shown as {len(cells):,} cells of"
            f" {CELL_DEGREES}° with their counts. Narrow the filters to see and click single events."
        )
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                id="event-cells",
                data=cells.to_dict("records"),
                get_position="position",
                get_fill_color="colour",
                get_radius="radius",
                radius_units="'pixels'",
                pickable=True,
            )
        )
    else:
        points = _event_points(located.rows(), registries)
        layers += [
            pdk.Layer(
                "ScatterplotLayer",
                id="precision-halos",
                data=points[points["halo_px"] > 0].to_dict("records"),
                get_position="position",
                get_fill_color="halo_colour",
                get_line_color="colour",
                get_radius="halo_px",
                radius_units="'pixels'",
                stroked=True,
                line_width_min_pixels=1,
                pickable=False,
            ),
            pdk.Layer(
                "ScatterplotLayer",
                id="events",
                data=points.to_dict("records"),
                get_position="position",
                get_fill_color="colour",
                get_line_color=[255, 255, 255],
                get_radius=6,
                radius_units="'pixels'",
                stroked=True,
                line_width_min_pixels=1.5,
                pickable=True,
                auto_highlight=True,
            ),
        ]
    routed = located.routed
    if routed.count > ARC_LIMIT:
        flows = routed.flows(FLOW_CELL_DEGREES)
        drawn = flows.head(FLOW_LIMIT)
        arcs = _flows(drawn, registries)
        shown = ""
        if len(flows) > FLOW_LIMIT:
            held = int(drawn["count"].sum()) / max(int(flows["count"].sum()), 1)
            shown = f" The {FLOW_LIMIT:,} largest of {len(flows):,} routes are drawn, with {held:.0%} of these events."
        notes.append(
            f"{routed.count:,} transfers and deployments are more than {ARC_LIMIT:,}: each arc joins"
            f" {FLOW_CELL_DEGREES:g}° cells and is the wider and darker, the more events it stands for.{shown}"
        )
    else:
        arcs = _arcs(routed.rows(), registries)
    if not arcs.empty:
        layers.append(
            pdk.Layer(
                "ArcLayer",
                id="arcs",
                data=[record | {"source_colour": [*record["colour"][:3], 45]} for record in arcs.to_dict("records")],
                get_source_position="source",
                get_target_position="target",
                get_source_color="source_colour",  # faint at the origin, full colour at the destination
                get_target_color="colour",
                get_width="width",
                width_units="'pixels'",
                great_circle=True,
                pickable=True,
                auto_highlight=True,
            )
        )
    return layers, notes, aggregated


def selected_layers(event: pd.Series | None) -> list[pdk.Layer]:
    """A ring around the selected event, so it stands out from the others."""
    if event is None or pd.isna(event.get("latitude")) or pd.isna(event.get("longitude")):
        return []
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="selected-event",
            data=[{"position": [float(event["longitude"]), float(event["latitude"])]}],
            get_position="position",
            get_radius=16,
            radius_units="'pixels'",
            stroked=True,
            filled=False,
            get_line_color=[17, 17, 17, 255],
            line_width_units="'pixels'",
            get_line_width=3,
            pickable=False,
        )
    ]


def build_map(
    selection: Selection,
    rings: list[Ring] = (),
    band: Band | None = None,
    online_tiles: bool = False,
    selected: pd.Series | None = None,
) -> MapModel:
    """The whole map of the selected events, opened on where they are (or on ``selected``, ringed). Offline
    unless ``online_tiles``: no layer fetches anything."""
    layers, notes, aggregated = event_layers(selection)
    ring_points = [point for ring in rings for point in ring.path]  # fit whole rings, not only their centres
    located = selection.located
    if aggregated or located.count == 0:
        view_box = located.extent
        events = pd.DataFrame(columns=["id", "place", "latitude", "longitude"])
    else:
        events = located.rows()
        framed, note = framing(events)
        notes += [note] if note else []
        view_box = bounds(framed)
    corners = [(view_box[0], view_box[2]), (view_box[1], view_box[3])] if view_box else []
    lons = pd.Series([point[0] for point in [*corners, *ring_points]], dtype=float)
    lats = pd.Series([point[1] for point in [*corners, *ring_points]], dtype=float)
    view = fit_view(lons, lats)
    all_layers = (
        basemap_layers(online_tiles)
        + label_layers(events, view_box, view.zoom)
        + band_layers(band)
        + ring_layers(list(rings))
        + layers
        + selected_layers(selected)
    )
    if selected_layers(selected):  # open on the selected event
        view = pdk.ViewState(
            latitude=float(selected["latitude"]),
            longitude=float(selected["longitude"]),
            zoom=max(view.zoom, SELECTED_ZOOM),
        )
    return MapModel(map_deck(all_layers, view, online_tiles), notes, aggregated)


def map_deck(all_layers: list[pdk.Layer], view: pdk.ViewState, online_tiles: bool) -> CompactDeck:
    """A deck of ``all_layers`` (each pickable object with a plain-text ``tooltip``), offline unless
    ``online_tiles``."""
    # Offline: no map provider and pydeck's default style marker, which Streamlit reads as "no basemap"
    # (map_style=None or "" would make it fetch Carto's style).
    basemap = (
        {"map_provider": "carto", "map_style": pdk.map_styles.CARTO_LIGHT} if online_tiles else {"map_provider": None}
    )
    return CompactDeck(
        layers=all_layers,
        initial_view_state=view,
        views=[pdk.View(type="MapView", controller=True, repeat=True)],
        tooltip={"text": "{tooltip}", "style": TOOLTIP_STYLE},
        **basemap,
    )


def legend_items(selection: Selection) -> list[tuple[str, str]]:
    """(colour, label) for each event type present, in registry order."""
    registries = selection.registries
    present = selection.event_types
    return [
        (registries.event_type_colour(kind), registries.event_type_label(kind))
        for kind in registries.event_types.index
        if kind in present
    ]
