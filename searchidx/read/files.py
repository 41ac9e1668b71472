"""Which files are articles: kinds by extension, and the walk through folders.

A file's kind comes from its name alone, last extension first: ``a.jsonl.gz`` is
JSONL compressed with gzip, ``export.tar.gz`` a tar bundle, ``crawl.warc.gz`` a
web archive. What the walk passes over is counted by extension, so that the
summary can say ``3 files of other types skipped (.pdf ×2, .docx)``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..config import Config
from ..errors import ReadError
from ..models import printable_path
from .rules import Rules, rules_for
from .skips import OTHER_TYPES, Skipped

# formats read whole from a file's bytes, by extension; any other listed extension is text
_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".html": "html",
            ".htm": "html", ".xhtml": "html", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}
BUNDLES = ("zip", "tar")  # formats whose members are files in their own right
# single-letter tar names: ".tgz" is ".tar.gz"
_TAR_SHORT = {".tgz": "gz", ".tbz2": "bz2", ".tbz": "bz2", ".txz": "xz", ".tzst": "zst"}


@dataclass(frozen=True)
class Kind:
    """How a file is read: its format, its compression, and the name it is read as."""

    fmt: str  # text, json, jsonl, html, csv, tsv, zip, tar or warc
    compression: str | None  # gz, bz2, xz, zst or None
    inner: str  # the name without the compression suffix: "articles.jsonl"

    @property
    def streamed(self) -> bool:
        """Bundles and web archives are read member by member, never whole."""
        return self.fmt in BUNDLES or self.fmt == "warc"


def kind_of(name: str, rules: Rules) -> Kind | None:
    """The kind of a file named ``name``, or None for a type that is not read."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _TAR_SHORT and ".tar" in rules.bundles:
        return Kind("tar", _TAR_SHORT[suffix], name[: -len(suffix)] + ".tar")
    compression = rules.compressed.get(suffix)
    inner = name[: -len(suffix)] if compression else name
    inner_suffix = PurePosixPath(inner).suffix.lower()
    if compression and not inner_suffix:
        return None
    if inner_suffix in rules.extensions:
        return Kind(_FORMATS.get(inner_suffix, "text"), compression, inner)
    if inner_suffix in rules.bundles and (inner_suffix == ".tar" or not compression):
        return Kind(inner_suffix.lstrip("."), compression, inner)
    if inner_suffix in rules.web_archives and compression in (None, "gz"):
        return Kind("warc", compression, inner)
    return None


def id_stem(rel: str, kind: Kind) -> str:
    """The id a file gives its articles: its relative path without the extension it
    is read by (``2023/a`` for ``2023/a.txt.gz``); bundles and web archives keep
    their whole name, which their members' ids start with (``export.zip!a``)."""
    if kind.streamed:
        return rel
    parent, _, name = rel.rpartition("/")
    if kind.compression:
        name = name[: -len(PurePosixPath(name).suffix)]
    stem = PurePosixPath(name).stem
    return f"{parent}/{stem}" if parent else stem


def type_label(name: str) -> str:
    """``.pdf`` for a.pdf, ``.tar.gz`` for b.tar.gz, ``(none)`` without an extension."""
    suffixes = PurePosixPath(name).suffixes
    if not suffixes:
        return "(none)"
    last = suffixes[-1].lower()
    if len(suffixes) > 1 and last in (".gz", ".bz2", ".xz", ".zst"):
        return suffixes[-2].lower() + last
    return last


@dataclass
class SourceFile:
    """One file to read, with the id stem it gives its articles."""

    path: Path  # the file on disk
    root: Path  # the path the user gave (a folder, or the file itself)
    rel_id: str  # path relative to root without extension, POSIX separators
    size: int
    mtime_ns: int


class Discovered(list[SourceFile]):
    """The files found, with what the walk passed over (``skipped``)."""

    def __init__(self, items: Iterable[SourceFile] = (), skipped: Skipped | None = None) -> None:
        super().__init__(items)
        self.skipped = skipped if skipped is not None else Skipped()


def discover(paths: Iterable[str | Path], config: Config) -> tuple[Discovered, list[ReadError]]:
    """The article files under ``paths``, in a stable order, and what could not be listed.

    Folders are walked recursively (hidden files and folders such as ``.git`` or
    ``.searchidx`` skipped, each real folder once, so symlink loops end); a file
    named directly is read even if hidden. The same file reached twice is listed once.
    Files of other types met in folders are counted in ``found.skipped``.
    """
    rules = rules_for(config)
    found = Discovered()
    errors: list[ReadError] = []
    seen: set[tuple[int, int] | str] = set()
    for given in paths:
        root = Path(given)
        try:
            st = root.stat()
        except FileNotFoundError:
            errors.append(ReadError(str(given), "no such file or directory"))
            continue
        except OSError as exc:
            errors.append(ReadError(str(given), f"cannot access ({exc.strerror or exc})"))
            continue
        if stat.S_ISDIR(st.st_mode):
            candidates = _walk(root, rules, errors, found.skipped)
        elif stat.S_ISREG(st.st_mode):
            kind = kind_of(root.name, rules)
            if kind is None:
                errors.append(ReadError(
                    str(given), f"unsupported file type '{type_label(root.name)}'; expected "
                                f"one of {', '.join(rules.all_types)} (reading.extensions, "
                                "reading.archives)"))
                continue
            candidates = [(root, st, id_stem(root.name, kind), kind)]
        else:
            errors.append(ReadError(str(given), "not a regular file or folder"))
            continue
        for path, st, rel_id, kind in candidates:
            key: tuple[int, int] | str = (st.st_dev, st.st_ino) if st.st_ino else str(path)
            if key in seen:
                continue
            seen.add(key)
            if st.st_size > rules.max_bytes and not kind.streamed:
                errors.append(ReadError(
                    str(path), f"skipped: {megabytes(st.st_size)} MB is above the "
                               f"{rules.max_file_mb:g} MB limit (reading.max_file_mb)"))
                continue
            found.append(SourceFile(path, root, printable_path(rel_id), st.st_size,
                                    st.st_mtime_ns))
    return found, errors


def _walk(root: Path, rules: Rules, errors: list[ReadError],
          skipped: Skipped) -> list[tuple[Path, os.stat_result, str, Kind]]:
    """Files under ``root`` sorted by relative path; follows symlinks, never a folder twice."""
    out: list[tuple[str, Path, os.stat_result, Kind]] = []
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(ReadError(str(folder), f"cannot list folder ({exc.strerror or exc})"))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    subfolders.append(path)
                    continue
                kind = kind_of(entry.name, rules)
                if entry.is_file():
                    if kind is None:
                        skipped.add(OTHER_TYPES, type_label(entry.name), printable_path(path))
                        continue
                    rel = path.relative_to(root).as_posix()
                    out.append((rel, path, entry.stat(), kind))
                elif entry.is_symlink() and kind is not None:
                    errors.append(ReadError(str(path), "broken symbolic link"))
            except OSError as exc:
                errors.append(ReadError(str(path), f"cannot access ({exc.strerror or exc})"))
        stack.extend(reversed(subfolders))
    out.sort(key=lambda item: id_stem(item[0], item[3]))
    return [(path, st, id_stem(rel, kind), kind) for rel, path, st, kind in out]


def megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 100 else f"{mb:.3g}"
