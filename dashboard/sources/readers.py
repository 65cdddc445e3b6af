"""Read record files (YAML, JSON, CSV) into flat, unchecked rows; checking is `dashboard.loading.validation`'s job.

Each reader returns a `RawFile`: one row per record read, with the field columns of `dashboard.model.schema`
holding values as written, the sources in long form (one row per source), and what went wrong while
reading. Nothing a file holds is dropped without a problem that says so.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.model.datasets import Dataset
from dashboard.model.problems import Problem, Severity, shorten
from dashboard.model.rawfile import REPLACEMENT_CHARACTER, SOURCE_COLUMNS, RawFile, RowIssue
from dashboard.model.schema import (
    CONTAINER_PATHS,
    FIELDS_BY_NAME,
    FIELDS_BY_PATH,
    SOURCE_FIELDS_BY_NAME,
)
from dashboard.safeio.safeyaml import MAX_NESTING, TOO_DEEP, YamlError, iter_yaml_records, whole_number
from dashboard.sources import datasets
from dashboard.sources.datapaths import RECORDS, ReadAs
from dashboard.sources.datapaths import read_as as read_as_named
from dashboard.sources.zipped import only_member

NOT_NAMED = ReadAs()  # a path given without prefixes: read as its header says
MAX_FILE_BYTES = 1024 * 1024 * 1024  # larger files are refused with a message, never half-read
CSV_SOURCE_COLUMN = re.compile(r"^source(\d+)_(" + "|".join(SOURCE_COLUMNS) + r")$")
MAX_COLUMNS = 1_000  # the schema has about 60 columns with sources; thousands means the file is not records
MAX_HEADER_CHARS = 100_000
PART_ROWS = 1_000  # YAML and JSON records read (and checked) together: a large file is never held whole


def _empty_sources() -> pd.DataFrame:
    return pd.DataFrame(columns=["row", "number", *SOURCE_COLUMNS])


def _file_problem(
    path: str,
    message: str,
    line: int | None = None,
    severity: Severity = Severity.ERROR,
) -> Problem:
    return Problem(
        file=path,
        line=line,
        record_id=None,
        field=None,
        value=None,
        message=message,
        severity=severity,
    )


def read_file(path: Path, shown_as: str | None = None) -> RawFile:
    """Read one record file whole; the format comes from its suffix (.yaml/.yml, .json, .csv)."""
    return next(read_file_parts(path, shown_as, rows=None))


def read_file_parts(path: Path, shown_as: str | None = None, rows: int | None = PART_ROWS) -> Iterator[RawFile]:
    """Read one record file in parts; the format comes from its suffix (.yaml/.yml, .json, .csv).

    YAML and JSON records come at most ``rows`` at a time (all in one part when None), each part's rows
    numbered from 0, so a large file can be checked and let go part by part; a problem of the file comes with
    the part read when it was found. Other files come in one part. There is always at least one part.
    """
    name = shown_as or str(path)
    empty = RawFile(name, pd.DataFrame(columns=["record_line"]), _empty_sources())
    try:
        data = read_regular_file(path)
    except OSError as error:
        empty.problems.append(_file_problem(name, f"cannot read file: {error.strerror or error}"))
        yield empty
        return
    if isinstance(data, str):
        empty.problems.append(_file_problem(name, data))
        yield empty
        return
    read_as = read_as_named(path)
    if data.startswith(ZIP_MAGIC):
        data = only_member(data, MAX_FILE_BYTES)
        if isinstance(data, str):
            empty.problems.append(_file_problem(name, data))
            yield empty
            return
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".zip", ".json") and read_as.dataset in (None, RECORDS):
        yaml_data, encoding_problem = as_utf8(data, name)  # YAML is parsed from bytes: never held whole as text
        bad_bytes = encoding_problem is not None and encoding_problem.severity is Severity.ERROR
        if not bad_bytes or _windows_dataset(_first_line(yaml_data), read_as) is None:
            del data
            yield from _yaml_parts(yaml_data, name, read_as, encoding_problem, rows)
            return
        del yaml_data
    yield from _read_text(data, name, suffix, read_as, rows)


def _read_text(data: bytes, name: str, suffix: str, read_as: ReadAs, rows: int | None) -> Iterator[RawFile]:
    """A file read as text whole: CSV, JSON, GDELT, and a file named as YAML whose header says it is a dataset's
    export re-saved as Windows-1252."""
    empty = RawFile(name, pd.DataFrame(columns=["record_line"]), _empty_sources())
    text, encoding_problem = decode(data, name)
    if encoding_problem and encoding_problem.severity is Severity.ERROR:
        text, encoding_problem = _windows_export(data, text, encoding_problem, name, read_as)
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # one line break, so every reader counts lines alike
    if not text.strip():
        empty.problems.append(_file_problem(name, "file is empty: no records", severity=Severity.WARNING))
        yield empty
        return
    tabbed = datasets.tab_separated(text.split("\n", 1)[0], read_as.dataset)  # no header: known by its first line
    reached: dict[int, float] = {}  # {0: the share of the text read}, from the YAML and JSON readers
    if tabbed:
        parts = iter([read_tab_separated_text(text, name, *tabbed)])
    elif suffix in (".csv", ".zip"):
        parts = iter([read_csv_text(text, name, read_as)])
    elif suffix == ".json":
        records, notes = _json_records(text, name, read_as, lambda share: reached.__setitem__(0, share))
        parts = nested_record_parts(records, name, rows, notes)
    else:
        parts = nested_record_parts(iter_yaml_records(text, lambda share: reached.__setitem__(0, share)), name, rows)
    for number, part in enumerate(parts):
        part.read_to = reached.get(0, 1.0)
        yield _with_encoding_problem(part, encoding_problem, first=number == 0)


def _yaml_parts(
    data: bytes, name: str, read_as: ReadAs, encoding_problem: Problem | None, rows: int | None
) -> Iterator[RawFile]:
    """A YAML file's parts from its UTF-8 bytes (a GDELT file named .yaml is read as GDELT)."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # one line break, as for every other reader
    if _is_blank(data):
        empty = RawFile(name, pd.DataFrame(columns=["record_line"]), _empty_sources())
        empty.problems.append(_file_problem(name, "file is empty: no records", severity=Severity.WARNING))
        yield empty
        return
    tabbed = datasets.tab_separated(_first_line(data), None) if read_as.dataset is None else None
    if tabbed:
        yield _with_encoding_problem(read_tab_separated_text(data.decode("utf-8"), name, *tabbed), encoding_problem)
        return
    reached: dict[int, float] = {}  # {0: the share of the file parsed}
    items = iter_yaml_records(data, lambda share: reached.__setitem__(0, share))
    for number, part in enumerate(nested_record_parts(items, name, rows)):
        part.read_to = reached.get(0, 1.0)
        yield _with_encoding_problem(part, encoding_problem, first=number == 0)


def _with_encoding_problem(raw: RawFile, problem: Problem | None, first: bool = True) -> RawFile:
    """``raw`` with the problem found decoding its file first (on the file's first part only)."""
    if problem:
        if first:
            raw.problems.insert(0, problem)
        raw.has_bad_bytes = problem.severity is Severity.ERROR
    return raw


def _first_line(data: bytes) -> str:
    end = data.find(b"\n")
    return data[: end if end >= 0 else len(data)].decode("utf-8", "replace")


_NOT_WHITE_SPACE = re.compile(rb"[^\t\n\x0b\x0c\r\x1c-\x1f \x80-\xff]")  # an ASCII byte str.strip() keeps


def _is_blank(data: bytes) -> bool:
    """Whether the UTF-8 ``data`` is only white space (as `str.strip` sees it), without decoding it whole."""
    return _NOT_WHITE_SPACE.search(data) is None and not data.decode("utf-8", "replace").strip()


def _windows_export(data: bytes, text: str, problem: Problem, name: str, read_as: ReadAs) -> tuple[str, Problem]:
    """A dataset's export re-saved by Excel on Windows is Windows-1252, not UTF-8: read it so, with a warning.
    Only a file whose header names a dataset (or that is named as one): elsewhere bad bytes stay an error."""
    dataset = _windows_dataset((text.splitlines() or [""])[0], read_as)
    if dataset is None:
        return text, problem
    try:
        recoded = data.decode("cp1252")
    except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined: not such a file after all
        return text, problem
    message = f"not UTF-8: read as Windows-1252, as Excel saves {dataset.upper()} exports on Windows"
    return recoded, _file_problem(name, message, problem.line, Severity.WARNING)


def _windows_dataset(header: str, read_as: ReadAs) -> str | None:
    """The dataset a file that is not UTF-8 is an export of, by its name or its header (first line), if any."""

    try:
        dataset = read_as.dataset or datasets.csv_dataset(next(csv.reader([header.lstrip("\ufeff")]), []))
    except csv.Error:  # not even a CSV header
        return None
    return None if not dataset or dataset == RECORDS else dataset


ZIP_MAGIC = b"PK\x03\x04"


def read_tab_separated_text(text: str, name: str, dataset: Dataset, columns: list[str] | None) -> RawFile:
    """A dataset's file of tab-separated lines (GDELT's events): no header, no quoting; a row of another length
    is reported. ``columns``: the dataset's layout the first line has (None: none of them)."""
    reader = datasets.READERS[dataset.name]
    if columns is None:
        raw = RawFile(name, pd.DataFrame(columns=["record_line"]), _empty_sources())
        layouts = ", ".join(str(count) for count in reader.LAYOUTS)
        message = f"not a {dataset.label} event file: expected {layouts} tab-separated fields"
        raw.problems.append(_file_problem(name, message, 1))
        return raw
    lines = pd.Series(text.split("\n"), dtype=object)
    if len(lines) and lines.iloc[-1] == "":
        lines = lines.iloc[:-1]
    width = len(columns)
    fields = lines.str.count("\t") + 1
    good = fields.eq(width)
    wrong = ~good & lines.str.strip().ne("")
    raw_problems = [
        _file_problem(
            name, f"malformed {dataset.label} row, not read: {count} fields instead of {width}", int(number) + 1
        )
        for number, count in fields[wrong].items()
    ]
    frame = lines[good].str.split("\t", expand=True, regex=False) if good.any() else pd.DataFrame(columns=columns)
    frame.columns = columns
    frame = frame.where(frame.ne(""), None).reset_index(drop=True)
    frame["record_line"] = (lines.index[good] + 1).to_numpy()
    raw = reader.read(frame, name)
    raw.problems[:0] = raw_problems
    raw.unreadable = len(raw_problems)
    return raw


def read_regular_file(path: Path) -> bytes | str:
    """The file's bytes, or why it is not read: only regular files under `MAX_FILE_BYTES` are (a FIFO or a
    device would block or never end). Opened without blocking, then checked, so a swap cannot trick it."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            return "not a regular file (a FIFO, device or socket): not read"
        if status.st_size > MAX_FILE_BYTES:
            return f"file is {status.st_size / 2**20:.0f} MB, over the {MAX_FILE_BYTES / 2**20:.0f} MB limit"
        return file.read(MAX_FILE_BYTES + 1)


_UTF_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, name: str) -> tuple[str, Problem | None]:
    """Bytes to text: UTF-8 with or without a byte-order mark, or UTF-16/32 with one. UTF-16 without a mark is
    recognised by its zero bytes and read with a warning. Other bytes that are not UTF-8 become U+FFFD and a
    problem naming the first bad line; the records holding them are rejected by validation."""
    for bom, encoding in _UTF_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError as error:
                text = data.decode(encoding, errors="replace")
                line = text.count("\n", 0, text.find(REPLACEMENT_CHARACTER)) + 1
                message = f"{encoding.upper()} file with bytes that are not {encoding.upper()} ({error.reason})"
                return text, _file_problem(name, message + "; records holding them are rejected", line)
    utf16 = _bom_less_utf16(data)
    if utf16:
        message = f"no byte-order mark, but the zero bytes say {utf16.upper()}: read as {utf16.upper()}; save as UTF-8"
        try:
            return data.decode(utf16), _file_problem(name, message, 1, Severity.WARNING)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        bad = _first_bad_byte(data, _utf8_start(data))
        return data.decode("utf-8-sig", errors="replace"), _not_utf8(data, bad or 0, name)


def as_utf8(data: bytes, name: str) -> tuple[bytes, Problem | None]:
    """`decode`'s text as UTF-8 bytes, with the same problem. UTF-8 (most files) is checked a piece at a time
    and kept as it is, but for a byte-order mark, so a large file is never held as text."""
    if data.startswith(tuple(bom for bom, _encoding in _UTF_BOMS)) or _bom_less_utf16(data):
        text, problem = decode(data, name)
        return text.encode("utf-8"), problem
    start = _utf8_start(data)
    bad = _first_bad_byte(data, start)
    if bad is None:
        return (data[start:] if start else data), None
    repaired = b"".join(piece.decode("utf-8", "replace").encode("utf-8") for piece in _utf8_pieces(data, start))
    return repaired, _not_utf8(data, bad, name)


_UTF8_PIECE = 1 << 20  # bytes decoded at a time: pieces end after a line break, never inside a character


def _utf8_start(data: bytes) -> int:
    return len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0


def _utf8_pieces(data: bytes, start: int) -> Iterator[bytes]:
    while start < len(data):
        end = data.find(b"\n", start + _UTF8_PIECE) + 1 or len(data)
        yield data[start:end]
        start = end


def _first_bad_byte(data: bytes, start: int) -> int | None:
    """Where the first byte that is not UTF-8 is, or None."""
    for piece in _utf8_pieces(data, start):
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError as error:
            return start + error.start
        start += len(piece)
    return None


def _not_utf8(data: bytes, bad: int, name: str) -> Problem:
    return _file_problem(
        name,
        f"bytes that are not UTF-8 (first: {data[bad : bad + 1]!r} at byte {bad}); "
        "save the file as UTF-8. Records holding them are rejected",
        data.count(b"\n", 0, bad) + 1,
    )


def _bom_less_utf16(data: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` when nearly every odd / even byte of the start is zero (ASCII text
    written as UTF-16), else None."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    odd_zeros, even_zeros = sample[1::2].count(0), sample[0::2].count(0)
    if odd_zeros > 0.9 * pairs and even_zeros < 0.1 * pairs:
        return "utf-16-le"
    if even_zeros > 0.9 * pairs and odd_zeros < 0.1 * pairs:
        return "utf-16-be"
    return None


# --- nested records (YAML, JSON) -------------------------------------------------------------------------


def read_nested_records(items: object, name: str) -> RawFile:
    """Flatten nested records (from `iter_yaml_records` or `_iter_json_records`) into a `RawFile`."""
    return next(nested_record_parts(items, name))  # type: ignore[arg-type]


class _NestedPart:
    """Rows of nested records being flattened into one `RawFile`."""

    def __init__(self, name: str) -> None:
        self.raw = RawFile(name, pd.DataFrame(), _empty_sources())
        self.rows: list[dict[str, object]] = []
        self.source_rows: list[tuple[object, ...]] = []

    @property
    def size(self) -> int:
        return len(self.rows) + self.raw.unreadable

    def add(self, line: int | None, item: object) -> None:
        raw, name = self.raw, self.raw.path
        if isinstance(item, YamlError | ValueError):
            message = f"record cannot be read: {item}"
            raw.problems.append(_file_problem(name, message, getattr(item, "line", None) or line))
            raw.unreadable += 1
            return
        if not isinstance(item, dict):
            message = f"record is not a mapping of fields but {type(item).__name__} {shorten(item)}"
            raw.problems.append(_file_problem(name, message, line))
            raw.unreadable += 1
            return
        row = len(self.rows)
        flat: dict[str, object] = {"record_line": line}
        _flatten(item, (), flat, row, raw.issues)
        sources = flat.pop("sources", None)
        if sources is not None:
            self.source_rows.extend(_nested_sources(sources, row, raw.issues))
        self.rows.append(flat)

    def done(self, notes: Sequence[Problem] = ()) -> RawFile:
        raw = self.raw
        raw.problems[:0] = notes
        raw.records = pd.DataFrame(self.rows)
        if "record_line" not in raw.records:
            raw.records["record_line"] = pd.Series(dtype="int64")
        raw.sources = pd.DataFrame(self.source_rows, columns=["row", "number", *SOURCE_COLUMNS])
        return raw


def nested_record_parts(
    items: Iterator[tuple[int, object]], name: str, rows: int | None = None, notes: Sequence[Problem] = ()
) -> Iterator[RawFile]:
    """Nested records (from `iter_yaml_records` or `_iter_json_records`) flattened into `RawFile` parts of at
    most ``rows`` records (one part when None); ``notes`` about the file come first."""
    part, given, read_before, found_problems = _NestedPart(name), 0, 0, False
    try:
        for line, item in items:
            part.add(line, item)
            if rows is not None and part.size >= rows:
                found_problems |= bool(part.raw.problems)
                read_before += len(part.rows)
                yield part.done(notes if given == 0 else ())
                part, given = _NestedPart(name), given + 1
    except (YamlError, ValueError) as error:
        message = str(error) if isinstance(error, YamlError) else f"invalid JSON: {error}"
        line = getattr(error, "line", None) or getattr(error, "lineno", None)
        suffix = "; records after it were not read" if read_before or part.rows else ""
        part.raw.problems.append(_file_problem(name, message + suffix, line))
    nothing = not (read_before or part.rows or found_problems or part.raw.problems or part.raw.unreadable)
    if nothing:
        part.raw.problems.append(_file_problem(name, "file holds no records", severity=Severity.WARNING))
    yield part.done(notes if given == 0 else ())


def _flatten(
    mapping: dict,
    prefix: tuple[str, ...],
    flat: dict[str, object],
    row: int,
    issues: list[RowIssue],
) -> None:
    for key, value in mapping.items():
        path = (*prefix, str(key))
        schema_field = FIELDS_BY_PATH.get(path)
        if schema_field is not None:
            flat[schema_field.name] = value
        elif path in CONTAINER_PATHS and isinstance(value, dict):
            _flatten(value, path, flat, row, issues)
        elif not prefix and path[0] in FIELDS_BY_NAME:  # the flat form's names are accepted too
            flat[path[0]] = value
        elif path in CONTAINER_PATHS:
            if value is not None:
                issues.append(RowIssue(row, ".".join(path), value, "expected a mapping of fields"))
        else:
            issues.append(RowIssue(row, ".".join(path), value, "unknown field, ignored", Severity.WARNING))


def _nested_sources(sources: object, row: int, issues: list[RowIssue]) -> list[tuple[object, ...]]:
    if not isinstance(sources, list):
        issues.append(
            RowIssue(
                row,
                "sources",
                sources,
                "expected a list of sources (publisher, title, url, ...)",
            )
        )
        return []
    rows = []
    for number, source in enumerate(sources, start=1):
        if not isinstance(source, dict):
            issues.append(
                RowIssue(
                    row,
                    f"sources[{number}]",
                    source,
                    "expected a mapping: publisher, title, url, ...",
                )
            )
            continue
        for key in source:
            if key not in SOURCE_FIELDS_BY_NAME:
                issues.append(
                    RowIssue(
                        row,
                        f"sources[{number}].{key}",
                        source[key],
                        "unknown field, ignored",
                        Severity.WARNING,
                    )
                )
        rows.append((row, number, *(source.get(column) for column in SOURCE_COLUMNS)))
    return rows


def _json_records(
    text: str, name: str, read_as: ReadAs, reached: Callable[[float], None] | None = None
) -> tuple[Iterator[tuple[int, object]], list[Problem]]:
    """The JSON file's records, and notes about reading them: a TimeMap export's events are turned into
    records first (their dates settled together, so they are all read first); other records come as they are
    read (``reached`` told the share of the text read). An error that stops the reading still comes after
    the records read before it."""
    records = _iter_json_records(text, reached)
    items: list[tuple[int, object]] = []
    stopped: Exception | None = None
    first = None
    try:
        for line, item in records:  # up to the first record that reads: it tells a TimeMap export
            items.append((line, item))
            if not isinstance(item, YamlError | ValueError):
                first = item
                break
    except (YamlError, ValueError) as error:
        stopped = error
    notes: list[Problem] = []
    reader = datasets.json_dataset(first, read_as.dataset)
    if reader is not None:  # a dataset's export (TimeMap's)
        try:
            items.extend(records if stopped is None else ())
        except (YamlError, ValueError) as error:
            stopped = error
        dates, note = reader.settle_dates([item for _, item in items], read_as.date_order)
        if note:
            notes.append(_file_problem(name, note, severity=Severity.WARNING))
        items = [
            (line, reader.to_record(item, dates.get(position)) if isinstance(item, dict) else item)
            for position, (line, item) in enumerate(items)
        ]

    def replayed() -> Iterator[tuple[int, object]]:
        yield from items
        if stopped is not None:
            raise stopped
        yield from records  # nothing left when every record was read above

    return replayed(), notes


def _iter_json_records(text: str, reached: Callable[[float], None] | None = None):
    """Yield ``(line, item)`` for each element of a top-level JSON array, so each record has its line.

    ``NaN`` and ``Infinity`` stay text (validation reports them); an element nested deeper than
    `MAX_NESTING` comes as a `YamlError` at its line.
    """
    decoder = json.JSONDecoder(parse_constant=str, parse_int=whole_number)
    if _SURROGATE_ESCAPE.search(text):  # "\ud800" alone decodes to a character no text file can hold
        for line, item in _iter_json_records_unchecked(text, decoder, reached):
            yield line, _without_lone_surrogates(item)
        return
    yield from _iter_json_records_unchecked(text, decoder, reached)


def _iter_json_records_unchecked(text: str, decoder: json.JSONDecoder, reached: Callable[[float], None] | None):
    whitespace = re.compile(r"\s*")
    position = whitespace.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("[", position):
        try:
            document = decoder.decode(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{error.msg} (line {error.lineno}, column {error.colno})") from None
        except RecursionError:
            raise YamlError(TOO_DEEP, 1) from None
        if isinstance(document, dict) and isinstance(document.get("events"), list):  # the dashboard's own export
            for line, record in _records_with_lines(text, document["events"]):
                yield line, YamlError(TOO_DEEP, line) if _too_deep(record) else record
            return
        raise YamlError("the file is not a list of records (expected a JSON array of objects)", 1)
    position = whitespace.match(text, position + 1).end()  # type: ignore[union-attr]
    line = text.count("\n", 0, position) + 1
    counted_to = position
    if text.startswith("]", position):
        return
    while True:
        line += text.count("\n", counted_to, position)
        counted_to = position
        try:
            item, end = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, RecursionError) as error:  # counted as one record read and rejected
            message = f"invalid JSON: {error.msg}" if isinstance(error, json.JSONDecodeError) else TOO_DEEP
            yield line, YamlError(message + "; records after it were not read", getattr(error, "lineno", line))
            return
        openers = text.count("[", position, end) + text.count("{", position, end)
        if reached is not None:
            reached(end / len(text))
        yield line, YamlError(TOO_DEEP, line) if openers > MAX_NESTING and _too_deep(item) else item
        position = whitespace.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", position):
            position = whitespace.match(text, position + 1).end()  # type: ignore[union-attr]
        elif text.startswith("]", position):
            after = whitespace.match(text, position + 1).end()  # type: ignore[union-attr]
            if after < len(text):
                raise YamlError(
                    "invalid JSON: more text after the ']' that closes the list of records; it was not read",
                    text.count("\n", 0, after) + 1,
                )
            return
        else:
            raise YamlError(
                "invalid JSON: expected ',' or ']' after a record",
                text.count("\n", 0, position) + 1,
            )


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _without_lone_surrogates(item: object) -> object:
    """``item`` with each lone surrogate in its text replaced by U+FFFD (validation then rejects that field)."""
    if isinstance(item, str):
        return item.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(item, list):
        return [_without_lone_surrogates(value) for value in item]
    if isinstance(item, dict):
        return {_without_lone_surrogates(key): _without_lone_surrogates(value) for key, value in item.items()}
    return item


def _too_deep(item: object) -> bool:
    """True when lists and mappings in ``item`` nest deeper than `MAX_NESTING` (walked without recursion)."""
    stack = [(item, 1)]
    while stack:
        current, level = stack.pop()
        if level > MAX_NESTING:
            return True
        if isinstance(current, dict):
            stack.extend((value, level + 1) for value in current.values())
        elif isinstance(current, list):
            stack.extend((value, level + 1) for value in current)
    return False


def _records_with_lines(text: str, records: list):
    """Records of an already parsed document, each with the line of its ``"id"`` (found in order)."""
    position = 0
    for record in records:
        line = None
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            found = text.find(json.dumps(record["id"], ensure_ascii=False), position)
            if found >= 0:
                line, position = text.count("\n", 0, found) + 1, found + 1
        yield line, record


# --- flat records (CSV) -----------------------------------------------------------------------------------


def read_csv_text(text: str, name: str, read_as: ReadAs = NOT_NAMED) -> RawFile:
    """Read the flat form: a header of field names, one row per record, ``;``-separated lists."""
    comment_lines = 0  # lines starting with "#" above the header say what an export holds
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comment_lines += 1
    if read_as.dataset is not None and comment_lines == 0:  # a dataset's file without its header line?
        first_line = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]), [])
        reader = datasets.headerless(read_as.dataset, first_line)
        if reader is not None:
            return _with_header(text, name, read_as, reader.HEADERLESS_COLUMNS, reader.HEADERLESS_LABEL)
    header_problem = csv_header_problem(text, comment_lines)
    if header_problem:
        raw = RawFile(name, pd.DataFrame(columns=["record_line"]), _empty_sources())
        raw.problems.append(_file_problem(name, header_problem, comment_lines + 1))
        return raw
    unclosed = _unclosed_quote_line(text) if _parses_to_an_open_quote(text, comment_lines) else None
    if unclosed is not None:  # read the rows above it; the rest of the file is one open quoted field
        raw = read_csv_text("".join(text.splitlines(keepends=True)[: unclosed - 1]), name, read_as)
        raw.problems.append(
            _file_problem(
                name,
                "malformed CSV: a quote opened on this line is never closed, so this line and every line after it"
                ' were not read; close the quote (or double it: "") and read the file again',
                unclosed,
            )
        )
        return raw
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                skiprows=comment_lines,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                on_bad_lines="warn",
                skipinitialspace=True,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
            raw = RawFile(name, pd.DataFrame(columns=["record_line"]), _empty_sources())
            raw.problems.append(_file_problem(name, f"malformed CSV: {_csv_error_text(error)}"))
            return raw
    raw = RawFile(name, frame, _empty_sources())
    skipped = _skipped_lines(caught)
    header_breaks = sum(str(column).count("\n") for column in frame.columns)  # quoted names may span lines
    lines_above = comment_lines + header_breaks
    frame = frame.rename(columns=lambda column: str(column).strip())
    # More line breaks than rows, header and skipped lines means some fields hold line breaks.
    line_breaks_in_fields = text.rstrip("\r\n").count("\n") > len(frame) + len(skipped) + lines_above
    frame["record_line"], skipped_lines = _row_lines(frame, sorted(skipped), line_breaks_in_fields)
    frame["record_line"] += lines_above
    for ordinal, message in skipped.items():
        line = skipped_lines[ordinal] + lines_above
        raw.problems.append(_file_problem(name, f"malformed CSV row, not read: {message}", line))
    raw.unreadable = len(skipped)
    candidates = frame[frame.iloc[:, 0].isna()]  # a blank line has nothing in its first column either
    blank = candidates.drop(columns="record_line").isna().all(axis=1)
    if blank.any():
        frame = frame.drop(index=blank.index[blank]).reset_index(drop=True)

    dataset = read_as.dataset or datasets.csv_dataset([str(column) for column in frame.columns])
    if dataset and dataset != RECORDS:
        rows = datasets.read_csv_dataset(dataset, frame, name, read_as.date_order)
    else:
        rows = csv_rows(frame, name, comment_lines + 1)
    rows.problems[:0] = raw.problems
    rows.unreadable = raw.unreadable
    return rows


def _with_header(text: str, name: str, read_as: ReadAs, columns: tuple[str, ...], label: str) -> RawFile:
    """A CSV file without a header line read with ``columns`` as its header: lines keep their numbers."""
    raw = read_csv_text(",".join(columns) + "\n" + text, name, read_as)
    raw.records["record_line"] = raw.records["record_line"] - 1
    raw.problems = [replace(problem, line=problem.line - 1) if problem.line else problem for problem in raw.problems]
    message = f"no header line: read as the {len(columns)} columns of a {label} file, as named with {read_as.dataset}:"
    raw.problems.insert(0, Problem(name, None, None, None, None, message, Severity.WARNING))
    return raw


def csv_rows(frame: pd.DataFrame, name: str, header_line: int) -> RawFile:
    """The `RawFile` of CSV rows read as text: field columns as named in the header (names stripped), source
    columns (``source1_publisher``, ...) in long form, ``record_line``; a warning for each unknown column."""
    raw = RawFile(name, frame, _empty_sources())
    source_groups: dict[int, dict[str, str]] = {}
    for column in frame.columns:
        match = CSV_SOURCE_COLUMN.match(column)
        if match:
            source_groups.setdefault(int(match.group(1)), {})[match.group(2)] = column
        elif column not in FIELDS_BY_NAME and column != "record_line":
            raw.problems.append(
                _file_problem(name, f"unknown column {shorten(column)}, ignored", header_line, Severity.WARNING)
            )
    raw.sources = _csv_sources(frame, source_groups)
    if "sources" in frame:
        raw.problems.append(
            _file_problem(
                name,
                "column 'sources' is not read in CSV: use source1_publisher, source1_title, ...",
                1,
            )
        )
    used = [column for column in frame.columns if column in FIELDS_BY_NAME and column != "sources"]
    raw.records = frame[[*used, "record_line"]]
    return raw


def csv_header_problem(text: str, comment_lines: int) -> str | None:
    """Why the header row cannot start a file of records, checked before pandas reads anything (a line of
    garbage would otherwise become a header of a million columns), or None."""
    rows = csv.reader(io.StringIO(text[: MAX_HEADER_CHARS + 1]))
    try:
        for _ in range(comment_lines):
            next(rows)
        header = next(rows, [])
    except csv.Error as error:
        return f"malformed CSV header: {error}"
    if len(header) > MAX_COLUMNS:
        return f"the header has more than {MAX_COLUMNS:,} columns: not a CSV of records"
    if sum(map(len, header)) > MAX_HEADER_CHARS or (not header and len(text) > MAX_HEADER_CHARS):
        return f"the header is longer than {MAX_HEADER_CHARS:,} characters: not a CSV of records"
    names = [column.strip() for column in header]
    if names and not any(name in FIELDS_BY_NAME or CSV_SOURCE_COLUMN.match(name) for name in names):
        return (
            f"no column of the header ({shorten(', '.join(names), 120)}) is a record field such as id, title or"
            " date_start: not a CSV of records, nothing read"
        )
    return None


def _parses_to_an_open_quote(text: str, comment_lines: int) -> bool:
    """True when the text ends inside a quoted field (pandas would refuse the whole file for it)."""
    if text.count('"') % 2 == 0:
        return False
    try:
        pd.read_csv(io.StringIO(text), skiprows=comment_lines, dtype=str, on_bad_lines="skip", nrows=None)
    except pd.errors.ParserError as error:
        return "EOF inside string" in str(error)
    except (ValueError, pd.errors.EmptyDataError):
        return False
    return False


def _unclosed_quote_line(text: str) -> int | None:
    """The line where the last row starts: for a file that ends inside a quoted field, the row whose quote
    is never closed (the csv module reads it to the end of the file)."""
    reader = csv.reader(io.StringIO(text))
    start = None
    try:
        while True:
            line = reader.line_num + 1
            next(reader)
            start = line
    except StopIteration:
        return start
    except csv.Error:
        return None


def _csv_error_text(error: Exception) -> str:
    text = str(error).strip()
    return text.replace("Error tokenizing data. C error: ", "")


def _skipped_lines(caught: list[warnings.WarningMessage]) -> dict[int, str]:
    skipped: dict[int, str] = {}
    for warning in caught:
        for match in re.finditer(r"Skipping line (\d+): (.*)", str(warning.message)):
            skipped[int(match.group(1))] = match.group(2).strip()
    return skipped


def _row_lines(
    frame: pd.DataFrame, skipped: list[int], line_breaks_in_fields: bool
) -> tuple[np.ndarray, dict[int, int]]:
    """File line on which each row starts (the header is line 1), allowing for quoted line breaks.

    The parser numbers rows as if each took one line (``skipped`` uses that numbering); this turns both the
    kept rows and the skipped ones into real file lines. Returns (lines of kept rows, skipped -> file line).
    """
    extra = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns if line_breaks_in_fields else []:
        if pd.api.types.is_string_dtype(frame[column]):
            extra += frame[column].str.count("\n").fillna(0).to_numpy(dtype=np.int64)
    ordinals = np.arange(2, len(frame) + len(skipped) + 2, dtype=np.int64)
    ordinals = ordinals[~np.isin(ordinals, skipped)][: len(frame)]
    breaks_before = np.concatenate(([0], np.cumsum(extra)[:-1])) if len(extra) else extra
    lines = ordinals + breaks_before
    skipped_lines = {ordinal: ordinal + int(extra[ordinals < ordinal].sum()) for ordinal in skipped}
    return lines, skipped_lines


def _csv_sources(frame: pd.DataFrame, groups: dict[int, dict[str, str]]) -> pd.DataFrame:
    parts = []
    for number, columns in sorted(groups.items()):
        part = pd.DataFrame(
            {column: frame[columns[column]] if column in columns else None for column in SOURCE_COLUMNS}
        )
        part.insert(0, "number", number)
        part.insert(0, "row", np.arange(len(frame)))
        parts.append(part[part[SOURCE_COLUMNS].notna().any(axis=1)])
    if not parts:
        return _empty_sources()
    return pd.concat(parts, ignore_index=True)
