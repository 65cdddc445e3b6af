"""Which engine answers the views, and over what: read from options or the environment (no heavy imports, so
the command line stays quick to start).

- ``DASHBOARD_ENGINE``: ``duckdb`` (embedded, the default) or ``spark``;
- ``DASHBOARD_DATASET``: a dataset folder written by ``python -m dashboard ingest`` (Spark needs one);
- ``DASHBOARD_SPARK_MASTER``: the Spark master URL (default ``local[2]``, Spark inside this process);
- ``DASHBOARD_SPARK_VERBOSE``: ``1`` to let Spark print its own log and progress bars (quiet by default).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENGINE_ENV = "DASHBOARD_ENGINE"
DATASET_ENV = "DASHBOARD_DATASET"
SPARK_MASTER_ENV = "DASHBOARD_SPARK_MASTER"
SPARK_VERBOSE_ENV = "DASHBOARD_SPARK_VERBOSE"
ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"


class SettingsError(ValueError):
    """An engine setting that cannot be used, with what to do instead."""


@dataclass(frozen=True)
class EngineSettings:
    engine: str = "duckdb"
    dataset: Path | None = None
    spark_master: str = DEFAULT_SPARK_MASTER
    spark_verbose: bool = False  # Spark's own warnings and progress bars on the terminal


def engine_settings(
    engine: str | None = None, dataset: str | None = None, master: str | None = None, verbose: bool = False
) -> EngineSettings:
    """Options first, then the environment; raises `SettingsError` for an unknown engine or Spark without a
    dataset."""
    chosen = (engine or os.environ.get(ENGINE_ENV, "") or "duckdb").strip().lower()
    if chosen not in ENGINES:
        raise SettingsError(f"unknown engine {chosen!r}: use one of {', '.join(ENGINES)}")
    folder = dataset or os.environ.get(DATASET_ENV, "").strip() or None
    if chosen == "spark" and folder is None:
        raise SettingsError(
            "Spark reads a dataset: write one with `python -m dashboard ingest PATH... --out DIR`, then pass"
            f" --dataset DIR (or set {DATASET_ENV})"
        )
    spark_master = (master or os.environ.get(SPARK_MASTER_ENV, "") or DEFAULT_SPARK_MASTER).strip()
    spark_verbose = verbose or os.environ.get(SPARK_VERBOSE_ENV, "").strip() == "1"
    return EngineSettings(chosen, Path(folder).expanduser() if folder else None, spark_master, spark_verbose)
