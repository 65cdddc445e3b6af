"""The filtered events as files: CSV, GeoJSON, KML and JSON, each saying what it holds and when it was made.

CSV and JSON are the dashboard's own record forms (flat and nested), so an export can be loaded again. Text
cells in CSV that a spreadsheet would run as a formula are neutralised. KML holds only characters XML allows,
and its descriptions (which Google Earth shows as HTML) hold escaped text.
"""

from __future__ import annotations

import io
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from dashboard.records.registries import Registries
from dashboard.records.schema import DERIVED_COLUMNS, FIELDS, SOURCE_FIELDS, Kind, csv_source_column
from dashboard.store.filters import Filters
from dashboard.views.text import escape_html, terminal_safe, xml_safe_text

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


def flat_frame(events: pd.DataFrame) -> pd.DataFrame:
    """The events in the flat (CSV) form of the schema: lists joined by ``;``, sources as numbered columns."""
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
    most = int(events["source_count"].max()) if not events.empty else 0
    for number in range(1, most + 1):
        for source_field in SOURCE_FIELDS:
            columns[csv_source_column(number, source_field.name)] = events["sources"].map(
                lambda sources, n=number, name=source_field.name: (
                    getattr(sources[n - 1], name) if len(sources) >= n else None
                )
            )
    return pd.DataFrame(columns, index=events.index)


def events_csv(events: pd.DataFrame, context: ExportContext) -> bytes:
    """CSV (UTF-8 with a byte-order mark, for spreadsheets): two ``#`` lines say what it holds, then the rows."""
    frame = flat_frame(events)
    text_columns = [
        name for name in frame.columns if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name])
    ]
    frame[text_columns] = frame[text_columns].map(neutralise_formula)
    out = io.StringIO()
    # Comment lines: a line break in the caption or a file name must not end the comment early.
    out.write(terminal_safe(f"# {PRODUCT} export: {context.caption}") + "\n")
    out.write(terminal_safe(f"# Generated {context.generated_text} from {context.data_source}; {len(frame)} events"))
    out.write("\n")
    frame.to_csv(out, index=False, lineterminator="\n")
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def nested_record(event: pd.Series) -> dict:
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


def events_json(events: pd.DataFrame, context: ExportContext) -> bytes:
    """JSON: what it holds, when it was made, and the events in the nested record form (loadable again)."""
    document = {
        "title": f"{PRODUCT} export",
        "caption": context.caption,
        "generated": context.generated.isoformat(timespec="seconds"),
        "data_source": context.data_source,
        "count": len(events),
        "events": [nested_record(event) for _, event in events.iterrows()],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def events_geojson(events: pd.DataFrame, registries: Registries, context: ExportContext) -> bytes:
    """GeoJSON: one Point per event (longitude, latitude) with every field and its sources as properties."""
    features = []
    flat = flat_frame(events)
    fields = [name for name in flat.columns if not name.startswith("source")]
    for (_, event), row in zip(events.iterrows(), flat[fields].itertuples(index=False), strict=True):
        properties = {name: _plain(value) for name, value in zip(fields, row, strict=True)}
        properties |= {
            name: _plain(event[name]) for name in DERIVED_COLUMNS if name not in ("record_file", "record_line")
        }
        properties["sources"] = [source._asdict() for source in event["sources"]]
        properties["event_type_label"] = registries.event_type_label(str(event["event_type"]))
        properties["colour"] = registries.event_type_colour(str(event["event_type"]))
        features.append(
            {
                "type": "Feature",
                "id": str(event["id"]),
                "geometry": {"type": "Point", "coordinates": [float(event["longitude"]), float(event["latitude"])]},
                "properties": properties,
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": f"{PRODUCT} export",
        "caption": context.caption,
        "generated": context.generated.isoformat(timespec="seconds"),
        "data_source": context.data_source,
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


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


def _kml_description(event: pd.Series, registries: Registries) -> str:
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


def events_kml(events: pd.DataFrame, registries: Registries, context: ExportContext) -> bytes:
    """KML for Google Earth: one Placemark per event, styled by type, with its time span and sources."""
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
    for _, event in events.iterrows():
        placemark = ET.SubElement(document, "Placemark", id=str(event["id"]))
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
        point = ET.SubElement(placemark, "Point")
        ET.SubElement(point, "coordinates").text = f"{float(event['longitude'])},{float(event['latitude'])},0"
    _xml_safe_tree(kml)
    tree = ET.ElementTree(kml)
    ET.indent(tree)
    out = io.BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue()


DATA_FORMATS = {
    "csv": ("text/csv", "events"),
    "geojson": ("application/geo+json", "events"),
    "kml": ("application/vnd.google-earth.kml+xml", "events"),
    "json": ("application/json", "events"),
}


def data_export(fmt: str, events: pd.DataFrame, registries: Registries, context: ExportContext) -> bytes:
    """The events in ``fmt`` (csv, geojson, kml or json)."""
    if fmt == "csv":
        return events_csv(events, context)
    if fmt == "geojson":
        return events_geojson(events, registries, context)
    if fmt == "kml":
        return events_kml(events, registries, context)
    if fmt == "json":
        return events_json(events, context)
    raise ValueError(f"unknown data format {fmt!r}: use one of {', '.join(DATA_FORMATS)}")
