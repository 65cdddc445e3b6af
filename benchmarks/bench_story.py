"""The Story page beside a million other events: the shipped story's steps over the curated records plus
``--size`` synthetic events, so each step's filters run on the whole table.

    python benchmarks/bench_story.py [--size 1000000] [--runs 5]

Prints the median rerun of each step (AppTest) beside a one-line Streamlit script measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench_pages import baseline, median_rerun
from streamlit.testing.v1 import AppTest

from dashboard import settings
from dashboard.model.synthetic import synthetic_frame, write_csv

REPO = Path(__file__).resolve().parent.parent
STORY = "munitions-to-russia"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp, tempfile.TemporaryDirectory() as cache_temp:
        path = Path(temp) / "events.csv"
        write_csv(synthetic_frame(args.size, seed=7), path)
        os.environ[settings.CACHE_ENV] = cache_temp
        os.environ["DASHBOARD_DATA"] = os.pathsep.join([str(REPO / "data" / "events"), str(path)])
        os.environ["DASHBOARD_STORIES"] = str(REPO / "data" / "stories")
        reference = baseline(args.runs, Path(temp))
        print(f"{args.size:,} synthetic events and the curated records; medians of {args.runs} reruns")
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=1800)
        at.query_params["story"] = STORY
        at.switch_page("pages/story.py")
        at.run()
        assert not at.exception, at.exception
        for step in range(1, 8):
            at.session_state["step"] = step
            at.run()
            seconds = median_rerun(at, args.runs)
            print(f"  step {step}: rerun {seconds:.3f} s (baseline: one-line Streamlit script {reference:.3f} s)")


if __name__ == "__main__":
    main()
