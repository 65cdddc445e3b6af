"""A record file on disk: which files may be edited, their bytes read safely (no links, folders or special
files; at most `MAX_EDIT_BYTES`; UTF-8 only), and the `FileVersion` read or written."""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.sources.datapaths import shown_path

YAML_SUFFIXES = (".yaml", ".yml")
MAX_EDIT_BYTES = 64 * 1024 * 1024  # larger files are refused for editing (split them); the loader reads them
_OTHER_UNICODE_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class RecordFileError(ValueError):
    """A record file that cannot be opened, edited or saved; the message names the file (and line)."""


@dataclass(frozen=True)
class FileVersion:
    """A version of a file as read or written: its SHA-256 ``digest`` ("" when the file did not exist) and size;
    ``content`` keeps the bytes, for the diff of a conflict (not part of equality)."""

    path: Path
    digest: str
    size: int
    content: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def exists(self) -> bool:
        return bool(self.digest)

    @classmethod
    def of(cls, path: Path, content: bytes) -> FileVersion:
        return cls(path, hashlib.sha256(content).hexdigest(), len(content), content)


def _read_current(path: Path, name: str) -> tuple[bytes, int] | None:
    """The file's bytes and mode, or None when there is no file; refuses links, folders and special files."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        if os.path.islink(path):
            raise RecordFileError(
                f"{name} is a symbolic link (to a missing file): name the record file itself"
            ) from None
        return None
    except OSError as error:
        if os.path.islink(path):
            raise RecordFileError(f"{name} is a symbolic link: open the file it points to instead") from None
        if os.path.isdir(path):
            raise RecordFileError(f"{name} is a folder, not a record file") from None
        raise RecordFileError(f"{name} cannot be read: {error.strerror or error}") from None
    status = os.fstat(descriptor)
    if stat.S_ISDIR(status.st_mode):
        os.close(descriptor)
        raise RecordFileError(f"{name} is a folder, not a record file")
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(status.st_mode):
            raise RecordFileError(f"{name} is not a regular file (a FIFO, device or socket): not opened")
        if status.st_size > MAX_EDIT_BYTES:
            raise RecordFileError(
                f"{name} is {status.st_size / 2**20:.0f} MB, over the {MAX_EDIT_BYTES / 2**20:.0f} MB that can be"
                " edited here: split it into smaller files"
            )
        data = file.read(MAX_EDIT_BYTES + 1)
    if len(data) > MAX_EDIT_BYTES:
        raise RecordFileError(f"{name} is over the {MAX_EDIT_BYTES / 2**20:.0f} MB that can be edited here")
    return data, status.st_mode


def _decode(data: bytes, name: str) -> tuple[str, bool]:
    """UTF-8 text (and whether it had a byte-order mark, kept on saving); other encodings are refused."""
    for bom, encoding in _OTHER_UNICODE_BOMS:
        if data.startswith(bom):
            raise RecordFileError(f"{name}:1: the file is saved as {encoding}; save it as UTF-8 to edit it here")
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        raise RecordFileError(
            f"{name}:{line}: bytes that are not UTF-8 (first: {body[error.start : error.start + 1]!r} at byte"
            f" {error.start + (3 if bom else 0)}); save the file as UTF-8 to edit it here"
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise RecordFileError(f"{name}:{line}: the file holds a NUL character: not a text file, not opened")
    return text, bom


def _check_path(path: Path) -> str:
    name = shown_path(path)
    if path.suffix.lower() not in YAML_SUFFIXES:
        raise RecordFileError(f"{name}: only YAML record files (.yaml, .yml) can be edited here")
    if not path.parent.is_dir():
        raise RecordFileError(f"{name}: the folder {shown_path(path.parent)} does not exist")
    return name
