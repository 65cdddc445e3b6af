"""Time the briefing pack (PPTX and PDF) and the data exports for the curated data.

    python benchmarks/bench_exports.py [--runs R]

Prints medians of R runs; the baseline, measured in the same run, is one PNG of the counts chart through
kaleido (the fixed cost of starting a browser to render images).
"""

from __future__ import annotations

import argparse

from timing import median_seconds

from dashboard.exports import briefing, datafiles, images
from dashboard.geo import overlays
from dashboard.records.loader import load_events
from dashboard.records.registries import load_registries
from dashboard.store.selection import Selection
from dashboard.views import figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
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
