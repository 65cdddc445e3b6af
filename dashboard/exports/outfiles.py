"""Writing an output file safely: never over something that exists unless told to, never into the data being
read, never through a symbolic link, and atomically, so an interrupted write leaves no half file.

The file is written to a temporary file in the same folder, flushed and synced, then put in place in one
step: ``os.replace`` when replacing is allowed, else ``os.link`` (which fails if a file has appeared there
meanwhile) and removing the temporary name. The folder is synced afterwards. Any failure removes the
temporary file. The mechanism is `dashboard.safeio.atomic`'s, shared with the record files analysts edit.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from dashboard.errors import RefusedError, UsageError
from dashboard.safeio.atomic import TEMP_SUFFIX, put_in_place, write_temporary

__all__ = ["TEMP_SUFFIX", "ExportError", "OutputExists", "OutputRefused", "check_output", "write_output"]


class ExportError(RefusedError, RuntimeError):
    """An export that cannot be made here; the message says what to do."""


class OutputRefused(UsageError):
    """A target that must not be written; the message names it and says what to do."""


class OutputExists(OutputRefused):
    """The target exists and replacing it was not allowed."""


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _existing_ancestor(path: Path) -> Path:
    """``path`` if it exists, else its nearest existing parent (the current folder at worst)."""
    absolute = Path(os.path.abspath(path))
    for candidate in (absolute, *absolute.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def _protected(paths: Iterable[Path]) -> tuple[dict[tuple[int, int], Path], dict[tuple[int, int], Path]]:
    """(folders, files) by device and inode: the same folder is found under any name, link or mount."""
    folders: dict[tuple[int, int], Path] = {}
    files: dict[tuple[int, int], Path] = {}
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            continue  # what does not exist holds no data
        (folders if stat.S_ISDIR(status.st_mode) else files).setdefault(_identity(status), Path(path))
    return folders, files


def check_output(target: Path, protected: Iterable[Path] = (), *, force: bool = False) -> None:
    """Raise `OutputRefused` when ``target`` must not be written.

    Refused always: a target inside a ``protected`` folder (or a folder below one) or on a ``protected`` file,
    and a target that is a folder or a special file. Refused without ``force``: any existing target, a broken
    link included. With ``force`` a regular file or a link (the link itself, not what it points to) is replaced.
    """
    folders, files = _protected(protected)
    start = _existing_ancestor(target.parent)
    for folder in (start.resolve(), *start.resolve().parents):
        with contextlib.suppress(OSError):
            if (found := folders.get(_identity(os.stat(folder)))) is not None:
                raise OutputRefused(f"{target} is inside the data folder {found}, which is being read: write elsewhere")
    try:
        link_status = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputRefused(f"{target} cannot be checked: {error.strerror or error}") from error
    with contextlib.suppress(OSError):  # a link to a data file is refused too, though only the link would go
        for status in (link_status, os.stat(target)):
            if (found := files.get(_identity(status))) is not None:
                raise OutputRefused(f"{target} is the data file {found}, which is being read: write elsewhere")
    if not (stat.S_ISREG(link_status.st_mode) or stat.S_ISLNK(link_status.st_mode)):
        kind = "a folder" if stat.S_ISDIR(link_status.st_mode) else "a special file"
        raise OutputRefused(f"{target} is {kind}, not a file: name a file to write")
    if not force:
        raise OutputExists(f"{target} exists; name it with --out FILE or pass --force to replace it")


def write_output(
    target: Path, data: bytes | Iterable[bytes], protected: Iterable[Path] = (), *, force: bool = False
) -> int:
    """Write ``data`` (bytes, or pieces written as they come) to ``target`` after `check_output`, atomically (see
    the module's description); returns the number of bytes written.

    Raises `OutputRefused` (or `OutputExists`, also when a file appears at ``target`` while writing) and
    `OSError` when the folder cannot be written.
    """
    protected = list(protected)
    check_output(target, protected, force=force)
    temporary, size = write_temporary(target, [data] if isinstance(data, bytes) else data)
    try:
        put_in_place(temporary, target, replace=force)
    except FileExistsError as error:  # a file appeared at target while writing
        raise OutputExists(f"{target} exists; name it with --out FILE or pass --force to replace it") from error
    return size
