"""Playback: a time window steps across the filtered period; each frame holds the events of its window, and of
a few windows before it (the trail, drawn fading).

Frames are sums of the engine's bins (`dashboard.store.queries.frame_bins`: events per day, week or month,
grid cell and type), so a frame costs the same at a million events as at twenty.

>>> parse_window("10d"), parse_window("month")
(('day', 10), ('month', 1))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pydeck as pdk

from dashboard.errors import UsageError
from dashboard.geo import geodesy
from dashboard.model.registries import Registries
from dashboard.store.selection import Selection
from dashboard.views import layers

WINDOWS = ("week", "month")  # or a custom span of days, written "10d"
WINDOW_CHOICES = (*WINDOWS, "custom")  # the page's choice (a custom window's days are chosen beside it)
MAX_CUSTOM_DAYS = 366
SPEEDS = {"slow": 2.0, "normal": 1.0, "fast": 0.5}  # seconds a frame stays on screen while playing
DEFAULT_FPS = 2  # frames a second in the file: a month a half-second reads at a glance
MIN_FPS, MAX_FPS = 0.5, 30  # frames a second the page offers
TRAIL_ALPHAS = (235, 120, 60, 30)  # the window's own events, then each earlier window of the trail
MAX_TRAIL = len(TRAIL_ALPHAS) - 1
POINT_CELL_DEGREES = 0.001  # few events: cells this small keep every event at its own place
DENSE_CELL_DEGREES = 0.25  # many events: cells of about 25 km
DENSE_ABOVE = 5_000  # located events beyond which playback draws cells
VERY_DENSE_CELL_DEGREES = 1.0  # a hundred thousand events and more: cells of about 100 km
VERY_DENSE_ABOVE = 100_000
POINTS_DRAWN = 3_000  # beyond this many (cell, type) marks in a frame, a cell is one mark of its main type
MAX_FRAMES = 2_000  # a week's window over 38 years; beyond, a longer window is asked for


class WindowError(UsageError):
    """A window that is neither week, month nor a number of days from 1 to 366."""


@dataclass(frozen=True)
class PlaybackOptions:
    window: str = "month"  # week, month, or a custom span of days ("10d")
    trail: int = 2  # earlier windows drawn fading


@dataclass
class Frames:
    """The windows of a playback and the bins they sum."""

    starts: list[pd.Timestamp]  # each window's first day
    ends: list[pd.Timestamp]  # each window's last day
    bins: pd.DataFrame  # bin, latitude, longitude, type, events
    options: PlaybackOptions
    cell_degrees: float

    def __len__(self) -> int:
        return len(self.starts)

    def label(self, index: int) -> str:
        """``"2024-06-01 – 2024-06-30"``."""
        return f"{self.starts[index]:%Y-%m-%d} – {self.ends[index]:%Y-%m-%d}"

    def frame_notes(self, wanted: str | None) -> list[str]:
        """What the address's ``frame`` (a day, as the address is checked) asks for that no window holds: the
        first or the last window is shown instead."""
        try:
            day = pd.Timestamp(wanted) if wanted else None
        except ValueError:  # not a day: the sidebar named it
            day = None
        if day is None:
            return []
        if day < self.starts[0]:
            return [f"frame: {wanted} is before the first window ({self.label(0)}): the first is shown"]
        if day > self.ends[-1]:
            return [f"frame: {wanted} is after the last window ({self.label(len(self) - 1)}): the last is shown"]
        return []

    def index_of(self, day: object) -> int:
        """The frame holding ``day`` (the first or last frame when ``day`` lies outside the period)."""
        stamp = pd.Timestamp(day)
        position = int(np.searchsorted(np.asarray(self.starts, dtype="datetime64[us]"), stamp.to_datetime64(), "right"))
        return min(max(position - 1, 0), len(self.starts) - 1)

    @cached_property
    def by_window(self) -> pd.DataFrame:
        """The bins summed per window, cell and type: columns ``window`` (its index), latitude, longitude,
        type, events."""
        starts = np.asarray(self.starts, dtype="datetime64[us]")
        window = np.searchsorted(starts, self.bins["bin"].to_numpy(dtype="datetime64[us]"), "right") - 1
        bins = self.bins.assign(window=window)
        ends = np.asarray(self.ends, dtype="datetime64[us]")
        bins = bins[(bins["window"] >= 0) & (bins["bin"].to_numpy(dtype="datetime64[us]") <= ends[bins["window"]])]
        keys = ["window", "latitude", "longitude", "type"]
        return bins.groupby(keys, as_index=False, sort=True)["events"].sum()

    @cached_property
    def _window_totals(self) -> np.ndarray:
        totals = self.by_window.groupby("window")["events"].sum()
        return totals.reindex(range(len(self.starts)), fill_value=0).to_numpy(dtype="int64")

    def events(self, index: int) -> pd.DataFrame:
        """The frame's events by cell and type, with ``age`` 0 for the window and 1, 2… for the trail (the
        oldest first, so the window's own events are drawn on top)."""
        table = self.by_window
        windows = table["window"].to_numpy()
        shown = table[(windows <= index) & (windows >= index - self.options.trail)]
        shown = shown.assign(age=index - shown["window"]).drop(columns="window")
        return shown.sort_values("age", ascending=False, kind="stable", ignore_index=True)

    def counts(self, index: int) -> tuple[int, int]:
        """Events in the window, and from the first window to this one."""
        totals = self._window_totals
        return int(totals[index]), int(totals[: index + 1].sum())

    def type_counts(self, index: int) -> pd.Series:
        table = self.by_window
        within = table[table["window"] == index]
        return within.groupby("type")["events"].sum().sort_values(ascending=False, kind="stable")


def parse_window(window: str) -> tuple[str, int]:
    """The bin step and how many steps make a window: week → (week, 1), month → (month, 1), 10d → (day, 10)."""
    if window in WINDOWS:
        return window, 1
    match = re.fullmatch(r"(\d{1,3})d", window.strip())
    if match and 1 <= int(match.group(1)) <= MAX_CUSTOM_DAYS:
        return "day", int(match.group(1))
    raise WindowError(
        f"window {window[:40]!r}: use week, month or a number of days from 1 to {MAX_CUSTOM_DAYS}, e.g. 10d"
    )


def window_starts(first: pd.Timestamp, last: pd.Timestamp, window: str) -> list[pd.Timestamp]:
    """The first day of each window from the one holding ``first`` to the one holding ``last``."""
    step, count = parse_window(window)
    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    if step == "week":
        start, offset = first - pd.Timedelta(days=first.weekday()), pd.Timedelta(weeks=1)
    elif step == "month":
        start, offset = first.replace(day=1), pd.DateOffset(months=1)
    else:
        start, offset = first, pd.Timedelta(days=count)
    starts = []
    while start <= last:
        starts.append(start)
        if len(starts) > MAX_FRAMES:
            raise WindowError(f"more than {MAX_FRAMES:,} windows: choose a longer window")
        start = start + offset
    return starts


def frames_of(selection: Selection, options: PlaybackOptions) -> Frames | None:
    """The playback of ``selection``'s located events, or None when none has a place and a date (built once
    per filters and options: a rerun, a tick of the player, gets the same frames back)."""
    return selection.remember(("playback", options), lambda: _frames(selection, options))


def _frames(selection: Selection, options: PlaybackOptions) -> Frames | None:
    bounds = selection.located.date_bounds
    if bounds is None:
        return None
    step, count = parse_window(options.window)
    starts = window_starts(bounds[0], selection.located.last_start or bounds[0], options.window)
    ends = [following - pd.Timedelta(days=1) for following in starts[1:]]
    last_start = starts[-1]
    if step == "month":
        ends.append(last_start + pd.DateOffset(months=1) - pd.Timedelta(days=1))
    else:
        ends.append(last_start + pd.Timedelta(days=(7 if step == "week" else count) - 1))
    located = selection.located.count
    cell = (
        VERY_DENSE_CELL_DEGREES
        if located > VERY_DENSE_ABOVE
        else DENSE_CELL_DEGREES
        if located > DENSE_ABOVE
        else POINT_CELL_DEGREES
    )
    bins = selection.located.frame_bins(starts[0].date(), step, cell)
    trail = min(max(options.trail, 0), MAX_TRAIL)
    return Frames(starts, ends, bins, PlaybackOptions(options.window, trail), cell)


def playback_extent(selection: Selection) -> tuple[float, float, float, float] | None:
    """West, east, south, north of the view every frame shares: the located events, leaving out the few far
    from all the others as the map does (`dashboard.views.layers.framing`) when they are few."""
    located = selection.located
    if located.count == 0 or located.count > layers.FRAMING_LIMIT:
        return located.extent
    framed, _ = layers.framing(located.rows())
    return geodesy.bounds(framed)


def frame_points(frames: Frames, index: int, registries: Registries) -> pd.DataFrame:
    """What a frame draws: position, colour (fading with age), radius (growing with the events of a cell)."""
    events = frames.events(index)
    if len(events) > POINTS_DRAWN:  # one mark per cell and age, in the colour of its main type
        ranked = events.sort_values(["events", "type"], ascending=[False, True], kind="stable")
        main = ranked.drop_duplicates(["latitude", "longitude", "age"])[["latitude", "longitude", "age", "type"]]
        totals = events.groupby(["latitude", "longitude", "age"], as_index=False)["events"].sum()
        events = totals.merge(main, on=["latitude", "longitude", "age"]).sort_values("age", ascending=False)
    points = events.copy()
    points["colour"] = [
        layers.rgba(registries.event_type_colour(kind), TRAIL_ALPHAS[int(age)])
        for kind, age in zip(points["type"], points["age"], strict=True)
    ]
    points["radius"] = 4 + 2 * np.sqrt(points["events"].astype(float))
    points["label"] = [
        f"{registries.event_type_label(kind)}: {int(count):,} event{'s' if count != 1 else ''}"
        + ("" if age == 0 else f" ({int(age)} window{'s' if age != 1 else ''} earlier)")
        for kind, count, age in zip(points["type"], points["events"], points["age"], strict=True)
    ]
    return points


def playback_deck(frames: Frames, index: int, selection: Selection, online_tiles: bool) -> pdk.Deck:
    """The map of one frame, framed on all the located events so it stays still while the frames change."""
    points = frame_points(frames, index, selection.registries).rename(columns={"label": "tooltip"})
    extent = playback_extent(selection)
    view = layers.fit_view(pd.Series([extent[0], extent[1]]), pd.Series([extent[2], extent[3]]))
    frame_layer = pdk.Layer(
        "ScatterplotLayer",
        id="playback",
        data=points[["longitude", "latitude", "colour", "radius", "tooltip"]].to_dict("records"),
        get_position=["longitude", "latitude"],
        get_fill_color="colour",
        get_radius="radius",
        radius_units="'pixels'",
        stroked=True,
        get_line_color=[255, 255, 255, 160],
        line_width_min_pixels=1,
        pickable=True,
    )
    return layers.map_deck([*layers.basemap_layers(online_tiles), frame_layer], view, online_tiles)
