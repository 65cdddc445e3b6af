"""The data this process opened, with which settings, for whom: one way in for the dashboard and the command line.

A workspace is either a dataset written by ``ingest`` (on DuckDB or Spark) or record files (``--data``,
``$DASHBOARD_DATA``, else the bundled records), validated once and kept in the cache. Once open it is never
changed: every session (or command) reads it, each with its own filters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ibis.expr.types as ir

from dashboard.loading.loader import LoadReport
from dashboard.model.registries import Registries, load_registries
from dashboard.settings import EngineSettings, Settings
from dashboard.sources.datapaths import data_paths, describe_paths, record_files
from dashboard.store import queries
from dashboard.store.cache import open_store
from dashboard.store.engine import EventStore, open_dataset
from dashboard.store.filters import Filters
from dashboard.store.selection import Selection


@dataclass(frozen=True)
class WorkspaceRequest:
    """What to open: the engine settings, and the record paths (prefixes still on) when there is no dataset."""

    engine: EngineSettings
    data: tuple[str, ...] = ()

    @property
    def paths(self) -> list[Path]:
        """The record paths to read (none for a dataset); raises `DataPathError` for a path that cannot be."""
        return [] if self.engine.dataset else data_paths(list(self.data) or None)


def request(
    settings: Settings,
    data: Sequence[str] = (),
    engine: str | None = None,
    dataset: str | None = None,
    spark_master: str | None = None,
    verbose: bool = False,
) -> WorkspaceRequest:
    """Options given on a command line first, then ``settings``; raises `SettingsError` for one that cannot be."""
    return WorkspaceRequest(settings.engine_settings(engine, dataset, spark_master, verbose), tuple(data))


@dataclass
class Workspace:
    """Everything opened once and shared read-only: the events on their engine, the report of loading them, the
    registries, and who is looking (no sign-in yet: one analyst per server)."""

    store: EventStore
    report: LoadReport
    registries: Registries
    described_as: str
    from_cache: bool = False
    engine: EngineSettings = field(default_factory=EngineSettings)
    paths: tuple[Path, ...] = ()
    user: str | None = None

    @functools.cached_property
    def total(self) -> int:
        """How many events were loaded (counted once, when first asked)."""
        return queries.count(self.store.table)

    @property
    def table(self) -> ir.Table:
        return self.store.table

    @property
    def everything(self) -> Selection:
        """Every loaded event, unfiltered (its answers are remembered like any selection's)."""
        return Selection.of(self.store, Filters())


def open_records(paths: Sequence[Path], *, engine_copy: bool = True) -> Workspace:
    """The record files under ``paths``, validated (or taken from the cache when unchanged)."""
    registries = load_registries()
    store, report, from_cache = open_store(list(paths), record_files(list(paths)), registries, engine_copy=engine_copy)
    return Workspace(store, report, registries, describe_paths(list(paths)), from_cache, paths=tuple(paths))


def open_ingested(engine: EngineSettings) -> Workspace:
    """The dataset ``engine.dataset`` on ``engine.engine``."""
    registries = load_registries()
    store, report = open_dataset(engine, registries)
    where = f"dataset {engine.dataset}" + (" on Spark" if engine.engine == "spark" else "")
    return Workspace(store, report, registries, where, engine=engine)


def open_workspace(wanted: WorkspaceRequest, *, engine_copy: bool = True) -> Workspace:
    """The dataset when one is named, else the record files: raises `DataPathError`, `DatasetError` or
    `EngineError` for what cannot be opened. ``engine_copy``: keep a DuckDB copy for the next process (the
    dashboard does; a one-off command need not wait for it)."""
    if wanted.engine.dataset is not None:
        return open_ingested(wanted.engine)
    return open_records(wanted.paths, engine_copy=engine_copy)
