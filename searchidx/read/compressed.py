"""Compressed streams (``.gz``, ``.bz2``, ``.xz``, ``.zst``), decompressed in memory
under the limits that make a bomb harmless.

Nothing is ever unpacked to disk. What one member or compressed file may grow to
is ``reading.max_file_mb``, as for a plain file; how much it may grow over its
compressed size is ``reading.archives.max_ratio``; what all the members of one
archive may add up to is ``reading.archives.max_total_mb``. Each limit is
checked as the bytes come, so a bomb is stopped after at most one chunk.
"""

from __future__ import annotations

import io
import lzma
import zlib
from collections.abc import Callable
from typing import IO, Any

from .rules import Rules

_CHUNK = 1 << 20
# below this much output no ratio is suspicious: a small file of blanks is no bomb
_RATIO_FLOOR = 4 << 20
DAMAGE_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


class Refused(Exception):
    """A member or stream over a limit; the message names the setting."""


class Damaged(Exception):
    """Compressed data that stops making sense; ``data`` is what came before."""

    def __init__(self, message: str, data: bytes) -> None:
        super().__init__(message)
        self.data = data


class Budget:
    """What one archive may decompress to in all (``reading.archives.max_total_mb``),
    and, for an archive compressed as a whole (``.tar.gz``), to how many times the
    compressed bytes read so far (``compressed_size``)."""

    def __init__(self, rules: Rules, compressed_size: Callable[[], int] | None = None) -> None:
        self.rules = rules
        self.compressed_size = compressed_size
        self.spent = 0

    def spend(self, size: int) -> None:
        self.spent += size
        rules = self.rules
        if self.spent > rules.max_total_bytes:
            raise Refused(f"the archive decompresses to more than {rules.max_total_mb:g} "
                          "MB (reading.archives.max_total_mb); the rest of it is skipped")
        if (self.compressed_size is not None and self.spent > _RATIO_FLOOR
                and self.spent > rules.max_ratio * max(self.compressed_size(), 1)):
            raise Refused(f"the archive decompresses to more than {rules.max_ratio:g} times "
                          "its size, as a zip bomb does (reading.archives.max_ratio); the "
                          "rest of it is skipped")


def open_stream(raw: IO[bytes], compression: str) -> IO[bytes]:
    """A reader of the decompressed bytes of ``raw`` (concatenated members and frames too)."""
    if compression == "gz":
        import gzip  # here, as bz2: most runs read no compressed file

        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        import bz2

        return bz2.BZ2File(raw)
    if compression == "xz":
        return lzma.LZMAFile(raw)
    if compression == "zst":
        try:
            import zstandard
        except ImportError:
            raise Refused("reading .zst files needs the zstandard package: "
                          "pip install 'searchidx[zstd]'") from None
        return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    raise ValueError(compression)


def read_limited(stream: IO[bytes], rules: Rules, compressed_size: Callable[[], int],
                 budget: Budget | None = None) -> bytes:
    """All of ``stream``, or Refused as soon as a limit is crossed, or Damaged.

    ``compressed_size`` tells how many compressed bytes the output came from so
    far (a member's stored size, or the position in the underlying file).
    """
    limit = rules.max_bytes
    chunks: list[bytes] = []  # joined once at the end: a BytesIO copies as it grows
    total = 0
    # read1: one underlying read at a time, so that the bytes before damage are kept
    read = getattr(stream, "read1", stream.read)
    while True:
        try:
            chunk = read(_CHUNK)
        except DAMAGE_ERRORS + (_zstd_error(),) as exc:
            raise Damaged(f"damaged compressed data ({_reason(exc)})", b"".join(chunks)) from None
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise Refused(f"decompresses to more than {rules.max_file_mb:g} MB "
                          "(reading.max_file_mb); skipped")
        if total > _RATIO_FLOOR and total > rules.max_ratio * max(compressed_size(), 1):
            raise Refused(f"decompresses to more than {rules.max_ratio:g} times its "
                          "compressed size, as a zip bomb does (reading.archives.max_ratio); "
                          "skipped")
        if budget is not None:
            budget.spend(len(chunk))
        chunks.append(chunk)


def decompress(data: bytes, compression: str, rules: Rules,
               budget: Budget | None = None) -> bytes:
    """The content of a compressed file held in memory."""
    raw = io.BytesIO(data)
    try:
        stream = open_stream(raw, compression)
    except DAMAGE_ERRORS as exc:
        raise Damaged(f"damaged compressed data ({_reason(exc)})", b"") from None
    with stream:
        return read_limited(stream, rules, raw.tell, budget)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "it ends before its end: a truncated file?"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _zstd_error() -> Any:
    """zstandard's error class when the module is loaded, else an exception never raised."""
    import sys

    module = sys.modules.get("zstandard")
    return getattr(module, "ZstdError", _Never)


class _Never(Exception):
    pass
