"""The engine under the dashboard: the Arrow table, every view's query, and the on-disk cache.

The queries are checked against plain-Python answers computed record by record over synthetic events.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dashboard import settings
from dashboard.loading.columns import EVENT_SCHEMA, to_arrow, to_frame
from dashboard.loading.loader import load_events
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import cache, queries
from dashboard.store.engine import EventStore, duckdb_backend, store_from_frame
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection

SYNTHETIC = 4_000


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, registries):
    path = tmp_path_factory.mktemp("synthetic") / "events.csv"
    write_csv(synthetic_frame(SYNTHETIC, seed=3), path)
    result = load_events([path], registries)
    assert result.loaded == SYNTHETIC
    return result.events


@pytest.fixture(scope="module")
def store(synthetic, registries):
    return store_from_frame(synthetic, registries)


def involved(event) -> set[str]:
    return {actor for actor in (event.initiator, event.counterpart) if isinstance(actor, str)} | set(
        event.associated_actors
    )


def test_the_arrow_table_keeps_every_value_and_nested_lists(curated, registries) -> None:
    table = to_arrow(curated)
    assert table.schema == EVENT_SCHEMA
    assert str(table.schema.field("sources").type).startswith("list<item: struct<publisher: string")
    assert str(table.schema.field("tags").type) == "list<item: string>"
    pd.testing.assert_frame_equal(to_frame(table, registries), curated)


def test_duckdb_never_downloads_extensions() -> None:
    backend = duckdb_backend()
    settings = backend.raw_sql(
        "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')"
    ).fetchall()
    assert settings == [(False, False)]


FILTER_SETS = [
    Filters(),
    Filters(actors=("iran",)),
    Filters(actors=("north_korea", "ukraine"), event_types=("strike", "depot_hit")),
    Filters(date_from=date(2023, 6, 1), date_to=date(2023, 8, 31)),
    Filters(confidence=("confirmed", "reported"), location_precision=("exact", "city")),
    Filters(text="SYN-0001"),
]


def reference(events: pd.DataFrame, filters: Filters) -> set[str]:
    """The ids a record-by-record reading of the filters keeps."""
    kept = set()
    for event in events.itertuples():
        if filters.actors and not involved(event) & set(filters.actors):
            continue
        if filters.event_types and event.event_type not in filters.event_types:
            continue
        if filters.date_from and event.date_span_end.date() < filters.date_from:
            continue
        if filters.date_to and event.date_start.date() > filters.date_to:
            continue
        if filters.confidence and event.confidence not in filters.confidence:
            continue
        if filters.location_precision and event.location_precision not in filters.location_precision:
            continue
        text = " ".join(
            str(value)
            for value in (event.title, event.summary, event.place, event.notes, event.claimed_by, *event.tags)
            if isinstance(value, str)
        )
        text += " ".join(f" {item.publisher} {item.title} {item.quote or ''}" for item in event.sources)
        if any(word not in text.lower() for word in filters.text.lower().split()):
            continue
        kept.add(event.id)
    return kept


@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda filters: repr(filters)[8:60])
def test_filters_keep_exactly_the_matching_events(store, synthetic, filters) -> None:
    selection = Selection.of(store, filters)
    assert set(selection.rows()["id"]) == reference(synthetic, filters)
    assert selection.count == len(reference(synthetic, filters))


def test_actor_counts_count_each_event_once_per_actor(store, synthetic) -> None:
    expected = Counter(actor for event in synthetic.itertuples() for actor in involved(event))
    assert queries.actor_counts(store.table).to_dict() == dict(expected)


@pytest.mark.parametrize("per", ["week", "month"])
def test_period_counts_count_events_by_start_and_type(store, synthetic, per) -> None:
    def period(day: pd.Timestamp) -> pd.Timestamp:
        return day - timedelta(days=day.weekday()) if per == "week" else day.replace(day=1)

    expected = Counter((period(event.date_start), event.event_type) for event in synthetic.itertuples())
    counts = queries.period_counts(store.table, per)
    assert {(row.period, row.type): row.events for row in counts.itertuples()} == dict(expected)


def test_lane_counts_put_an_event_in_every_involved_actors_lane(store, synthetic, registries) -> None:
    expected = Counter(
        (event.date_start - timedelta(days=event.date_start.weekday()), registries.actor_name(actor), event.event_type)
        for event in synthetic.itertuples()
        for actor in involved(event)
    )
    counts = queries.lane_counts(store.table, registries, "actor")
    assert {(row.week, row.lane, row.event_type): row.events for row in counts.itertuples()} == dict(expected)


def test_grid_cells_count_located_events_and_name_the_commonest_type(store, synthetic) -> None:
    cells: dict[tuple[int, int], Counter] = {}
    for event in synthetic.itertuples():
        if not (math.isnan(event.latitude) or math.isnan(event.longitude)):
            key = (math.floor(event.latitude / 0.5), math.floor(event.longitude / 0.5))
            cells.setdefault(key, Counter())[event.event_type] += 1
    found = queries.grid_cells(store.table, 0.5)
    assert len(found) == len(cells)
    for row in found.itertuples():
        counter = cells[(int(row.cy), int(row.cx))]
        assert row.count == sum(counter.values())
        top = max(counter.values())
        assert row.type == min(kind for kind, number in counter.items() if number == top)


def test_pages_are_newest_first_and_cover_every_event_once(store, synthetic, registries) -> None:
    size = 700
    pages = [queries.page(store.table, registries, number, size) for number in range(math.ceil(SYNTHETIC / size))]
    ids = [event_id for page in pages for event_id in page["id"]]
    assert len(ids) == len(set(ids)) == SYNTHETIC
    starts = pd.concat([page["date_start"] for page in pages])
    assert starts.is_monotonic_decreasing


def test_one_event_and_unknown_ids(store, synthetic, registries) -> None:
    wanted = synthetic.iloc[17]
    found = queries.event(store.table, registries, wanted["id"])
    assert found is not None and found["title"] == wanted["title"] and found["sources"] == wanted["sources"]
    assert queries.event(store.table, registries, "no-such-id") is None
    assert queries.known_ids(store.table, [wanted["id"], "no-such-id"]) == {wanted["id"]}


def test_the_briefing_sources_and_latest_date(curated, registries) -> None:
    store = store_from_frame(curated, registries)
    listed = queries.sources(store.table, 5)
    assert len(listed) == 5 and list(listed["publisher"]) == sorted(listed["publisher"])
    distinct = {(item.publisher, item.title) for items in curated["sources"] for item in items}
    assert queries.source_total(store.table) == len(distinct)
    published = [item.published for items in curated["sources"] for item in items if item.published]
    assert queries.latest_date(store.table) == max([*published, curated["date_span_end"].max().strftime("%Y-%m-%d")])


# --- the cache ----------------------------------------------------------------------------------------


@pytest.fixture
def cache_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(settings.CACHE_ENV, str(folder))
    return folder


def small_data(tmp_path: Path, count: int = 50) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    write_csv(synthetic_frame(count, seed=5), data / "events.csv")
    return data


def test_a_second_load_of_unchanged_files_comes_from_the_cache(tmp_path, cache_folder, registries) -> None:
    data = small_data(tmp_path)
    first, report, cached = cache.load_table([data], [data / "events.csv"], registries)
    assert not cached and report.loaded == 50
    second, report_again, cached_again = cache.load_table([data], [data / "events.csv"], registries)
    assert cached_again and second.equals(first)
    assert report_again.summary() == report.summary() == "50 read, 50 loaded, 0 rejected"
    assert sorted(path.suffix for path in cache_folder.iterdir()) == [".json", ".parquet"]  # no engine copy here


def test_a_changed_file_is_read_again_and_problems_are_cached_with_it(tmp_path, cache_folder, registries) -> None:
    data = small_data(tmp_path)
    cache.load_table([data], [data / "events.csv"], registries)
    path = data / "events.csv"
    text = path.read_text(encoding="utf-8").replace("syn-000003,", "syn-000003 bad id,", 1)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    _, report, cached = cache.load_table([data], [path], registries)
    assert not cached and report.rejected == 1 and report.errors[0].record_id == "syn-000003 bad id"
    _, report_again, cached_again = cache.load_table([data], [path], registries)
    assert cached_again and report_again.errors == report.errors


def test_a_damaged_cache_entry_is_ignored(tmp_path, cache_folder, registries) -> None:
    data = small_data(tmp_path)
    cache.load_table([data], [data / "events.csv"], registries)
    for entry in cache_folder.glob("*.parquet"):
        entry.write_bytes(b"not parquet")
    table, report, cached = cache.load_table([data], [data / "events.csv"], registries)
    assert not cached and table.num_rows == 50 and report.loaded == 50
    assert pq.read_table(next(cache_folder.glob("*.parquet"))).num_rows == 50  # written again


def test_the_cache_is_never_written_inside_the_data(tmp_path, monkeypatch, registries) -> None:
    data = small_data(tmp_path)
    monkeypatch.setenv(settings.CACHE_ENV, str(data / "cache"))
    before = sorted(data.rglob("*"))
    table, _, cached = cache.load_table([data], [data / "events.csv"], registries)
    assert table.num_rows == 50 and not cached
    assert sorted(data.rglob("*")) == before


def test_an_unwritable_cache_still_loads(tmp_path, monkeypatch, registries) -> None:
    data = small_data(tmp_path)
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    monkeypatch.setenv(settings.CACHE_ENV, str(blocker / "cache"))
    table, report, cached = cache.load_table([data], [data / "events.csv"], registries)
    assert table.num_rows == 50 and report.loaded == 50 and not cached


def test_a_restart_opens_the_engine_copy_of_the_cache_with_the_same_answers(tmp_path, cache_folder, registries) -> None:
    data = small_data(tmp_path)
    files = [data / "events.csv"]
    first, report, cached = cache.open_store([data], files, registries)
    assert not cached
    cache.wait_for_engine_files()
    assert len(list(cache_folder.glob("*.duckdb"))) == 1
    assert not [path for path in cache_folder.iterdir() if path.name.startswith(".")]  # no staging left
    second, report_again, cached_again = cache.open_store([data], files, registries)
    assert cached_again and report_again.summary() == report.summary()
    assert second.table._find_backend().con.execute("PRAGMA database_list").fetchall()[0][2].endswith(".duckdb")
    filters = Filters(actors=("russia",), text="synthetic")
    assert Selection.of(second, filters).rows().equals(Selection.of(first, filters).rows())
    assert queries.actor_counts(second.table).equals(queries.actor_counts(first.table))


def test_a_damaged_engine_copy_is_ignored_and_written_again(tmp_path, cache_folder, registries) -> None:
    data = small_data(tmp_path)
    files = [data / "events.csv"]
    cache.open_store([data], files, registries)
    cache.wait_for_engine_files()
    database = next(cache_folder.glob("*.duckdb"))
    database.write_bytes(b"not a database")
    store, report, cached = cache.open_store([data], files, registries)
    assert cached and queries.count(store.table) == 50 and report.loaded == 50  # from the Parquet entry
    cache.wait_for_engine_files()
    store, _, _ = cache.open_store([data], files, registries)
    assert queries.count(store.table) == 50 and database.read_bytes()[:4] != b"not "


def test_the_store_reads_parquet(tmp_path, synthetic, registries) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(to_arrow(synthetic), path)
    store = EventStore.from_parquet(path, registries)
    assert queries.count(store.table) == SYNTHETIC
    assert Selection.of(store, Filters(actors=("iran",))).count == len(reference(synthetic, Filters(actors=("iran",))))


def test_route_flows_group_transfers_by_cells_and_type(store, synthetic) -> None:
    def centre(value: float) -> float:
        return (math.floor(value) + 0.5) * 1.0

    expected = Counter(
        (
            centre(event.origin_longitude),
            centre(event.origin_latitude),
            centre(event.destination_longitude),
            centre(event.destination_latitude),
            event.event_type,
        )
        for event in synthetic.itertuples()
        if event.event_type in queries.ARC_TYPES
        and not math.isnan(event.origin_latitude)
        and not math.isnan(event.destination_latitude)
        and not math.isnan(event.latitude)
        and not math.isnan(event.longitude)
    )
    assert expected, "the synthetic events hold transfers with routes"
    flows = queries.route_flows(queries.located(store.table), 1.0)
    found = {
        (row.origin_lon, row.origin_lat, row.destination_lon, row.destination_lat, row.type): row.count
        for row in flows.itertuples()
    }
    assert found == dict(expected)


def test_a_rerun_with_the_same_filters_asks_the_engine_nothing(synthetic, registries, monkeypatch) -> None:
    store = store_from_frame(synthetic.head(200), registries)
    filters = Filters(actors=("iran",))
    first = Selection.of(store, filters)
    answers = (first.count, first.lane_counts("actor"), first.period_counts("month"), first.cells(), first.rows())
    asked = []
    for name in ("count", "lane_counts", "period_counts", "grid_cells", "rows"):
        original = getattr(queries, name)
        monkeypatch.setattr(queries, name, lambda *args, _original=original, _name=name, **kwargs: asked.append(_name))
    again = Selection.of(store, filters)
    assert again.count == answers[0]
    pd.testing.assert_frame_equal(again.lane_counts("actor"), answers[1])
    pd.testing.assert_frame_equal(again.rows(), answers[4])
    assert asked == []
    other = store_from_frame(synthetic.head(200), registries)  # another load: never served from the first
    Selection.of(other, filters)
    assert asked == ["count"]


def test_sessions_querying_at_once_each_get_their_own_answer(curated, registries) -> None:
    """Every Streamlit session shares one loaded table; DuckDB must never see two queries at once."""
    import threading

    store = store_from_frame(curated, registries)
    filter_sets = [Filters(actors=(actor,)) for actor in ("russia", "iran", "north_korea", "ukraine")]
    filter_sets += [Filters(text=word) for word in ("drone", "missile", "troops", "depot")]
    expected = {filters: queries.count(queries.filtered(store.table, filters)) for filters in filter_sets}
    failures: list[str] = []

    def session(filters: Filters) -> None:
        try:
            for _ in range(10):
                table = queries.filtered(store.table, filters)
                if (
                    queries.count(table) != expected[filters]
                    or len(queries.rows(table, registries)) != expected[filters]
                ):
                    failures.append(f"{filters}: wrong answer")
                queries.lane_counts(table, registries)
        except Exception as error:
            failures.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=session, args=(filters,)) for filters in filter_sets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_store_never_waits_for_another_stores_queries(curated, registries) -> None:
    """Each store owns the lock of its connection: while one store's connection is busy (its lock held by a
    long query in another thread), a second store answers at once; the busy store's own query waits."""
    import threading

    busy = store_from_frame(curated, registries)
    other = store_from_frame(curated, registries)
    assert busy.lock is not other.lock and busy.lock is busy.lock
    held, release = threading.Event(), threading.Event()

    def long_query() -> None:
        with busy.lock:
            held.set()
            release.wait(60)

    worker = threading.Thread(target=long_query)
    worker.start()
    try:
        assert held.wait(60)
        assert Selection.of(other, Filters(actors=("iran",))).count == 4  # not held up
        answered = threading.Event()
        waiting = threading.Thread(target=lambda: (queries.count(busy.table), answered.set()))
        waiting.start()
        assert not answered.wait(0.5)  # the busy store's own query waits for its connection
    finally:
        release.set()
        worker.join()
    waiting.join(60)
    assert answered.is_set()


def test_answers_are_remembered_per_store_and_per_scope(curated, registries) -> None:
    first = store_from_frame(curated, registries)
    second = store_from_frame(curated, registries)
    asked: list[str] = []
    for store in (first, second, first):
        Selection.of(store, Filters()).remember(("question",), lambda store=store: asked.append(store.token))
    assert asked == [first.token, second.token]  # the second store asked for itself; the first, once
    scoped = EventStore(first.table, registries, scope="analyst-a", answers=first.answers)
    Selection.of(scoped, Filters()).remember(("question",), lambda: asked.append("scoped"))
    assert asked[-1] == "scoped"  # another scope's answer is never given, even from the same store's answers


def test_why_spark_could_not_start_keeps_the_end_of_a_long_line() -> None:
    """The reason is at the end of the launcher's line ("…/bin/java: No such file or directory"), after paths
    that grow with where the program is installed: a long line loses its middle, never its end."""
    import io

    from dashboard.store.engine import _last_lines

    deep = "/tmp/" + "deep/" * 60 + "bin/java"
    output = io.BytesIO(f"spark-class: line 77: {deep}: No such file or directory\n\tat x\n".encode())
    said = _last_lines(output)
    assert said.startswith("spark-class: line 77: /tmp/")
    assert said.endswith("bin/java: No such file or directory")
