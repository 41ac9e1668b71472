"""Zip and tar bundles, read as folders: one member after another, never unpacked.

A member is named by its path inside the bundle (``export.zip!2023/09/a.txt``)
and read as a file of its type would be, under the same size limit, the ratio
and total limits of ``reading.archives`` against bombs. A member whose path
leaves the bundle (``../``, ``/etc``), a link, a device or an encrypted member is
refused with one line; hidden members (``.DS_Store``, ``__MACOSX/``) are passed
over as hidden files are in a folder. Each member carries a fingerprint, so a
changed bundle re-reads only its changed members: a zip's stored CRC-32 and
size (no need to decompress the others), a tar member's SHA-1.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from ..errors import ReadError
from .compressed import (
    DAMAGE_ERRORS,
    Budget,
    Damaged,
    Refused,
    decompress,
    open_stream,
    read_limited,
)
from .files import Kind, kind_of, type_label
from .rules import Rules
from .skips import NESTED_ARCHIVES, OTHER_TYPES, Skipped


@dataclass
class Member:
    """One member of a bundle, its bytes loaded on demand."""

    name: str  # the path inside the bundle, POSIX separators
    kind: Kind
    fingerprint: str
    size: int
    load: Callable[[], bytes]  # decompressed content; raises Refused or Damaged


def members(path: Path, display: str, kind: Kind, rules: Rules,
            skipped: Skipped) -> Iterator[Member | ReadError]:
    """The readable members of a bundle in archive order, and a ReadError for each
    refused one (named ``bundle!member``) or for a bundle that cannot be opened."""
    try:
        if kind.fmt == "zip":
            yield from _zip_members(path, display, rules, skipped, Budget(rules))
        else:
            yield from _tar_members(path, display, kind, rules, skipped)
    except Refused as exc:
        yield ReadError(display, str(exc))
    except OSError as exc:
        yield ReadError(display, f"cannot read ({exc.strerror or exc})")


def _zip_members(path: Path, display: str, rules: Rules, skipped: Skipped,
                 budget: Budget) -> Iterator[Member | ReadError]:
    import zipfile  # here, as tarfile below: most runs read no bundle

    try:
        bundle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        yield ReadError(display, f"not a readable zip file ({exc}); skipped")
        return
    with bundle:
        seen: set[str] = set()
        for info in bundle.infolist():
            name = info.filename.replace("\\", "/")
            if info.is_dir():
                continue
            member_kind = _screen(name, display, seen, rules, skipped, info.file_size,
                                  link=stat.S_ISLNK(info.external_attr >> 16),
                                  other="an encrypted member; skipped"
                                  if info.flag_bits & 0x1 else None)
            if not isinstance(member_kind, Kind):
                yield from (member_kind or ())
                continue
            # zipfile never returns more than the declared size: the total is known now
            budget.spend(info.file_size)
            stored = max(info.compress_size, 1)

            def load(info: zipfile.ZipInfo = info, stored: int = stored) -> bytes:
                try:
                    with bundle.open(info) as stream:
                        return read_limited(stream, rules, lambda: stored)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                    raise Damaged(f"cannot be read ({exc})", b"") from None

            yield Member(name, member_kind, f"zip:{info.CRC:08x}:{info.file_size}",
                         info.file_size, load)


def _tar_members(path: Path, display: str, kind: Kind, rules: Rules,
                 skipped: Skipped) -> Iterator[Member | ReadError]:
    import tarfile

    with path.open("rb") as raw:
        budget = Budget(rules, raw.tell if kind.compression else None)
        stream: IO[bytes] = open_stream(raw, kind.compression) if kind.compression else raw
        try:
            # "r|": a stream, read once from start to end, as a pipe would be
            bundle = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115 (closed below)
        except (tarfile.TarError, *DAMAGE_ERRORS) as exc:
            yield ReadError(display, f"not a readable tar file ({exc}); skipped")
            return
        seen: set[str] = set()
        try:
            for info in bundle:
                name = info.name
                if info.isdir():
                    continue
                link = info.issym() or info.islnk()
                member_kind = _screen(name, display, seen, rules, skipped, info.size, link=link,
                                      other=None if link or info.isfile() else
                                      "not a regular file (a device or a pipe); refused")
                if not isinstance(member_kind, Kind):
                    yield from (member_kind or ())
                    continue
                content = bundle.extractfile(info)
                if content is None:
                    continue
                budget.spend(info.size)  # a tar member is stored whole: its size is its size
                data = content.read()  # at most info.size bytes, checked above
                yield Member(name, member_kind, "sha1:" + hashlib.sha1(data).hexdigest(),
                             len(data), lambda data=data: data)
        except (tarfile.TarError, *DAMAGE_ERRORS) as exc:
            yield ReadError(display, f"damaged tar data ({exc or type(exc).__name__}); the "
                                     "members after it are skipped")
        finally:
            bundle.close()
        if stream is not raw:
            stream.close()


def _screen(name: str, display: str, seen: set[str], rules: Rules, skipped: Skipped,
            size: int, *, link: bool, other: str | None) -> Kind | list[ReadError] | None:
    """The kind a member is read as; or its refusal, as one error; or None for a
    member passed over (hidden, of another type, an archive: counted in ``skipped``)."""
    problem = _refusal(name, seen, rules, size, link=link, other=other)
    if problem is not None:
        return [ReadError(f"{display}!{name}", problem)]
    return _member_kind(name, display, rules, skipped)


def _refusal(name: str, seen: set[str], rules: Rules, size: int, *, link: bool,
             other: str | None) -> str | None:
    """Why a member is refused, or None: a path that leaves the bundle, a link,
    ``other`` (encrypted, a device), a repeated name, a size above the limit."""
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":"):
        return "its path leaves the archive ('../' or absolute); refused"
    if link:
        return "a symbolic or hard link; refused"
    if other is not None:
        return other
    if name in seen:
        return "a second member of the same name; skipped, the first is read"
    seen.add(name)
    if size > rules.max_bytes:
        return (f"{size / 1048576:.3g} MB is above the {rules.max_file_mb:g} MB limit "
                "(reading.max_file_mb); skipped")
    return None


def _member_kind(name: str, display: str, rules: Rules, skipped: Skipped) -> Kind | None:
    """The kind a member is read as, or None when it is hidden, of another type, or
    an archive itself (counted in ``skipped``)."""
    if any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(name).parts):
        return None
    basename = PurePosixPath(name).name
    kind = kind_of(basename, rules)
    if kind is None:
        skipped.add(OTHER_TYPES, type_label(basename), f"{display}!{name}")
        return None
    if kind.streamed:
        skipped.add(NESTED_ARCHIVES, type_label(basename), f"{display}!{name}")
        return None
    return kind


def member_bytes(member: Member, rules: Rules) -> bytes:
    """A member's content, decompressed again when it is itself a ``.gz`` (or …) file."""
    data = member.load()
    if member.kind.compression:
        data = decompress(data, member.kind.compression, rules)
    return data
