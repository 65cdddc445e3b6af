"""Stories: ordered narratives over the event records (like TimeMap's narratives), one small YAML file each.

A story file (``data/stories/ID.yaml``)::

    id: munitions-to-russia            # letters, digits, '.', '_', '-'
    title: How munitions reached Russia
    summary: One paragraph.            # optional
    steps:
      - title: The first shipments     # optional
        text: |                        # Markdown: paragraphs, "- " bullets, **bold**, *italic*; the rest as written
          North Korea shipped ...
        events: [2023-09-07-dprk-munitions-najin-to-dunay]        # the records the step is about
        filters: {actor: North Korea, type: Arms transfer, dates: [2023-09-01, 2024-08-31]}   # optional
        frame: [124, 38, 136, 54]      # west, south, east, north; or {centre: [lat, lon], zoom: 5}
        rings: [fath-360@event:2024-10-09-karachev-depot-strike]  # RANGE@CENTRE, as the ``ring`` parameter
        band: true                     # or {border: RUS-UKR, side: RUS, width: 70, unit: mi}; default: none

Filters have the names and values of the dashboard's address parameters (``actor``, ``type``, ``dates``,
``confidence``, ``precision``, ``q``), so a story filter means exactly what the parameter means.

This module checks what a story file can be checked for on its own: size, encoding, YAML (read by
`dashboard.safeio.safeyaml`: no aliases, bounded nesting), keys, types and ranges, each problem with its file
and line. What needs the loaded events and the registries (event ids, actor and type names, dates, ring specs)
is checked by `dashboard.views.stories.check_story`. A story with a problem is left out; the others load.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dashboard.model.problems import Problem, shorten
from dashboard.safeio.safeyaml import TOO_DEEP, YamlError, first_alias_line, line_of_depth, load_yaml_document
from dashboard.sources.datapaths import BUNDLED_DATA_DIR, BUNDLED_EVENTS_DIR

STORIES_DIR = BUNDLED_DATA_DIR / "stories"
STORY_SUFFIXES = (".yaml", ".yml")
MAX_STORY_BYTES = 1024 * 1024  # a story is a few kilobytes; a larger file is refused unread
MAX_STORY_NESTING = 8  # a story nests 5 levels (story > steps > step > filters > list); far deeper is not a story
MAX_STEPS = 30
MAX_STEP_EVENTS = 50
MAX_RINGS = 8
TITLE_CHARS, SUMMARY_CHARS, TEXT_CHARS = 200, 1_500, 1_000  # a step's text fits beside its map on one slide
TOO_DEEP_STORY = f"nested more than {MAX_STORY_NESTING} levels deep (a story nests 5 levels at most)"
STORY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

FRAME_FORM = "a frame is [west, south, east, north] in degrees, or {centre: [lat, lon], zoom: N}"
STORY_KEYS = ("id", "title", "summary", "steps")
STEP_KEYS = ("title", "text", "events", "filters", "frame", "rings", "band")
# the address parameters a step's filters stand for
FILTER_KEYS = ("actor", "type", "dates", "confidence", "precision", "country", "q")
BAND_KEYS = ("border", "side", "width", "unit")  # the band parameters, without their ``band_`` prefix


@dataclass(frozen=True)
class Frame:
    """Where a step's map opens: a box (west, south, east, north), or a centre (lat, lon) and a zoom."""

    box: tuple[float, float, float, float] | None = None
    centre: tuple[float, float] | None = None
    zoom: float | None = None


@dataclass(frozen=True)
class StoryStep:
    number: int  # 1-based, as the ``step`` parameter
    text: str
    events: tuple[str, ...] = ()
    title: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (parameter, values), as the address holds them
    frame: Frame | None = None
    rings: tuple[str, ...] = ()
    band: tuple[tuple[str, tuple[str, ...]], ...] = (("band", ("false",)),)  # band parameters; default: none
    line: int = 1
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # "events[2]", "filters", ... → line

    def params(self) -> dict[str, list[str]]:
        """The step's filters, rings and band as the dashboard's address parameters."""
        return {
            **{key: list(values) for key, values in self.filters},
            **({"ring": list(self.rings)} if self.rings else {}),
            **{key: list(values) for key, values in self.band},
        }

    def line_of(self, name: str) -> int:
        """The line of a field of the step (``"filters"``, ``"events[2]"``), else the step's own."""
        return self.lines.get(name, self.line)


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    steps: tuple[StoryStep, ...]
    summary: str = ""
    file: str = ""
    line: int = 1

    @property
    def event_ids(self) -> list[str]:
        """Every event the steps name, in the order of the story, each once."""
        return list(dict.fromkeys(event for step in self.steps for event in step.events))


# --- where stories are -------------------------------------------------------------------------------


def story_folder(paths: Sequence[Path] = (), named: str | Path | None = None) -> Path | None:
    """The folder of stories for the records at ``paths``: ``named`` (``--stories DIR`` or $DASHBOARD_STORIES)
    when given, else a ``stories`` folder beside the first named records folder (``data/events`` →
    ``data/stories``), else, for the bundled records, ``data/stories``; None when there is none."""
    if named:
        return Path(named)
    for path in paths:
        if path.is_dir() and (path.parent / "stories").is_dir() and path.parent != path:
            return path.parent / "stories"
    if not paths or all(Path(path).resolve() == BUNDLED_EVENTS_DIR.resolve() for path in paths):
        return STORIES_DIR if STORIES_DIR.is_dir() else None
    return None


def story_files(folder: Path) -> list[Path]:
    """The story files of ``folder`` (``.yaml`` and ``.yml``, not in subfolders), by name."""
    return sorted(path for path in folder.iterdir() if path.suffix.lower() in STORY_SUFFIXES)


def files_stamp(folder: Path | None) -> tuple:
    """Names, sizes and modification times of the story files: a change reloads them."""
    if folder is None or not folder.is_dir():
        return ()
    stamp = []
    for path in story_files(folder):
        try:
            status = path.stat()
        except OSError:
            continue
        stamp.append((str(path), status.st_size, status.st_mtime_ns))
    return tuple(stamp)


# --- reading ------------------------------------------------------------------------------------------


class _Checker:
    """Problems of one story file, each at the line of what it is about."""

    def __init__(self, file: str, lines: dict[tuple, int]) -> None:
        self.file = file
        self.lines = lines
        self.story_id: str | None = None
        self.problems: list[Problem] = []

    def line(self, path: tuple) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def add(self, path: tuple, message: str, value: object = None) -> None:
        self.problems.append(
            Problem(
                self.file,
                self.line(path),
                self.story_id,
                field_name(path) or None,
                None if value is None else shorten(value),
                message,
            )
        )


def field_name(path: tuple) -> str:
    """``("steps", 0, "events", 1)`` → ``"steps[1].events[2]"`` (1-based, as the ``step`` parameter)."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _node_lines(text: str) -> tuple[dict[tuple, int], list[tuple[tuple, int]]]:
    """The line of every key and list item of a YAML document already read safely by `load_yaml_document` (so
    it holds no alias and is not nested too deeply): ``("steps", 0, "text")`` → its 1-based line; and the keys
    given twice in one mapping, with the line of the second."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=loader)
    lines: dict[tuple, int] = {(): 1}
    twice: list[tuple[tuple, int]] = []
    if root is None:
        return lines, twice
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_STORY_NESTING + 1:
            continue
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line))
                if child in lines:
                    twice.append((child, key.start_mark.line + 1))
                lines[child] = key.start_mark.line + 1
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                stack.append((item, (*path, index)))
    return lines, twice


def _depth(document: object) -> int:
    """How many lists and mappings deep ``document`` nests (walked without recursion, never further than
    one level past the limit)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, level = stack.pop()
        if not isinstance(value, dict | list):
            continue
        deepest = max(deepest, level)
        if level > MAX_STORY_NESTING:
            continue
        stack.extend((item, level + 1) for item in (value.values() if isinstance(value, dict) else value))
    return deepest


def _file_problem(file: str, message: str, line: int | None = None) -> Problem:
    return Problem(file, line, None, None, None, message)


def _decoded(data: bytes, file: str) -> tuple[str | None, Problem | None]:
    """UTF-8 text (a byte-order mark is dropped), or a problem at the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, _file_problem(
            file, f"not UTF-8 text (byte 0x{data[error.start]:02x}): save the story as UTF-8", line
        )


def read_story(path: Path, shown_as: str | None = None) -> tuple[Story | None, list[Problem]]:
    """One story file: the story (None when it has a problem) and its problems."""
    file = shown_as or str(path)
    try:
        if not path.is_file():
            return None, [_file_problem(file, "not a regular file: not read")]
        with path.open("rb") as handle:
            data = handle.read(MAX_STORY_BYTES + 1)
    except OSError as error:
        return None, [_file_problem(file, f"cannot be read: {error.strerror or error}")]
    if len(data) > MAX_STORY_BYTES:
        return None, [
            _file_problem(file, f"the file is over {MAX_STORY_BYTES // 1024:,} KB: a story is a few KB; not read")
        ]
    text, problem = _decoded(data, file)
    if problem is not None:
        return None, [problem]
    return parse_story(text, file)


def parse_story(text: str, file: str) -> tuple[Story | None, list[Problem]]:
    """A story from its YAML text: the story (None when it has a problem) and its problems."""
    try:
        document = load_yaml_document(text)
    except YamlError as error:
        message, line = str(error).replace("record files", "story files"), error.line
        if message == TOO_DEEP:
            message = TOO_DEEP_STORY
        elif "aliases" in message:  # the loader names the anchor's line; the alias's own is more use
            line = first_alias_line(text) or line
        return None, [_file_problem(file, message, line)]
    except (ValueError, RecursionError) as error:  # what else a parser may raise on hostile text
        return None, [_file_problem(file, f"invalid YAML: {error}")]
    if _depth(document) > MAX_STORY_NESTING:
        line = line_of_depth(text, MAX_STORY_NESTING + 1)
        return None, [_file_problem(file, TOO_DEEP_STORY, line)]
    lines, twice = _node_lines(text)
    checker = _Checker(file, lines)
    for path, line in twice:
        checker.problems.append(
            Problem(file, line, None, field_name(path), None, "key given twice: the later one would silently win")
        )
    if not isinstance(document, dict):
        checker.add((), "a story is a mapping with id, title, summary and steps")
        return None, checker.problems
    story = _story(document, checker)
    return (story if not checker.problems else None), checker.problems


def _unknown_keys(mapping: dict, allowed: Sequence[str], path: tuple, checker: _Checker, what: str) -> None:
    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f": {what} takes {', '.join(allowed)}"
            checker.add((*path, key), f"unknown key {shorten(key)}{hint}")


def _text(value: object, path: tuple, checker: _Checker, limit: int, required: bool) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            checker.add(path, "missing: write it as text")
        return ""
    if not isinstance(value, str):
        checker.add(path, "must be text", value)
        return ""
    if len(value) > limit:
        checker.add(path, f"{len(value):,} characters: at most {limit:,} (it must fit a slide)")
    return value.strip()


def _story(document: dict, checker: _Checker) -> Story:
    story_id = document.get("id")
    if isinstance(story_id, str) and STORY_ID.match(story_id):
        checker.story_id = story_id
    elif story_id is None:
        checker.add(("id",), "missing: give the story an id (letters, digits, '.', '_', '-'), as in ?story=ID")
    else:
        checker.add(("id",), "an id is up to 100 letters, digits, '.', '_' or '-', first a letter or digit", story_id)
    _unknown_keys(document, STORY_KEYS, (), checker, "a story")
    title = _text(document.get("title"), ("title",), checker, TITLE_CHARS, required=True)
    summary = _text(document.get("summary"), ("summary",), checker, SUMMARY_CHARS, required=False)
    steps_value = document.get("steps")
    steps: list[StoryStep] = []
    if not isinstance(steps_value, list) or not steps_value:
        checker.add(("steps",), "missing: a story needs a list of steps, each with text and events")
    elif len(steps_value) > MAX_STEPS:
        checker.add(("steps",), f"{len(steps_value)} steps: at most {MAX_STEPS}")
    else:
        steps = [_step(item, number, checker) for number, item in enumerate(steps_value, start=1)]
    return Story(checker.story_id or "", title, tuple(steps), summary, checker.file, 1)


def _strings(value: object, path: tuple, checker: _Checker, what: str) -> tuple[str, ...]:
    """A text or a list of texts (as a repeated address parameter)."""
    values = value if isinstance(value, list) else [value]
    wrong = [item for item in values if not isinstance(item, str) or not item.strip()]
    if wrong:
        checker.add(path, f"must be {what}: text, or a list of texts", wrong[0])
        return ()
    return tuple(item.strip() for item in values)


def _step(item: object, number: int, checker: _Checker) -> StoryStep:
    path = ("steps", number - 1)
    if not isinstance(item, dict):
        checker.add(path, "a step is a mapping with text and events (optionally title, filters, frame, rings, band)")
        return StoryStep(number, "")
    _unknown_keys(item, STEP_KEYS, path, checker, "a step")
    title = _text(item.get("title"), (*path, "title"), checker, TITLE_CHARS, required=False)
    text = _text(item.get("text"), (*path, "text"), checker, TEXT_CHARS, required=True)
    events: tuple[str, ...] = ()
    before = len(checker.problems)
    if "events" in item:
        value = item["events"]
        if not isinstance(value, list) or not all(isinstance(event, str) and event.strip() for event in value):
            checker.add((*path, "events"), "must be a list of event ids", value)
        elif len(value) > MAX_STEP_EVENTS:
            checker.add((*path, "events"), f"{len(value)} events: at most {MAX_STEP_EVENTS} in one step")
        else:
            events = tuple(dict.fromkeys(event.strip() for event in value))
    filters = _filters(item.get("filters"), (*path, "filters"), checker) if "filters" in item else ()
    if not events and not filters and len(checker.problems) == before:
        checker.add(path, "a step needs events (record ids), filters, or both")
    rings: tuple[str, ...] = ()
    if "rings" in item:
        rings = _strings(item["rings"], (*path, "rings"), checker, "ring specs (RANGE@CENTRE)")
        if len(rings) > MAX_RINGS:
            checker.add((*path, "rings"), f"{len(rings)} rings: at most {MAX_RINGS}")
    band = _band(item["band"], (*path, "band"), checker) if "band" in item else (("band", ("false",)),)
    frame = _frame(item["frame"], (*path, "frame"), checker) if "frame" in item else None
    lines = {field_name(key[2:]): line for key, line in checker.lines.items() if key[:2] == path and len(key) > 2}
    return StoryStep(number, text, events, title, filters, frame, rings, band, checker.line(path), lines)


def _filters(value: object, path: tuple, checker: _Checker) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict) or not value:
        checker.add(path, f"filters are a mapping of {', '.join(FILTER_KEYS)}", value)
        return ()
    _unknown_keys(value, FILTER_KEYS, path, checker, "filters")
    filters = []
    for key in FILTER_KEYS:
        if key not in value:
            continue
        values = _strings(value[key], (*path, key), checker, "names as the sidebar shows them")
        if key == "dates" and values and len(values) != 2:
            checker.add((*path, key), "dates are a list of two: [from, to] (YYYY-MM-DD)", value[key])
            continue
        if values:
            filters.append((key, values))
    return tuple(filters)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _frame(value: object, path: tuple, checker: _Checker) -> Frame | None:
    if isinstance(value, list):
        numbers = [_number(item) for item in value]
        if len(numbers) != 4 or None in numbers:
            checker.add(path, FRAME_FORM, value)
            return None
        west, south, east, north = numbers  # type: ignore[misc]
        if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
            checker.add(
                path,
                "[west, south, east, north]: west below east within -180..180, south below north within -85..85",
                value,
            )
            return None
        return Frame(box=(west, south, east, north))
    if isinstance(value, dict):
        _unknown_keys(value, ("centre", "zoom"), path, checker, "a frame")
        centre = value.get("centre")
        numbers = [_number(item) for item in centre] if isinstance(centre, list) else []
        if len(numbers) != 2 or None in numbers or not (-85 <= numbers[0] <= 85 and -180 <= numbers[1] <= 180):
            checker.add((*path, "centre"), "centre is [lat, lon]: latitude -85..85, longitude -180..180", centre)
            return None
        zoom = _number(value.get("zoom"))
        if zoom is None or not 0 <= zoom <= 16:
            checker.add((*path, "zoom"), "zoom is a number from 0 (the world) to 16 (a street)", value.get("zoom"))
            return None
        return Frame(centre=(numbers[0], numbers[1]), zoom=zoom)  # type: ignore[arg-type]
    checker.add(path, FRAME_FORM, value)
    return None


def _band(value: object, path: tuple, checker: _Checker) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, bool):
        return (("band", ("true" if value else "false",)),)
    if isinstance(value, dict):
        _unknown_keys(value, BAND_KEYS, path, checker, "a band")
        band = [("band", ("true",))]
        for key in BAND_KEYS:
            if key in value:
                part = value[key]
                if isinstance(part, bool) or not isinstance(part, str | int | float):
                    checker.add((*path, key), "must be a single value", part)
                    continue
                band.append((f"band_{key}", (str(part),)))
        return tuple(band)
    checker.add(path, "band is true, false, or {border, side, width, unit} (as the band_* parameters)", value)
    return (("band", ("false",)),)


# --- a folder -----------------------------------------------------------------------------------------


def load_stories(folder: Path | None, shown_as: str | None = None) -> tuple[list[Story], list[Problem]]:
    """Every story of ``folder`` that has no problem of its own, and the problems of the others (a story id
    used twice keeps the first file's story). ``shown_as``: how the folder is named in the problems."""
    if folder is None:
        return [], []
    name = shown_as or str(folder)
    if not folder.is_dir():
        return [], [_file_problem(name, "no such folder of stories")]
    stories: list[Story] = []
    problems: list[Problem] = []
    seen: dict[str, Story] = {}
    for path in story_files(folder):
        story, found = read_story(path, str(Path(name) / path.name) if shown_as else None)
        problems += found
        if story is None:
            continue
        if story.id in seen:
            first = seen[story.id]
            problems.append(
                Problem(
                    story.file,
                    story.line,
                    story.id,
                    "id",
                    shorten(story.id),
                    f"story id used twice: {first.file} has it first; give this story an id of its own",
                )
            )
            continue
        seen[story.id] = story
        stories.append(story)
    return stories, problems
