"""Stories on the page and in the pack: each story checked against the loaded events and the registries, and
what one step shows (its text, its events highlighted on the timeline and the map, framed where the step says).

A step shows its own events, highlighted, and, when it has filters, the events those filters select around
them. The sidebar's filters do not apply: a story is a fixed narrative, and reads the same for everyone.
Filters, rings and the band are read by `dashboard.views.params.read_view`, as the address parameters of the
same names, so a story filter means exactly what the parameter means.

Step text is Markdown of a small, safe kind: paragraphs, ``- `` bullets, ``**bold**`` and ``*italic*``.
Everything else (links, images, HTML, headings, icons) is shown as written, as all record text is.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk

from dashboard import settings
from dashboard.geo.overlays import Band, Ring, build_rings, centre_event_ids, ring_problem
from dashboard.model.problems import Problem, shorten
from dashboard.model.registries import Registries
from dashboard.sources.datapaths import DataPathError, data_paths
from dashboard.sources.stories import (
    Story,
    StoryStep,
    field_name,
    files_stamp,
    load_stories,
    story_folder,
)
from dashboard.store import queries
from dashboard.store.engine import EventStore
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import figures, layers, params
from dashboard.views.tables import date_text
from dashboard.views.text import escape_markdown

STORY, STEP = "story", "step"  # the address parameters of the Story page
HIGHLIGHT_COLOUR = "#111111"
MAP_WIDTH_PX, MAP_HEIGHT_PX = 560, 520  # the story map's size beside the step's text on a laptop screen
NO_SIDEBAR_FILTERS = (
    "The sidebar's filters do not apply to a story: each step shows its own events (ringed) and, when the step"
    " has filters, the events they select."
)
ARC_TYPES = ("arms_transfer", "troop_deployment")


# --- checks that need the events and the registries ---------------------------------------------------


def referenced_ids(stories: Iterable[Story]) -> list[str]:
    """Every event id the stories name: the steps' events and the events their rings are centred on."""
    ids = [event for story in stories for step in story.steps for event in step.events]
    ids += [event for story in stories for step in story.steps for event in centre_event_ids(list(step.rings))]
    return list(dict.fromkeys(ids))


_NOTE_FIELDS = (  # which filter a note of `params.read_view` is about, by how the note starts
    ("unknown actor", "filters.actor"),
    ("unknown event type", "filters.type"),
    ("dates", "filters.dates"),
    ("unknown confidence", "filters.confidence"),
    ("unknown location precision", "filters.precision"),
    ("band_border", "band.border"),
    ("band_side", "band.side"),
    ("band_width", "band.width"),
    ("band_unit", "band.unit"),
)


def _note_field(note: str) -> str:
    return next((name for start, name in _NOTE_FIELDS if note.startswith(start)), "filters")


def check_story(
    story: Story,
    registries: Registries,
    known_ids: Collection[str],
    borders: Sequence[str] = (),
    dataset_actors: Collection[str] = (),
) -> list[Problem]:
    """What is wrong with ``story`` given the loaded events (``known_ids``: those of `referenced_ids` that are
    loaded) and the registries: unknown event ids, filters the address would ignore (unknown names, bad
    dates), rings that cannot be drawn, a band on an unknown border. Each problem at its line."""
    problems = []

    def add(step: StoryStep, name: str, value: object, message: str) -> None:
        line = step.line_of(name)
        if line == step.line and "." in name:
            line = step.line_of(name.split(".")[0])
        where = field_name(("steps", step.number - 1)) + "." + name
        problems.append(Problem(story.file, line, story.id, where, shorten(value), message))

    for step in story.steps:
        for number, event in enumerate(step.events, start=1):
            if event not in known_ids:
                add(step, f"events[{number}]", event, "no loaded event has this id")
        view, notes = params.read_view(
            {key: values for key, values in step.params().items() if key != "ring"},
            registries,
            borders,
            dataset_actors=dataset_actors,
        )
        for note in notes:
            add(step, _note_field(note), None, note)
        filters = view.filters
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            add(step, "filters.dates", None, f"from {filters.date_from} is after to {filters.date_to}")
        for number, spec in enumerate(step.rings, start=1):
            message = ring_problem(spec, registries, known_ids)
            if message:
                add(step, f"rings[{number}]", spec, message)
    return problems


def check_stories(
    stories: Sequence[Story],
    registries: Registries,
    known_ids: Collection[str],
    borders: Sequence[str] = (),
    dataset_actors: Collection[str] = (),
) -> tuple[list[Story], list[Problem]]:
    """The stories without problems, and the problems of the others."""
    good, problems = [], []
    for story in stories:
        found = check_story(story, registries, known_ids, borders, dataset_actors)
        problems += found
        if not found:
            good.append(story)
    return good, problems


_checked: dict[tuple, tuple[list[Story], list[Problem]]] = {}
_checked_lock = threading.Lock()


def checked_stories(
    folder: Path | None,
    store: EventStore,
    registries: Registries,
    borders: Sequence[str] = (),
    dataset_actors: Collection[str] = (),
) -> tuple[list[Story], list[Problem]]:
    """The stories of ``folder`` that pass every check against the events of ``store``, and every problem
    found; read again when a story file changes (remembered per files and store)."""
    key = (str(folder), files_stamp(folder), store.token, tuple(borders), tuple(dataset_actors))
    with _checked_lock:
        if key in _checked:
            return _checked[key]
    stories, problems = load_stories(folder)
    known = queries.known_ids(store.table, referenced_ids(stories))
    good, more = check_stories(stories, registries, known, borders, dataset_actors)
    result = (good, problems + more)
    with _checked_lock:
        if len(_checked) > 16:
            _checked.clear()
        _checked[key] = result
    return result


def address_notes(story_param: str | None, step_param: str | None, stories: Sequence[Story]) -> list[str]:
    """What the address asks for that no story has: an unknown story id, a step the story does not have."""
    if not story_param:
        return []
    story = next((story for story in stories if story.id == story_param), None)
    if story is None:
        return [f"story: no story has the id {shorten(story_param)}: choose one of the stories on the page"]
    if step_param is None:
        return []
    count = len(story.steps)
    try:
        number = float(step_param)
    except ValueError:
        number = math.nan
    if not (number.is_integer() and 1 <= number <= count):
        span = "it has one step" if count == 1 else f"it has steps 1 to {count}"
        return [f"step: the story {shorten(story.id)} has no step {shorten(step_param)} ({span}): showing step 1"]
    return []


# --- step text --------------------------------------------------------------------------------------


_EMPHASIS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|\*(?=[^\s*])(.+?)(?<=[^\s*])\*")
_BULLET = re.compile(r"^\s*[-*]\s+")


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """``("paragraph", [text])`` and ``("bullets", [item, ...])`` blocks, split at blank lines."""
    blocks: list[tuple[str, list[str]]] = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if _BULLET.match(lines[0]):
            items: list[str] = []
            for line in lines:
                if _BULLET.match(line):
                    items.append(_BULLET.sub("", line))
                else:
                    items[-1] += " " + line.strip()  # an item continued on the next line
            blocks.append(("bullets", items))
        else:
            blocks.append(("paragraph", [" ".join(line.strip() for line in lines)]))
    return blocks


def _escaped(segment: str) -> str:
    """``segment`` as literal Markdown, keeping a space at either end (escape_markdown trims them)."""
    if not segment.strip():
        return " " if segment else ""
    lead = " " if segment[0].isspace() else ""
    trail = " " if segment[-1].isspace() else ""
    return lead + escape_markdown(segment) + trail


def _inline_markdown(text: str) -> str:
    parts, last = [], 0
    for match in _EMPHASIS.finditer(text):
        parts.append(_escaped(text[last : match.start()]))
        bold, italic = match.group(1), match.group(2)
        parts.append(f"**{escape_markdown(bold)}**" if bold is not None else f"*{escape_markdown(italic)}*")
        last = match.end()
    parts.append(_escaped(text[last:]))
    return "".join(parts)


def step_markdown(text: str) -> str:
    """A step's text as Streamlit Markdown: paragraphs, bullets, bold and italic; every other character as
    written (no links, images, HTML, headings, icons or emoji codes)."""
    rendered = []
    for kind, parts in _blocks(text):
        if kind == "bullets":
            rendered.append("\n".join(f"- {_inline_markdown(item)}" for item in parts))
        else:
            rendered.append(_inline_markdown(parts[0]))
    return "\n\n".join(rendered)


def step_paragraphs(text: str) -> list[str]:
    """A step's text as plain paragraphs for a slide: bullets as ``•``, emphasis marks dropped."""
    plain = []
    for kind, parts in _blocks(text):
        for part in parts:
            words = _EMPHASIS.sub(lambda match: match.group(1) or match.group(2), part)
            plain.append(f"• {words}" if kind == "bullets" else words)
    return plain


# --- one step -----------------------------------------------------------------------------------------


@dataclass
class StepView:
    """What one step of a story shows."""

    story: Story
    step: StoryStep
    filters: Filters  # the step's own filters (none: only its events)
    selection: Selection  # the step's events, and those its filters select
    highlighted: pd.DataFrame  # the step's events, in the story's order
    rings: list[Ring]
    ring_errors: list[str]
    band: Band | None
    box: tuple[float, float, float, float] | None  # west, south, east, north the map opens on
    view_state: pdk.ViewState

    @property
    def number(self) -> int:
        return self.step.number

    @property
    def heading(self) -> str:
        """``"Step 3 of 7 · North Korean missiles fired at Ukraine"``."""
        title = f" · {self.step.title}" if self.step.title else ""
        return f"Step {self.step.number} of {len(self.story.steps)}{title}"

    @property
    def highlighted_ids(self) -> list[str]:
        return list(self.highlighted["id"])


def step_selection(store: EventStore, filters: Filters, ids: Sequence[str]) -> Selection:
    """The step's events (``ids``) and, when ``filters`` are active, the events they select, as one selection
    on the engine (its answers remembered like any selection's)."""
    table = store.table
    if filters.is_active:
        shown = queries.filtered(table, filters, store.longest_span_days)
        matching = queries.known_ids(shown, list(ids)) if ids else set()
        missing = [event for event in ids if event not in matching]
        if missing:  # the step's events its filters leave out are shown all the same
            shown = shown.union(table.filter(table.id.isin(missing)), distinct=False)
    else:
        shown = table.filter(table.id.isin(list(ids) or [""]))
    token = (store.scope, ("story step", filters, tuple(ids)), "all")
    selection = Selection(shown, store.registries, 0, filters, token, store.answers)
    return replace(selection, count=selection.remember(("count",), lambda: queries.count(shown)))


def _route_points(events: pd.DataFrame) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes of the events, with the origins and destinations of transfers and deployments."""
    lons, lats = list(events["longitude"].dropna()), list(events["latitude"].dropna())
    routed = events[events["event_type"].astype(object).isin(ARC_TYPES)]
    for end in ("origin", "destination"):
        both = routed[[f"{end}_longitude", f"{end}_latitude"]].dropna()
        lons += list(both[f"{end}_longitude"])
        lats += list(both[f"{end}_latitude"])
    return lons, lats


def zoom_box(lat: float, lon: float, zoom: float) -> tuple[float, float, float, float]:
    """About the box a map of `MAP_WIDTH_PX` × `MAP_HEIGHT_PX` shows around ``lat, lon`` at ``zoom``."""
    half_lon = 360 / 2**zoom * MAP_WIDTH_PX / 512 / 2
    half_lat = half_lon * MAP_HEIGHT_PX / MAP_WIDTH_PX * math.cos(math.radians(lat))
    return (
        max(lon - half_lon, -180.0),
        max(lat - half_lat, -85.0),
        min(lon + half_lon, 180.0),
        min(lat + half_lat, 85.0),
    )


def frame_box(
    step: StoryStep, highlighted: pd.DataFrame, rings: Sequence[Ring]
) -> tuple[float, float, float, float] | None:
    """West, south, east, north of the step's frame: as written, else around its events (with the routes of
    transfers and deployments) and its rings; None when nothing is placed."""
    frame = step.frame
    if frame is not None and frame.box is not None:
        return frame.box
    if frame is not None and frame.centre is not None and frame.zoom is not None:
        return zoom_box(frame.centre[0], frame.centre[1], frame.zoom)
    lons, lats = _route_points(highlighted) if not highlighted.empty else ([], [])
    lons += [point[0] for ring in rings for point in ring.path]
    lats += [point[1] for ring in rings for point in ring.path]
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85.0), -85.0)) / 2))


def fit_box(box: tuple[float, float, float, float], width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX):
    """The view that shows the whole box (west, south, east, north) on a map of ``width_px`` × ``height_px``,
    with a tenth to spare: the step's frame as its author drew it."""
    west, south, east, north = box
    across = max(east - west, 0.5)
    high = max(_mercator_y(north) - _mercator_y(south), 0.01)
    zoom_x = math.log2(width_px * 0.9 / 512 * 360 / across)
    zoom_y = math.log2(height_px * 0.9 / 512 * 2 * math.pi / high)
    middle = math.degrees(2 * math.atan(math.exp((_mercator_y(north) + _mercator_y(south)) / 2)) - math.pi / 2)
    return pdk.ViewState(latitude=middle, longitude=(west + east) / 2, zoom=max(0.5, min(zoom_x, zoom_y, 9.0)))


def _view_state(step: StoryStep, box: tuple[float, float, float, float] | None) -> pdk.ViewState:
    frame = step.frame
    if frame is not None and frame.centre is not None and frame.zoom is not None:
        return pdk.ViewState(latitude=frame.centre[0], longitude=frame.centre[1], zoom=frame.zoom)
    if box is None:
        return layers.fit_view(pd.Series(dtype=float), pd.Series(dtype=float))
    west, south, east, north = box
    if frame is None:  # around the events: a lone event keeps its surroundings
        middle_lon, middle_lat, span = (west + east) / 2, (south + north) / 2, layers.MIN_SPAN_DEGREES / 2
        west, east = min(west, middle_lon - span), max(east, middle_lon + span)
        south, north = min(south, middle_lat - span / 2), max(north, middle_lat + span / 2)
    return fit_box((west, south, east, north))


def _in_story_order(events: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    order = {event: number for number, event in enumerate(ids)}
    if events.empty:
        return events
    return events.assign(_order=events["id"].map(order)).sort_values("_order").drop(columns="_order")


def step_view(
    story: Story, number: int, store: EventStore, registries: Registries, borders: Sequence[str] = ()
) -> StepView:
    """Step ``number`` (1-based) of ``story`` on the events of ``store``."""
    step = story.steps[number - 1]
    view, _ = params.read_view(step.params(), registries, borders)  # the story's checks named every note
    ids = list(step.events)
    selection = step_selection(store, view.filters, ids)
    highlighted = _in_story_order(
        selection.remember(("story events",), lambda: queries.events_by_id(store.table, registries, ids)), ids
    )
    centres = queries.events_by_id(store.table, registries, centre_event_ids(view.rings))
    rings, ring_errors = build_rings(view.rings, centres, registries)
    box = frame_box(step, highlighted, rings)
    return StepView(
        story, step, view.filters, selection, highlighted, rings, ring_errors, view.band, box, _view_state(step, box)
    )


def highlight_layer(events: pd.DataFrame) -> pdk.Layer:
    """A dark ring around each of the step's events (drawn over the events; clicks go to the event below)."""
    placed = events.dropna(subset=["latitude", "longitude"]) if not events.empty else events
    data = [
        {"id": str(event_id), "position": [float(lon), float(lat)]}
        for event_id, lon, lat in zip(
            placed.get("id", []), placed.get("longitude", []), placed.get("latitude", []), strict=True
        )
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        id="story-step-events",
        data=data,
        get_position="position",
        get_radius=15,
        radius_units="'pixels'",
        stroked=True,
        filled=False,
        get_line_color=layers.rgba(HIGHLIGHT_COLOUR),
        line_width_units="'pixels'",
        get_line_width=3,
        pickable=False,
    )


def story_map(step: StepView, online_tiles: bool = False, selected: pd.Series | None = None) -> layers.MapModel:
    """The map of a step: its events and those of its filters, the step's events ringed, its rings and band,
    opened on the step's frame (not on the selected event, which is ringed too)."""
    model = layers.build_map(step.selection, step.rings, step.band, online_tiles)
    if step.box is not None:  # names and the scale bar for the step's frame, not for where build_map looked
        west, south, east, north = step.box
        inset_x, inset_y = (east - west) * 0.08, (north - south) * 0.1
        shown = step.selection.located
        events = shown.rows() if shown.count <= layers.POINT_LIMIT else pd.DataFrame(columns=LABEL_COLUMNS)
        labels = layers.label_layers(
            events, (west + inset_x, east - inset_x, south + inset_y, north - inset_y), step.view_state.zoom
        )
        for layer in labels:  # place names clear of the rings around the step's events
            if layer.id == "place-labels":
                for item in layer.data:
                    item["offset"] = [LABEL_OFFSET_PX if item["offset"][0] > 0 else -LABEL_OFFSET_PX, 0]
        ids = {layer.id for layer in labels}
        at = next((n for n, layer in enumerate(model.deck.layers) if layer.id in ids), len(model.deck.layers))
        kept = [layer for layer in model.deck.layers if layer.id not in ids]
        model.deck.layers = [*kept[:at], *labels, *kept[at:]]
    model.deck.layers.append(highlight_layer(step.highlighted))
    model.deck.layers.extend(layers.selected_layers(selected))
    model.deck.initial_view_state = step.view_state
    # The map opens on the step's frame, not where build_map framed the events: say which lie outside it.
    model.notes = [note for note in model.notes if not note.endswith(OUTSIDE_NOTE_END)]
    outside = outside_frame(step)
    if outside:
        model.notes.append(outside)
    return model


OUTSIDE_NOTE_END = "zoom out to see them."
LABEL_COLUMNS = ["id", "place", "latitude", "longitude"]
LABEL_OFFSET_PX = 19  # beyond the highlight ring (15 px and its 3 px line)


def outside_frame(step: StepView) -> str | None:
    """``"1 event lies outside this step's frame (London): zoom out to see them."``, or None."""
    if step.box is None or step.selection.located.count > layers.POINT_LIMIT:
        return None
    events = step.selection.located.rows()
    west, south, east, north = step.box
    if step.step.frame is None or step.step.frame.box is None:  # the map shows a little more than the box
        return None
    inside = events["longitude"].between(west, east) & events["latitude"].between(south, north)
    if inside.all():
        return None
    places = events.loc[~inside, "place"].dropna().astype(str).unique().tolist()
    where = f" ({', '.join(places[:3])}{', ...' if len(places) > 3 else ''})" if places else ""
    count = int((~inside).sum())
    lie = "1 event lies" if count == 1 else f"{count} events lie"
    return f"{lie} outside this step's frame{where}: {OUTSIDE_NOTE_END}"


def highlighted_events(figure: go.Figure, ids: Collection[str], name: str = "In this step") -> go.Figure:
    """A copy of a timeline with the marks of ``ids`` ringed (in every lane they sit in); ``figure`` itself
    when none of them is drawn."""
    wanted = set(ids)
    found = [
        (x, y, row[0])
        for trace in figure.data
        if trace.type == "scatter" and trace.customdata is not None
        for row, x, y in zip(trace.customdata, trace.x, trace.y, strict=True)
        if row[0] in wanted
    ]
    if not found:
        return figure
    marked = go.Figure(figure)
    marked.add_trace(
        go.Scatter(
            x=[x for x, _, _ in found],
            y=[y for _, y, _ in found],
            mode="markers",
            marker={"size": 22, "color": "rgba(0,0,0,0)", "line": {"color": HIGHLIGHT_COLOUR, "width": 3}},
            customdata=[[event_id] for _, _, event_id in found],
            hoverinfo="skip",
            name=name,
        )
    )
    return marked


def story_timeline(step: StepView, selected_id: str | None = None) -> go.Figure:
    """The step's events and those of its filters on a time axis, the step's events ringed."""
    figure = step.selection.remember(("timeline figure", "actor"), lambda: figures.timeline_figure(step.selection))
    return figures.highlighted(highlighted_events(figure, step.highlighted_ids), selected_id)


def step_events_table(step: StepView) -> pd.DataFrame:
    """The step's events as the page lists them: id, date and title, in the story's order."""
    events = step.highlighted
    if events.empty:
        return pd.DataFrame({"id": [], "Date": [], "Title": []})
    return pd.DataFrame({"id": events["id"], "Date": date_text(events), "Title": events["title"].astype(str)})


def story_caption(story: Story) -> str:
    """``"Story: Munitions to Russia · 7 steps · 16 events"`` (exports carry it as their caption)."""
    steps = len(story.steps)
    events = len(story.event_ids)
    return f"Story: {story.title} · {steps} step{'s' * (steps != 1)} · {events} event{'s' * (events != 1)}"


def app_folder(data_options: Sequence[str] = (), dataset: str | None = None) -> Path | None:
    """The stories the dashboard shows: $DASHBOARD_STORIES, else the ``stories`` folder beside the records it
    shows (``--data``, $DASHBOARD_DATA or the bundled ``data/events``) or beside its dataset."""
    given = settings.current()
    dataset = dataset or given.dataset
    named = given.stories
    if dataset:
        return story_folder([Path(dataset)], named)
    try:
        paths = data_paths(list(data_options) or None)
    except DataPathError:
        paths = []
    return story_folder(paths, named)
