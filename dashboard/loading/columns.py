"""The validated-events table as Arrow columns: the contract between the records and any engine.

Coded fields are plain strings, dates are timestamps (microseconds, no time zone), and list-valued fields
are nested columns: ``associated_actors`` and ``tags`` are ``list<string>``, ``sources`` is
``list<struct<publisher, title, url, published, quote>>``. `to_frame` turns a (small) query result back
into the typed DataFrame the views draw, with the same dtypes the loader gives.

>>> sorted(EVENT_SCHEMA.field("sources").type.value_type.names)
['published', 'publisher', 'quote', 'title', 'url']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.loading.loader import final_dtypes
from dashboard.model.registries import Registries
from dashboard.model.schema import DERIVED_COLUMNS, FIELDS, SOURCE_FIELDS, Kind, Source

LIST_COLUMNS = ("associated_actors", "tags")
SOURCE_TYPE = pa.struct([(item.name, pa.string()) for item in SOURCE_FIELDS])
assert tuple(SOURCE_TYPE.names) == Source._fields, "sources are built in the order of Source"
_DATE = pa.timestamp("us")
_KIND_TYPES = {
    Kind.DATE: _DATE,
    Kind.LATITUDE: pa.float64(),
    Kind.LONGITUDE: pa.float64(),
    Kind.COUNT: pa.float64(),
    Kind.NUMBER: pa.float64(),
    Kind.ACTORS: pa.list_(pa.string()),
    Kind.TAGS: pa.list_(pa.string()),
    Kind.SOURCES: pa.list_(SOURCE_TYPE),
}
_DERIVED_TYPES = {
    "date_span_end": _DATE,
    "located_by": pa.string(),
    "claimed_distance_km": pa.float64(),
    "source_count": pa.int64(),
    "record_file": pa.string(),
    "record_line": pa.int64(),
}
assert set(_DERIVED_TYPES) == set(DERIVED_COLUMNS), "every derived column needs an Arrow type"

EVENT_SCHEMA = pa.schema(
    [pa.field(item.name, _KIND_TYPES.get(item.kind, pa.string())) for item in FIELDS]
    + [pa.field(name, kind) for name, kind in _DERIVED_TYPES.items()]
)
COLUMNS = tuple(EVENT_SCHEMA.names)


def _strings(column: pd.Series) -> pa.Array:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return pa.array(column, from_pandas=True).cast(pa.string())  # dictionary-encoded: decode
    if column.dtype == object:
        column = column.where(column.notna(), None)
    return pa.array(column, type=pa.string(), from_pandas=True)


def _offsets(column: pd.Series) -> tuple[list, pa.Array]:
    """The items of a column of tuples, flattened, and the list offsets that cut them back into rows."""
    rows = [items if isinstance(items, tuple | list) else () for items in column]
    lengths = np.fromiter((len(items) for items in rows), dtype=np.int64, count=len(rows))
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return [item for items in rows for item in items], pa.array(offsets, type=pa.int64())


def _lists(column: pd.Series) -> pa.Array:
    flat, offsets = _offsets(column)
    values = pa.array(flat, type=pa.string())
    return pa.ListArray.from_arrays(offsets.cast(pa.int32()), values, type=pa.list_(pa.string()))


def _sources(column: pd.Series) -> pa.Array:
    flat, offsets = _offsets(column)
    fields = list(zip(*flat, strict=True)) if flat else [() for _ in Source._fields]
    children = [pa.array(list(values), type=pa.string()) for values in fields]
    struct = pa.StructArray.from_arrays(children, fields=list(SOURCE_TYPE))
    return pa.ListArray.from_arrays(offsets.cast(pa.int32()), struct, type=pa.list_(SOURCE_TYPE))


def to_arrow(events: pd.DataFrame) -> pa.Table:
    """The loader's typed events as an Arrow table of `EVENT_SCHEMA` (the columns in schema order)."""
    arrays = []
    for field in EVENT_SCHEMA:
        column = events[field.name] if field.name in events else pd.Series([None] * len(events), dtype=object)
        if field.name == "sources":
            arrays.append(_sources(column))
        elif field.name in LIST_COLUMNS:
            arrays.append(_lists(column))
        elif field.type == _DATE:
            arrays.append(pa.array(pd.to_datetime(column).to_numpy("datetime64[us]"), type=_DATE))
        elif field.type == pa.string():
            arrays.append(_strings(column))
        else:
            numbers = pd.to_numeric(column, errors="coerce")
            mask = numbers.isna().to_numpy()
            values = numbers.to_numpy(dtype="float64", na_value=0)
            arrays.append(pa.array(values if field.type == pa.float64() else values.astype("int64"), mask=mask))
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


def _source_tuple(items: object) -> tuple[Source, ...]:
    if items is None or (isinstance(items, float) and np.isnan(items)):
        return ()
    return tuple(Source(**{name: item.get(name) for name in Source._fields}) for item in items)


def to_frame(table: pa.Table, registries: Registries) -> pd.DataFrame:
    """Rows of the events table (any subset of `COLUMNS`) as the loader's typed DataFrame."""
    frame = table.to_pandas()
    for name in LIST_COLUMNS:
        if name in frame:
            frame[name] = [tuple(items) if items is not None else () for items in frame[name]]
    if "sources" in frame:
        frame["sources"] = [_source_tuple(items) for items in frame["sources"]]
    for name in ("date_start", "date_end", "date_span_end"):
        if name in frame:
            frame[name] = frame[name].astype("datetime64[us]")
    if "record_line" in frame:
        frame["record_line"] = frame["record_line"].astype("Int64")
    if "source_count" in frame:
        frame["source_count"] = frame["source_count"].astype("int64")
    return final_dtypes(frame, registries)
