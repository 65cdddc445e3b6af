"""YAML surgery on a record file's text: the text split into records (each with the comments above it), and
a record's YAML updated in place with ruamel.yaml's round-trip mode, so its comments, order and styles survive.

A record not edited keeps its exact bytes; an edited one changes only in the keys that differ (removed fields
removed, new keys after the existing ones in the schema's order). Values are written as the loader (PyYAML,
YAML 1.1) will read them back: dates as dates, text that would read as something else quoted, long text folded.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import re
import textwrap
from dataclasses import dataclass

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from dashboard.curation.recordfiles.ondisk import RecordFileError
from dashboard.model.schema import FIELDS, SOURCE_FIELDS, Kind
from dashboard.safeio.safeyaml import YamlError, iter_yaml_records, load_yaml_records

FOLD_WIDTH = 110  # edited long texts become folded blocks (">-") with lines up to this long, like data/events

_ITEM_START = re.compile(r"-(?:[ \t]|\r?\n|$)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEQUENCE_UNDER_KEY = re.compile(r"^( *)[^\s#-][^\n]*:[ \t]*\r?\n( *)- ", re.MULTILINE)
_PYYAML_RESOLVER = yaml.resolver.Resolver()  # how the loader (PyYAML, YAML 1.1) reads a plain scalar
_STR_TAG = "tag:yaml.org,2002:str"


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


# --- a record's text under its "- " ------------------------------------------------------------------------


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
