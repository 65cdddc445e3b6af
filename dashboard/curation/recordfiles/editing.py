"""A record file opened for editing: `RecordFile` adds, replaces and removes records in memory (through
`dashboard.curation.recordfiles.yamledit`), and `open_record_file` opens one, or a new one to create."""

from __future__ import annotations

import codecs
import copy
import datetime
import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from dashboard.curation.recordfiles.ondisk import FileVersion, RecordFileError, _check_path, _decode, _read_current
from dashboard.curation.recordfiles.yamledit import (
    _at_margin,
    _blank,
    _comparable,
    _Entry,
    _guess_indent,
    _lines,
    _plain_copy,
    _read_body,
    _split,
    _to_yaml,
    _update_mapping,
)
from dashboard.sources.datapaths import shown_path

NEW_FILE_HEADER = (
    "# Event records curated in the dashboard (Curate page), created {date}.\n"
    "# One record per '- ' item; the fields are described in docs/data-dictionary.md.\n"
)


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
