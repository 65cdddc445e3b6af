"""The filtered events as files: CSV, GeoJSON, KML and JSON, each saying what it holds and when it was made.

CSV and JSON are the dashboard's own record forms (flat and nested), so an export can be loaded again. Text
cells in CSV that a spreadsheet would run as a formula are neutralised. KML holds only characters XML allows,
and its descriptions (which Google Earth shows as HTML) hold escaped text.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

import pandas as pd

from dashboard.geo import geodesy
from dashboard.model.registries import Registries
from dashboard.model.schema import DERIVED_COLUMNS, FIELDS, SOURCE_FIELDS, Kind, csv_source_column
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views.text import escape_html, xml_safe_text

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PRODUCT = "Conflict Event Dashboard"


@dataclass(frozen=True)
class ExportContext:
    """What every export says about itself: the filter caption, when it was made, from which data."""

    caption: str
    data_source: str
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))
    handling: str = ""  # e.g. "UNCLASSIFIED", shown on briefing slides

    def __post_init__(self) -> None:
        # The caption can hold the analyst's search words: every file writer gets it without forbidden characters.
        for name in ("caption", "data_source", "handling"):
            object.__setattr__(self, name, xml_safe_text(getattr(self, name)))

    @property
    def generated_text(self) -> str:
        return f"{self.generated:%Y-%m-%d %H:%M} UTC"

    @property
    def footer(self) -> str:
        """``"All 20 events · generated 2026-11-25 09:40 UTC · Conflict Event Dashboard, data/events"``."""
        return f"{self.caption} · generated {self.generated_text} · {PRODUCT}, {self.data_source}"


def file_name(kind: str, bounds: tuple[pd.Timestamp, pd.Timestamp] | None, filters: Filters, extension: str) -> str:
    """``timeline_2024-06-01_2024-10-31.png``: what it is and the dates it covers (the filter's, else the
    ``bounds`` of the data: first start and last day)."""
    start = filters.date_from or (bounds[0].date() if bounds else None)
    end = filters.date_to or (bounds[1].date() if bounds else None)
    dates = f"_{start:%Y-%m-%d}_{end:%Y-%m-%d}" if start and end else ""
    return f"{kind}{dates}.{extension.lstrip('.')}"


def neutralise_formula(value: object) -> object:
    """A text cell that a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``, tab, CR) gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _neutralised(column: pd.Series) -> pd.Series:
    """`neutralise_formula` of every text cell of ``column``, vectorised."""
    try:
        starts = column.str.startswith(FORMULA_START, na=False).astype(bool)
    except AttributeError:  # no text in the column (pandas refuses .str on a column of numbers and nulls)
        return column
    if not starts.any():
        return column
    column = column.copy()
    column[starts] = "'" + column[starts].astype(str)
    return column


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _plain(value: object) -> object:
    """A value as it goes into JSON: dates as YYYY-MM-DD, whole floats as ints, tuples as lists."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def flat_frame(events: pd.DataFrame, most_sources: int | None = None) -> pd.DataFrame:
    """The events in the flat (CSV) form of the schema: lists joined by ``;``, sources as numbered columns
    (``most_sources`` sets of them: the most any event has, of these or of the whole export)."""
    columns: dict[str, pd.Series] = {}
    for schema_field in FIELDS:
        values = events[schema_field.name]
        if schema_field.kind is Kind.SOURCES:
            continue
        if schema_field.kind in (Kind.ACTORS, Kind.TAGS):
            columns[schema_field.name] = values.map("; ".join)
        elif schema_field.kind is Kind.DATE:
            columns[schema_field.name] = values.dt.strftime("%Y-%m-%d")
        else:
            columns[schema_field.name] = values.astype(object)
    most = most_sources
    if most is None:
        most = int(events["source_count"].max()) if not events.empty else 0
    for number in range(1, most + 1):
        for source_field in SOURCE_FIELDS:
            columns[csv_source_column(number, source_field.name)] = events["sources"].map(
                lambda sources, n=number, name=source_field.name: (
                    getattr(sources[n - 1], name) if len(sources) >= n else None
                )
            )
    return pd.DataFrame(columns, index=events.index)


def _csv_chunks(
    batches: Iterable[pd.DataFrame], count: int, most_sources: int, context: ExportContext
) -> Iterator[str]:
    """CSV (UTF-8 with a byte-order mark, for spreadsheets): the header on the first line, then the rows, so a
    spreadsheet and ``pandas.read_csv`` open it with no options. What it holds is in its name and in
    `csv_description`."""
    yield "\ufeff"
    header = True
    for events in batches:
        frame = flat_frame(events, most_sources)
        yield spreadsheet_safe(frame).to_csv(index=False, header=header, lineterminator="\n")
        header = False


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell a spreadsheet would run as a formula neutralised (changed in place)."""
    for name in frame.columns:
        if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name]):
            frame[name] = _neutralised(frame[name])
    return frame


def table_csv(frame: pd.DataFrame) -> bytes:
    """A small table as CSV for spreadsheets: UTF-8 with a byte-order mark, the header first, formulas
    neutralised."""
    return ("\ufeff" + spreadsheet_safe(frame.copy()).to_csv(index=False, lineterminator="\n")).encode("utf-8")


def csv_description(context: ExportContext, count: int, file_name: str) -> bytes:
    """The JSON file that goes beside a CSV export (``NAME.csv.json``): what it holds, from which data, when."""
    about = {
        "product": PRODUCT,
        "file": file_name,
        "caption": context.caption,
        "generated": context.generated.isoformat(timespec="seconds"),
        "data_source": context.data_source,
        "events": count,
        "form": "UTF-8 with a byte-order mark; header on the first line; one event per row; sources in "
        "source<n>_<field> columns; text that a spreadsheet would run as a formula starts with an apostrophe",
    }
    return (json.dumps(about, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _records(events: pd.DataFrame) -> list[dict]:
    """The events as one dict per row (many times faster to read than the rows as Series)."""
    return events.to_dict("records")


def nested_record(event: Mapping[str, object]) -> dict:
    """One event in the nested (YAML/JSON) form of the schema."""
    record: dict = {}
    for schema_field in FIELDS:
        value = event[schema_field.name]
        if schema_field.kind is Kind.SOURCES:
            value = [{key: item for key, item in source._asdict().items() if item is not None} for source in value]
        else:
            value = _plain(value)
        if value in (None, [], ""):
            continue
        target = record
        for key in schema_field.path[:-1]:
            target = target.setdefault(key, {})
        target[schema_field.path[-1]] = value
    return record


def _json_document(head: dict, items: Iterable[dict], name: str, indent: int) -> Iterator[str]:
    """``head`` as a JSON object whose last member ``name`` is the array of ``items``, written one item at a
    time (the same text ``json.dumps`` gives for the whole object)."""
    opening = json.dumps(head | {name: []}, ensure_ascii=False, indent=indent)
    yield opening[: opening.rindex("[]")] + "["
    inner = " " * (2 * indent)
    empty = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=indent).replace("\n", "\n" + inner)
        yield ("\n" if empty else ",\n") + inner + text
        empty = False
    yield ("]" if empty else "\n" + " " * indent + "]") + "\n}"


def _json_chunks(batches: Iterable[pd.DataFrame], count: int, context: ExportContext) -> Iterator[str]:
    """JSON: what it holds, when it was made, and the events in the nested record form (loadable again)."""
    head = {
        "title": f"{PRODUCT} export",
        "caption": context.caption,
        "generated": context.generated.isoformat(timespec="seconds"),
        "data_source": context.data_source,
        "count": count,
    }
    records = (nested_record(event) for events in batches for event in _records(events))
    return _json_document(head, records, "events", 2)


def _has_point(event: Mapping[str, object], lat: str = "latitude", lon: str = "longitude") -> bool:
    return not (_is_missing(event[lat]) or _is_missing(event[lon]))


def _has_route(event: Mapping[str, object]) -> bool:
    """Whether an event goes from an origin to a destination (a transfer, a deployment)."""
    return _has_point(event, "origin_latitude", "origin_longitude") and _has_point(
        event, "destination_latitude", "destination_longitude"
    )


def _route_path(event: Mapping[str, object]) -> list[list[float]]:
    """The geodesic from the event's origin to its destination, longitudes within -180..180."""
    path = geodesy.route(
        float(event["origin_latitude"]),
        float(event["origin_longitude"]),
        float(event["destination_latitude"]),
        float(event["destination_longitude"]),
    )
    return [[round((lon + 180.0) % 360.0 - 180.0, 6), lat] for lon, lat in path]


def _route_geometry(path: list[list[float]]) -> dict:
    """A LineString, or a MultiLineString split where the route crosses the antimeridian (RFC 7946, 3.1.9)."""
    parts = [[path[0]]]
    for (lon0, lat0), (lon1, lat1) in pairwise(path):
        if abs(lon1 - lon0) > 180:  # crossing: end this part at the meridian, start the next from it
            edge = 180.0 if lon0 > 0 else -180.0
            across = lon1 + 360.0 if lon0 > 0 else lon1 - 360.0
            lat = lat0 + (lat1 - lat0) * (edge - lon0) / (across - lon0)
            parts[-1].append([edge, lat])
            parts.append([[-edge, lat]])
        parts[-1].append([lon1, lat1])
    if len(parts) == 1:
        return {"type": "LineString", "coordinates": parts[0]}
    return {"type": "MultiLineString", "coordinates": parts}


def _features(events: pd.DataFrame, registries: Registries) -> Iterator[dict]:
    flat = flat_frame(events)
    fields = [name for name in flat.columns if not name.startswith("source")]
    for event, row in zip(_records(events), flat[fields].itertuples(index=False), strict=True):
        properties = {name: _plain(value) for name, value in zip(fields, row, strict=True)}
        properties |= {
            name: _plain(event[name]) for name in DERIVED_COLUMNS if name not in ("record_file", "record_line")
        }
        properties["sources"] = [source._asdict() for source in event["sources"]]
        properties["event_type_label"] = registries.event_type_label(str(event["event_type"]))
        properties["colour"] = registries.event_type_colour(str(event["event_type"]))
        point = [float(event["longitude"]), float(event["latitude"])] if _has_point(event) else None
        yield {
            "type": "Feature",
            "id": str(event["id"]),
            "geometry": {"type": "Point", "coordinates": point} if point else None,  # no place: no geometry
            "properties": properties,
        }
        if _has_route(event):
            yield {
                "type": "Feature",
                "id": f"{event['id']}/route",
                "geometry": _route_geometry(_route_path(event)),
                "properties": {
                    "id": str(event["id"]),
                    "feature": "route",
                    "title": str(event["title"]),
                    "from": _plain(event["origin_place"]),
                    "to": _plain(event["destination_place"]),
                    "direction": "from the first coordinate (origin) to the last (destination)",
                    "event_type": str(event["event_type"]),
                    "event_type_label": properties["event_type_label"],
                    "colour": properties["colour"],
                    "date_start": properties.get("date_start"),
                },
            }


def _geojson_chunks(batches: Iterable[pd.DataFrame], registries: Registries, context: ExportContext) -> Iterator[str]:
    """GeoJSON: one Point per event (longitude, latitude; no geometry when it has no place) with every field and
    its sources as properties, and for a transfer or deployment a LineString from origin to destination."""
    head = {
        "type": "FeatureCollection",
        "name": f"{PRODUCT} export",
        "caption": context.caption,
        "generated": context.generated.isoformat(timespec="seconds"),
        "data_source": context.data_source,
    }
    features = (feature for events in batches for feature in _features(events, registries))
    return _json_document(head, features, "features", 1)


KML_NS = "http://www.opengis.net/kml/2.2"


def _kml_colour(hex_colour: str) -> str:
    """``#d55e00`` → KML's ``aabbggrr`` (``ff005ed5``)."""
    red, green, blue = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"ff{blue}{green}{red}".lower()


def _kml_html(text: str) -> str:
    """Plain text as a KML description: Google Earth shows descriptions as HTML, so the text is escaped (an
    ``<img onerror=...>`` in a record stays text) and line breaks become ``<br>``."""
    return "<br>\n".join(escape_html(line) for line in text.splitlines())


def _xml_safe_tree(root: ET.Element) -> None:
    """Every text, tail and attribute (ids too) below ``root`` without the characters XML 1.0 forbids."""
    for element in root.iter():
        element.text = xml_safe_text(element.text) if element.text else element.text
        element.tail = xml_safe_text(element.tail) if element.tail else element.tail
        for name, value in element.attrib.items():
            element.attrib[name] = xml_safe_text(value)


def _kml_description(event: Mapping[str, object], registries: Registries) -> str:
    lines = [
        str(event["summary"]),
        "",
        f"Type: {registries.event_type_label(str(event['event_type']))}",
        f"Date: {event['date_start']:%Y-%m-%d} ({event['date_precision']} precision)",
        f"Location precision: {event['location_precision']}",
        f"Confidence: {event['confidence']}" + (f" ({event['claimed_by']})" if pd.notna(event["claimed_by"]) else ""),
        "",
        "Sources:",
    ]
    for source in event["sources"]:
        quote = f' "{source.quote}"' if source.quote else ""
        lines.append(f"- {source.publisher}: {source.title} {source.url or ''}{quote}".rstrip())
    return "\n".join(lines)


def _placemark(event: Mapping[str, object], registries: Registries) -> ET.Element:
    placemark = ET.Element("Placemark", id=str(event["id"]))
    ET.SubElement(placemark, "name").text = str(event["title"])
    ET.SubElement(placemark, "description").text = _kml_html(_kml_description(event, registries))
    ET.SubElement(placemark, "styleUrl").text = f"#type-{event['event_type']}"
    span = ET.SubElement(placemark, "TimeSpan")
    ET.SubElement(span, "begin").text = f"{event['date_start']:%Y-%m-%d}"
    ET.SubElement(span, "end").text = f"{event['date_span_end']:%Y-%m-%d}"
    extended = ET.SubElement(placemark, "ExtendedData")
    for name in ("id", "event_type", "confidence", "date_precision", "location_precision", "place", "country"):
        data = ET.SubElement(extended, "Data", name=name)
        ET.SubElement(data, "value").text = "" if _is_missing(event[name]) else str(event[name])
    if _has_point(event):
        point = ET.SubElement(placemark, "Point")
        ET.SubElement(point, "coordinates").text = f"{float(event['longitude'])},{float(event['latitude'])},0"
    return placemark


def _route_placemark(event: Mapping[str, object]) -> ET.Element:
    """A transfer's or deployment's route as a line from origin to destination, drawn along the ground."""
    placemark = ET.Element("Placemark", id=f"{event['id']}-route")
    origin, destination = event["origin_place"], event["destination_place"]
    ET.SubElement(placemark, "name").text = (
        f"{event['title']} (route: {'origin' if _is_missing(origin) else origin}"
        f" → {'destination' if _is_missing(destination) else destination})"
    )
    ET.SubElement(placemark, "styleUrl").text = f"#type-{event['event_type']}"
    span = ET.SubElement(placemark, "TimeSpan")
    ET.SubElement(span, "begin").text = f"{event['date_start']:%Y-%m-%d}"
    ET.SubElement(span, "end").text = f"{event['date_span_end']:%Y-%m-%d}"
    line = ET.SubElement(placemark, "LineString")
    ET.SubElement(line, "tessellate").text = "1"
    ET.SubElement(line, "coordinates").text = " ".join(f"{lon},{lat},0" for lon, lat in _route_path(event))
    return placemark


def _kml_chunks(batches: Iterable[pd.DataFrame], registries: Registries, context: ExportContext) -> Iterator[str]:
    """KML for Google Earth: one Placemark per event, styled by type, with its time span and sources, and one
    more with the route (a line along the ground from origin to destination) of a transfer or deployment."""
    ET.register_namespace("", KML_NS)
    kml = ET.Element(f"{{{KML_NS}}}kml")
    document = ET.SubElement(kml, "Document")
    ET.SubElement(document, "name").text = f"{PRODUCT}: {context.caption}"
    ET.SubElement(document, "description").text = _kml_html(
        f"{context.caption}\nGenerated {context.generated_text} from {context.data_source}."
    )
    for event_type in registries.event_types.index:
        style = ET.SubElement(document, "Style", id=f"type-{event_type}")
        icon_style = ET.SubElement(style, "IconStyle")
        ET.SubElement(icon_style, "color").text = _kml_colour(registries.event_type_colour(event_type))
        ET.SubElement(icon_style, "scale").text = "1.1"
        line_style = ET.SubElement(style, "LineStyle")
        ET.SubElement(line_style, "color").text = _kml_colour(registries.event_type_colour(event_type))
        ET.SubElement(line_style, "width").text = "3"
    ET.SubElement(document, "Placemark")  # where the events go, written one at a time
    _xml_safe_tree(kml)
    ET.indent(kml)
    head, tail = ET.tostring(kml, encoding="unicode").split("<Placemark />")
    yield "<?xml version='1.0' encoding='utf-8'?>\n" + head.rstrip(" ")
    between = head[len(head.rstrip(" ")) :]  # the indentation before each placemark
    first = True
    for events in batches:
        for event in _records(events):
            for placemark in [_placemark(event, registries), *([_route_placemark(event)] if _has_route(event) else [])]:
                _xml_safe_tree(placemark)
                ET.indent(placemark, level=2)
                yield ("" if first else "\n") + between + ET.tostring(placemark, encoding="unicode")
                first = False
    yield tail if not first else tail.lstrip("\n")


DATA_FORMATS = {
    "csv": ("text/csv", "events"),
    "geojson": ("application/geo+json", "events"),
    "kml": ("application/vnd.google-earth.kml+xml", "events"),
    "json": ("application/json", "events"),
}


def export_chunks(
    fmt: str,
    batches: Iterable[pd.DataFrame],
    count: int,
    most_sources: int,
    registries: Registries,
    context: ExportContext,
) -> Iterator[bytes]:
    """The ``count`` events of ``batches`` in ``fmt`` (csv, geojson, kml or json), as UTF-8 pieces written one
    batch at a time (``most_sources``: the most sources any of them has, for the CSV's columns)."""
    if fmt == "csv":
        pieces = _csv_chunks(batches, count, most_sources, context)
    elif fmt == "geojson":
        pieces = _geojson_chunks(batches, registries, context)
    elif fmt == "kml":
        pieces = _kml_chunks(batches, registries, context)
    elif fmt == "json":
        pieces = _json_chunks(batches, count, context)
    else:
        raise ValueError(f"unknown data format {fmt!r}: use one of {', '.join(DATA_FORMATS)}")
    return (piece.encode("utf-8") for piece in pieces)


def data_export(fmt: str, events: pd.DataFrame, registries: Registries, context: ExportContext) -> bytes:
    """The events in ``fmt`` (csv, geojson, kml or json), in memory."""
    most = int(events["source_count"].max()) if not events.empty else 0
    return b"".join(export_chunks(fmt, [events], len(events), most, registries, context))


def selection_export(fmt: str, selection: Selection, context: ExportContext) -> Iterator[bytes]:
    """Every event of ``selection`` in ``fmt``, read from the engine a batch at a time."""
    batches = selection.batches()
    return export_chunks(fmt, batches, selection.count, selection.most_sources, selection.registries, context)
