"""The engine at ACLED sizes: loading, the cache, filtered aggregations, page reruns and memory.

    python benchmarks/bench_engine.py [--sizes 10000,100000,1000000] [--big 10000000] [--runs 3] [--browser]

For each size (synthetic events written as CSV) it prints medians of ``--runs`` runs, each beside a baseline
measured in the same run:

- cold load (read + check + type + cache) against a bare ``pyarrow.csv.read_csv`` of the same file, and the
  DuckDB copy of the cache entry written afterwards in the background;
- warm start from the cache (the dashboard's call once the cache holds the file and its DuckDB copy);
- filter + timeline aggregation for five typical filter sets, against the engine's ``count(*)`` round trip;
- a full rerun of every page (AppTest), against a one-line Streamlit script, and the map payload;
- with ``--browser``: the server's peak memory after every page was opened, and after five more sessions.

``--big N`` also builds an N-event dataset (the largest size replicated, written as ingest does) and times a
rerun of every page on DuckDB over it, never loading the table into pandas.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
from bench_pages import baseline, bench
from bench_sessions import free_port, wait_healthy
from timing import median_seconds

from dashboard import settings
from dashboard.model.registries import load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import cache, queries
from dashboard.store.dataset import write_dataset
from dashboard.store.engine import EventStore, duckdb_backend, forget_answers
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection

median = median_seconds  # the shared timing helper (benchmarks/timing.py)
REPO = Path(__file__).resolve().parent.parent
FILTER_SETS = {
    "no filter": Filters(),
    "one actor": Filters(actors=("north_korea",)),
    "actor + type + dates": Filters(
        actors=("russia",), event_types=("strike", "depot_hit"), date_from=date(2023, 6, 1), date_to=date(2024, 3, 31)
    ),
    "confidence + precision": Filters(confidence=("confirmed",), location_precision=("exact", "near")),
    "free text": Filters(text="syn-00012"),
}


def timed_once(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def loading(path: Path, caches: Path, runs: int, registries) -> pa.Table:
    bare = median(lambda: pcsv.read_csv(path), runs)
    colds = []
    for run in range(runs):
        os.environ[settings.CACHE_ENV] = str(caches / f"cold-{path.stem}-{run}")
        seconds, (table, _, cached) = timed_once(lambda: cache.load_table([path], [path], registries))
        assert not cached
        colds.append(seconds)
    cold = statistics.median(colds)
    print(f"  cold load + check + cache  {cold:8.2f} s   bare pyarrow read_csv {bare:6.2f} s   ({cold / bare:5.1f}x)")
    folder = cache.cache_dir()
    key = cache.cache_key([path])
    copy, _ = timed_once(lambda: cache.write_engine_file(folder / f"{key}.parquet", cache.engine_file(folder, key)))
    print(f"  engine copy of the cache   {copy:8.2f} s   (written in the background after a cold load)")
    warm = median(lambda: queries.count(cache.open_store([path], [path], registries)[0].table), runs)
    print(f"  warm start from the cache  {warm:8.2f} s   (target under 1 s; open + count)")
    return table


def aggregations(store: EventStore, runs: int) -> None:
    """Filter + actor lanes + monthly counts, computed afresh each run (remembered answers dropped first),
    and then as a rerun with the same filters finds them (remembered)."""
    round_trip = median(lambda: queries.count(store.table), runs)
    print(f"  filter + timeline aggregation (baseline: count(*) round trip {round_trip * 1000:.0f} ms)")
    for label, filters in FILTER_SETS.items():

        def run(filters: Filters = filters) -> None:
            selection = Selection.of(store, filters)
            selection.lane_counts("actor")
            selection.period_counts("month")

        def fresh(filters: Filters = filters) -> None:
            forget_answers()
            run(filters)

        seconds, again = median(fresh, runs), median(run, runs)
        print(
            f"    {label:24} {seconds * 1000:7.0f} ms   ({seconds / round_trip:5.1f}x)"
            f"   remembered on a rerun {again * 1000:5.1f} ms"
        )


def page_reruns(label: str, runs: int, reference: float, environment: dict[str, str]) -> None:
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    try:
        bench(label, runs, reference, timeout=1800)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def big_dataset(table: pa.Table, target: int, folder: Path, registries) -> Path:
    """``table`` replicated (ids made unique) up to ``target`` events, written as ingest writes a dataset."""
    backend = duckdb_backend()
    source = backend.create_table("source", table)
    copies = -(-target // table.num_rows)
    import ibis

    replicas = ibis.range(copies).unnest().name("copy").as_table()
    joined = source.cross_join(replicas)
    grown = joined.mutate(id=joined.id.concat("-", joined.copy.cast("string"))).drop("copy")
    grown = grown.select(*table.column_names).limit(target).to_pyarrow()
    from dashboard.loading.loader import LoadReport

    out = folder / f"dataset-{target}"
    write_dataset(grown, LoadReport([], []), out)
    return out


def peak_memory(path: Path, sessions: int) -> None:
    """Start the server on ``path``, open every page in one browser session, then ``sessions`` more."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    environment = {**os.environ, "DASHBOARD_DATA": str(path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, timeout=1800)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")

            def open_pages() -> None:
                page = browser.new_page()
                for name in ("", "map", "events", "export", "data_quality"):
                    page.goto(f"http://127.0.0.1:{port}/{name}", timeout=1_800_000)
                    page.get_by_text("events", exact=False).first.wait_for(timeout=1_800_000)
                    page.wait_for_load_state("networkidle", timeout=1_800_000)
                page.close()

            open_pages()
            first = _peak_rss_mb(server.pid)
            for _ in range(sessions):
                open_pages()
            after = _peak_rss_mb(server.pid)
            browser.close()
        print(f"  server peak RSS after every page {first:7.0f} MB; after {sessions} more sessions {after:7.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--big", type=int, default=0, help="also time the pages over a dataset this large")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="measure the server's memory with a browser")
    parser.add_argument("--no-pages", action="store_true", help="skip the page reruns")
    args = parser.parse_args()
    registries = load_registries()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as temp, tempfile.TemporaryDirectory() as cache_temp:
        folder, caches = Path(temp), Path(cache_temp)  # the cache never sits beside the records
        reference = baseline(args.runs, folder)
        print(f"medians of {args.runs} runs; page baseline (one-line Streamlit script) {reference * 1000:.1f} ms")
        table = None
        for size in sizes:
            path = folder / f"events-{size}.csv"
            write_csv(synthetic_frame(size, seed=7), path)
            print(f"\n{size:,} events ({path.stat().st_size / 1e6:.0f} MB of CSV)")
            table = loading(path, caches, args.runs, registries)
            aggregations(cache.open_store([path], [path], registries)[0], args.runs)
            os.environ[settings.CACHE_ENV] = str(caches / "pages")
            if not args.no_pages:
                page_reruns(f"{size:,}", args.runs, reference, {"DASHBOARD_DATA": str(path)})
            if args.browser:
                cache.wait_for_engine_files()
                peak_memory(path, 5)
        if args.big and table is not None:
            print(f"\n{args.big:,} events on DuckDB from a Parquet dataset")
            seconds, dataset = timed_once(lambda: big_dataset(table, args.big, folder, registries))
            print(f"  dataset written in {seconds:.0f} s")
            store, _ = EventStore.from_dataset(dataset, registries, duckdb_backend())
            aggregations(store, args.runs)
            page_reruns(f"{args.big:,}", args.runs, reference, {"DASHBOARD_DATASET": str(dataset)})


if __name__ == "__main__":
    main()
