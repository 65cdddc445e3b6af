"""Playback: frames exported a second (GIF, MP4) for the curated data, and the page at 1M events.

    python benchmarks/bench_playback.py [--size 1000000] [--runs 5]

Prints medians of ``--runs`` runs, each beside a baseline measured in the same run: exported frames a second
against encoding the same number of blank frames; at ``--size`` synthetic events, the frames of a playback
(one engine aggregate) computed afresh and remembered against the engine's ``count(*)`` round trip, and the
page's full rerun (AppTest) against a one-line Streamlit script.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

from bench_pages import baseline, median_rerun
from PIL import Image
from streamlit.testing.v1 import AppTest
from timing import median_seconds as median

from dashboard import settings
from dashboard.exports import animation
from dashboard.exports.datafiles import ExportContext
from dashboard.loading.loader import load_events
from dashboard.model.registries import load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import cache, queries
from dashboard.store.engine import forget_answers
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import layers, playback

REPO = Path(__file__).resolve().parent.parent


def blank_gif(frames: int) -> None:
    images = [Image.new("P", animation.SIZE, 0) for _ in range(frames)]
    images[0].save(io.BytesIO(), format="GIF", save_all=True, append_images=images[1:], duration=500)


def exports(runs: int) -> None:
    registries = load_registries()
    layers.country_label_points()  # read once per process, as the dashboard does
    selection = Selection.of_frame(load_events(registries=registries).events, registries)
    context = ExportContext("All 20 events", "data/events")
    extent = playback.playback_extent(selection)
    print("curated records: exported frames a second")
    for window in ("month", "week"):
        frames = playback.frames_of(selection, playback.PlaybackOptions(window=window))
        blank = median(lambda frames=frames: blank_gif(len(frames)), runs)
        for fmt in animation.ANIMATION_FORMATS:
            animation._basemap.cache_clear()

            def export(fmt: str = fmt, frames: playback.Frames = frames) -> None:
                animation._basemap.cache_clear()
                animation.animation_file(fmt, frames, registries, extent, context)

            seconds = median(export, runs)
            start = time.perf_counter()
            images = list(animation.frames_images(frames, registries, extent, context))
            drawing = time.perf_counter() - start
            print(
                f"  {window:5} {fmt:3} {len(frames):3} frames  {seconds:5.2f} s = {len(frames) / seconds:5.1f} frames/s"
                f"   (drawing alone {len(images) / drawing:5.1f} frames/s; baseline: {len(frames)} blank GIF frames"
                f" {blank * 1000:.0f} ms)"
            )


def at_scale(size: int, runs: int) -> None:
    registries = load_registries()
    with tempfile.TemporaryDirectory() as temp, tempfile.TemporaryDirectory() as cache_temp:
        path = Path(temp) / "events.csv"
        write_csv(synthetic_frame(size, seed=7), path)
        os.environ[settings.CACHE_ENV] = cache_temp
        store = cache.open_store([path], [path], registries)[0]
        round_trip = median(lambda: queries.count(store.table), runs)
        print(f"\n{size:,} events (baseline: count(*) round trip {round_trip * 1000:.0f} ms)")
        for window in ("month", "week", "10d"):

            def fresh(window: str = window) -> None:
                forget_answers()
                frames = playback.frames_of(Selection.of(store, Filters()), playback.PlaybackOptions(window))
                frames.events(len(frames) // 2)

            def remembered(window: str = window) -> None:
                frames = playback.frames_of(Selection.of(store, Filters()), playback.PlaybackOptions(window))
                frames.events(len(frames) // 2)

            seconds, again = median(fresh, runs), median(remembered, runs)
            print(
                f"  frames, {window:5}  {seconds * 1000:6.0f} ms ({seconds / round_trip:5.1f}x)"
                f"   remembered {again * 1000:6.1f} ms"
            )
        reference = baseline(runs, Path(temp))
        os.environ["DASHBOARD_DATA"] = str(path)
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=1800)
        at.run()
        at.switch_page("pages/playback.py").run()
        seconds = median_rerun(at, runs)
        print(f"  Playback page rerun {seconds:.3f} s (baseline: one-line Streamlit script {reference:.3f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exports(args.runs)
    if args.size:
        at_scale(args.size, args.runs)


if __name__ == "__main__":
    main()
