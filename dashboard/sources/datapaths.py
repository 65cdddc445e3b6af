"""Where the records come from: the bundled ``data/`` folder, or the files and folders the analyst names.

One rule for the dashboard, ``validate`` and ``export``: a ``--data PATH`` option (repeatable), or else the
``DASHBOARD_DATA`` environment variable (paths separated by ``:`` on Linux/macOS, ``;`` on Windows), or else
the bundled records in ``data/events``. A folder stands for every record file below it.

A path may start with words that say how to read it, each followed by ``:``: a format (``acled``, ``ucdp``,
``gdelt``, ``timemap``, or ``records`` for the dashboard's own) when its header does not say, and the order of
slashed dates (``dmy`` or ``mdy``) when the file cannot settle it: ``acled:dmy:exports/ukraine.csv``. (In
``DASHBOARD_DATA`` on Linux and macOS, where ``:`` separates paths, a word joins the path that follows it.)
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard import settings
from dashboard.errors import UsageError
from dashboard.model.datasets import NAMES

REPO_DIR = Path(__file__).resolve().parents[2]
BUNDLED_DATA_DIR = REPO_DIR / "data"
BUNDLED_EVENTS_DIR = BUNDLED_DATA_DIR / "events"
RECORD_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".zip")  # a zip: one file, as GDELT's daily files
RECORDS = "records"  # the dashboard's own record forms, named as a format
FORMATS = (*NAMES, RECORDS)  # the words a path may be prefixed with to name its format
DATE_ORDER_WORDS = ("dmy", "mdy")
# Folders of reference data, never read as records when a whole data folder is named.
NOT_RECORD_DIRS = frozenset({"registries", "geo"})


class DataPathError(UsageError):
    """A named data path that does not exist or holds no record files."""


@dataclass(frozen=True)
class ReadAs:
    """How a named path is read when its own header cannot say: a format, an order of slashed dates."""

    dataset: str | None = None
    date_order: str | None = None

    def __str__(self) -> str:
        return ":".join(word for word in (self.dataset, self.date_order) if word)


_read_as: dict[Path, ReadAs] = {}  # named paths (absolute) with their prefixes, for the readers


def data_paths(cli_paths: Sequence[str | Path] | None = None) -> list[Path]:
    """The paths to read: those given on the command line, else ``$DASHBOARD_DATA``, else the bundled data.
    Prefixes (``acled:``, ``dmy:``) are taken off and remembered for `read_as`."""
    if cli_paths:
        return [_without_prefixes(str(path)) for path in cli_paths]
    parts = settings.current().data
    if parts:
        joined: list[str] = []
        for part in parts:  # "acled:/x.csv" split on ":" comes apart: join the words to their paths again
            if joined and joined[-1].endswith(":"):
                joined[-1] += part
            elif part.strip() in (*FORMATS, *DATE_ORDER_WORDS):
                joined.append(part.strip() + ":")
            else:
                joined.append(part)
        return [_without_prefixes(part) for part in joined if part.strip()]
    return [BUNDLED_EVENTS_DIR]


def _without_prefixes(text: str) -> Path:
    dataset = order = None
    while ":" in text:
        word, rest = text.split(":", 1)
        if word.lower() in FORMATS and dataset is None and rest:
            dataset = word.lower()
        elif word.lower() in DATE_ORDER_WORDS and order is None and rest:
            order = word.lower()
        else:
            break
        text = rest
    path = Path(text)
    if dataset or order:
        _read_as[Path(os.path.abspath(path))] = ReadAs(dataset, order)
    return path


def read_as(path: Path) -> ReadAs:
    """How ``path`` is to be read: the prefixes given with it, or with the folder it was found in."""
    absolute = Path(os.path.abspath(path))
    for candidate in (absolute, *absolute.parents):
        if candidate in _read_as:
            return _read_as[candidate]
    return ReadAs()


@dataclass(frozen=True)
class SkippedFile:
    """A file a named folder holds that is not read, and why (a FIFO, a device, a link that loops ...)."""

    path: Path
    reason: str


def record_files(paths: Sequence[Path]) -> list[Path]:
    """Every record file the paths stand for, in a stable order; raises `DataPathError` for a bad path."""
    return find_record_files(paths)[0]


def find_record_files(paths: Sequence[Path]) -> tuple[list[Path], list[SkippedFile]]:
    """Every regular record file the paths stand for (stable order), and the files skipped inside folders.

    A named path that is missing, unreadable or not a regular file or folder raises `DataPathError`. Inside a
    folder, FIFOs, devices, sockets and broken or looping links with a record suffix are skipped and listed;
    links to folders are followed once (a link back up the tree is listed, not followed again).
    """
    files: list[Path] = []
    skipped: list[SkippedFile] = []
    for path in paths:
        kind = _kind(path)
        if kind == "file":
            if not os.access(path, os.R_OK):
                raise DataPathError(f"{path}: file cannot be read (permission denied)")
            files.append(path)
        elif kind == "folder":
            found, passed = _walk(path)
            skipped.extend(passed)
            if not found:
                raise DataPathError(f"{path}: folder holds no record files ({', '.join(RECORD_SUFFIXES)})")
            files.extend(found)
        else:
            raise DataPathError(f"{path}: {kind}")
    return list(dict.fromkeys(files)), skipped


def _kind(path: Path) -> str:
    """``"file"``, ``"folder"``, or why the path cannot be read as records."""
    try:
        status = path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a link that loops back on itself"
        if path.is_symlink():
            return f"a broken link (to {os.readlink(path)})"
        if error.errno == errno.ENOENT:
            return "no such file or folder"
        return f"cannot be read ({error.strerror or error})"
    if stat.S_ISREG(status.st_mode):
        return "file"
    if stat.S_ISDIR(status.st_mode):
        return "folder"
    special = {stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device"}
    what = next((name for test, name in special.items() if test(status.st_mode)), "a socket or other special file")
    return f"{what}, not a regular file: name a record file or a folder"


def _walk(folder: Path) -> tuple[list[Path], list[SkippedFile]]:
    found: list[Path] = []
    skipped: list[SkippedFile] = []
    seen = {folder.resolve()}
    for root, folders, names in os.walk(folder, followlinks=True):
        here = Path(root)
        relative = here.relative_to(folder).parts
        if NOT_RECORD_DIRS.intersection(relative) or any(part.startswith(".") for part in relative):
            folders[:] = []
            continue
        for name in sorted(folders):
            try:
                real = (here / name).resolve(strict=True)
            except (OSError, RuntimeError):
                real = None
            if real is None or real in seen:
                skipped.append(SkippedFile(here / name, "a link to a folder already read, not followed again"))
                folders.remove(name)
            seen.add(real)
        for name in names:
            candidate = here / name
            if name.startswith(".") or candidate.suffix.lower() not in RECORD_SUFFIXES:
                continue
            kind = _kind(candidate)
            if kind == "file":
                found.append(candidate)
            else:
                skipped.append(SkippedFile(candidate, kind.split(":")[0]))
    return sorted(found), skipped


def shown_path(path: Path) -> str:
    """A path as shown to the analyst: relative to the project when inside it, else as given."""
    try:  # the folder resolved, not the file: a link that loops is still shown by its name
        shown = str((path.parent.resolve() / path.name).relative_to(REPO_DIR))
    except (ValueError, OSError, RuntimeError):
        shown = str(path)
    # A name in bytes that are not UTF-8 holds surrogate escapes, which no text file or table can hold.
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def describe_paths(paths: Sequence[Path]) -> str:
    """``"data/events, ~/cases/kursk"``."""
    return ", ".join(shown_path(path) for path in paths)


def data_folders(paths: Sequence[Path]) -> list[Path]:
    """The folders the records are read from: each named folder, and the folder of each named file."""
    return [path.resolve() if path.is_dir() else path.resolve().parent for path in paths]


def inside_data(target: Path, paths: Sequence[Path]) -> bool:
    """Whether ``target`` is, or lies inside, a folder the records are read from."""
    target = target.resolve()
    return any(target == folder or folder in target.parents for folder in data_folders(paths))


def overlaps_data(target: Path, paths: Sequence[Path]) -> bool:
    """Whether ``target`` is, lies inside, or holds one of ``paths`` (files and folders that are read). What
    only sits beside a named file is not read, so it does not overlap."""
    resolved = target.resolve()
    for path in paths:
        read = path.resolve()
        if resolved == read or read in resolved.parents or resolved in read.parents:
            return True
    return False
