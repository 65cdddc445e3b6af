"""The one file a zip holds (as GDELT's daily files come), unpacked in a stream that counts what it produces.

A zip's headers declare each file's size, but nothing makes them true: a gigabyte of zeros whose headers
declare a thousand bytes is still a gigabyte once unpacked. So the declared size refuses early, and the bytes
actually unpacked are counted a chunk at a time: unpacking stops as soon as they pass the declared size or the
limit. Python's zipfile only reads the directory here, because its own reader unpacks a whole slice of input
in one call (bzip2 and LZMA without any bound at all), before any count could stop it.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterator

from dashboard.model.problems import shorten

CHUNK_BYTES = 1 << 20  # unpacked (and compressed input fed) at most this much at a time
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})


class _Refused(Exception):
    """Why the zip is not read, worded for the analyst."""


def only_member(data: bytes, limit: int) -> bytes | str:
    """The bytes of the one file the zip ``data`` holds, or why it is not read. Never more than ``limit``
    bytes, nor more than the zip declares, are unpacked, whatever its headers say."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as error:
        return f"not a readable zip file: {error}"
    if len(members) != 1:
        return f"zip holds {len(members)} files: only a zip of one record file (a GDELT daily file) is read"
    member = members[0]
    name = shorten(member.filename)  # a name from the file: quoted, so it reads as text
    if member.file_size > limit:
        return f"{name} unpacks to {member.file_size / 2**20:.0f} MB, over the limit of {limit / 2**20:.0f} MB"
    try:
        return _unpacked(data, member, name)
    except _Refused as refusal:
        return str(refusal)
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        return f"not a readable zip file: the packed data of {name} is damaged"


def _unpacked(data: bytes, member: zipfile.ZipInfo, name: str) -> bytes:
    if member.flag_bits & 0x1:
        raise _Refused(f"{name} is encrypted in the zip: unzip it with its password and read the file itself")
    if member.compress_type not in _METHODS:
        raise _Refused(
            f"{name} is packed with a method (number {member.compress_type}) that is not read: re-zip it with the"
            " usual compression (Deflate)"
        )
    packed = _packed_bytes(data, member)
    unpacked = io.BytesIO()
    checksum = 0
    for chunk in _unpack(member.compress_type, packed):
        if unpacked.tell() + len(chunk) > member.file_size:  # the declared size is within the limit
            raise _Refused(
                f"{name} unpacks to more than the {member.file_size:,} bytes the zip's header declares: the zip is"
                " damaged or forged, not read"
            )
        unpacked.write(chunk)
        checksum = zlib.crc32(chunk, checksum)
    if unpacked.tell() != member.file_size or checksum != member.CRC:
        raise _Refused(f"not a readable zip file: {name} is damaged (it does not unpack to what the zip declares)")
    return unpacked.getvalue()


def _packed_bytes(data: bytes, member: zipfile.ZipInfo) -> memoryview:
    """The member's packed bytes: after its local header, as many as the directory says (a view, not a copy)."""
    start = member.header_offset
    try:
        signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, start)
    except struct.error:
        signature = b""
    if signature != b"PK\x03\x04":
        raise _Refused("not a readable zip file: the file's local header is missing")
    start += _LOCAL_HEADER.size + name_length + extra_length
    return memoryview(data)[start : start + member.compress_size]


def _unpack(method: int, packed: memoryview) -> Iterator[bytes]:
    """The unpacked bytes, at most `CHUNK_BYTES` at a time, however far the packed bytes would expand."""
    if method == zipfile.ZIP_STORED:
        for start in range(0, len(packed), CHUNK_BYTES):
            yield bytes(packed[start : start + CHUNK_BYTES])
        return
    if method == zipfile.ZIP_DEFLATED:
        yield from _inflate(packed)
        return
    if method == zipfile.ZIP_LZMA:
        decompressor, packed = _lzma_decompressor(packed)
    else:
        decompressor = bz2.BZ2Decompressor()
    yield from _bounded(decompressor, packed)


def _inflate(packed: memoryview) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # a zip holds raw Deflate data, without zlib's header
    for start in range(0, len(packed), CHUNK_BYTES):
        pending: bytes | memoryview = packed[start : start + CHUNK_BYTES]
        while pending and not inflater.eof:
            yield inflater.decompress(pending, CHUNK_BYTES)
            pending = inflater.unconsumed_tail
        if inflater.eof:
            return
    while not inflater.eof:  # output still held back once every input byte was taken
        chunk = inflater.decompress(b"", CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def _bounded(decompressor: bz2.BZ2Decompressor | lzma.LZMADecompressor, packed: memoryview) -> Iterator[bytes]:
    """Unpack with a decompressor that keeps its own unread input (bzip2, LZMA)."""
    for start in range(0, len(packed), CHUNK_BYTES):
        yield decompressor.decompress(packed[start : start + CHUNK_BYTES], CHUNK_BYTES)
        while not decompressor.eof and not decompressor.needs_input:
            yield decompressor.decompress(b"", CHUNK_BYTES)
        if decompressor.eof:
            return


def _lzma_decompressor(packed: memoryview) -> tuple[lzma.LZMADecompressor, memoryview]:
    """A zip's LZMA data starts with a version (2 bytes), the length of the properties (2 bytes) and the
    properties of a raw LZMA1 stream: dictionary size and the lc/lp/pb numbers."""
    if len(packed) < 4:
        raise _Refused("not a readable zip file: its LZMA data is cut short")
    (properties_length,) = struct.unpack_from("<H", packed, 2)
    properties = bytes(packed[4 : 4 + properties_length])
    if len(properties) < 5:
        raise _Refused("not a readable zip file: its LZMA data is cut short")
    coded, dict_size = properties[0], int.from_bytes(properties[1:5], "little")
    lc, rest = coded % 9, coded // 9
    lzma_filter = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": rest % 5, "pb": rest // 5}
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter]), packed[4 + properties_length :]
