"""The engine that answers every view: DuckDB embedded by default, Apache Spark for data beyond one machine.

An `EventStore` is the validated-events table (`dashboard.loading.columns.EVENT_SCHEMA`) as an Ibis table on
one backend. The queries in `dashboard.store.queries` are Ibis expressions, so the same code runs on either
engine; only the rows, counts and cells a view shows come back to Python.

DuckDB is connected with extension auto-install and auto-load off: it never downloads anything, and only
what its wheel has built in (Parquet, JSON, ICU, core functions) is used.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import ibis
import pandas as pd
import pyarrow as pa

from dashboard.errors import UsageError
from dashboard.loading.loader import LoadReport
from dashboard.model.registries import Registries
from dashboard.settings import DEFAULT_SPARK_MASTER, EngineSettings

TABLE = "events"
_TOKENS = itertools.count(1)
ANSWERS_KEPT = 256  # answers remembered per store across reruns and sessions (a loaded table never changes)
T = TypeVar("T")


class Answers:
    """The answers one store has given, remembered so that a rerun (any session's) with the same filters asks no
    query; the least recently used are dropped beyond ``kept``. Callers must not modify what they get."""

    def __init__(self, kept: int = ANSWERS_KEPT) -> None:
        self.kept = kept
        self._answers: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        _EVERY_ANSWERS.add(self)

    def get(self, key: tuple, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]  # type: ignore[return-value]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.kept:
                self._answers.popitem(last=False)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


_EVERY_ANSWERS: weakref.WeakSet[Answers] = weakref.WeakSet()


def forget_answers() -> None:
    """Drop every store's remembered answers (to time the queries themselves)."""
    for answers in list(_EVERY_ANSWERS):
        answers.clear()


DUCKDB_CONFIG = {
    "autoinstall_known_extensions": False,  # offline: never fetch an extension
    "autoload_known_extensions": False,
}


class EngineError(UsageError, RuntimeError):
    """The engine could not be started or could not read the dataset."""


def duckdb_backend(threads: int | None = None) -> ibis.BaseBackend:
    """An in-memory DuckDB connection that never touches the network."""
    config = dict(DUCKDB_CONFIG)
    if threads:
        config["threads"] = threads
    return ibis.duckdb.connect(**config)


SPARK_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
}
QUIET_SPARK_CONFIG = {  # what Spark prints itself: only errors, and no progress bars
    "spark.log.level": "ERROR",
    "spark.ui.showConsoleProgress": "false",
}


def spark_backend(master: str = DEFAULT_SPARK_MASTER, verbose: bool = False) -> ibis.BaseBackend:
    """A Spark session through Ibis at ``master`` (``local[2]``: Spark inside this process, two cores).

    Quiet unless ``verbose``: the JVM's own output (Java's notices, the logging set-up, warnings before the
    log level applies) goes to a temporary file instead of the terminal, and its last lines explain a
    failed start."""
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineError('Spark is not installed: pip install -e ".[spark]" (it also needs Java 17 or 21).') from error
    config = SPARK_CONFIG if verbose else SPARK_CONFIG | QUIET_SPARK_CONFIG
    conf = SparkConf().setMaster(master).setAppName("conflict-event-dashboard").setAll(list(config.items()))
    with tempfile.TemporaryFile() as jvm_output:
        try:
            if not verbose and SparkContext._active_spark_context is None:  # a session made before is reused
                gateway = launch_gateway(conf, popen_kwargs={"stdout": jvm_output, "stderr": jvm_output})
                SparkContext(conf=conf, gateway=gateway)
            session = SparkSession.builder.config(conf=conf).getOrCreate()
        except Exception as error:  # a missing or wrong Java shows up here
            reason = _last_lines(jvm_output) or str(error)
            raise EngineError(f"Spark could not start at {master}: {reason}") from error
    return ibis.pyspark.connect(session)


def _last_lines(output: IO[bytes], count: int = 3) -> str:
    """The last lines of a Java program's output that are not part of a stack trace ("at ...", "... 5 more"):
    the reason a start failed is among them (a launcher names a missing Java first, then how it stopped)."""
    output.seek(0, os.SEEK_END)
    output.seek(max(0, output.tell() - 8192))
    lines = [line.strip() for line in output.read().decode("utf-8", "replace").splitlines()]
    said = [_shortened(line) for line in lines if line and not line.startswith(("at ", "..."))]
    return "; ".join(said[-count:])


def _shortened(line: str, most: int = 400) -> str:
    """A long line with its middle left out: its start names the program, its end what went wrong (a line that
    names a deep path can be long, and "No such file or directory" is at its end)."""
    return line if len(line) <= most else f"{line[: most // 4]}…{line[-(most * 3 // 4) :]}"


@dataclass
class EventStore:
    """The events table on one engine, with the registries that label its codes. ``longest_span_days`` is
    known for a dataset partitioned by year (`dashboard.store.dataset`) and lets date filters prune years."""

    table: ibis.Table
    registries: Registries
    engine: str = "duckdb"
    longest_span_days: int | None = None
    token: int = field(default_factory=lambda: next(_TOKENS))  # names this loaded table in answer caches
    scope: str | None = None  # whose view of the events this is (a signed-in user's, later); None: everyone's
    answers: Answers = field(default_factory=Answers, repr=False, compare=False)

    @property
    def lock(self) -> threading.RLock:
        """The lock of this store's engine connection: its queries run one at a time, other stores' never wait."""
        from dashboard.store.queries import connection_lock

        return connection_lock(self.table)

    @classmethod
    def from_arrow(
        cls, events: pa.Table, registries: Registries, backend: ibis.BaseBackend | None = None
    ) -> EventStore:
        backend = backend or duckdb_backend()
        table = backend.create_table(TABLE, events, overwrite=True)
        return cls(table, registries, _engine_name(backend))

    @classmethod
    def from_parquet(
        cls, path: Path | str, registries: Registries, backend: ibis.BaseBackend | None = None
    ) -> EventStore:
        """Events in one Parquet file of `EVENT_SCHEMA` (a cache entry, say)."""
        backend = backend or duckdb_backend()
        try:
            if _engine_name(backend) == "duckdb":
                table = _parquet_view(backend, str(path), hive=False)
            else:
                table = backend.read_parquet(str(path), table_name=TABLE)
        except Exception as error:
            raise EngineError(f"{path} could not be read: {error}") from error
        return cls(_checked(table, path), registries, _engine_name(backend))

    @classmethod
    def from_database(cls, path: Path | str, registries: Registries) -> EventStore:
        """Events in a DuckDB database file (the cache's copy for the engine, `dashboard.store.cache`), opened
        read-only: DuckDB reads the compressed blocks a query needs, so opening is immediate and the table is
        never held in memory whole."""
        try:
            backend = ibis.duckdb.connect(str(path), read_only=True, **DUCKDB_CONFIG)
            table = backend.table(TABLE)
        except Exception as error:
            raise EngineError(f"{path} could not be opened: {error}") from error
        return cls(_checked(table, path), registries, "duckdb")

    @classmethod
    def from_dataset(
        cls, path: Path | str, registries: Registries, backend: ibis.BaseBackend | None = None
    ) -> tuple[EventStore, LoadReport]:
        """The dataset written by ``ingest`` (`dashboard.store.dataset`), and the report of loading it."""
        from dashboard.store.dataset import read_info

        info, report = read_info(Path(path))
        backend = backend or duckdb_backend()
        events = Path(path) / "events"
        try:
            if _engine_name(backend) == "duckdb":
                table = _parquet_view(backend, str(events / "**" / "*.parquet"), hive=True)
            else:
                table = backend.read_parquet(str(events), table_name=TABLE)
        except Exception as error:
            raise EngineError(f"the dataset {path} could not be read: {error}") from error
        return cls(_checked(table, path), registries, _engine_name(backend), info.longest_span_days), report


def _parquet_view(backend: ibis.BaseBackend, pattern: str, hive: bool) -> ibis.Table:
    """The Parquet files at ``pattern`` as the events view of a DuckDB connection: a view of the database (not
    of the connection, as Ibis's ``read_parquet`` makes), so that a cursor streaming an export sees it too."""
    options = ", hive_partitioning = true" if hive else ""
    quoted = pattern.replace("'", "''")
    backend.con.execute(f"CREATE OR REPLACE VIEW {TABLE} AS SELECT * FROM read_parquet('{quoted}'{options})")
    return backend.table(TABLE)


def _checked(table: ibis.Table, path: Path | str) -> ibis.Table:
    from dashboard.loading.columns import COLUMNS

    missing = [name for name in COLUMNS if name not in table.columns]
    if missing:
        raise EngineError(f"{path} lacks the columns {', '.join(missing)}: write it with ingest")
    return table


def _engine_name(backend: ibis.BaseBackend) -> str:
    return "spark" if backend.name == "pyspark" else backend.name


def store_from_frame(events: pd.DataFrame, registries: Registries) -> EventStore:
    """The loader's typed events on a fresh embedded engine (tests, the command line, small data)."""
    from dashboard.loading.columns import to_arrow

    return EventStore.from_arrow(to_arrow(events), registries)


def open_dataset(settings: EngineSettings, registries: Registries) -> tuple[EventStore, LoadReport]:
    """The dataset named by ``settings`` on the engine it names."""
    assert settings.dataset is not None
    backend = (
        spark_backend(settings.spark_master, settings.spark_verbose) if settings.engine == "spark" else duckdb_backend()
    )
    return EventStore.from_dataset(settings.dataset, registries, backend)
