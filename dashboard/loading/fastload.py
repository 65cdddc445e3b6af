"""Record files straight into the Arrow events table, with large CSV files checked on Arrow columns.

`load_table` gives what `loader.load_events` followed by `columns.to_arrow` gives (the same rows in the same
order, the same problems and counts) without turning the rows of a large CSV file into Python objects:

- pyarrow reads a CSV file when it reads it exactly as the general reader would (UTF-8, a header, one row
  per line, no comment lines, no quoted field after spaces); any other file is read by the general reader;
- each row is tested with rules only a record the checks accept can pass: free text, ids and plain decimal
  numbers on Arrow, and every coded value, date and list by `validation.check_values` (the checks
  themselves) once per distinct value; a row that passes is typed on Arrow;
- every other row (one with a problem, a place to look up in the gazetteer, an id used twice, a number
  written as ``1e3``) goes through the general checks, which find and word its problems.
"""

from __future__ import annotations

import codecs
import csv
import functools
import logging
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from dashboard.loading.columns import EVENT_SCHEMA, LIST_COLUMNS, SOURCE_TYPE, to_arrow
from dashboard.loading.loader import (
    Checking,
    LoadReport,
    OnProblems,
    OnProgress,
    final_dtypes,
    load_events,
    skipped_problems,
)
from dashboard.loading.validation import check_values
from dashboard.model.problems import Problem
from dashboard.model.rawfile import REPLACEMENT_CHARACTER, RawFile, subset_rows
from dashboard.model.registries import Registries, load_registries
from dashboard.model.releases import identities, revisable
from dashboard.model.schema import (
    DISTANCE_UNITS_KM,
    FIELDS,
    POINTS,
    RANGES,
    SOURCE_FIELDS,
    Field,
    Kind,
    csv_source_column,
)
from dashboard.sources import datasets
from dashboard.sources.datapaths import RECORDS, data_paths, find_record_files, read_as, shown_path
from dashboard.sources.readers import CSV_SOURCE_COLUMN, csv_header_problem, csv_rows, read_regular_file

log = logging.getLogger(__name__)

# What str.strip() strips: every character for which str.isspace() is true (a test holds it to that).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_NOT_SPACE = "[^" + "".join(f"\\x{{{ord(char):x}}}" for char in WHITESPACE) + "]"
_PLAIN_DECIMAL = r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$"  # read to the same float by pandas, Python and Arrow
_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_URL = "(?i)^https?://" + _NOT_SPACE + "+$"
_BAD_BYTES = REPLACEMENT_CHARACTER.encode()
_NUMBER_KINDS = frozenset({Kind.LATITUDE, Kind.LONGITUDE, Kind.COUNT, Kind.NUMBER})
_LIMITS = {Kind.LATITUDE: 90.0, Kind.LONGITUDE: 180.0}
_DATE = pa.timestamp("us")
_STRING_LIST = pa.list_(pa.string())
_WORKERS = min(8, os.cpu_count() or 1)
_NO_STRING = pa.scalar(None, pa.string())


def load_table(
    paths: Sequence[str | Path] | None = None,
    registries: Registries | None = None,
    on_problems: OnProblems | None = None,
    on_progress: OnProgress | None = None,
    columns: Sequence[str] | None = None,
) -> tuple[pa.Table, LoadReport]:
    """The validated events of ``paths`` as an Arrow table of `EVENT_SCHEMA`, and the report of loading them.

    Files are checked one after another, as `loader.load_events` checks them (``on_problems`` and
    ``on_progress`` as there). ``columns``: only these columns of the events are kept (``("id",)`` to check
    files without holding their events), in no particular order of rows.
    Raises `dashboard.sources.datapaths.DataPathError` as `loader.load_events` does; nothing else escapes.
    """
    registries = registries or load_registries()
    files, skipped = find_record_files(data_paths(paths))
    told: list[Problem] = []

    def tell(problems: Sequence[Problem]) -> None:
        told.extend(problems)
        if on_problems is not None:
            on_problems(problems)

    try:
        return _load_table(files, skipped, registries, tell, on_progress, columns)
    except Exception:  # a defect here must cost speed, never records: load the general way
        log.exception("the fast CSV path failed; loading every file the general way")
        result = load_events([*files], registries, on_progress=on_progress)
        if on_problems is not None:  # what was not told before the defect
            left = Counter(told)
            rest = [problem for problem in result.problems if not _taken(left, problem)]
            if rest:
                on_problems(rest)
        table = to_arrow(result.events)
        return table.select(list(columns)) if columns is not None else table, result.report


def _taken(counter: Counter, problem: Problem) -> bool:
    if counter[problem] > 0:
        counter[problem] -= 1
        return True
    return False


@dataclass
class _CsvPart:
    """A CSV file read by pyarrow: every row as text, the rows typed on Arrow, and which of those are clean."""

    name: str
    strings: pa.Table  # the rows as read (names stripped, leading spaces dropped as the general reader does)
    lines: np.ndarray  # file line of each row
    typed: pa.Table  # `EVENT_SCHEMA` columns of every row, meaningful where ``clean``
    clean: np.ndarray
    mapped: RawFile | None = None  # a dataset's rows as its reader maps them (``strings``: their flat form)
    replaced: np.ndarray | None = None  # rows a later release of the dataset revises (not loaded)
    replaced_problems: list[Problem] = field(default_factory=list)


def _load_table(
    files: list[Path],
    skipped,
    registries: Registries,
    on_problems: OnProblems,
    on_progress: OnProgress | None,
    columns: Sequence[str] | None,
) -> tuple[pa.Table, LoadReport]:
    def keep(events: pd.DataFrame) -> pa.Table:
        if columns is None:
            return to_arrow(final_dtypes(events, registries))
        return to_arrow(final_dtypes(events[[name for name in columns if name in events]], registries)).select(
            list(columns)
        )

    checking = Checking(files, registries, keep, on_problems, on_progress)
    checking.report([*skipped_problems(skipped), *registries.problems])
    for number, path in enumerate(files):
        part = _fast_csv(path, registries) if path.suffix.lower() == ".csv" else None
        if part is None:
            checking.read(number, path)
            continue
        found = identities(part.name, _identity_columns(part.strings))
        if revisable(found):  # a later release may replace rows: checked once every other file is
            check = functools.partial(_check_csv, checking, number, part, columns=columns)
            checking.later(number, lambda found=found, check=check: (found, check))
            continue
        try:
            _check_csv(checking, number, part, np.zeros(len(part.clean), dtype=bool), [], columns)
        except Exception:  # a defect here must cost speed, never records: this file the general way
            log.exception("the fast CSV path failed for %s; reading it the general way", part.name)
            checking.read(number, path)
    checking.finish()
    report = LoadReport(checking.problems, checking.counts)
    tables = [table for kept in checking.kept for table in kept]
    empty = EVENT_SCHEMA.empty_table()
    table = pa.concat_tables(tables) if tables else empty.select(list(columns)) if columns is not None else empty
    return (table if columns is not None else _in_file_order(table, [shown_path(path) for path in files])), report


def _check_csv(
    checking: Checking,
    number: int,
    part: _CsvPart,
    replaced: np.ndarray,
    problems: list[Problem],
    columns: Sequence[str] | None,
) -> None:
    """Check a CSV file read by pyarrow: clean rows as they are typed, every other row by the general checks
    (as is a clean row whose id an earlier row, or another row of the file, uses: they word the duplicate)."""
    checking.flush()  # the ids of the small files before it
    part.replaced, part.replaced_problems = replaced, problems
    part.clean &= ~replaced
    ids = _chunked(part.typed["id"]).combine_chunks()
    counts = pc.value_counts(pc.drop_null(ids.filter(pa.array(~replaced))))
    shared = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    part.clean &= ~(_numpy(pc.is_in(ids, value_set=shared)) | (checking.ids.first_used(ids) >= 0))
    general = _general_rows(part)
    clean = part.typed.filter(pa.array(part.clean))
    file = checking.start(number)
    checking.check(file, general)
    chosen = clean.select(list(columns)) if columns is not None else clean
    checking.add_checked(file, clean.num_rows, chosen, clean["id"].combine_chunks(), part.lines[part.clean])
    checking.done(file)


def _in_file_order(table: pa.Table, names: list[str]) -> pa.Table:
    """Rows ordered as the general loader orders them: by file, then by line."""
    position = pc.index_in(table["record_file"], value_set=pa.array(names, pa.string())).to_numpy(zero_copy_only=False)
    lines = pc.fill_null(table["record_line"], 0).to_numpy()
    key = np.asarray(position, dtype=np.int64) * (1 << 40) + lines
    if len(key) < 2 or bool(np.all(key[1:] >= key[:-1])):
        return table
    return table.take(pa.array(np.argsort(key, kind="stable")))


def _identity_columns(strings: pa.Table) -> pd.DataFrame:
    names = [name for name in ("dataset", "dataset_id") if name in strings.column_names]
    return strings.select(names).to_pandas() if names else pd.DataFrame(index=pd.RangeIndex(strings.num_rows))


def _general_rows(part: _CsvPart) -> RawFile:
    """The rows of ``part`` that are neither clean nor replaced, as the general CSV reader gives them."""
    rows = ~part.clean & ~part.replaced
    if part.mapped is not None:
        raw = datasets.common.as_read_file(subset_rows(part.mapped, rows))
    else:
        frame = part.strings.filter(pa.array(rows)).to_pandas()
        frame["record_line"] = part.lines[rows]
        raw = csv_rows(frame, part.name, 1)
    raw.replaced = int(part.replaced.sum())
    raw.problems += part.replaced_problems
    return raw


# --- reading ----------------------------------------------------------------------------------------------


def _fast_csv(path: Path, registries: Registries) -> _CsvPart | None:
    """``path`` read and typed on Arrow, or None when the general reader must read it."""
    try:
        read = _read_strings(path)
        if read is None:
            return None
        strings, lines, bad_bytes = read
        name = shown_path(path)
        mapped = None
        named = read_as(path)
        if datasets.headerless(named.dataset, strings.column_names) is not None:
            return None  # no header line: the general reader supplies GED's
        dataset = named.dataset or datasets.csv_dataset(strings.column_names)
        if dataset and dataset != RECORDS:  # a dataset's export: its reader maps the rows, Arrow checks them
            frame = strings.to_pandas()
            frame["record_line"] = lines
            mapped = datasets.mapped_csv_dataset(dataset, frame, name, named.date_order)
            strings = _flat_strings(mapped)
        typed, clean = _typed(strings, registries, bad_bytes, dataset if mapped is not None else None)
        if mapped is not None and mapped.issues:
            clean[[issue.row for issue in mapped.issues]] = False
    except Exception:  # pyarrow refused it, or a defect: the general reader says what is wrong
        log.debug("reading %s the general way", path, exc_info=True)
        return None
    file_column = pc.fill_null(pa.nulls(len(lines), pa.string()), name)
    typed = typed.set_column(typed.schema.get_field_index("record_file"), "record_file", file_column)
    typed = typed.set_column(typed.schema.get_field_index("record_line"), "record_line", pa.array(lines))
    return _CsvPart(name, strings, lines, typed, clean, mapped)


def _flat_strings(mapped: RawFile) -> pa.Table:
    """A dataset reader's rows in the flat (CSV) form, as text: field columns and numbered source columns."""
    records = mapped.records
    columns = {
        name: pa.array(records[name], pa.string(), from_pandas=True)
        for name in records.columns
        if name != "record_line"
    }
    sources = mapped.sources
    count = len(records)
    numbers = sources["number"].to_numpy(dtype=np.int64)
    for number in np.unique(numbers):
        chosen = np.flatnonzero(numbers == number)
        where = np.full(count, -1, dtype=np.int64)  # each row's position among this number's sources
        where[sources["row"].to_numpy(dtype=np.int64)[chosen]] = np.arange(len(chosen))
        positions = pa.array(where, mask=where < 0)
        for item in SOURCE_FIELDS:
            values = pa.array(sources[item.name].iloc[chosen], pa.string(), from_pandas=True)
            columns[csv_source_column(int(number), item.name)] = values.take(positions)
    return pa.table(columns) if columns else pa.table({"id": pa.nulls(count, pa.string())})


def _read_strings(path: Path) -> tuple[pa.Table, np.ndarray, bool] | None:
    """Every row of a CSV file as text, the line each starts on, and whether U+FFFD occurs; None unless
    pyarrow reads the file exactly as the general reader (`readers.read_csv_text`) does."""
    data = read_regular_file(path)
    if isinstance(data, str):
        return None
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if len(data) == start or data[start : start + 1] == b"#" or b"\x00" in data:
        return None  # empty, comment lines, UTF-16/32: the general reader
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # carriage returns that do not end lines
    quoted = b'"' in data  # without quotes no field can hold a line break or be quoted after spaces
    header_end = data.find(b"\n", start)
    try:
        header_text = data[start : header_end if header_end >= 0 else len(data)].decode("utf-8").rstrip("\r")
        header = next(csv.reader([header_text]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    names = [name.strip() for name in header]
    if csv_header_problem(header_text, 0) or "" in names or len(set(names)) != len(names):
        return None
    table = pcsv.read_csv(
        pa.py_buffer(data).slice(start),
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pcsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    line_count = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) if quoted else table.num_rows + 1
    if table.num_rows == 0 or line_count != table.num_rows + 1:
        return None  # line breaks inside fields
    table = _without_leading_spaces(table, quoted)
    if table is None:
        return None
    lines = np.arange(2, table.num_rows + 2, dtype=np.int64)
    blank = _all_null(table)
    if blank.any():  # blank lines: the general reader drops rows with nothing in them
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    bad_bytes = _BAD_BYTES[-1:] in data and _BAD_BYTES in data  # a rare byte first: most files have none
    return table, lines, bad_bytes


def _without_leading_spaces(table: pa.Table, quoted: bool) -> pa.Table | None:
    """Leading spaces dropped, and a value of spaces only made empty, as pandas' ``skipinitialspace`` does;
    None when a quoted field follows spaces (the general reader unquotes it, pyarrow keeps the quotes)."""
    with ThreadPoolExecutor(_WORKERS) as pool:
        spaced = list(pool.map(lambda column: pc.any(pc.starts_with(column, " ")).as_py(), table.columns))
    for index, column in enumerate(table.columns):
        if spaced[index]:
            if quoted and pc.any(pc.match_substring_regex(column, '^ +"')).as_py():
                return None
            trimmed = pc.utf8_ltrim(column, " ")
            table = table.set_column(index, table.field(index), pc.if_else(pc.equal(trimmed, ""), _NO_STRING, trimmed))
    return table


def _all_null(table: pa.Table) -> np.ndarray:
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        blank &= _numpy(pc.is_null(column))
    return blank


def _numpy(column: pa.Array | pa.ChunkedArray, fill: bool = False) -> np.ndarray:
    """A boolean column as numpy, nulls as ``fill``."""
    return np.asarray(pc.fill_null(column, fill).to_numpy(zero_copy_only=False), dtype=bool)


# --- checking and typing ----------------------------------------------------------------------------------


def _typed(
    strings: pa.Table, registries: Registries, bad_bytes: bool, dataset: str | None = None
) -> tuple[pa.Table, np.ndarray]:
    """`EVENT_SCHEMA` columns for every row, and which rows the general checks would accept unchanged. The
    columns are worked on in parallel (Arrow's kernels release the interpreter)."""
    count = strings.num_rows
    given = set(strings.column_names)
    with ThreadPoolExecutor(_WORKERS) as pool:
        futures = {
            field.name: pool.submit(
                _field,
                field,
                strings[field.name] if field.name in given else None,
                count,
                registries,
                bad_bytes,
                dataset,
            )
            for field in FIELDS
            if field.kind is not Kind.SOURCES
        }
        sources, source_count, clean = _sources(strings, registries, bad_bytes, pool)
        columns: dict[str, pa.Array | pa.ChunkedArray] = {}
        for name, future in futures.items():
            columns[name], good = future.result()
            clean &= good
    clean &= _record_rules(columns)
    columns["sources"], columns["source_count"] = sources, source_count
    start = columns["date_start"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    columns["date_span_end"] = _span_end(start, columns["date_end"], columns["date_precision"])
    columns["located_by"] = pc.fill_null(pa.nulls(count, pa.string()), "record")
    factor = pc.index_in(columns["claimed_distance_unit"], value_set=pa.array(list(DISTANCE_UNITS_KM)))
    factors = pc.take(pa.array(list(DISTANCE_UNITS_KM.values()), pa.float64()), factor)
    columns["claimed_distance_km"] = pc.multiply(columns["claimed_distance"], factors)
    columns["record_file"] = pa.nulls(count, pa.string())
    columns["record_line"] = pa.nulls(count, pa.int64())
    arrays = [_chunked(columns[item.name]).cast(item.type) for item in EVENT_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA), clean


def _chunked(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])


def _field(
    field: Field,
    raw: pa.ChunkedArray | None,
    count: int,
    registries: Registries,
    bad_bytes: bool,
    dataset: str | None = None,
) -> tuple[pa.Array | pa.ChunkedArray, np.ndarray]:
    """One field typed, and which rows are clean for it (given when required, no problem)."""
    if raw is None or raw.null_count == count:  # a column the file lacks, or leaves empty
        typed = pa.nulls(count, EVENT_SCHEMA.field(field.name).type)
        present, good = np.zeros(count, dtype=bool), np.ones(count, dtype=bool)
    elif field.kind in (Kind.ID, Kind.TEXT):
        typed, good = _text(raw, bad_bytes)
        if field.kind is Kind.ID:
            good &= _numpy(pc.match_substring_regex(typed, _ID), fill=True)
        present = _numpy(pc.is_valid(typed))
    elif field.kind in _NUMBER_KINDS:
        typed, good = _number(field.kind, raw)
        present = _numpy(pc.is_valid(typed))
    else:
        typed, present, good = _per_value(field, raw, registries, dataset=dataset)
    if field.required:
        good &= present
    if field.name in LIST_COLUMNS and typed.null_count:  # an absent list is an empty one
        typed = pc.if_else(pc.is_null(typed), pa.scalar([], _STRING_LIST), typed)
    return typed, good


def _text(raw: pa.ChunkedArray, bad_bytes: bool) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Stripped as `str.strip` strips, empty as missing; text holding U+FFFD is not clean."""
    text = pc.utf8_trim(raw, WHITESPACE)
    empty = pc.equal(pc.binary_length(text), 0)
    if pc.any(empty).as_py():
        text = pc.if_else(empty, _NO_STRING, text)
    good = np.ones(len(raw), dtype=bool)
    if bad_bytes:
        good &= ~_numpy(pc.match_substring(text, REPLACEMENT_CHARACTER))
    return text, good


def _number(kind: Kind, raw: pa.ChunkedArray) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Plain decimals as float64, in range for the kind; anything else given is left to the general checks."""
    plain = pc.match_substring_regex(raw, _PLAIN_DECIMAL)
    numbers = pc.add(pc.cast(pc.if_else(plain, raw, _NO_STRING), pa.float64()), 0.0)  # -0 is 0
    good = _numpy(pc.or_kleene(pc.is_null(raw), plain))
    if kind in _LIMITS:
        good &= _numpy(pc.less_equal(pc.abs(numbers), _LIMITS[kind]), fill=True)
    else:
        good &= _numpy(pc.greater_equal(numbers, 0.0), fill=True)
    if kind is Kind.COUNT:
        good &= _numpy(pc.equal(pc.floor(numbers), numbers), fill=True)
    return numbers, good


def _per_value(
    field: Field, raw: pa.ChunkedArray, registries: Registries, as_text: bool = False, dataset: str | None = None
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """A coded field, date or list checked by `check_values` once per distinct value (dates as YYYY-MM-DD
    text with ``as_text``, as a source's publication date is kept)."""
    uniques = pc.drop_null(pc.unique(raw))
    typed, present, faulted = check_values(field, uniques.to_pandas(), registries, dataset)
    if as_text:
        typed = typed.dt.strftime("%Y-%m-%d")
    positions = pc.index_in(raw, value_set=uniques)
    given = _numpy(pc.take(pa.array(present), positions))
    good = ~_numpy(pc.take(pa.array(faulted), positions))
    return pc.take(_arrow(typed, field.kind, as_text), positions), given, good


def _arrow(typed: pd.Series, kind: Kind, as_text: bool) -> pa.Array:
    if kind is Kind.DATE and not as_text:
        return pa.array(typed.to_numpy("datetime64[us]"), type=_DATE, from_pandas=True)
    if kind in (Kind.ACTORS, Kind.TAGS):
        return pa.array([list(items) for items in typed], type=_STRING_LIST)
    return pa.array(typed.astype(object).where(typed.notna(), None).tolist(), type=pa.string())


def _record_rules(columns: dict[str, pa.ChunkedArray]) -> np.ndarray:
    """The checks across fields: dates in order, points whole and real, figures in order, distance units."""
    good = ~_numpy(pc.less(columns["date_end"], columns["date_start"]))
    for place, lat_name, lon_name, _country in POINTS:
        lat, lon = columns[lat_name], columns[lon_name]
        has_lat, has_lon = _numpy(pc.is_valid(lat)), _numpy(pc.is_valid(lon))
        good &= has_lat == has_lon
        good &= ~(_numpy(pc.equal(lat, 0.0)) & _numpy(pc.equal(lon, 0.0)))
        if lat_name == "latitude":
            good &= has_lat  # coordinates from the place name are the general checks' job
        else:
            good &= has_lat | ~_numpy(pc.is_valid(columns[place]))
    for low, best, high in RANGES:
        for lower, upper in ((low, best), (best, high), (low, high)):
            good &= ~_numpy(pc.greater(columns[lower], columns[upper]))
    has_value = _numpy(pc.is_valid(columns["claimed_distance"]))
    good &= has_value == _numpy(pc.is_valid(columns["claimed_distance_unit"]))
    return good


def _span_end(start: np.ndarray, end: pa.ChunkedArray, precision: pa.ChunkedArray) -> pa.Array:
    """The end date, else the start plus its precision (a week: six days on; a month or year: its last day)."""
    span = start.copy()
    kind = np.asarray(pc.fill_null(precision, "").to_numpy(zero_copy_only=False), dtype=object)
    week, month, year = kind == "week", kind == "month", kind == "year"
    span[week] = start[week] + np.timedelta64(6, "D")
    span[month] = (start[month].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    span[year] = (start[year].astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    spans = pa.array(span.astype("datetime64[us]"), type=_DATE, from_pandas=True)
    return pc.coalesce(end, spans)


def _sources(
    strings: pa.Table, registries: Registries, bad_bytes: bool, pool: ThreadPoolExecutor
) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """The ``source<n>_*`` columns as a list of sources per row (in number order), their count, and which rows
    have only sources the checks accept."""
    count = strings.num_rows
    groups: dict[int, dict[str, str]] = {}
    for name in strings.column_names:
        match = CSV_SOURCE_COLUMN.match(name)
        if match:
            groups.setdefault(int(match.group(1)), {})[match.group(2)] = name
    numbers = sorted(groups)
    futures = {
        (number, item.name): pool.submit(
            _source_value,
            item,
            strings[groups[number][item.name]] if item.name in groups[number] else None,
            count,
            registries,
            bad_bytes,
        )
        for number in numbers
        for item in SOURCE_FIELDS
    }
    good = np.ones(count, dtype=bool)
    exists, structs = [], []
    for number in numbers:
        given, fine, children = np.zeros(count, dtype=bool), np.ones(count, dtype=bool), []
        for item in SOURCE_FIELDS:
            value, raw_given, ok = futures[number, item.name].result()
            given |= raw_given
            fine &= ok
            children.append(value)
        good &= ~given | fine
        exists.append(given)
        structs.append(pa.StructArray.from_arrays(children, fields=list(SOURCE_TYPE)))
    matrix = np.array(exists, dtype=bool).reshape(len(exists), count)
    per_row = matrix.sum(axis=0).astype(np.int64)
    good &= per_row > 0
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(per_row, out=offsets[1:])
    if len(structs) == 1 and matrix.all():  # one source per row: no reordering
        values = structs[0]
    else:
        rows, positions = np.nonzero(matrix.T)  # row by row, sources in number order
        values = (
            pa.concat_arrays(structs).take(pa.array(positions * count + rows)) if structs else pa.array([], SOURCE_TYPE)
        )
    sources = pa.ListArray.from_arrays(pa.array(offsets), values, type=pa.list_(SOURCE_TYPE))
    return sources, pa.array(per_row), good


def _source_value(
    item: Field, raw: pa.ChunkedArray | None, count: int, registries: Registries, bad_bytes: bool
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """One field of one source column group: typed as text, whether given at all, and whether clean."""
    if raw is None or raw.null_count == count:
        return pa.nulls(count, pa.string()), np.zeros(count, dtype=bool), np.full(count, not item.required)
    given = _numpy(pc.is_valid(raw))
    if item.kind is Kind.DATE:
        value, _, ok = _per_value(item, raw, registries, as_text=True)
    else:
        value, ok = _text(raw, bad_bytes)
        if item.kind is Kind.URL:
            ok &= _numpy(pc.match_substring_regex(value, _URL), fill=True)
    if item.required:
        ok &= _numpy(pc.is_valid(value))
    return _chunked(value).combine_chunks().cast(pa.string()), given, ok
