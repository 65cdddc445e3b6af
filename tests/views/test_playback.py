"""Playback: windows, frames from the engine's bins, the animated GIF and MP4, and the export command."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from dashboard.cli import main
from dashboard.exports import animation
from dashboard.exports.datafiles import ExportContext
from dashboard.exports.outfiles import ExportError
from dashboard.loading.loader import load_events
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import queries
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import playback
from dashboard.views.playback import PlaybackOptions, WindowError


@pytest.fixture(scope="module")
def curated(bundled, registries) -> Selection:
    return Selection.of_frame(bundled.events, registries)


@pytest.mark.parametrize(
    ("window", "parsed"), [("week", ("week", 1)), ("month", ("month", 1)), ("10d", ("day", 10)), ("366d", ("day", 366))]
)
def test_windows_are_a_week_a_month_or_a_number_of_days(window, parsed) -> None:
    assert playback.parse_window(window) == parsed


@pytest.mark.parametrize("window", ["0d", "367d", "day", "", "10", "-3d", "1e3d", "month" * 20])
def test_other_windows_are_refused_with_what_to_write(window) -> None:
    with pytest.raises(WindowError, match="week, month or a number of days"):
        playback.parse_window(window)


def test_windows_start_on_mondays_first_days_of_months_or_the_first_event() -> None:
    first, last = pd.Timestamp("2024-05-16"), pd.Timestamp("2024-06-03")
    assert playback.window_starts(first, last, "week")[:2] == [pd.Timestamp("2024-05-13"), pd.Timestamp("2024-05-20")]
    assert playback.window_starts(first, last, "month") == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-06-01")]
    assert playback.window_starts(first, last, "10d") == [pd.Timestamp(day) for day in ("2024-05-16", "2024-05-26")]
    with pytest.raises(WindowError, match="longer window"):
        playback.window_starts(pd.Timestamp("1900-01-01"), pd.Timestamp("2024-01-01"), "1d")


def test_the_curated_records_play_month_by_month(curated) -> None:
    frames = playback.frames_of(curated, PlaybackOptions(window="month", trail=2))
    assert len(frames) == 14
    assert (frames.label(0), frames.label(13)) == ("2023-09-01 – 2023-09-30", "2024-10-01 – 2024-10-31")
    assert frames.counts(13) == (6, 20)
    assert frames.index_of("2024-06-15") == 9 and frames.index_of("1999-01-01") == 0
    shown = frames.events(13)
    assert set(shown["age"]) == {0, 1, 2} and shown["age"].is_monotonic_decreasing  # the trail under the window
    assert shown.loc[shown["age"] == 0, "events"].sum() == 6
    assert sum(frames.counts(index)[0] for index in range(len(frames))) == curated.located.count


def test_the_bins_agree_with_a_count_event_by_event(tmp_path: Path, registries) -> None:
    path = tmp_path / "events.csv"
    write_csv(synthetic_frame(2_000, seed=5), path)
    events = load_events([path], registries).events
    selection = Selection.of_frame(events, registries)
    start = date(2023, 1, 2)  # a Monday
    bins = queries.frame_bins(selection.table, start, "week", 1.0)
    located = events.dropna(subset=["latitude", "longitude"])
    located = located[located["date_start"] >= pd.Timestamp(start)]
    week = pd.Timestamp(start) + pd.to_timedelta((located["date_start"] - pd.Timestamp(start)).dt.days // 7 * 7, "D")
    kinds = located["event_type"].astype(str).rename("type")
    expected = located.groupby([week.rename("bin"), kinds]).size().to_dict()
    got = {key: int(value) for key, value in bins.groupby(["bin", "type"])["events"].sum().items()}
    assert got == expected


def test_a_frame_deck_is_offline_and_fades_the_trail(curated) -> None:
    frames = playback.frames_of(curated, PlaybackOptions(window="month", trail=2))
    deck = json.loads(playback.playback_deck(frames, 12, curated, online_tiles=False).to_json())
    assert "carto" not in json.dumps(deck).lower() and "mapbox" not in json.dumps(deck).lower()
    points = next(layer for layer in deck["layers"] if layer["id"] == "playback")["data"]
    alphas = {point["colour"][3] for point in points}
    assert alphas == {playback.TRAIL_ALPHAS[0], playback.TRAIL_ALPHAS[1]}  # this window and the one before


@pytest.mark.parametrize("fmt", ["gif", "mp4"])
def test_the_playback_becomes_an_animation_with_one_frame_per_window(curated, registries, fmt) -> None:
    frames = playback.frames_of(curated, PlaybackOptions(window="month"))
    context = ExportContext("<script>\x1b[31m caption \u202e", "data/events")  # hostile text is drawn harmlessly
    data = animation.animation_file(fmt, frames, registries, playback.playback_extent(curated), context, fps=4)
    if fmt == "gif":
        image = Image.open(io.BytesIO(data))
        assert image.n_frames == len(frames) and image.size == animation.SIZE
        assert image.info["duration"] == 250
    else:
        assert data[4:8] == b"ftyp" and b"avc1" in data[:64]


def test_animations_refuse_what_they_cannot_draw(curated, registries) -> None:
    frames = playback.frames_of(curated, PlaybackOptions())
    context = ExportContext("caption", "data")
    with pytest.raises(ExportError, match="gif or mp4"):
        animation.animation_file("avi", frames, registries, (0, 1, 0, 1), context)
    with pytest.raises(ExportError, match="nothing to play"):
        animation.animation_file("gif", frames, registries, None, context)
    with pytest.raises(ExportError, match="frames a second"):
        animation.animation_file("gif", frames, registries, (0, 1, 0, 1), context, fps=0)


def test_no_located_events_means_no_playback(curated, registries) -> None:
    store = curated.rows()
    from dashboard.store.engine import store_from_frame

    nothing = Selection.of(store_from_frame(store, registries), Filters(text="no-such-words-anywhere"))
    assert playback.frames_of(nothing, PlaybackOptions()) is None


def test_the_export_command_writes_gif_and_mp4(tmp_path: Path, capsys) -> None:
    target = tmp_path / "play.gif"
    assert main(["export", "--format", "gif", "--out", str(target), "--window", "week", "--actor", "Iran"]) == 0
    assert Image.open(target).n_frames > 1
    assert main(["export", "--format", "gif", "--out", str(target)]) == 2  # no silent overwrite
    assert main(["export", "--format", "mp4", "--out", str(tmp_path / "play.mp4"), "--fps", "5"]) == 0
    assert (tmp_path / "play.mp4").read_bytes()[4:8] == b"ftyp"
    assert main(["export", "--format", "gif", "--out", str(tmp_path / "bad.gif"), "--window", "fortnight"]) == 2
    assert "fortnight" in capsys.readouterr().err and not (tmp_path / "bad.gif").exists()
    assert main(["export", "--format", "gif", "--out", str(tmp_path / "none.gif"), "--q", "no-such-words"]) == 1
