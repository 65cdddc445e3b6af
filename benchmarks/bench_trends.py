"""Change against a baseline at 1M events: the engine's counts, the comparison, and the Trends page's rerun.

    python benchmarks/bench_trends.py [--size 1000000] [--runs 5]

Prints medians of ``--runs`` runs, each beside a baseline measured in the same run: the comparison computed
afresh (remembered answers dropped) and remembered (a rerun with the same filters) against the engine's
``count(*)`` round trip; the page's full rerun (AppTest) against a one-line Streamlit script.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench_pages import baseline, median_rerun
from streamlit.testing.v1 import AppTest
from timing import median_seconds as median

from dashboard import settings
from dashboard.model.registries import load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import cache, queries
from dashboard.store.engine import forget_answers
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import trends

REPO = Path(__file__).resolve().parent.parent
CASES = {
    "actor, month, 12": trends.TrendOptions(by="actor"),
    "type, week, 4": trends.TrendOptions(by="type", per="week", baseline=4),
    "country, quarter, 8": trends.TrendOptions(by="country", per="quarter", baseline=8),
    "actor, week, 52, fatalities": trends.TrendOptions(by="actor", per="week", baseline=52, measure="fatalities"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    registries = load_registries()
    with tempfile.TemporaryDirectory() as temp, tempfile.TemporaryDirectory() as cache_temp:
        path = Path(temp) / "events.csv"
        write_csv(synthetic_frame(args.size, seed=7), path)
        os.environ[settings.CACHE_ENV] = cache_temp
        store = cache.open_store([path], [path], registries)[0]
        round_trip = median(lambda: queries.count(store.table), args.runs)
        print(f"{args.size:,} events; medians of {args.runs} runs")
        print(f"  comparison (baseline: count(*) round trip {round_trip * 1000:.0f} ms)")
        everything = Selection.of(store, Filters())
        for label, options in CASES.items():

            def fresh(options: trends.TrendOptions = options) -> None:
                forget_answers()
                selection = Selection.of(store, Filters())
                trends.trends_of(selection, options, selection.last_start)

            def remembered(options: trends.TrendOptions = options) -> None:
                selection = Selection.of(store, Filters())
                trends.trends_of(selection, options, everything.last_start)

            seconds, again = median(fresh, args.runs), median(remembered, args.runs)
            print(
                f"    {label:28} {seconds * 1000:7.0f} ms ({seconds / round_trip:5.1f}x)"
                f"   remembered {again * 1000:6.1f} ms"
            )
        reference = baseline(args.runs, Path(temp))
        os.environ["DASHBOARD_DATA"] = str(path)
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=1800)
        at.run()
        at.switch_page("pages/trends.py").run()
        seconds = median_rerun(at, args.runs)
        print(f"  Trends page rerun {seconds:.3f} s (baseline: one-line Streamlit script {reference:.3f} s)")


if __name__ == "__main__":
    main()
