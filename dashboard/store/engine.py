"""The engine that answers every view: DuckDB embedded by default, Apache Spark for data beyond one machine.

An `EventStore` is the validated-events table (`dashboard.store.columns.EVENT_SCHEMA`) as an Ibis table on
one backend. The queries in `dashboard.store.queries` are Ibis expressions, so the same code runs on either
engine; only the rows, counts and cells a view shows come back to Python.

DuckDB is connected with extension auto-install and auto-load off: it never downloads anything, and only
what its wheel has built in (Parquet, JSON, ICU, core functions) is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import ibis
import pyarrow as pa

from dashboard.records.registries import Registries

ENGINE_ENV = "DASHBOARD_ENGINE"
SPARK_MASTER_ENV = "DASHBOARD_SPARK_MASTER"
DATASET_ENV = "DASHBOARD_DATASET"
ENGINES = ("duckdb", "spark")
TABLE = "events"
DUCKDB_CONFIG = {
    "autoinstall_known_extensions": False,  # offline: never fetch an extension
    "autoload_known_extensions": False,
}


class EngineError(RuntimeError):
    """The engine could not be started or could not read the dataset."""


def duckdb_backend(threads: int | None = None) -> ibis.BaseBackend:
    """An in-memory DuckDB connection that never touches the network."""
    config = dict(DUCKDB_CONFIG)
    if threads:
        config["threads"] = threads
    return ibis.duckdb.connect(**config)


def spark_backend(master: str | None = None) -> ibis.BaseBackend:
    """A Spark session through Ibis: ``master`` (or ``$DASHBOARD_SPARK_MASTER``, else ``local[2]``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineError('Spark is not installed: pip install -e ".[spark]" (it also needs Java 17 or 21).') from error
    master = master or os.environ.get(SPARK_MASTER_ENV) or "local[2]"
    try:
        session = (
            SparkSession.builder.master(master)
            .appName("conflict-event-dashboard")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
            .getOrCreate()
        )
    except Exception as error:  # a missing or wrong Java shows up here
        raise EngineError(f"Spark could not start at {master}: {error}") from error
    return ibis.pyspark.connect(session)


@dataclass
class EventStore:
    """The events table on one engine, with the registries that label its codes."""

    table: ibis.Table
    registries: Registries
    engine: str = "duckdb"

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
        """The dataset written by `ingest` (a Parquet file or a folder of them, partitioned or not)."""
        backend = backend or duckdb_backend()
        location = str(path)
        if Path(location).is_dir() and _engine_name(backend) == "duckdb":
            location = str(Path(location) / "**" / "*.parquet")
        try:
            if _engine_name(backend) == "duckdb":
                table = backend.read_parquet(location, table_name=TABLE, hive_partitioning=Path(str(path)).is_dir())
            else:
                table = backend.read_parquet(location, table_name=TABLE)
        except Exception as error:
            raise EngineError(f"The dataset {path} could not be read: {error}") from error
        from dashboard.store.columns import COLUMNS

        missing = [name for name in COLUMNS if name not in table.columns]
        if missing:
            raise EngineError(f"The dataset {path} lacks the columns {', '.join(missing)}: write it with ingest.")
        return cls(table.select(*COLUMNS), registries, _engine_name(backend))


def _engine_name(backend: ibis.BaseBackend) -> str:
    return "spark" if backend.name == "pyspark" else backend.name
