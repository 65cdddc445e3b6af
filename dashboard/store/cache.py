"""Validated events cached on disk as Parquet, so a restart over unchanged files neither re-reads nor re-checks.

An entry is keyed by the record files' paths, sizes and modification times, the registries' files and the
version of the table layout; the problems and counts found while loading are cached beside it. The cache
lives in the per-user cache folder (``$DASHBOARD_CACHE`` overrides it), never in a folder the records are
read from; entries are written atomically, and a damaged entry is simply loaded again from the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.records.columns import EVENT_SCHEMA
from dashboard.records.datapaths import inside_data
from dashboard.records.fastload import load_table as load_table_from_files
from dashboard.records.loader import FileCount, LoadReport
from dashboard.records.problems import Problem, Severity
from dashboard.records.registries import REGISTRY_FILES, Registries, default_registry_dir

log = logging.getLogger(__name__)

CACHE_ENV = "DASHBOARD_CACHE"
LAYOUT_VERSION = "events-v1"  # change when the table layout or the checks change what a file yields
KEEP_ENTRIES = 8  # older entries are removed


def cache_dir() -> Path:
    """``$DASHBOARD_CACHE``, else the platform's user cache folder for this program."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("conflict-event-dashboard", appauthor=False))


def _stamp(path: Path) -> list:
    status = path.stat()
    return [os.fsencode(path.resolve()).hex(), status.st_size, status.st_mtime_ns]


def cache_key(files: Sequence[Path], registry_dir: Path | None = None) -> str:
    """A digest of the record files' and registries' names, sizes and modification times."""
    registry_dir = registry_dir or default_registry_dir()
    registry_files = [registry_dir / name for name in REGISTRY_FILES.values()]
    stamp = {
        "layout": LAYOUT_VERSION,
        "files": [_stamp(path) for path in files],
        "registries": [_stamp(path) for path in registry_files if path.exists()],
    }
    return hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()[:32]


def usable_cache_dir(data_roots: Sequence[Path]) -> Path | None:
    """The cache folder, or None (no caching) when it would sit inside a folder the records are read from."""
    folder = cache_dir()
    if inside_data(folder, data_roots):
        log.warning("not caching: the cache folder %s is inside the data being read", folder)
        return None
    return folder


def report_json(report: LoadReport) -> bytes:
    return json.dumps(
        {"problems": [asdict(problem) for problem in report.problems], "files": [asdict(c) for c in report.files]},
        ensure_ascii=True,
    ).encode()


def report_from_json(data: bytes) -> LoadReport:
    raw = json.loads(data)
    problems = [Problem(**{**item, "severity": Severity(item["severity"])}) for item in raw["problems"]]
    return LoadReport(problems, [FileCount(**item) for item in raw["files"]])


def _write_atomically(target: Path, write) -> None:
    """Write through ``write(path)`` to a temporary file beside ``target``, flush it to disk, then rename."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        write(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_entry(folder: Path, key: str) -> tuple[pa.Table, LoadReport] | None:
    """The cached table and report for ``key``, or None when missing or unreadable."""
    table_path, report_path = folder / f"{key}.parquet", folder / f"{key}.json"
    if not (table_path.is_file() and report_path.is_file()):
        return None
    try:
        report = report_from_json(report_path.read_bytes())
        table = pq.read_table(table_path, schema=EVENT_SCHEMA)
    except Exception as error:  # a damaged or foreign entry: load from the files instead
        log.warning("ignoring the cache entry %s: %s", table_path, error)
        return None
    os.utime(report_path)  # recently used entries are kept longest
    return table, report


def write_entry(folder: Path, key: str, table: pa.Table, report: LoadReport) -> None:
    """Store ``table`` and ``report`` under ``key`` (the table first: the report marks a complete entry)."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(folder / f"{key}.parquet", lambda path: pq.write_table(table, path, compression="zstd"))
    _write_atomically(folder / f"{key}.json", lambda path: Path(path).write_bytes(report_json(report)))
    _prune(folder)


def _prune(folder: Path) -> None:
    reports = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in reports[KEEP_ENTRIES:]:
        for path in (stale, stale.with_suffix(".parquet")):
            path.unlink(missing_ok=True)


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
