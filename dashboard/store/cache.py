"""Validated events cached on disk as Parquet, so a restart over unchanged files neither re-reads nor re-checks.

An entry is keyed by the record files' paths, sizes and modification times, the registries' files and the
version of the table layout; the problems and counts found while loading are cached beside it. Once an entry
is written, a background thread also copies it into a DuckDB database file, which the next start opens at
once (`open_store`). The cache lives in the per-user cache folder (``$DASHBOARD_CACHE`` overrides it), never
in a folder the records are read from; every file is written atomically, and a damaged entry is simply
loaded again from the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dashboard import settings
from dashboard.loading.columns import EVENT_SCHEMA
from dashboard.loading.fastload import load_table as load_table_from_files
from dashboard.loading.loader import LoadReport
from dashboard.model.registries import Registries, default_registry_dir
from dashboard.safeio.atomic import write_through
from dashboard.sources.datapaths import inside_data
from dashboard.store.engine import DUCKDB_CONFIG, TABLE, EngineError, EventStore

log = logging.getLogger(__name__)

LAYOUT_VERSION = "events-v1"  # change when the table layout or the checks change what a file yields
KEEP_ENTRIES = 8  # older entries are removed
STAGING_KEPT_SECONDS = 3600  # a half-written engine copy older than this is abandoned


def cache_dir() -> Path:
    """``$DASHBOARD_CACHE``, else the platform's user cache folder for this program."""
    return settings.current().cache_path()


def _stamp(path: Path) -> list:
    status = path.stat()
    return [os.fsencode(path.resolve()).hex(), status.st_size, status.st_mtime_ns]


def cache_key(files: Sequence[Path], registry_dir: Path | None = None) -> str:
    """A digest of the record files' and registries' names, sizes and modification times."""
    registry_dir = registry_dir or default_registry_dir()
    registry_files = sorted(path for path in registry_dir.glob("*") if path.suffix in (".yaml", ".csv"))
    stamp = {
        "layout": LAYOUT_VERSION,
        "schema": str(EVENT_SCHEMA),  # a new field or type makes every entry stale
        "files": [_stamp(path) for path in files],
        "registries": [_stamp(path) for path in registry_files],
    }
    return hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:32]


def usable_cache_dir(data_roots: Sequence[Path]) -> Path | None:
    """The cache folder, or None (no caching) when it would sit inside a folder the records are read from."""
    folder = cache_dir()
    if inside_data(folder, data_roots):
        log.warning("not caching: the cache folder %s is inside the data being read", folder)
        return None
    return folder


def read_report(folder: Path, key: str) -> LoadReport | None:
    """The cached report for ``key`` (marking the entry recently used), or None when missing or unreadable."""
    report_path = folder / f"{key}.json"
    try:
        report = LoadReport.from_json(report_path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as error:  # a damaged or foreign entry: load from the files instead
        log.warning("ignoring the cache entry %s: %s", report_path, error)
        return None
    os.utime(report_path)  # recently used entries are kept longest
    return report


def read_entry(folder: Path, key: str) -> tuple[pa.Table, LoadReport] | None:
    """The cached table and report for ``key``, or None when missing or unreadable."""
    table_path = folder / f"{key}.parquet"
    if not table_path.is_file():
        return None
    report = read_report(folder, key)
    if report is None:
        return None
    try:
        table = pq.read_table(table_path, schema=EVENT_SCHEMA)
    except Exception as error:  # a damaged or foreign entry: load from the files instead
        log.warning("ignoring the cache entry %s: %s", table_path, error)
        return None
    return table, report


def engine_file(folder: Path, key: str) -> Path:
    """Where the DuckDB copy of the entry ``key`` lives."""
    return folder / f"{key}.duckdb"


def write_engine_file(parquet: Path, target: Path) -> None:
    """The events of a Parquet entry as a DuckDB database file (DuckDB's own compressed columns), written in a
    private folder beside ``target``, flushed to disk, then renamed into place."""
    import duckdb

    def write(database: Path) -> None:
        connection = duckdb.connect(str(database), config=DUCKDB_CONFIG)
        try:
            connection.read_parquet(str(parquet)).create(TABLE)
            connection.execute("CHECKPOINT")
        finally:
            connection.close()

    write_through(target, write)


_writers: dict[Path, threading.Thread] = {}
_writers_lock = threading.Lock()


def _write_engine_file_later(parquet: Path, target: Path) -> None:
    """Write the engine file in a background thread (once per target in this process); a failure is logged
    and costs only the speed of the next start."""

    def write() -> None:
        try:
            write_engine_file(parquet, target)
        except Exception as error:
            log.warning("could not write the engine copy %s: %s", target, error)

    with _writers_lock:
        if target in _writers and _writers[target].is_alive():
            return
        _writers[target] = thread = threading.Thread(target=write, name="engine-file", daemon=True)
    thread.start()


def wait_for_engine_files(timeout: float | None = None) -> None:
    """Wait until the engine files being written in the background are done (tests, benchmarks)."""
    with _writers_lock:
        threads = list(_writers.values())
    for thread in threads:
        thread.join(timeout)


def write_entry(folder: Path, key: str, table: pa.Table, report: LoadReport) -> None:
    """Store ``table`` and ``report`` under ``key`` (the table first: the report marks a complete entry)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_through(folder / f"{key}.parquet", lambda path: pq.write_table(table, path, compression="zstd"))
    write_through(folder / f"{key}.json", lambda path: Path(path).write_bytes(report.to_json()))
    _prune(folder)


def _prune(folder: Path) -> None:
    reports = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in reports[KEEP_ENTRIES:]:
        for path in (stale, stale.with_suffix(".parquet"), stale.with_suffix(".duckdb")):
            path.unlink(missing_ok=True)
    for staging in folder.glob(".*.duckdb.*"):  # left by a process that ended while writing
        if staging.is_dir() and time.time() - staging.stat().st_mtime > STAGING_KEPT_SECONDS:
            shutil.rmtree(staging, ignore_errors=True)


def load_table(
    paths: Sequence[Path], files: Sequence[Path], registries: Registries, use_cache: bool = True
) -> tuple[pa.Table, LoadReport, bool]:
    """The validated events of ``files`` (found under ``paths``) as Arrow, their report, and whether they came
    from the cache. A cache that cannot be read or written never stops the records from loading."""
    folder = usable_cache_dir(paths) if use_cache else None
    key = cache_key(files) if folder else ""
    if folder:
        cached = read_entry(folder, key)
        if cached is not None:
            return cached[0], cached[1], True
    table, report = load_table_from_files(list(paths), registries)
    if folder:
        try:
            write_entry(folder, key, table, report)
        except OSError as error:
            log.warning("could not cache the validated records in %s: %s", folder, error)
    return table, report, False


def open_store(
    paths: Sequence[Path],
    files: Sequence[Path],
    registries: Registries,
    use_cache: bool = True,
    engine_copy: bool = True,
) -> tuple[EventStore, LoadReport, bool]:
    """The validated events of ``files`` (found under ``paths``) on the embedded engine, their report, and
    whether they came from the cache. From the entry's DuckDB file when there is one (opened at once, read
    as queries need it); otherwise, with ``engine_copy`` (a process that keeps running), loaded into memory and
    the DuckDB file written in the background for the next start; without it (a one-shot command), the cached
    Parquet entry read the same way as the DuckDB file, when there is one."""
    folder = usable_cache_dir(paths) if use_cache else None
    if folder:
        key = cache_key(files)
        database = engine_file(folder, key)
        report = read_report(folder, key) if database.is_file() else None
        if report is not None:
            try:
                return EventStore.from_database(database, registries), report, True
            except EngineError as error:  # damaged: rebuilt below
                log.warning("ignoring the engine copy %s: %s", database, error)
                database.unlink(missing_ok=True)
        entry = folder / f"{key}.parquet"
        if not engine_copy and entry.is_file() and (report := read_report(folder, key)) is not None:
            try:  # a one-shot command: the engine reads the entry as its queries need it, never held whole
                return EventStore.from_parquet(entry, registries), report, True
            except EngineError as error:
                log.warning("ignoring the cache entry %s: %s", entry, error)
    table, report, from_cache = load_table(paths, files, registries, use_cache)
    store = EventStore.from_arrow(table, registries)
    if folder and engine_copy and (folder / f"{key}.parquet").is_file():
        _write_engine_file_later(folder / f"{key}.parquet", database)
    return store, report, from_cache
