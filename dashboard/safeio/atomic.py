"""Writing a file atomically, so an interrupted write never leaves half a file: shared by the record files the
analyst edits (`dashboard.curation.recordfiles`) and the exports (`dashboard.exports.outfiles`).

The new content goes to a hidden temporary file in the target's folder (``.NAME.<random>.partial``), which is
flushed and synced, then put in place in one step: ``os.replace`` to replace, or ``os.link`` to create without
replacing anything that appeared meanwhile. The folder is synced afterwards, so the new name survives a power
cut. A failure removes the temporary file; a killed process can leave one behind, which the loader never reads
(it skips hidden files) and `remove_stale_temporaries` clears.

A library that writes a file itself (Parquet, a DuckDB database) writes into a private staging folder beside
the target (`staging_folder`); `write_through` then syncs and renames its file into place the same way.

Also here: `exclusive_lock`, an advisory lock on a lock file beside a file, so two saves of it take turns.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

TEMP_SUFFIX = ".partial"
STALE_AFTER_SECONDS = 60.0  # a temporary file this old belongs to a write that was killed, not one running


def write_temporary(target: Path, pieces: Iterable[bytes], mode: int | None = None) -> tuple[Path, int]:
    """A new hidden file beside ``target`` holding the ``pieces``, flushed to disk, with its size; ``mode`` gives
    its permission bits (default: 0o666 less the umask, as any new file). Removed again if anything fails
    (making a piece included)."""
    while True:
        temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:  # O_EXCL: never a file (or link) that is there
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        size = 0
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(file.fileno(), stat.S_IMODE(mode))
            for piece in pieces:
                size += file.write(piece)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary, size


def replace_file(target: Path, data: bytes, mode: int | None = None, *, sync: bool = True) -> None:
    """Put ``data`` at ``target`` atomically, replacing what is there (a link itself, never what it points
    to); ``sync=False`` leaves syncing the folder to the caller (one sync after several renames)."""
    temporary, _ = write_temporary(target, [data], mode)
    put_in_place(temporary, target, replace=True, sync=sync)


def put_in_place(temporary: Path, target: Path, *, replace: bool, sync: bool = True) -> None:
    """Give the written ``temporary`` file the name ``target`` in one step: ``os.replace`` when ``replace`` (a
    link at ``target`` is replaced itself, never what it points to), else `link_new` (`FileExistsError` if
    anything is there); then sync the folder. The temporary name is gone afterwards, whatever happened."""
    try:
        if replace:
            os.replace(temporary, target)
        else:
            link_new(temporary, target)
        if sync:
            sync_folder(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def sync_file(path: Path) -> None:
    """Flush a file written by someone else (a library) to disk."""
    with open(path, "rb") as written:
        os.fsync(written.fileno())


@contextlib.contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """A new hidden folder beside ``target`` (``.NAME.<random>``) to write into, removed with whatever is left
    in it when the block ends (what was renamed into place is no longer in it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_through(target: Path, write: Callable[[Path], None]) -> None:
    """Put at ``target``, atomically, the file that ``write(path)`` writes (a library writing Parquet or a
    database): written in a staging folder beside ``target``, synced, then renamed over ``target``."""
    with staging_folder(target) as staging:
        written = staging / target.name
        write(written)
        sync_file(written)
        os.replace(written, target)
        sync_folder(target.parent)


def link_new(temporary: Path, target: Path) -> None:
    """Give ``temporary`` the name ``target``, which must not exist: raises `FileExistsError` if anything
    appeared there meanwhile. The caller removes the temporary name."""
    try:
        os.link(temporary, target)  # fails if anything appeared at target meanwhile
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV):
            raise
        # A filesystem without hard links: check, then rename (a file appearing in between would be replaced).
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "file exists", str(target)) from error
        os.rename(temporary, target)


def sync_folder(folder: Path) -> None:
    """Flush the folder's entries (new names) to disk (not possible, nor needed, on Windows)."""
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):  # some filesystems cannot
            raise
    finally:
        os.close(descriptor)


def remove_stale_temporaries(target: Path, older_than: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove the temporary files of ``target`` (``.NAME.<random>.partial``, regular files only) left by writes
    killed more than ``older_than`` seconds ago; returns those removed. Other files are never touched."""
    prefix, removed = f".{target.name}.", []
    now = time.time()
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        middle = name[len(prefix) : -len(TEMP_SUFFIX)]
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX) and len(middle) == 8):
            continue
        if not all(character in "0123456789abcdef" for character in middle):
            continue
        with contextlib.suppress(OSError):
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(status.st_mode) and now - status.st_mtime > older_than:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


class LockTimeout(OSError):
    """The lock stayed taken for longer than the caller would wait."""


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold an advisory exclusive lock on ``lock_path`` (created if missing, never through a link; it is left
    in place afterwards, as removing it would let a waiting process lock a file no one else sees). Raises
    `LockTimeout` after ``timeout`` seconds of waiting."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(lock_path, flags, 0o666)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "lock file is not a regular file", str(lock_path))
        deadline = time.monotonic() + timeout
        while not _try_lock(descriptor):
            if time.monotonic() > deadline:
                raise LockTimeout(errno.EAGAIN, f"still locked after {timeout:.0f} s", str(lock_path))
            time.sleep(0.01)
        try:
            yield
        finally:
            _unlock(descriptor)
    finally:
        os.close(descriptor)


def _try_lock(descriptor: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows: a lock on the file's first byte
        import msvcrt

        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(descriptor: int) -> None:
    if os.name == "nt":  # pragma: no cover
        import msvcrt

        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(descriptor, fcntl.LOCK_UN)
