"""Where the records come from: the bundled ``data/`` folder, or the files and folders the analyst names.

One rule for the dashboard, ``validate`` and ``export``: a ``--data PATH`` option (repeatable), or else the
``DASHBOARD_DATA`` environment variable (paths separated by ``:`` on Linux/macOS, ``;`` on Windows), or else
the bundled records in ``data/events``. A folder stands for every record file below it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

DATA_ENV = "DASHBOARD_DATA"
REPO_DIR = Path(__file__).resolve().parent.parent
BUNDLED_DATA_DIR = REPO_DIR / "data"
BUNDLED_EVENTS_DIR = BUNDLED_DATA_DIR / "events"
RECORD_SUFFIXES = (".yaml", ".yml", ".json", ".csv")
# Folders of reference data, never read as records when a whole data folder is named.
NOT_RECORD_DIRS = frozenset({"registries", "geo"})


class DataPathError(ValueError):
    """A named data path that does not exist or holds no record files."""


def data_paths(cli_paths: Sequence[str | Path] | None = None) -> list[Path]:
    """The paths to read: those given on the command line, else ``$DASHBOARD_DATA``, else the bundled data."""
    if cli_paths:
        return [Path(path) for path in cli_paths]
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return [Path(part) for part in env.split(os.pathsep) if part.strip()]
    return [BUNDLED_EVENTS_DIR]


def record_files(paths: Sequence[Path]) -> list[Path]:
    """Every record file the paths stand for, in a stable order; raises `DataPathError` for a bad path."""
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            if not os.access(path, os.R_OK):
                raise DataPathError(f"{path}: file cannot be read (permission denied)")
            files.append(path)
        elif path.is_dir():
            found = sorted(
                candidate
                for candidate in path.rglob("*")
                if candidate.is_file()
                and candidate.suffix.lower() in RECORD_SUFFIXES
                and not NOT_RECORD_DIRS.intersection(candidate.relative_to(path).parts[:-1])
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
            )
            if not found:
                raise DataPathError(f"{path}: folder holds no record files ({', '.join(RECORD_SUFFIXES)})")
            files.extend(found)
        else:
            raise DataPathError(f"{path}: no such file or folder")
    return list(dict.fromkeys(files))


def shown_path(path: Path) -> str:
    """A path as shown to the analyst: relative to the project when inside it, else as given."""
    try:
        return str(path.resolve().relative_to(REPO_DIR))
    except ValueError:
        return str(path)


def describe_paths(paths: Sequence[Path]) -> str:
    """``"data/events, ~/cases/kursk"``."""
    return ", ".join(shown_path(path) for path in paths)
