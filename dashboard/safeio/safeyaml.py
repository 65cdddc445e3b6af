"""Safe YAML reading for record files: plain data only, no aliases, bounded nesting, every item with its line.

A record file is a YAML list of mappings. Files written as a plain block list (each item starting with
``- `` at the left margin) are parsed item group by item group, so a syntax error in one record costs only
that record and a large file never becomes one huge node tree. Such a file may be given as UTF-8 bytes: only
the group being parsed is ever held as text.

Values reach validation as written: dates stay text (``2024-02-30`` is a bad date on its record, not a
parser crash), and ``.nan`` / ``.inf`` stay text, so they are reported as numbers that are not finite.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Callable, Iterator
from typing import ClassVar

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CHUNK_ITEMS = 500
MAX_NESTING = 32  # a record nests 4 levels (record > sources > source > field); far deeper is not a record
# libyaml's composer recurses in C: hundreds of thousands of nested collections overflow the stack and kill
# the process. Every collection needs its own indicator character, so their count bounds the nesting;
# text with more of them than this is checked event by event (iteratively) before it is composed.
_COMPOSE_WITHOUT_CHECK = 1_000
_INDICATORS = re.compile(r"[\[{?:-]")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
TOO_DEEP = f"nested more than {MAX_NESTING} levels deep (a record nests 4 levels at most)"
# Python turns at most 4,300 digits into a number (more would take quadratic time); a longer number is kept as
# written, whatever the interpreter's own limit, and the checks say it is too large for its field.
MAX_DIGITS = 4_300


def whole_number(text: str) -> int | str:
    """A whole number as JSON writes it: the number, or its text when it has more than `MAX_DIGITS` digits."""
    return int(text) if len(text) <= MAX_DIGITS else text


class YamlError(ValueError):
    """A YAML item or file that cannot be read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _safe_loader(base: type) -> type:
    """A safe loader on ``base`` (libyaml's or the pure-Python parser) that refuses aliases (``*name``: never
    needed in records, and they allow alias bombs), leaves dates as text and keeps non-finite numbers as
    written."""

    class NoAliasLoader(base):  # type: ignore[misc,valid-type]
        yaml_implicit_resolvers: ClassVar[dict] = {
            first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP_TAG]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }

        def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
            if node in self.constructed_objects:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "aliases (*name) are not allowed in record files",
                    node.start_mark,
                )
            return super().construct_object(node, deep=deep)

        def construct_yaml_float(self, node: yaml.ScalarNode) -> object:
            number = super().construct_yaml_float(node)
            return number if number == number and abs(number) != float("inf") else node.value

        def construct_yaml_int(self, node: yaml.ScalarNode) -> object:
            if len(node.value) > MAX_DIGITS:  # kept as written: the checks name it, nothing turns it into digits
                return node.value
            number = super().construct_yaml_int(node)
            return number if number.bit_length() <= _MAX_BITS else node.value  # 0x... that many digits long

    NoAliasLoader.add_constructor("tag:yaml.org,2002:float", NoAliasLoader.construct_yaml_float)
    NoAliasLoader.add_constructor("tag:yaml.org,2002:int", NoAliasLoader.construct_yaml_int)
    NoAliasLoader.add_constructor(DRAFT_TAG, _refuse_draft)
    return NoAliasLoader


_MAX_BITS = int(MAX_DIGITS * 3.32)  # a whole number under `MAX_DIGITS` decimal digits
DRAFT_TAG = "!draft"  # a record drafted from an article (dashboard.curation.drafts), not yet reviewed
NOT_REVIEWED = (
    "a draft record (tagged !draft), not yet reviewed: check its fields, then delete `!draft` and its `review:` entries"
)


def _refuse_draft(loader: yaml.BaseLoader, node: yaml.Node) -> object:
    raise yaml.constructor.ConstructorError(None, None, NOT_REVIEWED, node.start_mark)


_NoAliasLoader = _safe_loader(_BaseLoader)


class _AliasError(yaml.YAMLError):
    """An alias found in an item; ``line`` is the alias's own (0-based) line in the parsed text."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.problem = "aliases (*name) are not allowed in record files"
        self.problem_mark = yaml.Mark("", 0, line, 0, None, None)


def _error(error: yaml.YAMLError, line_offset: int) -> YamlError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 + line_offset if mark is not None else None
    problem = (getattr(error, "problem", None) or str(error)).strip()
    return YamlError(f"invalid YAML: {problem}", line)


def _construct(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> object:
    """Build one item; unlike ``construct_document`` it keeps what earlier items built, so aliases to
    them are caught."""
    data = loader.construct_object(node)
    while loader.state_generators:
        generators, loader.state_generators = loader.state_generators, []
        for generator in generators:
            for _ in generator:
                pass
    return data


def _indicator_count(text: str) -> int:
    """An upper bound on how deeply ``text`` nests: every collection needs one of these characters."""
    return sum(map(text.count, "[{?:-"))


def _walk_nesting(text: str, loader: type, line_offset: int) -> None:
    """Walk ``loader``'s parser events (iteratively, never recursing); raise `YamlError` with `TOO_DEEP` at the
    first collection nested deeper than `MAX_NESTING`. A parse error is raised as the parser's `yaml.YAMLError`."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING + 1:  # + 1: the list of records itself
                raise YamlError(TOO_DEEP, event.start_mark.line + 1 + line_offset)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_nesting(text: str, line_offset: int) -> None:
    """Refuse nesting deeper than `MAX_NESTING`, with the line of the first collection too deep.

    The depth rule is this module's own, whatever the parser's version: libyaml 0.2.6 (PyYAML 6.0.4's wheels)
    refuses 1,000 levels itself, and its scanner can reach that limit while looking ahead for a key, before
    it hands over the events this check counts. When the fast parser stops, the text up to where it stopped is
    walked again by the pure-Python parser, which has no depth limit of its own and never recurses: nesting
    too deep is then reported as such; any other error keeps the fast parser's words and line."""
    try:
        _walk_nesting(text, _BaseLoader, line_offset)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if _BaseLoader is not yaml.SafeLoader and mark is not None:
            # the text cut where the fast parser stopped is broken too: then the fast parser's error is reported
            with contextlib.suppress(yaml.YAMLError):
                _walk_nesting(text[: mark.index + 1], yaml.SafeLoader, line_offset)
        raise _error(error, line_offset) from None


def _node_depth(node: yaml.Node) -> int:
    """How deeply ``node`` nests; each node is visited once, so aliases (shared nodes) cannot make it explode."""
    depth, stack, seen = 0, [(node, 1)], set()
    while stack:
        current, level = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        depth = max(depth, level)
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, level + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend((part, level + 1) for pair in current.value for part in pair)
    return depth


def line_of_depth(text: str, depth: int) -> int | None:
    """The 1-based line where ``text`` first nests ``depth`` collections deep (None: never, or unparsable)."""
    level = 0
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                level += 1
                if level >= depth:
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                level -= 1
    except yaml.YAMLError:
        return None
    return None


def first_alias_line(text: str) -> int | None:
    """The 1-based line of the first alias (``*name``) in ``text``, from the parser's events (no node built)."""
    line = _alias_line(text, 0, len(text))
    return None if line is None else line + 1


def _alias_line(text: str, first: int, last: int) -> int | None:
    """0-based line of the first alias between lines ``first`` and ``last`` (the composed node tree has lost
    where aliases were written; the event stream still knows)."""
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.AliasEvent) and first <= event.start_mark.line <= last:
                return event.start_mark.line
    except yaml.YAMLError:
        return None
    return None


def _parse_sequence(text: str, line_offset: int) -> list[tuple[int, object | YamlError]]:
    """Parse ``text`` as one YAML document holding a list; items come with their lines."""
    if _indicator_count(text) > _COMPOSE_WITHOUT_CHECK:
        _check_nesting(text, line_offset)
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as error:
        raise _error(error, line_offset) from None
    finally:
        loader.dispose()
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise YamlError(
            "the file is not a list of records (expected a YAML list of '- ' items)",
            line_offset + 1,
        )
    lines = text.splitlines(keepends=True)
    items: list[tuple[int, object | YamlError]] = []
    for child in node.value:
        line = child.start_mark.line + 1 + line_offset
        item_text = "".join(lines[child.start_mark.line : child.end_mark.line + 1])
        if _indicator_count(item_text) > MAX_NESTING and _node_depth(child) > MAX_NESTING:
            items.append((line, YamlError(TOO_DEEP, line)))
            continue
        try:
            items.append((line, _construct(loader, child)))
        except yaml.constructor.ConstructorError as error:
            loader.recursive_objects, loader.state_generators = {}, []
            if error.problem == NOT_REVIEWED:
                items.append((line, YamlError(NOT_REVIEWED, line)))
                continue
            if "aliases" in str(error.problem):
                alias = _alias_line(text, child.start_mark.line, child.end_mark.line)
                error = _AliasError(child.start_mark.line if alias is None else alias)
            items.append((line, _error(error, line_offset)))
        except (yaml.YAMLError, RecursionError) as error:
            loader.recursive_objects, loader.state_generators = {}, []
            problem = error if isinstance(error, yaml.YAMLError) else yaml.YAMLError("nested too deeply")
            items.append((line, _error(problem, line_offset)))
    return items


# Where str.splitlines() ends a line (an item's line is counted as it counts them); "\n" aside, these are rare.
_OTHER_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_NOT_ASCII_BREAKS = frozenset({"\x85", "\u2028", "\u2029"})
_LINE_AFTER_BREAK = {str: re.compile("\n[^ \t#\n\r]"), bytes: re.compile(b"\n[^ \t#\n\r]")}
# a line starting with one of these (or empty at the end) is inside an item, a comment or blank
_QUIET = frozenset({"", " ", "\t", "#", "\n", "\r"})


class _BlockItems:
    """The items of a plain block list in ``text`` (str, or UTF-8 bytes): where each starts, and on which line,
    found without splitting the text into lines; each group of items is cut out (and decoded) when parsed."""

    def __init__(self, text: str | bytes, starts: list[int], lines: list[int]) -> None:
        self.text = text
        self.bounds = [*starts, len(text)]
        self.lines = lines  # 0-based line of each item's start

    @classmethod
    def find(cls, text: str | bytes) -> _BlockItems | None:
        """The items, or None if ``text`` is not a plain block list: every line that does not start with a space,
        a tab, ``#`` or a line break starts an item (``- ``), but for a ``---`` before the first item."""

        def head(position: int, length: int) -> str:
            piece = text[position : position + length]
            return piece.decode("utf-8", "replace") if isinstance(piece, bytes) else piece

        newline = b"\n" if isinstance(text, bytes) else "\n"
        candidates = [match.start() + 1 for match in _LINE_AFTER_BREAK[type(text)].finditer(text)]
        if head(0, 1) not in _QUIET:
            candidates.insert(0, 0)
        breaks_after = _after_other_breaks(text)
        if breaks_after:  # the lines after the rarer breaks start lines too
            candidates = sorted({*candidates, *(after for after in breaks_after if head(after, 1) not in _QUIET)})
        starts: list[int] = []
        lines: list[int] = []
        line, counted_to = 0, 0
        for position in candidates:
            if head(position, 1) == "-" and head(position + 1, 1) in ("", " ", "\t", "\n"):
                line += text.count(newline, counted_to, position)  # type: ignore[arg-type]
                counted_to = position
                starts.append(position)
                lines.append(line + bisect.bisect_right(breaks_after, position))
            elif starts or head(position, 3) != "---":
                return None
        return cls(text, starts, lines) if starts else None

    def __len__(self) -> int:
        return len(self.lines)

    def piece(self, first: int, stop: int) -> str:
        """The text of items ``first`` to ``stop`` (excluded)."""
        piece = self.text[self.bounds[first] : self.bounds[stop]]
        return piece.decode("utf-8", "replace") if isinstance(piece, bytes) else piece

    def indicators(self, item: int) -> int:
        """`_indicator_count` of one item, counted in place."""
        marks = b"[{?:-" if isinstance(self.text, bytes) else "[{?:-"
        start, end = self.bounds[item], self.bounds[item + 1]
        return sum(self.text.count(mark, start, end) for mark in marks)  # type: ignore[arg-type]

    def reached(self, stop: int) -> float:
        """The share of the text before item ``stop``."""
        return self.bounds[stop] / max(len(self.text), 1)


def _after_other_breaks(text: str | bytes) -> list[int]:
    """Where the line after each line break but ``\n`` (and the ``\r`` of ``\r\n``) starts, in order."""
    found = []
    ascii_only = text.isascii()
    for mark in _OTHER_BREAKS:
        if ascii_only and mark in _NOT_ASCII_BREAKS:
            continue
        written = mark.encode("utf-8") if isinstance(text, bytes) else mark
        position = text.find(written)  # type: ignore[arg-type]
        while position >= 0:
            after = position + len(written)
            if not (mark == "\r" and text[after : after + 1] in ("\n", b"\n")):
                found.append(after)
            position = text.find(written, after)  # type: ignore[arg-type]
    return sorted(found)


def _parse_items(items: _BlockItems, group: range) -> Iterator[tuple[int, object | YamlError]]:
    """Items ``group`` of a block list: parsed together, or one by one when the group does not parse."""
    try:
        yield from _parse_sequence(items.piece(group.start, group.stop), items.lines[group.start])
    except YamlError:
        for item in group:  # isolate the broken item(s); the others load
            try:
                yield from _parse_sequence(items.piece(item, item + 1), items.lines[item])
            except YamlError as error:
                yield error.line or items.lines[item] + 1, error


def iter_yaml_records(
    text: str | bytes, reached: Callable[[float], None] | None = None
) -> Iterator[tuple[int, object | YamlError]]:
    """Yield ``(line, item)`` for each item of a YAML list; an item that cannot be read comes as a `YamlError`.

    ``text`` may be UTF-8 bytes (a plain block list is then decoded group by group). ``reached``, when given,
    is told the share of the text parsed after each group. Raises `YamlError` when the file as a whole is not
    a list.
    """
    items = _BlockItems.find(text)
    if items is None:
        yield from _parse_sequence(text.decode("utf-8", "replace") if isinstance(text, bytes) else text, 0)
        return
    for first in range(0, len(items), _CHUNK_ITEMS):
        group = range(first, min(first + _CHUNK_ITEMS, len(items)))
        # An item that might nest too deeply for the composer is parsed on its own, after a check.
        deep = [item for item in group if items.indicators(item) > _COMPOSE_WITHOUT_CHECK]
        parsed: list[tuple[int, object | YamlError]] = []
        run_start = group.start
        for item in [*deep, group.stop]:
            if run_start < item:
                parsed.extend(_parse_items(items, range(run_start, item)))
            if item < group.stop:
                parsed.extend(_parse_items(items, range(item, item + 1)))
            run_start = item + 1
        if reached is not None:
            reached(items.reached(group.stop))
        yield from parsed


def load_yaml_records(text: str) -> list[tuple[int, object]]:
    """All items of a YAML list with their lines; raises `YamlError` on the first item that cannot be read."""
    items = list(iter_yaml_records(text))
    for _, item in items:
        if isinstance(item, YamlError):
            raise item
    return items  # type: ignore[return-value]


def load_yaml_document(text: str) -> object:
    """A whole small YAML document (a registry mapping, say), with the same safety as records: no aliases,
    dates as text, bounded nesting. Raises `YamlError`."""
    if _indicator_count(text) > _COMPOSE_WITHOUT_CHECK:
        _check_nesting(text, 0)
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # the safe loader, without aliases
    except yaml.YAMLError as error:
        raise _error(error, 0) from error
