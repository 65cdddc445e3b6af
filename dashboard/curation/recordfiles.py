"""Editing a record file safely: add, replace and remove records, save, and undo the last save.

For the Curate page, where analysts edit their own YAML record files (the nested form of
`dashboard.model.schema`). What it guarantees:

- Minimal changes. A file is split into its records (``- `` items at the left margin) and the text around
  them; a record not edited keeps its exact bytes. An edited record is read with ruamel.yaml's round-trip
  mode and updated in place (changed keys only, removed fields removed, new keys after the existing ones in
  the schema's order), so its comments and layout survive; only its lines change. A new record is appended
  after the last one, after a blank line. A removed record goes with the comment lines directly above it;
  the file's header comment and comment blocks separated by a blank line stay.
- Safe saving. `save` takes a lock (``.NAME.lock`` beside the file), re-reads the file and refuses with
  `SaveConflict` (holding a diff) if it changed since it was read; it keeps the bytes it replaces as
  ``.NAME.previous`` (so `undo_last_save` can put them back) and writes through `dashboard.safeio.atomic`
  (temporary file, fsync, rename, folder fsync), keeping the file's permission bits.
- Nothing else is written: only the file, its lock file, its ``.previous`` file and, while writing, hidden
  ``.partial`` temporaries (a killed save can leave one; the loader skips hidden files, and the next save of
  the file removes those older than a minute). Symbolic links, folders and special files are refused.

`check_record` checks one record exactly as the loader does (for the form), and `fresh_id` proposes an id.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import datetime
import difflib
import hashlib
import io
import math
import os
import re
import stat
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from dashboard.model.schema import FIELDS, FIELDS_BY_NAME, SOURCE_FIELDS, Kind
from dashboard.safeio.atomic import (
    LockTimeout,
    exclusive_lock,
    link_new,
    remove_stale_temporaries,
    replace_file,
    sync_folder,
    write_temporary,
)
from dashboard.safeio.safeyaml import YamlError, iter_yaml_records, load_yaml_records
from dashboard.sources.datapaths import shown_path

YAML_SUFFIXES = (".yaml", ".yml")
MAX_EDIT_BYTES = 64 * 1024 * 1024  # larger files are refused for editing (split them); the loader reads them
LOCK_TIMEOUT_SECONDS = 10.0
FOLD_WIDTH = 110  # edited long texts become folded blocks (">-") with lines up to this long, like data/events
MAX_DIFF_LINES = 400
NEW_FILE_HEADER = (
    "# Event records curated in the dashboard (Curate page), created {date}.\n"
    "# One record per '- ' item; the fields are described in the README's data dictionary.\n"
)

_ITEM_START = re.compile(r"-(?:[ \t]|\r?\n|$)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEQUENCE_UNDER_KEY = re.compile(r"^( *)[^\s#-][^\n]*:[ \t]*\r?\n( *)- ", re.MULTILINE)
_PYYAML_RESOLVER = yaml.resolver.Resolver()  # how the loader (PyYAML, YAML 1.1) reads a plain scalar
_STR_TAG = "tag:yaml.org,2002:str"
_OTHER_UNICODE_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class RecordFileError(ValueError):
    """A record file that cannot be opened, edited or saved; the message names the file (and line)."""


class SaveConflict(RecordFileError):
    """The file changed on disk since it was read; ``diff`` shows how (unified diff, read → now)."""

    def __init__(self, message: str, diff: str) -> None:
        super().__init__(message)
        self.diff = diff


class NothingToUndo(RecordFileError):
    """No earlier version of the file is kept."""


@dataclass(frozen=True)
class FileVersion:
    """A version of a file as read or written: its SHA-256 ``digest`` ("" when the file did not exist) and size;
    ``content`` keeps the bytes, for the diff of a conflict (not part of equality)."""

    path: Path
    digest: str
    size: int
    content: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def exists(self) -> bool:
        return bool(self.digest)

    @classmethod
    def of(cls, path: Path, content: bytes) -> FileVersion:
        return cls(path, hashlib.sha256(content).hexdigest(), len(content), content)


@dataclass
class _Entry:
    """One record of the file and the text above it."""

    gap: str  # blank lines and comments above it that are not its own: they stay when it is removed
    own: str  # comment lines directly above it (no blank line between): removed with it
    body: str  # its text, from its "- " line to its last line (indented comments included)
    plain: dict  # its values as the loader reads them
    line: int = 0  # line of its "- " in the text as last saved (or opened); 0 until then for a new record
    node: CommentedMap | None = None  # the round-trip mapping, read on its first edit


# --- reading -----------------------------------------------------------------------------------------------


def _read_current(path: Path, name: str) -> tuple[bytes, int] | None:
    """The file's bytes and mode, or None when there is no file; refuses links, folders and special files."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        if os.path.islink(path):
            raise RecordFileError(
                f"{name} is a symbolic link (to a missing file): name the record file itself"
            ) from None
        return None
    except OSError as error:
        if os.path.islink(path):
            raise RecordFileError(f"{name} is a symbolic link: open the file it points to instead") from None
        if os.path.isdir(path):
            raise RecordFileError(f"{name} is a folder, not a record file") from None
        raise RecordFileError(f"{name} cannot be read: {error.strerror or error}") from None
    status = os.fstat(descriptor)
    if stat.S_ISDIR(status.st_mode):
        os.close(descriptor)
        raise RecordFileError(f"{name} is a folder, not a record file")
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(status.st_mode):
            raise RecordFileError(f"{name} is not a regular file (a FIFO, device or socket): not opened")
        if status.st_size > MAX_EDIT_BYTES:
            raise RecordFileError(
                f"{name} is {status.st_size / 2**20:.0f} MB, over the {MAX_EDIT_BYTES / 2**20:.0f} MB that can be"
                " edited here: split it into smaller files"
            )
        data = file.read(MAX_EDIT_BYTES + 1)
    if len(data) > MAX_EDIT_BYTES:
        raise RecordFileError(f"{name} is over the {MAX_EDIT_BYTES / 2**20:.0f} MB that can be edited here")
    return data, status.st_mode


def _decode(data: bytes, name: str) -> tuple[str, bool]:
    """UTF-8 text (and whether it had a byte-order mark, kept on saving); other encodings are refused."""
    for bom, encoding in _OTHER_UNICODE_BOMS:
        if data.startswith(bom):
            raise RecordFileError(f"{name}:1: the file is saved as {encoding}; save it as UTF-8 to edit it here")
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        raise RecordFileError(
            f"{name}:{line}: bytes that are not UTF-8 (first: {body[error.start : error.start + 1]!r} at byte"
            f" {error.start + (3 if bom else 0)}); save the file as UTF-8 to edit it here"
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise RecordFileError(f"{name}:{line}: the file holds a NUL character: not a text file, not opened")
    return text, bom


def _lines(text: str) -> list[str]:
    """Lines with their line breaks (``\\n`` only: the only break YAML and this splitting agree on)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _loose(line: str) -> bool:
    """A blank line, or a comment at the left margin: text between records, not part of one."""
    return not line.strip() or line.startswith("#")


def _yaml_problem(error: YamlError, name: str) -> RecordFileError:
    where = f"{name}:{error.line}" if error.line else name
    return RecordFileError(f"{where}: {error}; fix it in a text editor to edit the file here")


def _split(text: str, name: str) -> tuple[list[_Entry], str]:
    """The records of ``text`` with the text above each, and the text after the last one."""
    try:
        items = list(iter_yaml_records(text))
    except YamlError as error:
        raise _yaml_problem(error, name) from None
    for line, item in items:
        if isinstance(item, YamlError):
            raise _yaml_problem(item if item.line else YamlError(str(item), line), name)
        if not isinstance(item, dict):
            raise RecordFileError(f"{name}:{line}: this item is not a record (a mapping of fields) but {item!r:.60}")
    lines = _lines(text)
    starts = [index for index, line in enumerate(lines) if _ITEM_START.match(line)]
    for index, line in enumerate(lines):
        before_first = not starts or index < starts[0]
        if _ITEM_START.match(line) or _loose(line) or line[:1] in (" ", "\t"):
            continue
        if before_first and (line.startswith(("---", "%"))):
            continue
        raise RecordFileError(
            f"{name}:{index + 1}: only a plain list of records ('- ' items at the left margin, as in data/events)"
            " can be edited here"
        )
    if len(starts) != len(items):
        raise RecordFileError(f"{name}: the records could not be told apart: fix the file in a text editor")
    by_line = {line: item for line, item in items}
    bounds = [*starts, len(lines)]
    entries: list[_Entry] = []
    above = lines[: starts[0]] if starts else lines
    for number, start in enumerate(starts):
        chunk = lines[start : bounds[number + 1]]
        end = len(chunk)
        while end > 1 and _loose(chunk[end - 1]):
            end -= 1
        plain = by_line.get(start + 1)
        if plain is None:  # the reader numbered lines differently (an odd line break): read this record alone
            plain = _read_body("".join(chunk[:end]), name, start + 1)
        own_start = len(above)
        while own_start > 0 and above[own_start - 1].startswith("#"):
            own_start -= 1
        if number == 0 and not any(not line.strip() for line in above):
            own_start = len(above)  # comments at the top, touching the first record: the file's header
        entries.append(_Entry("".join(above[:own_start]), "".join(above[own_start:]), "".join(chunk[:end]), plain))
        entries[-1].line = start + 1
        above = chunk[end:]
    return entries, "".join(above)


def _read_body(body: str, name: str, line: int) -> dict:
    """One record's text read as the loader reads it."""
    try:
        items = load_yaml_records(body)
    except YamlError as error:
        raise RecordFileError(f"{name}:{line + (error.line or 1) - 1}: {error}") from None
    if len(items) != 1 or not isinstance(items[0][1], dict):
        raise RecordFileError(f"{name}:{line}: this item is not one record (a mapping of fields)")
    return items[0][1]


# --- writing values ------------------------------------------------------------------------------------------


def _child_order() -> dict[tuple[str, ...], list[str]]:
    """For each mapping of a record (by path), its keys in the schema's order."""
    order: dict[tuple[str, ...], list[str]] = {}
    for schema_field in FIELDS:
        for depth, key in enumerate(schema_field.path):
            keys = order.setdefault(schema_field.path[:depth], [])
            if key not in keys:
                keys.append(key)
    order[("sources", "*")] = [source_field.name for source_field in SOURCE_FIELDS]
    return order


_CHILD_ORDER = _child_order()
_DATE_PATHS = {schema_field.path for schema_field in FIELDS if schema_field.kind is Kind.DATE} | {
    ("sources", "*", source_field.name) for source_field in SOURCE_FIELDS if source_field.kind is Kind.DATE
}
_SCALARS = (str, int, float, bool, datetime.date)


def _blank(value: object) -> bool:
    """A value that means "no value": the field is left out."""
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list | tuple | dict) and not value)
    )


def _ordered_keys(mapping: dict, path: tuple[str, ...]) -> list:
    """The keys of ``mapping`` in the schema's order for ``path``, unknown keys after them as given."""
    known = _CHILD_ORDER.get(path, [])
    return [key for key in known if key in mapping] + [key for key in mapping if key not in known]


def _child_path(path: tuple[str, ...], key: object) -> tuple[str, ...]:
    return ("sources", "*") if path == ("sources",) else (*path, str(key))


def _comparable(value: object) -> object:
    """A value (plain or round-trip) in one form, to tell whether an edit changes it."""
    if isinstance(value, dict):
        return {str(key): _comparable(item) for key, item in value.items() if not _blank(item)}
    if isinstance(value, list | tuple):
        return [_comparable(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float) and not math.isfinite(value):
        return ("float", repr(value))
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def _folded(text: str, indent: int) -> FoldedScalarString:
    """``text`` as a folded block (``>-``) broken at spaces into lines of at most `FOLD_WIDTH` characters
    (a single word longer than that stays whole)."""
    folded = FoldedScalarString(text)
    positions, position = [], 0
    for line in textwrap.wrap(text, max(40, FOLD_WIDTH - indent), break_long_words=False, break_on_hyphens=False)[:-1]:
        position += len(line)
        positions.append(position)
        position += 1
    folded.fold_pos = positions
    return folded


def _text_value(text: str, path: tuple[str, ...], like: object) -> object:
    """Text to write, in the style of the value it replaces, or folded when long; quoted when the loader (YAML
    1.1) would read it as something else ("yes", "1.0", "2024-01-01")."""
    if path in _DATE_PATHS and _ISO_DATE.fullmatch(text):
        with contextlib.suppress(ValueError):
            return datetime.date.fromisoformat(text)
    if any(not character.isprintable() and character != "\n" for character in text):
        return DoubleQuotedScalarString(text)  # escaped: control characters, and line breaks of YAML 1.1 (NEL)
    foldable = text == text.strip() and "\n" not in text and "  " not in text and "\t" not in text
    indent = 2 + 2 * len(path)  # where the block's lines start: under "- " and the keys above
    if isinstance(like, LiteralScalarString) and "\n" in text:
        return LiteralScalarString(text)
    long_text = like is None and len(text) > FOLD_WIDTH - indent
    if foldable and (isinstance(like, FoldedScalarString) or long_text) and text.isprintable():
        return _folded(text, indent)
    if isinstance(like, SingleQuotedScalarString):
        return SingleQuotedScalarString(text)
    if isinstance(like, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(text)
    if _PYYAML_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG:
        return SingleQuotedScalarString(text) if text.isprintable() else DoubleQuotedScalarString(text)
    return text


def _to_yaml(value: object, path: tuple[str, ...], like: object = None) -> object:
    """A plain value as a round-trip value: mappings in schema order, lists of names in flow style (``[a, b]``),
    dates as dates, long text folded."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for key in _ordered_keys(value, path):
            if not _blank(value[key]):
                mapping[key] = _to_yaml(value[key], _child_path(path, key))
        return mapping
    if isinstance(value, list | tuple):
        sequence = CommentedSeq(_to_yaml(item, _child_path(path, index)) for index, item in enumerate(value))
        if all(isinstance(item, _SCALARS) for item in value):
            sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{'.'.join(path)}: the text holds characters that cannot be saved") from None
        return _text_value(value, path, like)
    if value is None or isinstance(value, _SCALARS):
        return value
    raise ValueError(f"{'.'.join(path)}: a {type(value).__name__} cannot be written in a record")


def _update_mapping(node: CommentedMap, new: dict, path: tuple[str, ...]) -> None:
    """Make ``node`` hold ``new``, touching only what differs: comments and styles of the rest survive."""
    for key in list(node):
        if key not in new or _blank(new[key]):
            del node[key]
    for key in _ordered_keys(new, path):
        value = new[key]
        if _blank(value):
            continue
        child = _child_path(path, key)
        old = node.get(key) if key in node else None
        if key not in node:
            node[key] = _to_yaml(value, child)
        elif isinstance(value, dict) and isinstance(old, CommentedMap):
            _update_mapping(old, value, child)
        elif isinstance(value, list | tuple) and isinstance(old, CommentedSeq):
            _update_sequence(old, list(value), child)
        elif _comparable(old) != _comparable(value):
            node[key] = _to_yaml(value, child, like=old)


def _update_sequence(node: CommentedSeq, new: list, path: tuple[str, ...]) -> None:
    while len(node) > len(new):
        del node[len(node) - 1]
    for index, value in enumerate(new):
        child = _child_path(path, index)
        if index >= len(node):
            node.append(_to_yaml(value, child))
        elif isinstance(value, dict) and isinstance(node[index], CommentedMap):
            _update_mapping(node[index], value, child)
        elif _comparable(node[index]) != _comparable(value):
            node[index] = _to_yaml(value, child, like=node[index])


def _plain_copy(value: object) -> object:
    """A value of a record given by the caller, checked to be data (no objects) and copied."""
    if isinstance(value, dict):
        return {str(key): _plain_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_copy(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- the file --------------------------------------------------------------------------------------------------


class RecordFile:
    """A YAML record file opened for editing. Edits change only this object; `save` writes them."""

    def __init__(self, path: Path, version: FileVersion, text: str, bom: bool) -> None:
        self.path = path
        self.name = shown_path(path)
        self.version = version
        self._bom = bom
        self._newline = "\r\n" if "\r\n" in text and "\n" not in text.replace("\r\n", "") else "\n"
        self._entries, self._trailer = _split(text, self.name)
        self._yaml = YAML(typ="rt")
        self._yaml.preserve_quotes = True
        self._yaml.width = 1_000_000  # never re-wrap a line that is not edited
        self._yaml.indent(**_guess_indent(self._entries))

    # reading
    def ids(self) -> list[str]:
        """The records' ids in file order (records without an id are left out)."""
        return [record_id for entry in self._entries if (record_id := _id_of(entry.plain)) is not None]

    def records(self) -> list[dict]:
        """Every record as a plain nested dict (dates as the text written, e.g. ``"2024-10-09"``)."""
        return [copy.deepcopy(entry.plain) for entry in self._entries]

    def record(self, record_id: str) -> dict:
        """The record with this id as a plain nested dict; `KeyError` when there is none."""
        return copy.deepcopy(self._entries[self._index(record_id)].plain)

    def line(self, record_id: str) -> int:
        """The line where the record starts (as last saved or opened; 0 for a record not saved yet)."""
        return self._entries[self._index(record_id)].line

    def text(self) -> str:
        """The file's text with the edits made (what `save` writes, without a byte-order mark)."""
        return "".join(entry.gap + entry.own + entry.body for entry in self._entries) + self._trailer

    def copy(self) -> RecordFile:
        """A copy to edit and save apart from this one: a save that is refused leaves this one as it was read.
        (Cheap: the records' values are shared, as edits replace them rather than change them in place.)"""
        twin = copy.copy(self)
        twin._entries = [copy.copy(entry) for entry in self._entries]
        return twin

    @property
    def changed(self) -> bool:
        """Whether the edits change the file as last read or saved."""
        return self._encoded() != (self.version.content or b"") or not self.version.exists

    # editing
    def add(self, record: dict) -> None:
        """Append ``record`` (nested form) after the last record; `ValueError` if its id is missing or taken."""
        record = self._checked(record)
        record_id = str(record["id"])
        if record_id in self.ids():
            raise ValueError(f"id {record_id!r} is already used by the record at line {self.line(record_id)}")
        node = _to_yaml(record, ())
        body = self._dump(node)
        if self._entries:
            last = self._entries[-1]
            if not last.body.endswith("\n"):
                last.body += self._newline
            gap = self._newline
        else:  # the text of a file without records (its header) goes above the first one
            gap, self._trailer = self._trailer, ""
            if gap and not gap.endswith("\n"):
                gap += self._newline
            if gap.strip() and not gap.endswith("\n\n") and not gap.endswith("\r\n\r\n"):
                gap += self._newline
        entry = _Entry(gap, "", body, _read_body(body, self.name, 1), node=node)
        self._verify(entry, record)
        self._entries.append(entry)

    def replace(self, record_id: str, record: dict) -> None:
        """Make the record ``record_id`` hold ``record`` (its id may change); only the fields that differ
        change in the file. `KeyError` for an unknown id, `ValueError` for an id taken by another record."""
        index = self._index(record_id)
        record = self._checked(record)
        new_id = str(record["id"])
        if new_id != record_id and new_id in self.ids():
            raise ValueError(f"id {new_id!r} is already used by the record at line {self.line(new_id)}")
        entry = self._entries[index]
        if _comparable(entry.plain) == _comparable(record):
            return  # nothing changes: the record keeps its bytes
        node = copy.deepcopy(entry.node) if entry.node is not None else self._parse(entry)
        _update_mapping(node, record, ())
        body = self._dump(node)
        edited = _Entry(entry.gap, entry.own, body, _read_body(body, self.name, entry.line), entry.line, node)
        self._verify(edited, record)
        self._entries[index] = edited

    def remove(self, record_id: str) -> None:
        """Remove the record and the comment lines directly above it; `KeyError` for an unknown id."""
        index = self._index(record_id)
        entry = self._entries.pop(index)
        kept = _lines(entry.gap)  # comments above it that are not its own stay; the blank lines before it go
        while kept and not kept[-1].strip():
            kept.pop()
        kept = "".join(kept)
        if index < len(self._entries):
            self._entries[index].gap = kept + self._entries[index].gap
        else:
            self._trailer = kept + self._trailer
            if self._entries and not self._entries[-1].body.endswith("\n") and self._trailer:
                self._entries[-1].body += self._newline

    # internals
    def _index(self, record_id: str) -> int:
        found = [number for number, entry in enumerate(self._entries) if _id_of(entry.plain) == str(record_id)]
        if not found:
            raise KeyError(f"{self.name}: no record with id {record_id!r}")
        if len(found) > 1:
            lines = ", ".join(str(self._entries[number].line) for number in found)
            raise ValueError(f"{self.name}: id {record_id!r} is used by several records (lines {lines}): fix it first")
        return found[0]

    def _checked(self, record: dict) -> dict:
        if not isinstance(record, dict):
            raise ValueError(f"a record is a mapping of fields, not {type(record).__name__}")
        record = _plain_copy(record)
        record_id = record.get("id")
        if _blank(record_id) or not isinstance(record_id, str | int):
            raise ValueError("the record needs an id (see fresh_id)")
        return record

    def _parse(self, entry: _Entry) -> CommentedMap:
        """The record's round-trip mapping, read from its text moved to the margin (without its "- "), so the
        columns ruamel keeps for comments are those `_dump` writes at."""
        try:
            data = self._yaml.load(_at_margin(entry.body))
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = entry.line + (mark.line if mark else 0)
            raise RecordFileError(f"{self.name}:{line}: {error.problem or error}; fix it in a text editor") from None
        except (YAMLError, ValueError) as error:
            raise RecordFileError(f"{self.name}:{entry.line}: {error}; fix it in a text editor") from None
        if not isinstance(data, CommentedMap):
            raise RecordFileError(f"{self.name}:{entry.line}: this item is not one record (a mapping of fields)")
        return data

    def _dump(self, node: CommentedMap) -> str:
        """The record's text: the mapping dumped at the margin, then shifted under a "- "."""
        out = io.StringIO()
        self._yaml.dump(node, out)
        lines = out.getvalue().split("\n")
        shifted = ["- " + lines[0]] + ["  " + line if line.strip() else line for line in lines[1:]]
        return self._newline.join(shifted)

    def _verify(self, entry: _Entry, record: dict) -> None:
        """The record must read back as it was given: a last guard before anything reaches the file."""
        wanted = {key: value for key, value in record.items() if not _blank(value)}
        if _comparable(entry.plain) != _comparable(wanted):
            raise RecordFileError(
                f"{self.name}: record {record.get('id')!r} would not read back as given; it was not changed"
            )

    def _encoded(self) -> bytes:
        return (codecs.BOM_UTF8 if self._bom else b"") + self.text().encode("utf-8")

    def _saved(self, version: FileVersion) -> None:
        self.version = version
        line = 1
        for entry in self._entries:
            line += (entry.gap + entry.own).count("\n")
            entry.line = line
            line += entry.body.count("\n")


def _id_of(record: dict) -> str | None:
    value = record.get("id")
    return None if _blank(value) else str(value)


def _at_margin(body: str) -> str:
    """A record's text without its "- " and the two columns of indentation under it."""
    lines = _lines(body)
    first = lines[0][2:] if lines[0][1:2] in (" ", "\t") else lines[0][1:]
    moved = [first]
    for line in lines[1:]:
        if line.startswith("  "):
            moved.append(line[2:])
        elif not line.strip() or line.lstrip().startswith("#"):
            moved.append(line.lstrip(" \t") or line)
        else:
            raise ValueError("a line of the record is indented less than its first field")
    return "".join(moved)


def _guess_indent(entries: list[_Entry]) -> dict[str, int]:
    """How the file indents lists under keys (``sources:`` then ``    - publisher``), from its first records."""
    for entry in entries[:50]:
        match = _SEQUENCE_UNDER_KEY.search(entry.body)
        if match:
            offset = max(0, len(match.group(2)) - len(match.group(1)))
            return {"mapping": 2, "sequence": offset + 2, "offset": offset}
    return {"mapping": 2, "sequence": 4, "offset": 2}


def _check_path(path: Path) -> str:
    name = shown_path(path)
    if path.suffix.lower() not in YAML_SUFFIXES:
        raise RecordFileError(f"{name}: only YAML record files (.yaml, .yml) can be edited here")
    if not path.parent.is_dir():
        raise RecordFileError(f"{name}: the folder {shown_path(path.parent)} does not exist")
    return name


def open_record_file(path: Path | str, *, create: bool = False) -> RecordFile:
    """Open a YAML record file for editing; with ``create`` a new one (never over an existing file), which
    `save` creates. Raises `RecordFileError` naming the file (and line) when it cannot be edited."""
    path = Path(path)
    name = _check_path(path)
    current = _read_current(path, name)
    if current is None:
        if not create:
            raise RecordFileError(f"{name}: no such file")
        header = NEW_FILE_HEADER.format(date=datetime.date.today().isoformat())
        return RecordFile(path, FileVersion(path, "", 0, None), header, bom=False)
    if create:
        raise RecordFileError(f"{name} already exists: open it instead of creating it")
    data, _ = current
    text, bom = _decode(data, name)
    return RecordFile(path, FileVersion.of(path, data), text, bom)


# --- saving and undoing ------------------------------------------------------------------------------------------


def lock_path(path: Path) -> Path:
    """The lock file of a record file: ``.NAME.lock`` beside it."""
    return path.parent / f".{path.name}.lock"


def previous_path(path: Path) -> Path:
    """Where the version a save replaced is kept: ``.NAME.previous`` beside it."""
    return path.parent / f".{path.name}.previous"


def _diff(before: bytes | None, after: bytes | None, name: str) -> str:
    old = (before or b"").decode("utf-8", "replace").splitlines(keepends=True)
    new = (after or b"").decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(old, new, f"{name} (as you read it)", f"{name} (on disk now)"))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines of differences\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@contextlib.contextmanager
def _locked(path: Path, name: str):
    try:
        with exclusive_lock(lock_path(path), LOCK_TIMEOUT_SECONDS):
            remove_stale_temporaries(path)
            remove_stale_temporaries(previous_path(path))
            yield
    except LockTimeout:
        raise RecordFileError(f"{name}: another save of this file is still running; try again") from None
    except RecordFileError:
        raise
    except OSError as error:
        raise RecordFileError(f"{name}: cannot save: {error.strerror or error}") from None


def save_bytes(path: Path, data: bytes, expected: FileVersion) -> FileVersion:
    """Write ``data`` as the whole file if it is still ``expected`` (as read): atomically, keeping the bytes it
    replaces as ``.NAME.previous`` and the file's permission bits. Raises `SaveConflict` if the file changed.
    The caller vouches that ``data`` is a record file (`save` makes it from a `RecordFile`)."""
    path = Path(path)
    name = _check_path(path)
    with _locked(path, name):
        current = _read_current(path, name)
        if current is None:
            if expected.exists:
                message = f"{name} was deleted or moved since it was read: nothing saved"
                raise SaveConflict(message, _diff(expected.content, b"", name))
            _create(path, data, name)
            return FileVersion.of(path, data)
        content, mode = current
        if hashlib.sha256(content).hexdigest() != expected.digest:
            what = "changed on disk since it was read" if expected.exists else "was created by someone else meanwhile"
            raise SaveConflict(
                f"{name} {what} (another session or editor saved it): nothing saved; reload it and make your"
                " changes again",
                _diff(expected.content, content, name),
            )
        if content == data:
            return FileVersion.of(path, data)  # nothing to write, and the kept earlier version stays
        if not os.access(path, os.W_OK):
            raise RecordFileError(f"{name} is read-only: nothing saved")
        replace_file(previous_path(path), content, mode, sync=False)
        replace_file(path, data, mode, sync=False)
        sync_folder(path.parent)
    return FileVersion.of(path, data)


def _create(path: Path, data: bytes, name: str) -> None:
    temporary, _ = write_temporary(path, [data])
    try:
        link_new(temporary, path)
    except FileExistsError:
        raise SaveConflict(f"{name} was created by someone else meanwhile: nothing saved", "") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    with contextlib.suppress(FileNotFoundError):  # an earlier file's version must not come back by an undo
        os.unlink(previous_path(path))
    sync_folder(path.parent)


def save(record_file: RecordFile) -> FileVersion:
    """Save the edits (see `save_bytes`): conflict-checked, atomic, keeping the replaced version for
    `undo_last_save`. The file object then holds the saved version, so editing and saving can go on."""
    version = save_bytes(record_file.path, record_file._encoded(), record_file.version)
    record_file._saved(version)
    return version


def can_undo(path: Path | str) -> bool:
    """Whether an earlier version of the file is kept (and differs from the file), so `undo_last_save` can run."""
    path = Path(path)
    try:
        kept = _read_current(previous_path(path), shown_path(previous_path(path)))
        current = _read_current(path, shown_path(path))
    except RecordFileError:
        return False
    return kept is not None and current is not None and kept[0] != current[0]


def undo_last_save(path: Path | str, expected: FileVersion) -> FileVersion:
    """Put back the version the last save replaced, if the file is still ``expected`` (what that save wrote);
    the kept version is then used up (a second undo has nothing to undo). Raises `SaveConflict` when the file
    changed since, `NothingToUndo` when no earlier version is kept."""
    path = Path(path)
    name = _check_path(path)
    with _locked(path, name):
        current = _read_current(path, name)
        if current is None:
            raise RecordFileError(f"{name}: no such file: nothing to undo")
        content, mode = current
        if hashlib.sha256(content).hexdigest() != expected.digest:
            raise SaveConflict(
                f"{name} changed on disk since your save: undo refused (it would discard those changes)",
                _diff(expected.content, content, name),
            )
        kept = _read_current(previous_path(path), name + " (earlier version)")
        if kept is None or kept[0] == content:
            raise NothingToUndo(
                f"{name}: nothing to undo (no earlier version is kept; only the last save can be undone, once)"
            )
        earlier = kept[0]
        text, _ = _decode(earlier, name + " (earlier version)")
        _split(text, name + " (earlier version)")  # never put back something that is not a record file
        replace_file(path, earlier, mode, sync=False)
        os.unlink(previous_path(path))
        sync_folder(path.parent)
    return FileVersion.of(path, earlier)


# --- checking and naming records ---------------------------------------------------------------------------------


def check_record(record: dict, registries, other_ids: Iterable[str] = ()) -> list[tuple[str, str, str]]:
    """Problems of one record (nested form) found exactly as the loader finds them, for the form:
    ``(field_name, severity, message)`` with a schema field name (`schema.FIELDS`; ``"sources"`` for a
    source, the message saying which), or ``""`` for the record as a whole. ``other_ids``: the ids of the
    other records (of the file), which this one must not reuse."""
    from dashboard.loading.loader import combine  # pandas: only when checking
    from dashboard.sources.readers import read_nested_records

    name = "(record being edited)"
    raw = read_nested_records([(1, _plain_copy(record))], name)
    result = combine([raw], registries)
    found: list[tuple[str, str, str]] = []
    for problem in result.problems:
        if problem.file != name:
            continue  # a problem of the registries, not of this record
        found.append((*_form_field(problem.field or "", problem.message), str(problem.severity)))
    record_id = record.get("id") if isinstance(record, dict) else None
    if not _blank(record_id) and str(record_id).strip() in {str(other) for other in other_ids}:
        found.append(("id", "duplicate id: another record already uses it (ids are unique)", "error"))
    return [(field_name, severity, message) for field_name, message, severity in found]


def _form_field(loader_field: str, message: str) -> tuple[str, str]:
    """The form field a loader's problem belongs to, and its message (saying where, when the field says less)."""
    if loader_field in FIELDS_BY_NAME:
        return loader_field, message
    first = loader_field.split("/")[0]
    if first in FIELDS_BY_NAME:
        return first, message
    source = re.fullmatch(r"sources\[(\d+)\](?:\.(\w+))?", loader_field)
    if source:
        what = f"source {source.group(1)}" + (f", {source.group(2)}" if source.group(2) else "")
        return "sources", f"{what}: {message}"
    return "", f"{loader_field}: {message}" if loader_field else message


_STOP_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "its", "of", "on", "or", "over"}
    | {"says", "said", "the", "their", "to", "with"}
)
_MAX_ID_WORDS = 5


def fresh_id(record: dict, taken: Iterable[str]) -> str:
    """A new id from the record's start date and title, like those of data/events
    (``2024-10-09-karachev-depot-strike``), different from every id in ``taken`` (``-2``, ``-3``, ... added)."""
    date = record.get("date", {}).get("start") if isinstance(record.get("date"), dict) else None
    date_text = _plain_copy(date) if date is not None else ""
    prefix = str(date_text) if isinstance(date_text, str) and _ISO_DATE.fullmatch(str(date_text)) else ""
    title = str(record.get("title") or "")
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = [word for word in re.split(r"[^a-z0-9]+", ascii_title) if word and word not in _STOP_WORDS]
    slug = "-".join([prefix, *words[:_MAX_ID_WORDS]] if prefix else words[:_MAX_ID_WORDS]) or "event"
    taken_ids = {str(other) for other in taken}
    candidate, number = slug, 2
    while candidate in taken_ids:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate
