"""Time a full rerun of each page, with the curated data and with 100,000 synthetic events.

    python benchmarks/bench_pages.py [--records N] [--runs R]

Each page is run once to warm the cache, then R times; the median is printed with the ratio to a baseline
measured in the same run (a rerun of a one-line Streamlit script, i.e. the framework's own cost). The size
of the map payload sent to the browser is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from dashboard.model.synthetic import synthetic_frame, write_csv

REPO = Path(__file__).resolve().parent.parent
PAGES = ["pages/timeline.py", "pages/map.py", "pages/events.py", "pages/trends.py", "pages/data_quality.py"]


class _NavigationPagesManager(PagesManager):
    """As a real server does after the first run: no legacy pages/ mode (see tests/conftest.py)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


app_test_module.PagesManager = _NavigationPagesManager


def median_rerun(at: AppTest, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    assert not at.exception, at.exception
    return statistics.median(times)


def baseline(runs: int, folder: Path) -> float:
    script = folder / "baseline.py"
    script.write_text("import streamlit as st\nst.write('baseline')\n")
    at = AppTest.from_file(str(script), default_timeout=120)
    at.run()
    return median_rerun(at, runs)


def bench(label: str, runs: int, reference: float, timeout: float = 300) -> None:
    """Median rerun of every page on the data the environment names, each with its ratio to ``reference``."""
    for page in PAGES:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)
        at.run()
        at.switch_page(page).run()
        seconds = median_rerun(at, runs)
        extra = ""
        if page.endswith("map.py"):
            extra = f"   map payload {len(at.get('deck_gl_json_chart')[0].proto.json) / 1e6:5.2f} MB"
        print(f"{label:>16}  {page:24} {seconds:6.3f} s  ({seconds / reference:5.1f}x baseline){extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="synthetic events; 0: the curated data only")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        reference = baseline(args.runs, folder)
        print(f"median of {args.runs} reruns; baseline (one-line script) {reference:.3f} s")
        os.environ.pop("DASHBOARD_DATA", None)
        bench("curated (20)", args.runs, reference)
        if args.records <= 0:
            return
        write_csv(synthetic_frame(args.records), folder / "synthetic.csv")
        os.environ["DASHBOARD_DATA"] = str(folder / "synthetic.csv")
        bench(f"synthetic ({args.records:,})", args.runs, reference)


if __name__ == "__main__":
    main()
