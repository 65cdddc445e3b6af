"""What this process was told to do: the only module that reads the environment or the command line's words.

Options given on a command line win over the environment; what neither gives takes its default. Nothing here
imports more than the standard library, so the command line stays quick to start.

- ``DASHBOARD_DATA``: record files or folders to read (joined with ``os.pathsep``; ``acled:PATH`` and the like
  name a file's format);
- ``DASHBOARD_DATASET``: a dataset folder written by ``python -m dashboard ingest``;
- ``DASHBOARD_ENGINE``: ``duckdb`` (embedded, the default) or ``spark`` (Spark needs a dataset);
- ``DASHBOARD_SPARK_MASTER``: the Spark master URL (default ``local[2]``, Spark inside this process);
- ``DASHBOARD_SPARK_VERBOSE``: ``1`` to let Spark print its own log and progress bars (quiet by default);
- ``DASHBOARD_CACHE``: the folder for validated data and the gazetteer's index (else the user's cache folder);
- ``DASHBOARD_STORIES``: a folder of story files (else the stories beside the data);
- ``DASHBOARD_GEOCODER_CONTACT``: who to name to an online geocoder when the analyst turns one on;
- ``BROWSER_PATH``: the Chromium that draws images of the charts (else the one on ``PATH``);
- ``DASHBOARD_DEBUG``: ``1`` to see the traceback of an internal error on the command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dashboard.errors import UsageError

DATA_ENV = "DASHBOARD_DATA"
DATASET_ENV = "DASHBOARD_DATASET"
ENGINE_ENV = "DASHBOARD_ENGINE"
SPARK_MASTER_ENV = "DASHBOARD_SPARK_MASTER"
SPARK_VERBOSE_ENV = "DASHBOARD_SPARK_VERBOSE"
CACHE_ENV = "DASHBOARD_CACHE"
STORIES_ENV = "DASHBOARD_STORIES"
CONTACT_ENV = "DASHBOARD_GEOCODER_CONTACT"
BROWSER_ENV = "BROWSER_PATH"
DEBUG_ENV = "DASHBOARD_DEBUG"

ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"


class SettingsError(UsageError):
    """A setting that cannot be used, with what to do instead."""


@dataclass(frozen=True)
class EngineSettings:
    """Which engine answers the views, and over what."""

    engine: str = "duckdb"
    dataset: Path | None = None
    spark_master: str = DEFAULT_SPARK_MASTER
    spark_verbose: bool = False  # Spark's own warnings and progress bars on the terminal


@dataclass(frozen=True)
class Settings:
    """Everything the environment says, each value as given (stripped; empty is not given)."""

    data: tuple[str, ...] = ()  # record files and folders, prefixes still on
    dataset: str | None = None
    engine: str | None = None
    spark_master: str | None = None
    spark_verbose: bool = False
    cache_folder: str | None = None
    stories: str | None = None
    geocoder_contact: str = ""
    browser_path: str | None = None
    debug: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ

        def given(name: str) -> str | None:
            return environ.get(name, "").strip() or None

        data = given(DATA_ENV)
        return cls(
            data=tuple(data.split(os.pathsep)) if data else (),
            dataset=given(DATASET_ENV),
            engine=given(ENGINE_ENV),
            spark_master=given(SPARK_MASTER_ENV),
            spark_verbose=given(SPARK_VERBOSE_ENV) == "1",
            cache_folder=given(CACHE_ENV),
            stories=given(STORIES_ENV),
            geocoder_contact=environ.get(CONTACT_ENV, ""),
            browser_path=given(BROWSER_ENV),
            debug=given(DEBUG_ENV) == "1",
        )

    def engine_settings(
        self, engine: str | None = None, dataset: str | None = None, master: str | None = None, verbose: bool = False
    ) -> EngineSettings:
        """Options first, then these settings; raises `SettingsError` for an unknown engine or Spark without a
        dataset."""
        chosen = (engine or self.engine or "duckdb").strip().lower()
        if chosen not in ENGINES:
            raise SettingsError(f"unknown engine {chosen!r}: use one of {', '.join(ENGINES)}")
        folder = dataset or self.dataset
        if chosen == "spark" and folder is None:
            raise SettingsError(
                "Spark reads a dataset: write one with `python -m dashboard ingest PATH... --out DIR`, then pass"
                f" --dataset DIR (or set {DATASET_ENV})"
            )
        spark_master = (master or self.spark_master or DEFAULT_SPARK_MASTER).strip()
        verbose = verbose or self.spark_verbose
        return EngineSettings(chosen, Path(folder).expanduser() if folder else None, spark_master, verbose)

    def cache_path(self) -> Path:
        """``$DASHBOARD_CACHE``, else the platform's user cache folder for this program."""
        if self.cache_folder:
            return Path(self.cache_folder).expanduser()
        import platformdirs

        return Path(platformdirs.user_cache_dir("conflict-event-dashboard", appauthor=False))


def current() -> Settings:
    """The settings as the environment gives them now (read on every call: a test or a server may change it)."""
    return Settings.from_environment()


def engine_settings(
    engine: str | None = None, dataset: str | None = None, master: str | None = None, verbose: bool = False
) -> EngineSettings:
    """Options first, then the environment (see `Settings.engine_settings`)."""
    return current().engine_settings(engine, dataset, master, verbose)


def command_line() -> tuple[str, list[str]]:
    """The program this process was started as, and the words after it."""
    return (sys.argv[0] if sys.argv else ""), list(sys.argv[1:])


def offer_browser(path: str) -> None:
    """Make ``path`` the Chromium that programs started from here use when none is set (kaleido reads it)."""
    os.environ.setdefault(BROWSER_ENV, path)
