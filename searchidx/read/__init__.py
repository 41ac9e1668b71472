"""The read stage: files, archives, records and plain text -> :class:`RawArticle`.

Reading never raises for bad input: a file, member or record that cannot be
read becomes a :class:`ReadError` (yielded, so the run goes on), and a problem
that still leaves an article (cp1252 text, an impossible date, a title of the
wrong type) becomes a note in ``RawArticle.warnings``. What is passed over on
purpose (files of other types, a web archive's images) is counted in a
:class:`Skipped`.

One module per input kind: ``text``, ``json``, ``csv``, ``html`` for formats;
``compressed``, ``bundles`` (zip, tar) and ``warc`` for what holds them;
``files`` finds them, ``decode`` and ``article`` turn bytes into articles.
What is recognised comes from the ``reading`` configuration section
(``rules``); the modules hold only the mechanics. Reading is on the indexing
hot path: patterns are compiled once per configuration, and ``ftfy``,
``dateparser``, trafilatura and warcio are imported only when needed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from json import loads as json_loads  # the name json is this package's module
from pathlib import Path

from ..config import Config
from ..errors import ReadError, SearchidxError
from ..models import RawArticle, printable_path
from .bundles import member_bytes, members
from .compressed import Damaged, Refused, decompress
from .decode import Unreadable, decode
from .files import Discovered, Kind, SourceFile, discover, id_stem, kind_of
from .formats import read_bytes
from .json import read_record
from .rules import READER_VERSION, forget_rules, rules_for
from .skips import Skipped
from .text import read_text
from .warc import read_warc

__all__ = ["READER_VERSION", "Discovered", "Part", "Skipped", "SourceFile", "discover",
           "fingerprint", "read_parts", "read_record", "read_source", "read_stdin_bytes",
           "read_text", "set_reading_options"]

_HTML_START = re.compile(r"<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)
_MAGIC = ((b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"),
          (b"\x28\xb5\x2f\xfd", "zst"))
_HASH_CHUNK = 1 << 20
_RECORD_FORMATS = ("jsonl", "csv", "tsv")  # read record by record: a cut keeps what is before
# --map names: the fields of ``reading.fields``, and "text" for the body as JSON names it
_MAP_ALIASES = {"text": "body"}


@dataclass
class Part:
    """One piece of a source that the index tracks on its own: a whole file, or one
    member of a bundle (``path`` is then ``bundle!member``)."""

    path: str
    fingerprint: str | None  # a member's; None for a whole file, whose own one decides
    size: int
    read: Callable[[], Iterator[RawArticle | ReadError]]


def fingerprint(src: SourceFile, config: Config) -> tuple[str, int, bytes | None]:
    """The SHA-1 of a file with the reading rules mixed in (so that reading it
    another way reads it again), its size, and its bytes when it is read whole.

    Bundles and web archives are hashed as they stream by and read again
    member by member, never held whole. Raises OSError.
    """
    rules = rules_for(config)
    kind = kind_of(src.path.name, rules)
    digest = hashlib.sha1(rules.salt)
    if kind is not None and kind.streamed:
        size = 0
        with src.path.open("rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size, None
    data = src.path.read_bytes()
    digest.update(data)
    return digest.hexdigest(), len(data), data


def read_parts(src: SourceFile, config: Config, data: bytes | None = None,
               skipped: Skipped | None = None) -> Iterator[Part | ReadError]:
    """The parts of one file: itself, or each member of a bundle. A part's articles
    must be read (``part.read()``) before the next part is asked for."""
    rules = rules_for(config)
    skipped = skipped if skipped is not None else Skipped()
    path = printable_path(src.path)
    kind = kind_of(src.path.name, rules)
    if kind is None:  # a file of no known type, named by a caller: read as text
        kind = Kind("text", None, src.path.name)
    if kind.fmt == "warc":
        yield Part(path, None, src.size, lambda: read_warc(src.path, path, rules, skipped))
        return
    if kind.streamed:
        for member in members(src.path, path, kind, rules, skipped):
            if isinstance(member, ReadError):
                yield member
                continue
            member_path = f"{path}!{member.name}"
            rel_id = f"{src.rel_id}!{id_stem(member.name, member.kind)}"

            def read_member(member=member, member_path=member_path, rel_id=rel_id
                            ) -> Iterator[RawArticle | ReadError]:
                content, error = _content(partial(member_bytes, member, rules), member_path,
                                          member.kind.fmt in _RECORD_FORMATS)
                if error is not None:
                    yield error
                if content:
                    yield from read_bytes(content, member.kind.fmt, member_path, rel_id, rules)

            yield Part(member_path, member.fingerprint, member.size, read_member)
        return

    def read_file() -> Iterator[RawArticle | ReadError]:
        content = data
        if content is None:
            try:
                content = src.path.read_bytes()
            except OSError as exc:
                yield ReadError(path, f"cannot read ({exc.strerror or exc})")
                return
        if kind.compression:
            content, error = _content(partial(decompress, content, kind.compression, rules),
                                      path, kind.fmt in _RECORD_FORMATS)
            if error is not None:
                yield error
            if not content:
                return
        yield from read_bytes(content, kind.fmt, path, src.rel_id, rules)

    yield Part(path, None, src.size, read_file)


def read_source(src: SourceFile, config: Config, data: bytes | None = None,
                skipped: Skipped | None = None) -> Iterator[RawArticle | ReadError]:
    """Every article of one file (each member of a bundle, each page of a web
    archive); errors are yielded, never raised.

    ``data`` is the file's content when the caller already read it (the indexer
    hashes it first), so the file is not read twice.
    """
    for part in read_parts(src, config, data, skipped):
        if isinstance(part, ReadError):
            yield part
        else:
            yield from part.read()


def read_stdin_bytes(data: bytes, config: Config,
                     name: str = "-") -> Iterator[RawArticle | ReadError]:
    """Articles piped in: a web page, JSON, JSONL or plain text, told apart by
    content, gzip/bzip2/xz/zstd-compressed or not.

    Ids are built from ``name`` as from a file's: ``-`` for a text, ``-#1``,
    ``-#2``... for records without an id of their own.
    """
    rules = rules_for(config)
    rel_id = "-" if name == "-" else Path(name).stem
    for magic, compression in _MAGIC:
        if data.startswith(magic):
            data, error = _content(partial(decompress, data, compression, rules), name, True)
            if error is not None:
                yield error
                if not data:
                    return
            break
    fmt = "text"
    try:
        text, _ = decode(data)
    except Unreadable as exc:
        yield ReadError(name, str(exc))
        return
    head = text.lstrip()
    if _HTML_START.match(head):
        fmt = "html"
    elif head[:1] in ("{", "["):
        try:
            parsed = json_loads(text)
            fmt = "json" if isinstance(parsed, (dict, list)) else "text"
        except (ValueError, RecursionError):
            first = head.split("\n", 1)[0]
            try:
                fmt = "jsonl" if isinstance(json_loads(first), dict) else "text"
            except (ValueError, RecursionError):
                fmt = "text"
    yield from read_bytes(data, fmt, name, rel_id, rules)


def _content(load: Callable[[], bytes], path: str,
             keep_partial: bool) -> tuple[bytes, ReadError | None]:
    """Decompressed bytes, and the error met on the way. After damage, what came
    before it is kept when ``keep_partial`` (records: JSONL, CSV), else dropped."""
    try:
        return load(), None
    except Refused as exc:
        return b"", ReadError(path, str(exc))
    except Damaged as exc:
        if keep_partial and exc.data:
            return exc.data, ReadError(path, f"{exc}; what comes before it is read")
        return b"", ReadError(path, str(exc))


def set_reading_options(config: Config, field_map: str | None = None,
                        all_captures: bool = False) -> None:
    """Apply ``--map text=corpo,date=data_pubblicazione`` (the named columns or keys
    are looked up first) and ``--all-captures`` to ``config`` for this run.

    Raises SearchidxError naming the option for a malformed map.
    """
    reading = config["reading"]
    fields = reading["fields"]
    for item in (field_map or "").split(","):
        if not item.strip():
            continue
        name, sep, column = (s.strip() for s in item.partition("="))
        field = _MAP_ALIASES.get(name.lower(), name.lower())
        if not sep or not name or not column:
            raise SearchidxError(f"--map: '{item.strip()}' should be FIELD=NAME, "
                                 "e.g. --map text=corpo,date=data_pubblicazione")
        if field not in fields:
            known = ", ".join("text" if f == "body" else f for f in fields)
            raise SearchidxError(f"--map: unknown field '{name}'; use one of {known}")
        fields[field] = [column, *(k for k in fields[field] if k.lower() != column.lower())]
    if all_captures:
        reading["warc"]["all_captures"] = True
    forget_rules(config)

