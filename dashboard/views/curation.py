"""The Curate page's record form, independent of Streamlit: which fields it shows in which section, a record's
values as the form holds them (one value per schema field, sources as rows), and back.

The form is built from `dashboard.model.schema.FIELDS`, so a field added to the schema appears on the form.
Values go back into the nested form that record files hold; empty values are left out, as a curator writing
YAML would leave them out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dashboard.model.problems import shorten
from dashboard.model.schema import FIELDS, FIELDS_BY_NAME, SOURCE_FIELDS, Field, Kind

# Fields that only rows of a standard dataset carry (ACLED, UCDP…): never written by a curator.
DATASET_FIELDS = ("dataset", "dataset_id")


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]


def _section_of(field: Field) -> str:
    top = field.path[0]
    if top in ("id", "title", "summary", "type"):
        return "Event"
    if top in ("confidence", "sources"):
        return "Confidence and sources"
    if top in ("tags", "notes"):
        return "Tags and notes"
    return {
        "date": "Date",
        "actors": "Actors",
        "location": "Place",
        "origin": "From (origin)",
        "destination": "To (destination)",
        "weapon": "Weapon and figures",
        "figures": "Weapon and figures",
    }.get(top, "Other")


def form_sections() -> list[Section]:
    """The form's sections in the schema's order, each with its fields (dataset-only fields left out)."""
    order: dict[str, list[Field]] = {}
    for field in FIELDS:
        if field.name in DATASET_FIELDS:
            continue
        order.setdefault(_section_of(field), []).append(field)
    return [Section(title, tuple(fields)) for title, fields in order.items()]


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def form_values(record: Mapping[str, object]) -> dict[str, object]:
    """A nested record's values by schema field name (sources: a list of dicts with the source fields; lists as
    lists; dates as ISO text). Keys the schema does not know are left out (`unknown_keys` names them)."""
    values: dict[str, object] = {}
    for field in FIELDS:
        node: object = record
        for key in field.path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is None:
            continue
        if field.kind is Kind.SOURCES:
            node = [
                {source_field.name: _plain(item.get(source_field.name)) for source_field in SOURCE_FIELDS}
                for item in (node if isinstance(node, list) else [])
                if isinstance(item, Mapping)
            ]
        elif isinstance(node, list):
            node = [_plain(item) for item in node]
        else:
            node = _plain(node)
        values[field.name] = node
    return values


def unknown_keys(record: Mapping[str, object]) -> list[str]:
    """Dotted paths of keys in ``record`` that no schema field uses (the form cannot show them; saving keeps
    what the file holds only for records edited elsewhere)."""
    known = {field.path[: i + 1] for field in FIELDS for i in range(len(field.path))}
    found: list[str] = []

    def walk(node: object, prefix: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        for key, value in node.items():
            path = (*prefix, str(key))
            if path not in known:
                found.append(".".join(path))
            elif path in {field.path for field in FIELDS}:
                continue
            else:
                walk(value, path)

    walk(record, ())
    return found


def _empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return isinstance(value, float) and math.isnan(value)


def _clean_sources(rows: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    sources = []
    for row in rows:
        source = {
            field.name: (value.strip() if isinstance(value, str) else _plain(value))
            for field in SOURCE_FIELDS
            if not _empty(value := row.get(field.name))
        }
        if source:
            sources.append(source)
    return sources


def record_from_values(values: Mapping[str, object]) -> dict:
    """The nested record the form's values make, in the schema's order, empty values left out."""
    record: dict = {}
    for field in FIELDS:
        value = values.get(field.name)
        if field.kind is Kind.SOURCES and value is not None:
            value = _clean_sources(value)  # type: ignore[arg-type]
        elif isinstance(value, str):
            value = value.strip()
        elif isinstance(value, (list, tuple)):
            value = [item.strip() if isinstance(item, str) else item for item in value if not _empty(item)]
        else:
            value = _plain(value)
        if _empty(value):
            continue
        target = record
        for key in field.path[:-1]:
            target = target.setdefault(key, {})
        target[field.path[-1]] = value
    return record


def new_record_values(today: date) -> dict[str, object]:
    """The values a new record starts with: today's date to the day, reported, one empty source."""
    return {
        "date_start": today.isoformat(),
        "date_precision": "day",
        "location_precision": "city",
        "confidence": "reported",
        "sources": [{field.name: None for field in SOURCE_FIELDS}],
    }


def messages_by_field(messages: Iterable[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    """Validation messages ``(field, severity, message)`` grouped by the form field they belong to; messages
    about a field the form does not show, or the record as a whole, go under ``""``."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for field, severity, message in messages:
        key = field if field in FIELDS_BY_NAME and field not in DATASET_FIELDS else ""
        grouped.setdefault(key, []).append((severity, message))
    return grouped


def field_label(field: Field) -> str:
    """How the form names a field ("Location precision")."""
    return field.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class EditLink:
    """What an "Edit this record" address (``?edit=ID&file=FILE``) opens: a record file (as the page names it)
    and a record in it, each None when none is to be opened, and a note for each part of the address that is
    not followed as written."""

    file: str | None
    record_id: str | None
    notes: tuple[str, ...] = ()


def read_edit_link(
    edit: Sequence[str],
    file: Sequence[str],
    editable: Collection[str],
    chosen: str | None,
    ids_in: Callable[[str], Collection[str] | None],
) -> EditLink:
    """The file and record that an address's ``edit`` and ``file`` values name. ``editable``: the files that
    may be written, as the page names them; without a ``file`` the record is looked for in the ``chosen`` one.
    ``ids_in(file)``: the ids of a file's records, None when it cannot be read (the page says why).

    A file that may not be edited, or a record its file does not hold, is named in a note and nothing is
    opened in its place: a followed link never edits a record it did not name."""
    notes = [  # worded as the sidebar's check of an opened address words it (`params.check_address`)
        f"{name}: given {len(values)} times, only the last counts"
        f" ({', '.join(shorten(value) for value in values[:-1][:5])}{', …' if len(values) > 6 else ''} ignored)"
        for name, values in (("edit", edit), ("file", file))
        if len(values) > 1
    ]
    record_id = edit[-1] if edit else None
    wanted = file[-1] if file else chosen
    if file and wanted not in editable:
        not_opened = f"; record {shorten(record_id)} is not opened" if record_id is not None else ""
        notes.append(
            f"file {shorten(wanted)}: not one of the record files that may be edited here (those named with"
            f" --data){not_opened}"
        )
        return EditLink(None, None, tuple(notes))
    if record_id is None:
        return EditLink(wanted, None, tuple(notes))
    if wanted not in editable:
        notes.append(f"edit {shorten(record_id)}: the address names no record file to find it in; it is not opened")
        return EditLink(wanted, None, tuple(notes))
    ids = ids_in(wanted)
    if ids is not None and record_id not in ids:
        notes.append(f"edit {shorten(record_id)}: {wanted} holds no record with this id; no record is opened")
        return EditLink(wanted, None, tuple(notes))
    return EditLink(wanted, record_id if ids is not None else None, tuple(notes))


@dataclass(frozen=True)
class FieldChange:
    """A field of a record that changed on disk since the form was opened: its label and its value as opened,
    on disk now and in the form, each as text."""

    label: str
    opened: str
    on_disk: str
    yours: str


MAX_SHOWN_VALUE = 300  # characters of a value shown in a comparison; the rest is cut


def _value_text(value: object) -> str:
    if _empty(value):
        return "(empty)"
    if isinstance(value, list):
        items = [
            " · ".join(f"{key}: {item_value}" for key, item_value in item.items() if not _empty(item_value))
            if isinstance(item, Mapping)
            else str(item)
            for item in value
        ]
        value = "; ".join(items)
    shown = str(value)
    return shown if len(shown) <= MAX_SHOWN_VALUE else shown[: MAX_SHOWN_VALUE - 1] + "…"


def changes_on_disk(
    opened: Mapping[str, object], on_disk: Mapping[str, object], yours: Mapping[str, object]
) -> list[FieldChange]:
    """Field by field, in the form's order, how a record on disk differs from the record as the form opened it
    (nested records), with the form's value beside each."""
    before, now, mine = form_values(opened), form_values(on_disk), form_values(yours)
    return [
        FieldChange(field_label(field), *(_value_text(values.get(field.name)) for values in (before, now, mine)))
        for section in form_sections()
        for field in section.fields
        if before.get(field.name) != now.get(field.name)
    ]


def merge_changes(
    opened: Mapping[str, object], on_disk: Mapping[str, object], yours: Mapping[str, object]
) -> dict[str, object]:
    """The form's values for a record changed both in the form and on disk (nested records): each field the
    form changed from the record as opened takes the form's value, every other field the value on disk."""
    before, now, mine = form_values(opened), form_values(on_disk), form_values(yours)
    names = {field.name for section in form_sections() for field in section.fields}
    merged = {name: mine.get(name) if mine.get(name) != before.get(name) else now.get(name) for name in names}
    return {name: value for name, value in merged.items() if value is not None}


def records_changed(opened: Iterable[Mapping], on_disk: Iterable[Mapping]) -> dict[str, list[str]]:
    """The ids of the records added, removed and changed in a file since it was read: ``{"added": [...],
    "removed": [...], "changed": [...]}`` (records without an id are left out)."""
    before = {str(item.get("id")): item for item in opened if item.get("id") is not None}
    now = {str(item.get("id")): item for item in on_disk if item.get("id") is not None}
    return {
        "added": [record_id for record_id in now if record_id not in before],
        "removed": [record_id for record_id in before if record_id not in now],
        "changed": [record_id for record_id in now if record_id in before and now[record_id] != before[record_id]],
    }


# The placing map: a square of clickable cells around the point; a click puts the point at that cell's centre.
PLACING_SPANS_KM = {"10 km": 10.0, "50 km": 50.0, "250 km": 250.0, "1,000 km": 1000.0}
PLACING_CELLS = 40  # cells along each side: a click is good to a fortieth of the span
PLACING_LAYER = "place-cells"
PLACING_MAP_PX = 380  # the grid's height on screen (the map is a little taller)
KM_PER_DEGREE = 111.32


def placing_grid(latitude: float, longitude: float, span_km: float, cells: int = PLACING_CELLS) -> list[dict]:
    """Square cells covering ``span_km`` around the point, each with the position of its centre (rounded to
    the precision a click can give)."""
    lat_step = span_km / KM_PER_DEGREE / cells
    lon_step = lat_step / max(math.cos(math.radians(min(abs(latitude), 85.0))), 0.05)
    decimals = max(0, min(6, 1 - math.floor(math.log10(lat_step))))
    half = cells / 2
    grid = []
    for row in range(cells):
        south = latitude + (row - half) * lat_step
        if not -90.0 <= south <= 90.0 - lat_step:
            continue
        for column in range(cells):
            west = longitude + (column - half) * lon_step
            centre_lat, centre_lon = south + lat_step / 2, ((west + lon_step / 2 + 180.0) % 360.0) - 180.0
            east, north = west + lon_step, south + lat_step
            corners = [[west, south], [east, south], [east, north], [west, north]]
            grid.append(
                {
                    "polygon": [[round(lon, 5), round(lat, 5)] for lon, lat in corners],
                    "lat": round(centre_lat, decimals),
                    "lon": round(centre_lon, decimals),
                    "tooltip": f"Put the point here: {centre_lat:.{decimals}f}, {centre_lon:.{decimals}f}",
                }
            )
    return grid


def placing_deck(latitude: float, longitude: float, span_km: float, landmarks: Iterable[tuple[str, float, float]] = ()):
    """A small offline map of the point with a clickable grid around it and ``landmarks`` (name, latitude,
    longitude: the gazetteer's places nearby) labelled, for bearings (pydeck; `layers.map_deck`)."""
    import pydeck as pdk

    from dashboard.views import layers

    marks = [{"position": [lon, lat], "name": str(name)[:60]} for name, lat, lon in landmarks]
    landmark_layers = [
        pdk.Layer(
            "ScatterplotLayer",
            id="landmarks",
            data=marks,
            get_position="position",
            get_radius=3,
            radius_units="'pixels'",
            get_fill_color=[90, 90, 90, 220],
            pickable=False,
        ),
        pdk.Layer(
            "TextLayer",
            id="landmark-names",
            data=marks,
            get_position="position",
            get_text="name",
            get_size=layers.LABEL_PX,
            get_color=layers.LABEL_COLOUR,
            get_text_anchor="'start'",
            get_pixel_offset=[7, 0],
            get_alignment_baseline="'center'",
            font_family=layers.FONT,
            character_set="'auto'",
            pickable=False,
        ),
    ]

    # the grid (span_km square) about PLACING_MAP_PX tall on Web Mercator at this latitude
    scale = math.cos(math.radians(min(abs(latitude), 85.0)))
    zoom = max(1.0, min(15.0, math.log2(PLACING_MAP_PX * 40_075 * scale / (256 * span_km))))
    point_layer = pdk.Layer(
        "ScatterplotLayer",
        id="place-point",
        data=[{"position": [longitude, latitude], "tooltip": f"The point: {latitude:.5f}, {longitude:.5f}"}],
        get_position="position",
        get_radius=7,
        radius_units="'pixels'",
        get_fill_color=[200, 30, 30, 230],
        stroked=True,
        get_line_color=[255, 255, 255, 255],
        line_width_units="'pixels'",
        get_line_width=2,
        pickable=False,
    )
    cell_layer = pdk.Layer(
        "PolygonLayer",
        id=PLACING_LAYER,
        data=placing_grid(latitude, longitude, span_km),
        get_polygon="polygon",
        get_fill_color=[0, 0, 0, 3],  # all but invisible; deck.gl does not pick fully transparent objects
        stroked=False,
        pickable=True,
        auto_highlight=True,
        highlight_color=[230, 159, 0, 120],
    )
    view = pdk.ViewState(latitude=latitude, longitude=longitude, zoom=zoom)
    all_layers = [*layers.basemap_layers(False), *landmark_layers, cell_layer, point_layer]
    return layers.map_deck(all_layers, view, online_tiles=False)


def draft_markdown(record: Mapping[str, object], registries) -> str:
    """A draft's fields as short Markdown lines (every value from the article escaped: no links, no images)."""
    from dashboard.views.text import escape_markdown

    values = form_values(record)

    def shown(name: str) -> str:
        value = values.get(name)
        if value is None or value == [] or value == "":
            return "—"
        if name in ("initiator", "counterpart"):
            return registries.actor_name(str(value))
        if name == "associated_actors":
            return ", ".join(registries.actor_name(str(item)) for item in value)  # type: ignore[union-attr]
        return str(value)

    lines = [
        ("Summary", shown("summary")),
        ("Date", f"{shown('date_start')} to {shown('date_end')} ({shown('date_precision')}), “{shown('date_phrase')}”"),
        ("Actors", f"{shown('initiator')} → {shown('counterpart')}; also {shown('associated_actors')}"),
        (
            "Place",
            f"{shown('place')}, {shown('country')} ({shown('latitude')}, {shown('longitude')});"
            f" precision {shown('location_precision')}",
        ),
        ("Weapon", shown("weapon")),
        ("Confidence", f"{shown('confidence')}, by {shown('claimed_by')}"),
    ]
    figures = [
        f"{field.name.replace('_', ' ')} {values[field.name]}"
        for field in FIELDS
        if field.path[0] == "figures" and values.get(field.name) not in (None, "")
    ]
    if figures:
        lines.append(("Figures", "; ".join(figures)))
    return "  \n".join(f"**{label}:** {escape_markdown(value)}" for label, value in lines)
