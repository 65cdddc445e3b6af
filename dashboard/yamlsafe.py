"""Safe YAML reading for record files: no tags beyond plain data, no aliases, every item with its line.

A record file is a YAML list of mappings. Files written as a plain block list (each item starting with
``- `` at the left margin) are parsed item group by item group, so a syntax error in one record costs only
that record and a large file never becomes one huge node tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ITEM_START = re.compile(r"^-(?:[ \t]|$)")
_CHUNK_ITEMS = 500


class YamlError(ValueError):
    """A YAML item or file that cannot be read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _NoAliasLoader(_Loader):  # type: ignore[misc,valid-type]
    """Safe loader that refuses aliases (``*name``): they are never needed in records and allow alias bombs."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        if node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "aliases (*name) are not allowed in record files",
                node.start_mark,
            )
        return super().construct_object(node, deep=deep)


def _error(error: yaml.YAMLError, line_offset: int) -> YamlError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 + line_offset if mark is not None else None
    problem = getattr(error, "problem", None) or str(error)
    return YamlError(f"invalid YAML: {problem}", line)


def _construct(loader: _NoAliasLoader, node: yaml.Node) -> object:
    """Build one item; unlike ``construct_document`` it keeps what earlier items built, so aliases to
    them are caught."""
    data = loader.construct_object(node)
    while loader.state_generators:
        generators, loader.state_generators = loader.state_generators, []
        for generator in generators:
            for _ in generator:
                pass
    return data


def _parse_sequence(text: str, line_offset: int) -> list[tuple[int, object | YamlError]]:
    """Parse ``text`` as one YAML document holding a list; items come with their lines."""
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
    items: list[tuple[int, object | YamlError]] = []
    for child in node.value:
        line = child.start_mark.line + 1 + line_offset
        try:
            items.append((line, _construct(loader, child)))
        except yaml.YAMLError as error:
            loader.recursive_objects, loader.state_generators = {}, []
            items.append((line, _error(error, line_offset)))
    return items


def _block_item_starts(lines: list[str]) -> list[int] | None:
    """Line indexes where top-level ``- `` items start, or None if the text is not a plain block list."""
    starts: list[int] = []
    for index, line in enumerate(lines):
        if _ITEM_START.match(line):
            starts.append(index)
        elif line[:1] not in ("", " ", "\t", "#", "\n", "\r") or (line.startswith("---") and starts):
            if line.startswith("---") and not starts:
                continue
            return None
    return starts or None


def iter_yaml_records(text: str) -> Iterator[tuple[int, object | YamlError]]:
    """Yield ``(line, item)`` for each item of a YAML list; an item that cannot be read comes as a `YamlError`.

    Raises `YamlError` when the file as a whole is not a list.
    """
    lines = text.splitlines(keepends=True)
    starts = _block_item_starts(lines)
    if starts is None:
        yield from _parse_sequence(text, 0)
        return
    bounds = [*starts, len(lines)]
    for first in range(0, len(starts), _CHUNK_ITEMS):
        group = range(first, min(first + _CHUNK_ITEMS, len(starts)))
        chunk = "".join(lines[bounds[group.start] : bounds[group.stop]])
        try:
            yield from _parse_sequence(chunk, bounds[group.start])
        except YamlError:
            for item in group:  # isolate the broken item(s); the others load
                try:
                    yield from _parse_sequence("".join(lines[bounds[item] : bounds[item + 1]]), bounds[item])
                except YamlError as error:
                    yield bounds[item] + 1, error


def load_yaml_records(text: str) -> list[tuple[int, object]]:
    """All items of a YAML list with their lines; raises `YamlError` on the first item that cannot be read."""
    items = list(iter_yaml_records(text))
    for _, item in items:
        if isinstance(item, YamlError):
            raise item
    return items  # type: ignore[return-value]
