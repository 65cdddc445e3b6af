"""The same queries on Apache Spark (local mode) as on DuckDB, over one dataset written by ingest.

Marked ``spark``: ``python -m pytest -m "not spark"`` skips them on a machine without Java; CI runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.loading.columns import to_arrow
from dashboard.loading.loader import load_events
from dashboard.model.synthetic import synthetic_frame, write_csv
from dashboard.store import queries
from dashboard.store.dataset import write_dataset
from dashboard.store.engine import EventStore, duckdb_backend, spark_backend
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]  # one worker, one JVM
REPO = Path(__file__).resolve().parents[2]

EVENTS = 3_000
FILTER_SETS = [
    Filters(),
    Filters(actors=("iran", "north_korea")),
    Filters(event_types=("strike", "arms_transfer"), confidence=("confirmed", "reported")),
    Filters(date_from=date(2023, 5, 1), date_to=date(2023, 9, 30), location_precision=("exact", "near", "city")),
    Filters(text="syn-0002"),
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory, registries):
    """The same dataset on DuckDB and on Spark."""
    if shutil.which("java") is None:
        pytest.fail("Spark needs Java 17 or 21 (Debian: openjdk-17-jre-headless); skip with -m 'not spark'")
    folder = tmp_path_factory.mktemp("spark")
    write_csv(synthetic_frame(EVENTS, seed=11), folder / "events.csv")
    result = load_events([folder / "events.csv"], registries)
    write_dataset(to_arrow(result.events), result.report, folder / "dataset")
    duck, _ = EventStore.from_dataset(folder / "dataset", registries, duckdb_backend())
    spark, _ = EventStore.from_dataset(folder / "dataset", registries, spark_backend("local[2]"))
    return duck, spark


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal as sets of rows: engines return rows in their own order."""
    columns = list(left.columns)
    assert list(right.columns) == columns
    left = left.sort_values(columns, kind="stable").reset_index(drop=True)
    right = right.sort_values(columns, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda filters: repr(filters)[8:50])
def test_every_view_gets_the_same_answer_on_spark(stores, filters) -> None:
    duck, spark = (Selection.of(store, filters) for store in stores)
    assert spark.count == duck.count
    same(spark.period_counts("week"), duck.period_counts("week"))
    same(spark.period_counts("month"), duck.period_counts("month"))
    same(spark.lane_counts("actor"), duck.lane_counts("actor"))
    same(spark.lane_counts("type"), duck.lane_counts("type"))
    same(spark.cells(), duck.cells())
    assert queries.actor_counts(spark.table).to_dict() == queries.actor_counts(duck.table).to_dict()
    pd.testing.assert_frame_equal(spark.page(0, 50), duck.page(0, 50))
    pd.testing.assert_frame_equal(spark.page(2, 50), duck.page(2, 50))
    assert spark.date_bounds == duck.date_bounds
    assert spark.extent == pytest.approx(duck.extent) if duck.extent else spark.extent is None


def test_one_event_and_sources_are_the_same_on_spark(stores, registries) -> None:
    duck, spark = stores
    wanted = queries.page(duck.table, registries, 0, 1)["id"].iloc[0]
    pd.testing.assert_series_equal(
        queries.event(spark.table, registries, wanted), queries.event(duck.table, registries, wanted)
    )
    pd.testing.assert_frame_equal(queries.sources(spark.table, 30), queries.sources(duck.table, 30))
    assert queries.latest_date(spark.table) == queries.latest_date(duck.table)


def export_on_spark(folder: Path, **environment: str) -> subprocess.CompletedProcess:
    """``export --engine spark`` of a small dataset to ``folder/exported.csv``, in a process of its own (a
    Spark session lives as long as its process), with ``environment`` added and Spark's own switch unset."""
    from dashboard.cli import main
    from dashboard.settings import SPARK_VERBOSE_ENV

    write_csv(synthetic_frame(50, seed=3), folder / "events.csv")
    assert main(["ingest", str(folder / "events.csv"), "--out", str(folder / "dataset")]) == 0
    environment = {name: value for name, value in os.environ.items() if name != SPARK_VERBOSE_ENV} | environment
    command = ["export", "--engine", "spark", "--dataset", str(folder / "dataset"), "--format", "csv"]
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *command, "--out", str(folder / "exported.csv")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=900,
    )


def test_an_export_on_spark_prints_only_what_the_command_says(tmp_path) -> None:
    """Spark's Java notices, warnings and progress bars stay off the terminal (one Spark start)."""
    if shutil.which("java") is None:
        pytest.fail("Spark needs Java 17 or 21 (Debian: openjdk-17-jre-headless); skip with -m 'not spark'")
    out = tmp_path / "exported.csv"
    done = export_on_spark(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "WARN" not in done.stderr and "[Stage" not in done.stderr and "log4j" not in done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith(f"wrote {out} (") and "All 50 events" in done.stdout


def test_spark_that_cannot_start_says_why_though_its_output_is_hidden(tmp_path) -> None:
    done = export_on_spark(tmp_path, JAVA_HOME=str(tmp_path / "no-java"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: Spark could not start at local[2]: ")
    assert f"{tmp_path / 'no-java' / 'bin' / 'java'}: No such file or directory" in done.stderr
    assert not (tmp_path / "exported.csv").exists()
