"""The Network page at a million events: the ties query, the graph, its figure and measures, and a page rerun.

    python benchmarks/bench_network.py [--records 1000000] [--actors 300] [--runs 5] [--no-page]

Synthetic events (written as CSV and loaded through the cache, as the dashboard loads them) are asked for
what the Network page needs, each step timed afresh (remembered answers dropped first) as the median of
``--runs`` runs, beside a baseline measured in the same run: a bare ``count()`` of the same table.

- on the synthetic events (six registry actors), and on the same events with initiators and counterparts
  spread over ``--actors`` actors (as an imported dataset brings them), so that the 50-actor cap is at work;
- then a rerun of the page itself (AppTest, the whole script: sidebar, queries, figure, tables), first with
  its answers dropped, then as a rerun with the same filters finds them, against a one-line Streamlit script,
  with the Timeline page's reruns beside it for comparison.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench_pages import baseline
from timing import median_seconds

from dashboard import settings
from dashboard.model.registries import load_registries
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import cache, queries
from dashboard.store.engine import EventStore, _parquet_view, duckdb_backend, forget_answers
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection
from dashboard.views import network

median = median_seconds  # the shared timing helper (benchmarks/timing.py)
REPO = Path(__file__).resolve().parent.parent


def page_work(store: EventStore) -> network.Network:
    """What the Network page computes for one set of filters, remembered as the page remembers it (see
    ``network_figure`` and ``network_change`` in dashboard/app/ui.py)."""
    registries = store.registries
    selection = Selection.of(store, Filters())
    split = network.default_split(selection.date_bounds)
    graph = selection.remember(
        ("network",),
        lambda: network.build_network(network.whole_period(selection.actor_ties_split(split)), registries),
    )
    selection.remember(("network figure",), lambda: network.network_figure(graph, registries))
    network.figure_labels(graph)
    network.degree_table(graph)
    network.strongest_ties(graph, registries)
    selection.remember(
        ("network change", split),
        lambda: network.compare_periods(selection.actor_ties_split(split), registries, split),
    )
    return graph


def steps(label: str, store: EventStore, runs: int) -> None:
    registries = store.registries
    table = store.table
    bare = median(lambda: queries.count(table), runs)
    print(f"\n{label}: baseline count() {bare * 1000:6.1f} ms")
    ties = queries.actor_ties(table)
    bounds = queries.date_bounds(table)
    split = network.default_split(bounds)
    split_ties = queries.actor_ties(table, split)
    graph = network.build_network(ties, registries)
    strongest = graph.edges.iloc[0][["source", "target", "role"]].tolist()

    def fresh(action):
        def run() -> None:
            forget_answers()
            action()

        return run

    timings = {
        "ties query (one engine aggregate)": median(lambda: queries.actor_ties(table), runs),
        "ties query split at a date": median(lambda: queries.actor_ties(table, split), runs),
        "date bounds (default split)": median(lambda: queries.date_bounds(table), runs),
        "both periods together (pandas)": median(lambda: network.whole_period(split_ties), runs),
        "graph: kinds, cap, layout": median(lambda: network.build_network(ties, registries), runs),
        "period comparison (pandas)": median(lambda: network.compare_periods(split_ties, registries, split), runs),
        "figure": median(lambda: network.network_figure(graph, registries), runs),
        "one tie's events (200 newest)": median(
            lambda: queries.tie_events(table, registries, *strongest, 200, network.TIE_EVENT_COLUMNS), runs
        ),
        "everything the page computes": median(fresh(lambda: page_work(store)), runs),
        "  the same, remembered (rerun)": median(lambda: page_work(store), runs),
    }
    for name, seconds in timings.items():
        print(f"  {name:36} {seconds * 1000:8.1f} ms   ({seconds / bare:6.1f}x count())")
    print(
        f"  {len(ties):,} tie rows; drawn {len(graph.nodes)} of {graph.actors_total} actors,"
        f" {len(graph.edges)} ties ({graph.edges_left_out:,} weaker left out)"
    )


def spread_actors(path: Path, actors: int, registries) -> EventStore:
    """The cached events with initiators and counterparts spread over ``actors`` dataset actors (a few
    registry actors keep most events, as in an imported dataset), on a fresh in-memory DuckDB."""
    entry = cache.cache_dir() / f"{cache.cache_key([path])}.parquet"
    backend = duckdb_backend()
    source = _parquet_view(backend, str(entry), hive=False)
    number = source.id.hash().abs()

    def actor(column, salt: int):
        spread = ((number // salt) % actors).cast("string")
        return (number % 3 == 0).ifelse(column, "Armed group " + spread)

    many = source.mutate(initiator=actor(source.initiator, 7), counterpart=actor(source.counterpart, 11))
    return EventStore(backend.create_table("many", many), registries)


def page_reruns(path: Path, runs: int, reference: float) -> None:
    """Reruns of the Network page, and of the Timeline page for comparison (both run the sidebar's queries
    too: its counts and the events offered under *Event detail*)."""
    from streamlit.testing.v1 import AppTest

    os.environ["DASHBOARD_DATA"] = str(path)
    print(f"\npage reruns through the engine (AppTest; baseline one-line script {reference * 1000:.0f} ms)")
    for page in ("pages/network.py", "pages/timeline.py"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=1800)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, at.exception

        def rerun(at: AppTest = at) -> None:
            at.run()
            assert not at.exception, at.exception

        def fresh(rerun=rerun) -> None:
            forget_answers()
            rerun()

        first, again = median(fresh, runs), median(rerun, runs)
        print(f"  {page:18} answers dropped first   {first * 1000:8.1f} ms   ({first / reference:6.1f}x baseline)")
        print(f"  {page:18} rerun, same filters     {again * 1000:8.1f} ms   ({again / reference:6.1f}x baseline)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--actors", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-page", action="store_true", help="skip the page reruns (AppTest)")
    args = parser.parse_args()
    registries = load_registries()
    with tempfile.TemporaryDirectory() as temp, tempfile.TemporaryDirectory() as cache_temp:
        folder = Path(temp)
        os.environ[settings.CACHE_ENV] = cache_temp  # the cache never sits beside the records
        path = folder / f"events-{args.records}.csv"
        write_csv(synthetic_frame(args.records, seed=7), path)
        start = time.perf_counter()
        store, _, _ = cache.open_store([path], [path], registries)
        cache.wait_for_engine_files()
        loaded = time.perf_counter() - start
        print(f"{args.records:,} synthetic events loaded in {loaded:.0f} s; medians of {args.runs} runs")
        print("machine load (1, 5, 15 min): " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
        store, _, _ = cache.open_store([path], [path], registries)  # from the engine copy, as a warm start does
        steps(f"{args.records:,} events, 6 actors", store, args.runs)
        steps(f"{args.records:,} events, {args.actors} actors", spread_actors(path, args.actors, registries), args.runs)
        if not args.no_page:
            page_reruns(path, args.runs, baseline(args.runs, folder))


if __name__ == "__main__":
    main()
