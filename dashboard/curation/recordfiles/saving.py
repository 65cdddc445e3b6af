"""Saving a record file and undoing the last save, versioned against what was read.

`save_bytes` takes a lock (``.NAME.lock`` beside the file), re-reads the file and refuses with `SaveConflict`
(holding a diff) if it changed since it was read; it keeps the bytes it replaces as ``.NAME.previous`` (so
`undo_last_save` can put them back) and writes through `dashboard.safeio.atomic` (temporary file, fsync,
rename, folder fsync), keeping the file's permission bits.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
from pathlib import Path

from dashboard.curation.recordfiles.editing import RecordFile
from dashboard.curation.recordfiles.ondisk import FileVersion, RecordFileError, _check_path, _decode, _read_current
from dashboard.curation.recordfiles.yamledit import _split
from dashboard.safeio.atomic import (
    LockTimeout,
    exclusive_lock,
    link_new,
    remove_stale_temporaries,
    replace_file,
    sync_folder,
    write_temporary,
)
from dashboard.sources.datapaths import shown_path

LOCK_TIMEOUT_SECONDS = 10.0
MAX_DIFF_LINES = 400


class SaveConflict(RecordFileError):
    """The file changed on disk since it was read; ``diff`` shows how (unified diff, read → now)."""

    def __init__(self, message: str, diff: str) -> None:
        super().__init__(message)
        self.diff = diff


class NothingToUndo(RecordFileError):
    """No earlier version of the file is kept."""


def lock_path(path: Path) -> Path:
    """The lock file of a record file: ``.NAME.lock`` beside it."""
    return path.parent / f".{path.name}.lock"


def previous_path(path: Path) -> Path:
    """Where the version a save replaced is kept: ``.NAME.previous`` beside it."""
    return path.parent / f".{path.name}.previous"


def _diff(before: bytes | None, after: bytes | None, name: str) -> str:
    old = (before or b"").decode("utf-8", "replace").splitlines(keepends=True)
    new = (after or b"").decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(old, new, f"{name} (as you read it)", f"{name} (on disk now)"))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines of differences\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@contextlib.contextmanager
def _locked(path: Path, name: str):
    try:
        with exclusive_lock(lock_path(path), LOCK_TIMEOUT_SECONDS):
            remove_stale_temporaries(path)
            remove_stale_temporaries(previous_path(path))
            yield
    except LockTimeout:
        raise RecordFileError(f"{name}: another save of this file is still running; try again") from None
    except RecordFileError:
        raise
    except OSError as error:
        raise RecordFileError(f"{name}: cannot save: {error.strerror or error}") from None


def save_bytes(path: Path, data: bytes, expected: FileVersion) -> FileVersion:
    """Write ``data`` as the whole file if it is still ``expected`` (as read): atomically, keeping the bytes it
    replaces as ``.NAME.previous`` and the file's permission bits. Raises `SaveConflict` if the file changed.
    The caller vouches that ``data`` is a record file (`save` makes it from a `RecordFile`)."""
    path = Path(path)
    name = _check_path(path)
    with _locked(path, name):
        current = _read_current(path, name)
        if current is None:
            if expected.exists:
                message = f"{name} was deleted or moved since it was read: nothing saved"
                raise SaveConflict(message, _diff(expected.content, b"", name))
            _create(path, data, name)
            return FileVersion.of(path, data)
        content, mode = current
        if hashlib.sha256(content).hexdigest() != expected.digest:
            what = "changed on disk since it was read" if expected.exists else "was created by someone else meanwhile"
            raise SaveConflict(
                f"{name} {what} (another session or editor saved it): nothing saved; reload it and make your"
                " changes again",
                _diff(expected.content, content, name),
            )
        if content == data:
            return FileVersion.of(path, data)  # nothing to write, and the kept earlier version stays
        if not os.access(path, os.W_OK):
            raise RecordFileError(f"{name} is read-only: nothing saved")
        replace_file(previous_path(path), content, mode, sync=False)
        replace_file(path, data, mode, sync=False)
        sync_folder(path.parent)
    return FileVersion.of(path, data)


def _create(path: Path, data: bytes, name: str) -> None:
    temporary, _ = write_temporary(path, [data])
    try:
        link_new(temporary, path)
    except FileExistsError:
        raise SaveConflict(f"{name} was created by someone else meanwhile: nothing saved", "") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    with contextlib.suppress(FileNotFoundError):  # an earlier file's version must not come back by an undo
        os.unlink(previous_path(path))
    sync_folder(path.parent)


def save(record_file: RecordFile) -> FileVersion:
    """Save the edits (see `save_bytes`): conflict-checked, atomic, keeping the replaced version for
    `undo_last_save`. The file object then holds the saved version, so editing and saving can go on."""
    version = save_bytes(record_file.path, record_file._encoded(), record_file.version)
    record_file._saved(version)
    return version


def can_undo(path: Path | str) -> bool:
    """Whether an earlier version of the file is kept (and differs from the file), so `undo_last_save` can run."""
    path = Path(path)
    try:
        kept = _read_current(previous_path(path), shown_path(previous_path(path)))
        current = _read_current(path, shown_path(path))
    except RecordFileError:
        return False
    return kept is not None and current is not None and kept[0] != current[0]


def undo_last_save(path: Path | str, expected: FileVersion) -> FileVersion:
    """Put back the version the last save replaced, if the file is still ``expected`` (what that save wrote);
    the kept version is then used up (a second undo has nothing to undo). Raises `SaveConflict` when the file
    changed since, `NothingToUndo` when no earlier version is kept."""
    path = Path(path)
    name = _check_path(path)
    with _locked(path, name):
        current = _read_current(path, name)
        if current is None:
            raise RecordFileError(f"{name}: no such file: nothing to undo")
        content, mode = current
        if hashlib.sha256(content).hexdigest() != expected.digest:
            raise SaveConflict(
                f"{name} changed on disk since your save: undo refused (it would discard those changes)",
                _diff(expected.content, content, name),
            )
        kept = _read_current(previous_path(path), name + " (earlier version)")
        if kept is None or kept[0] == content:
            raise NothingToUndo(
                f"{name}: nothing to undo (no earlier version is kept; only the last save can be undone, once)"
            )
        earlier = kept[0]
        text, _ = _decode(earlier, name + " (earlier version)")
        _split(text, name + " (earlier version)")  # never put back something that is not a record file
        replace_file(path, earlier, mode, sync=False)
        os.unlink(previous_path(path))
        sync_folder(path.parent)
    return FileVersion.of(path, earlier)
