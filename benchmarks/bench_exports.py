"""Time the briefing pack (PPTX and PDF) and the data exports for the curated data; or large data exports.

    python benchmarks/bench_exports.py [--runs R]
    python benchmarks/bench_exports.py --records 1000000 [--runs R]

Prints medians of R runs; the baseline, measured in the same run, is one PNG of the counts chart through
kaleido (the fixed cost of starting a browser to render images).

With ``--records N`` it writes N synthetic events as CSV and times ``python -m dashboard export`` of all of
them (CSV unless ``--formats`` says otherwise, the cache warm) with the command's peak memory, against the
same export made the way it was before batches: every row fetched into pandas at once, the file made in
memory, then written.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import median_seconds

from dashboard.exports import briefing, datafiles, images
from dashboard.geo import overlays
from dashboard.loading.loader import load_events
from dashboard.model.registries import load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store.selection import Selection
from dashboard.views import figures

# Runs an export in a fresh interpreter and prints its peak memory (MB) last, on stderr.
MEASURED = """
import resource, runpy, sys
sys.argv = ["dashboard", *sys.argv[1:]]
try:
    if sys.argv[1] == "in-memory":
        from pathlib import Path
        from dashboard.exports import datafiles
        from dashboard.sources.datapaths import record_files
        from dashboard.model.registries import load_registries
        from dashboard.store.cache import open_store
        from dashboard.store.filters import Filters
        from dashboard.store.selection import Selection
        fmt, data, out = sys.argv[2:]
        registries = load_registries()
        store, _, _ = open_store([Path(data)], record_files([Path(data)]), registries, engine_copy=False)
        selection = Selection.of(store, Filters())
        context = datafiles.ExportContext("All", data)
        Path(out).write_bytes(datafiles.data_export(fmt, selection.rows(), registries, context))
    else:
        runpy.run_module("dashboard", run_name="__main__")
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
"""


def large_exports(records: int, runs: int, formats: list[str]) -> None:
    with tempfile.TemporaryDirectory() as temp, tempfile.TemporaryDirectory() as caches:
        folder = Path(temp)
        data = folder / "events.csv"
        write_csv(synthetic_frame(records), data)
        environment = {**os.environ, "DASHBOARD_CACHE": caches}

        def measured(*command: str) -> tuple[float, float]:
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", MEASURED, *command], env=environment, capture_output=True, text=True
            )
            seconds = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr}")
            return seconds, float(done.stderr.strip().splitlines()[-1])

        out = folder / "out"
        out.mkdir()
        measured("validate", str(data))  # fills the cache: every run below starts warm
        print(f"{records:,} events, cache warm; median of {runs} runs (wall time, peak memory of the command)")
        for fmt in formats:
            results: dict[str, list[tuple[float, float]]] = {"batches": [], "in memory": []}
            for run in range(runs):
                target = out / f"batches{run}.{fmt}"
                command = ["export", "--format", fmt, "--data", str(data), "--out", str(target)]
                results["batches"].append(measured(*command))
                results["in memory"].append(measured("in-memory", fmt, str(data), str(out / f"memory{run}.{fmt}")))
                size = target.stat().st_size
                for path in out.iterdir():
                    path.unlink()
            (base_s, base_mb), (new_s, new_mb) = (
                tuple(statistics.median(value[i] for value in results[key]) for i in (0, 1))
                for key in ("in memory", "batches")
            )
            print(
                f"{fmt:8} {size / 1e6:7.0f} MB file   batches {new_s:6.1f} s {new_mb:6.0f} MB"
                f"   baseline (all rows at once) {base_s:6.1f} s {base_mb:6.0f} MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=0, help="time exports of this many synthetic events")
    parser.add_argument("--formats", default="csv", help="with --records: comma-separated data formats")
    args = parser.parse_args()
    if args.records:
        large_exports(args.records, args.runs, args.formats.split(","))
        return
    registries = load_registries()
    events = load_events(registries=registries).events
    context = datafiles.ExportContext(f"All {len(events)} events", "data/events", handling="UNCLASSIFIED")
    rings, _ = overlays.build_rings(["fath-360@event:2024-10-09-karachev-depot-strike"], events, registries)

    def pack(fmt: str) -> bytes:
        built = briefing.build_briefing(Selection.of_frame(events, registries), context, rings, overlays.DEFAULT_BAND)
        return briefing.briefing_pptx(built) if fmt == "pptx" else briefing.briefing_pdf(built)

    baseline = median_seconds(
        lambda: images.render_image(figures.counts_figure(Selection.of_frame(events, registries)), "png"), args.runs
    )
    print(f"{len(events)} events; median of {args.runs} runs; baseline (one PNG via kaleido) {baseline:.2f} s")
    for label, action in (
        ("briefing pack PPTX", lambda: pack("pptx")),
        ("briefing pack PDF", lambda: pack("pdf")),
        (
            "CSV + GeoJSON + KML + JSON",
            lambda: [datafiles.data_export(f, events, registries, context) for f in datafiles.DATA_FORMATS],
        ),
    ):
        seconds = median_seconds(action, args.runs)
        print(f"{label:28} {seconds:6.2f} s   ({seconds / baseline:4.1f}x baseline)")


if __name__ == "__main__":
    main()
