"""A read-only reader of Whoosh's own segment files (the whoosh3 codec) that imports no
Whoosh: what a cold ``searchidx query`` of a word or two reads.

Opening a Whoosh index unpickles its table of contents, whose schema and segments
are objects of Whoosh's classes: that alone imports ~90 modules of Whoosh and of
the standard library, more than a whole bare query process costs. The few facts a
query needs from it (each segment's name, document count, deleted documents and
field length totals; the analysis the text fields were built with; Whoosh's
length-byte table) are digested, where Whoosh has the index open anyway, into
``_MAIN_reader.marshal`` beside it (:func:`keep_digest`), keyed like ``stats``'s
figures by the name, size and modification time of the table of contents that
every commit writes anew, so a digest is never used for another generation; a
missing, damaged or stale one leaves the query to Whoosh.

The rest is read from the segment files as Whoosh wrote them, mapped and never
copied whole: a compound segment's directory (a pickle of plain dictionaries);
the terms table (Whoosh's ordered hash file: the key of a term is its field's
number and its bytes, found by bisecting the sorted key positions, which spares
the MD5 of the hash lookup and the import of ``hashlib``); a term's info (its
document frequency and where its postings are); posting blocks (a pickled
header, then the pickled, maybe zlib-compressed, id gaps and weights); the field
lengths (one byte per document); and the stored fields (a zlib-compressed pickle
of a dictionary per document). Pickle is only ever asked for tuples, numbers,
bytes, strings and dictionaries here: nothing of Whoosh's.
"""

from __future__ import annotations

import io
import math
import mmap
import os
import struct
import sys
import zlib
from array import array
from itertools import accumulate

from ...analysis import ItalianAnalyzer
from ...cachedir import keep, read_kept
from ..base import NotCovered
from .folder import DIGEST
from .stored import SCHEMA_VERSION

try:  # the C unpickler, as pickle.py takes it: importing pickle.py as well would cost
    # a cold query 4% more instructions (issue 26); the same functions and error
    from _pickle import UnpicklingError
    from _pickle import load as unpickle_from
    from _pickle import loads as unpickle
except ImportError:  # a Python without it
    from pickle import UnpicklingError  # noqa: F401 - for the readers of this module
    from pickle import load as unpickle_from
    from pickle import loads as unpickle

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

# 2: the folder's format (SCHEMA_VERSION) kept too, so that a cold query need not open
# the manifest to check it
_DIGEST_FORMAT = 2
_TERM_INFO = struct.Struct("!BfIBBfII")  # whoosh3's W3TermInfo
_POSTINGS_MAGIC = b"W3Bl"
_HASH_MAGIC = b"HSH3"
_SWAPPED = sys.byteorder == "little"  # Whoosh writes its arrays big-endian


class Unreadable(NotCovered):
    """The files are not what this reader knows how to read: leave it to Whoosh."""


def length_norms(b: float, k1: float, avgfl: float, lengths: Iterable[int]) -> list[float]:
    """``K1 * ((1 - B) + B * length / avgfl)`` for each length: the BM25 denominator's
    length part, one formula for Whoosh's scorer (:mod:`.scoring`) and this reader's, so
    that both give the same scores to the bit."""
    return [k1 * ((1 - b) + b * length / avgfl) for length in lengths]


# -- the digest, written where Whoosh has the index open ----------------------------------

def digest(reader: Any, key: str) -> dict[str, Any] | None:
    """What :class:`Segments` needs of the generation a Whoosh ``reader`` reads that only
    Whoosh's pickles say, under ``key``; None for an index this reader cannot read
    (another codec, another analyzer)."""
    from whoosh.util.numeric import byte_to_length

    schema = reader.schema
    analyzer = schema["body"].analyzer
    if not isinstance(analyzer, ItalianAnalyzer) or schema["title"].analyzer != analyzer:
        return None
    segments = []
    for leaf, _ in reader.leaf_readers():
        segment = leaf.segment()
        if type(segment).__name__ != "W3Segment":
            return None
        segments.append({"name": segment.segment_id(), "compound": bool(segment.is_compound()),
                         "doccount": segment.doc_count_all(),
                         "deleted": sorted(segment.deleted_docs()),
                         "lengths": dict(getattr(segment, "_fieldlengths", {}))})
    return {"format": _DIGEST_FORMAT, "key": key, "schema": SCHEMA_VERSION, "segments": segments,
            "scorable": sorted(n for n in ("title", "body") if schema[n].scorable),
            "analyzer": {"elisions": sorted(analyzer.elisions),
                         "stopwords": sorted(analyzer.stopwords),
                         "stem_min_length": analyzer.stem_min_length,
                         "stemmer": analyzer.stemmer, "stem": analyzer.stem,
                         "stop": analyzer.stop},
            "length_bytes": [byte_to_length(b) for b in range(256)]}


def keep_digest(folder: str, reader: Any, key: str | None) -> None:
    """Write the digest of the generation a Whoosh ``reader`` reads, when ``key`` names it
    and no current digest is there: written aside and renamed whole; skipped where the
    folder cannot be written (deleting the file is always safe)."""
    if key is None or key.split(" ")[1:2] != [f"_MAIN_{reader.generation()}.toc"]:
        return
    if read_digest(folder, key) is not None:
        return
    found = digest(reader, key)
    if found is None:
        return
    keep(os.path.join(folder, DIGEST), found)


def read_digest(folder: str, key: str | None) -> dict[str, Any] | None:
    """The digest kept for the generation ``key``, or None (missing, damaged, stale, or of
    an index of another format: the manifest's check then says so)."""
    if key is None:
        return None
    kept = read_kept(os.path.join(folder, DIGEST))
    if not isinstance(kept, dict) or kept.get("key") != key \
            or kept.get("format") != _DIGEST_FORMAT or kept.get("schema") != SCHEMA_VERSION:
        return None
    return kept


def digest_analyzer(kept: dict[str, Any]) -> ItalianAnalyzer:
    """The analyzer the index's text fields were built with, as the digest keeps it."""
    a = kept["analyzer"]
    return ItalianAnalyzer(a["elisions"], a["stopwords"], a["stem_min_length"],
                           stemmer=a["stemmer"], stem=a["stem"], stop=a["stop"])


# -- the segments ------------------------------------------------------------------------

def _big_endian_array(view: memoryview, start: int, code: str, count: int) -> array[int]:
    got = array(code)
    got.frombytes(view[start:start + got.itemsize * count])
    if _SWAPPED:
        got.byteswap()
    return got


class Segment:
    """One whoosh3 segment of the index folder, its files mapped on first use."""

    def __init__(self, folder: str, info: dict[str, Any], offset: int) -> None:
        self.folder = folder
        self.name: str = info["name"]
        self.compound: bool = info["compound"]
        self.doccount: int = info["doccount"]
        self.deleted = frozenset(info["deleted"])
        self.offset = offset  # the index's number of this segment's first document
        self._maps: list[mmap.mmap] = []
        self._directory: dict[str, Any] | None = None
        self._terms: tuple[memoryview, dict[str, int], int, int, str] | None = None
        self._stored: tuple[memoryview, array[int], list[int]] | None = None

    def close(self) -> None:
        import contextlib

        self._directory = self._terms = self._stored = None
        for mapped in self._maps:
            with contextlib.suppress(BufferError):  # a view still held: freed with it
                mapped.close()
        self._maps.clear()

    def _map(self, filename: str) -> memoryview:
        with open(os.path.join(self.folder, filename), "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        self._maps.append(mapped)
        return memoryview(mapped)

    def part(self, ext: str) -> memoryview | None:
        """The bytes of the segment's file ``ext`` (``.trm``, ``._stored.col`` …), inside
        the compound file or on its own; None when the segment has no such file."""
        name = f"{self.name}{ext}"
        if not self.compound:
            return self._map(name) if os.path.isfile(os.path.join(self.folder, name)) else None
        if self._directory is None:
            whole = self._map(f"{self.name}.seg")
            at, _ = struct.unpack_from("!qi", whole, 0)
            self._directory = {"": whole, **unpickle(whole[at:])}
        entry = self._directory.get(name)
        if entry is None:
            return None
        start = entry["offset"]
        return self._directory[""][start:start + entry["length"]]  # type: ignore[no-any-return]

    # terms
    def _term_table(self) -> tuple[memoryview, dict[str, int], int, int, str]:
        if self._terms is None:
            view = self.part(".trm")
            if view is None or view[:4] != _HASH_MAGIC:
                raise Unreadable("no terms table")
            end = len(view) - 4
            (extras_length,) = struct.unpack_from("!i", view, end)
            extras = unpickle(view[end - extras_length:end])
            code = extras["indextype"]
            count = extras["indexlen"]
            base = end - count * struct.calcsize(code)
            self._terms = (view, extras["fieldmap"], base, count, f"!{code}")
        return self._terms

    def term_info(self, fieldname: str, text: str) -> tuple[int, Any] | None:
        """(document frequency, where the postings are) of a term, or None: what
        Whoosh's ``OrderedHashReader`` and ``W3TermInfo`` read."""
        view, fieldmap, base, count, code = self._term_table()
        number = fieldmap.get(fieldname)
        if number is None:
            return None
        key = struct.pack("!H", number) + text.encode("utf-8")
        size = struct.calcsize(code)
        lo, hi = 0, count
        while lo < hi:  # the keys' positions are stored in key order
            mid = (lo + hi) // 2
            (at,) = struct.unpack_from(code, view, base + mid * size)
            (key_length,) = struct.unpack_from("!I", view, at)
            if bytes(view[at + 8:at + 8 + key_length]) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo == count:
            return None
        (at,) = struct.unpack_from(code, view, base + lo * size)
        key_length, data_length = struct.unpack_from("!ii", view, at)
        if bytes(view[at + 8:at + 8 + key_length]) != key:
            return None
        data = view[at + 8 + key_length:at + 8 + key_length + data_length]
        flags, _, df, _, _, _, _, _ = _TERM_INFO.unpack_from(data, 0)
        rest = data[_TERM_INFO.size:]
        where = unpickle(rest) if flags else struct.unpack_from("!qi", rest, 0)
        return df, where

    def postings(self, fieldname: str, text: str) -> Iterator[tuple[int, float]]:
        """(document, weight) of each posting of a term in document order, deleted
        documents left out; the weights as Whoosh's cursors give them."""
        info = self.term_info(fieldname, text)
        if info is None:
            return
        deleted = self.deleted
        where = info[1]
        if isinstance(where, tuple) and len(where) == 3:  # inlined: ids, weights, values
            for docnum, weight in zip(where[0], where[1], strict=True):
                if docnum not in deleted:
                    yield docnum, weight
            return
        view = self.part(".pst")
        start, _ = where
        if view is None or view[start:start + 4] != _POSTINGS_MAGIC:
            raise Unreadable("no postings")
        at = start + 4
        while True:
            (length,) = struct.unpack_from("!i", view, at)
            last = length < 0
            block = io.BytesIO(view[at + 4:at + 4 + abs(length)])
            count, _, _, compression, _, _ = unpickle_from(block)  # the block's header
            data = block.read()
            gaps, weights, _ = unpickle(zlib.decompress(data) if compression else data)
            ids = accumulate(gaps)
            if weights is None or isinstance(weights, float):
                # Whoosh repeats one weight in an array of C floats
                weights = array("f", (1.0 if weights is None else weights,)) * count
            for docnum, weight in zip(ids, weights, strict=True):
                if docnum not in deleted:
                    yield docnum, weight
            if last:
                return
            at += 4 + abs(length)

    def doc_frequency(self, fieldname: str, text: str) -> int:
        info = self.term_info(fieldname, text)
        return info[0] if info is not None else 0

    def lengths(self, fieldname: str) -> bytes | None:
        """The field's length bytes, one per document (0 past the stored row, as in
        Whoosh's column); None without a column."""
        view = self.part(f"._{fieldname}_len.col")
        return None if view is None else bytes(view).ljust(self.doccount, b"\0")

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        """One document's stored fields (Whoosh's ``_stored`` column)."""
        if self._stored is None:
            view = self.part("._stored.col")
            if view is None:
                raise Unreadable("no stored fields")
            last = len(view) - 1
            code = chr(view[last])
            if code == "X":  # offsets written too
                code, offsets_code = chr(view[last - 2]), chr(view[last - 1])
                size = struct.calcsize(offsets_code)
                start = last - 2 - self.doccount * size
                offsets = list(_big_endian_array(view, start, offsets_code, self.doccount))
                last = start
            else:
                offsets = None
            size = struct.calcsize(code)
            lengths = _big_endian_array(view, last - size * self.doccount, code, self.doccount)
            if offsets is None:
                offsets = [0, *accumulate(lengths)][:-1]
            self._stored = (view, lengths, offsets)
        view, lengths, offsets = self._stored
        length = lengths[docnum]
        if not length:
            return {}
        start = offsets[docnum]
        value = zlib.decompress(view[start:start + length])
        return unpickle(value) if value else {}  # type: ignore[no-any-return]


class Segments:
    """The segments of one generation of the index folder, as its digest names them."""

    def __init__(self, folder: str, kept: dict[str, Any]) -> None:
        self.kept = kept
        self.segments: list[Segment] = []
        offset = 0
        for info in kept["segments"]:
            self.segments.append(Segment(folder, info, offset))
            offset += info["doccount"]
        self.doc_count_all = offset
        self.scorable = frozenset(kept["scorable"])
        self.length_bytes: list[int] = kept["length_bytes"]
        self._df: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        for segment in self.segments:
            segment.close()

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Summed over the segments, deleted documents counted, as Whoosh counts it."""
        key = (fieldname, text)
        if key not in self._df:
            self._df[key] = sum(s.doc_frequency(fieldname, text) for s in self.segments)
        return self._df[key]

    def idf(self, fieldname: str, text: str) -> float:
        """whoosh.scoring.WeightingModel.idf."""
        return math.log(self.doc_count_all / (self.doc_frequency(fieldname, text) + 1)) + 1

    def avg_field_length(self, fieldname: str) -> float:
        """whoosh.searching.Searcher.avg_field_length, ``or 1`` as BM25F takes it."""
        total = sum(s["lengths"].get(fieldname, 0) for s in self.kept["segments"])
        return total / (self.doc_count_all or 1) or 1

    def locate(self, docnum: int) -> tuple[Segment, int]:
        """The segment holding the index's document ``docnum``, and its number there."""
        for segment in reversed(self.segments):
            if docnum >= segment.offset:
                return segment, docnum - segment.offset
        raise IndexError(docnum)
