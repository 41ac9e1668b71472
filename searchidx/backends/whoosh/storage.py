"""How Whoosh segment files are written, merged and read: compact pickles,
chunked sort runs, streamed merges, in-place reads, cheaper skips.

**Writing.** whoosh3 pickles each postings block and each document's stored
fields with pickle protocol 2, which predates the ``bytes`` type: every bytes
value (a posting's positions, our compressed body) becomes a call to
``codecs.encode`` over a Latin-1 string, and bytes above 127 take two bytes in
it. On DICE that made the body postings 2.5× and the stored fields 1.25× the
size of the same data pickled with protocol 4, which stores bytes as they are.
Reading is unchanged (``pickle.loads`` reads every protocol), so indexes of
either kind open alike.

**Reading.** Whoosh maps each segment file and hands its parts (postings, terms, stored
fields) to readers as a ``BufferFile``, which wraps the mapped bytes in a
``BytesIO``: that copies every part a reader opens. A reader on a 100,000-article
index so held ~300 MB of copies (a searcher twice that), ~0.3 s of a cold query
went into copying, and a 1,000,000-article index would not fit. Here the part
stays a view of the map: the operating system pages in what is read, and shares
the pages between processes.

**Decoding.** A postings block keeps its document ids as gaps and, when all
its weights are equal, one weight; Whoosh expands both through Python
generators, a step per posting, for every block a query reads. They are
expanded by ``itertools.accumulate`` and array repetition instead, which
give the same ids and weights.

**Skipping.** To intersect posting lists (AND, phrases), Whoosh moves a
posting cursor to a document id by stepping through its block one posting at a
time, three Python calls a step; a bisection of the block's sorted ids does it
in one. The AND matcher that drives those skips no longer re-tests the cursor
it did not move.

**Sorting.** Whoosh sorts postings (a segment's, and all those of the segments
it merges) through temporary run files, pickled one posting per call; they are
pickled in chunks of postings instead. Merged segments skip that sort
altogether: their postings are already in order, and are streamed into the new
segment.

**Field lengths.** BM25 needs each match's field length, which Whoosh keeps as
one byte per document in a column, read with a seek and a read per posting
when a segment is written or merged, and per document and field (after asking
the file system whether the column exists, every time) when its documents are
copied. A segment's whole row is read at once instead, and kept;
:func:`field_length_bytes` hands it to :mod:`searchidx.scoring` too.

**Postings by term.** A worker's segment files each posting under its term as
it comes (:class:`.termpool.TermPool`, in a module of its own because it
subclasses a class of ``whoosh.writing``, which reading does not need).

**Positions.** Whoosh asks each file it writes for its position two or three
times per term (an ``lseek`` system call each); written files count their
bytes instead.

**Postings.** A segment's postings are sorted by (field, term, document) before
they are written. They enter the sort pool in document order, so two stable
sorts, by term then by field, give that order in half the time of comparing
whole postings. They are then written through one loop per segment instead of
three calls and four type assertions per posting.
"""

from __future__ import annotations

import contextlib
import heapq
import importlib
import os
import pickle
import sys
import types
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate, islice
from operator import itemgetter
from typing import Any

from whoosh.util.numeric import byte_to_length

_patched: set[str] = set()  # "reading", "writing": the changes applied


class MemoryFile:
    """The read side of a binary file over a memoryview, without copying it."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size,
                                                                     len(self._view))
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size,
                                                                     len(self._view))
        stop = max(start, end)
        for window in range(start, end, 4096):
            found = bytes(self._view[window:min(window + 4096, end)]).find(b"\n")
            if found >= 0:
                stop = window + found + 1
                break
        self._pos = stop
        return bytes(self._view[start:stop])

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET and offset < 0:
            raise ValueError(f"negative seek value {offset}")
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)  # as BytesIO: relative seeks stop at the start
        return self._pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def patch_whoosh(*, writing: bool = True) -> None:
    """Apply the process-wide changes to Whoosh, once: segment parts read in
    place (:func:`_read_segments_in_place`), Whoosh's English morphology loaded
    only when a query asks for English variations (:func:`_defer_english_morphology`),
    postings blocks decoded without
    a Python step per posting (:func:`_decode_blocks_in_c`), posting cursors that skip by
    bisection (:func:`_skip_postings_by_bisection`), an AND matcher without
    redundant checks (:func:`_intersect_without_rechecks`) and field lengths
    read a row at a time (:func:`_read_lengths_by_row`); and for writing, sort runs
    pickled in chunks (:func:`_pickle_sort_runs_in_chunks`), segments merged
    without sorting their postings again (:func:`_merge_segments_by_streaming`),
    written files that count their position (:func:`_count_written_positions`) and
    postings sorted and written with less work each (:func:`_write_postings_tightly`).

    ``writing=False`` leaves the writing changes, and the import of
    ``whoosh.writing`` they need, to the first writer: a search never writes."""
    if "reading" not in _patched:
        _defer_english_morphology()
        _read_segments_in_place()
        _decode_blocks_in_c()
        _skip_postings_by_bisection()
        _intersect_without_rechecks()
        _read_lengths_by_row()
        _patched.add("reading")
    if writing and "writing" not in _patched:
        _pickle_sort_runs_in_chunks()
        _merge_segments_by_streaming()
        _count_written_positions()
        _write_postings_tightly()
        _patched.add("writing")


_MORPH_EN = "whoosh.lang.morph_en"


def _defer_english_morphology() -> None:
    """``whoosh/query/terms.py`` imports ``variations`` from ``whoosh.lang.morph_en`` at
    its top, and every Whoosh query class comes through it; that module compiles
    50 large regular expressions as it loads, a tenth of a cold query's imports. None
    of our queries expands English words (only ``whoosh.query.Variations`` does): the
    module stands in for it until a name of it is used, then loads it."""
    if _MORPH_EN in sys.modules or "whoosh.query.terms" in sys.modules:
        return

    def real() -> Any:
        if isinstance(sys.modules.get(_MORPH_EN), _DeferredMorphology):
            del sys.modules[_MORPH_EN]
        return importlib.import_module(_MORPH_EN)

    class _DeferredMorphology(types.ModuleType):
        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):  # what the import system asks (__path__): not loaded
                raise AttributeError(name)
            return getattr(real(), name)

    stand_in = _DeferredMorphology(_MORPH_EN, "Whoosh's English morphology, loaded on first use")
    stand_in.variations = lambda word: real().variations(word)  # type: ignore[attr-defined]
    sys.modules[_MORPH_EN] = stand_in


def _read_segments_in_place() -> None:
    """Make Whoosh's compound segment files hand out views instead of copies."""
    from whoosh.filedb import compound, structfile

    class InPlaceBufferFile(structfile.BufferFile):
        def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
            super().__init__(b"", name=name, onclose=onclose)  # an empty BytesIO, no copy
            self._buf = buf
            self.file = MemoryFile(buf if isinstance(buf, memoryview) else memoryview(buf))

    compound.BufferFile = InPlaceBufferFile


def _decode_blocks_in_c() -> None:
    """Make whoosh3's posting cursors expand a block's id gaps and uniform weights
    with C-level loops instead of Python generators."""
    from whoosh.codec import whoosh3

    def _read_ids(self: Any) -> None:
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        self._ids = ids if self._byteids else tuple(accumulate(ids))

    def _read_weights(self: Any) -> None:
        if self._data is None:
            self._read_data()
        weights = self._data[1]
        if weights is None:
            weights = 1.0
        if isinstance(weights, float):
            self._weights = array("f", (weights,)) * self._blocklength
        else:
            self._weights = weights

    whoosh3.W3LeafMatcher._read_ids = _read_ids
    whoosh3.W3LeafMatcher._read_weights = _read_weights


# Python 3.4+ reads protocol 4; it stores bytes values as they are.
_PICKLE_PROTOCOL = 4


def _compact_dumps(obj: Any, protocol: int | None = None) -> bytes:
    """``pickle.dumps`` with protocol 4 whatever protocol the caller asked for."""
    return pickle.dumps(obj, _PICKLE_PROTOCOL)


@contextlib.contextmanager
def compact_pickles() -> Iterator[None]:
    """Within the block, Whoosh pickles postings blocks and stored fields with protocol 4.

    Scoped to our own writes, so stock Whoosh indexes built by the same process
    (the peers of ``scripts/``) stay stock. Not for concurrent writers of
    other Whoosh indexes in other threads of this process.
    """
    from whoosh import columns
    from whoosh.codec import whoosh3

    saved = whoosh3.dumps, columns.dumps
    whoosh3.dumps = columns.dumps = _compact_dumps
    try:
        yield
    finally:
        whoosh3.dumps, columns.dumps = saved


def _skip_postings_by_bisection() -> None:
    """Make Whoosh's posting cursors skip within a block by bisection.

    It lands where Whoosh's own ``skip_to`` does, on the first posting at or
    after the target (a Hypothesis test checks that definition); skipping whole
    blocks, by each block's last id, stays Whoosh's.
    """
    from whoosh.codec import whoosh3
    from whoosh.matching import ReadTooFar

    def skip_to(self: Any, targetid: Any) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
            if not self.is_active():
                return
            if self._ids is None:
                self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i)

    whoosh3.W3LeafMatcher.skip_to = skip_to


def _intersect_without_rechecks() -> None:
    """Make Whoosh's AND matcher leapfrog without re-testing unchanged cursors.

    ``IntersectionMatcher._find_next`` asked both cursors whether they were
    active on every step, although only the one it just moved can have run
    out; AND and phrase queries take that step thousands of times. The same
    matches come out (a Hypothesis test compares them with set intersection).
    """
    from whoosh.matching import binary

    def _find_next(self: Any) -> bool:
        a, b = self.a, self.b
        a_id, b_id = a.id(), b.id()
        skipped = False
        while a_id != b_id:
            if a_id < b_id:
                skipped = a.skip_to(b_id) or skipped
                if not a.is_active():
                    break
                a_id = a.id()
            else:
                skipped = b.skip_to(a_id) or skipped
                if not b.is_active():
                    break
                b_id = b.id()
        return skipped

    binary.IntersectionMatcher._find_next = _find_next


# postings per pickled chunk of a sort run: big enough to leave the per-item
# cost to C, small enough to keep the merge of runs streaming
_RUN_CHUNK = 2048


def _pickle_sort_runs_in_chunks() -> None:
    """Make Whoosh's external sort write and read its runs a chunk of postings at a time.

    Whoosh sorts a segment's postings, and every posting of the segments it
    merges, through temporary run files, with one ``pickle.dump`` call (protocol
    2) per posting and one ``pickle.load`` per posting back. Runs are private
    to the pool that writes them, so both sides change together.
    """
    from whoosh import externalsort

    def _write_run(self: Any, f: Any, items: Any) -> None:
        items = iter(items)
        while chunk := list(islice(items, _RUN_CHUNK)):
            pickle.dump(chunk, f, _PICKLE_PROTOCOL)
        f.close()

    def _read_run(self: Any, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)

    externalsort.SortingPool._write_run = _write_run
    externalsort.SortingPool._read_run = _read_run


def _merge_segments_by_streaming() -> None:
    """Make Whoosh merge segments by streaming their sorted postings together.

    To merge segments, Whoosh pours every posting of each one into the new
    segment's sort pool, one Python call each, and sorts them all again
    through temporary runs, though each segment already holds its postings in
    (field, term, document) order and the merged documents keep their order.
    Here a merged segment's postings stay where they are until the new segment
    is flushed, and are then interleaved with the pool's sorted postings by
    ``heapq.merge`` on the same (field, term, document) order. Documents'
    stored fields and columns are copied as before, at the time of the merge.
    """
    from whoosh import writing
    from whoosh.reading import SegmentReader

    stock_add_reader = writing.SegmentWriter.add_reader
    stock_flush = writing.SegmentWriter._flush_segment
    stock_close = writing.SegmentWriter._close_segment

    def add_reader(self: Any, reader: Any) -> None:
        if not isinstance(reader, SegmentReader):
            stock_add_reader(self, reader)
            return
        self._check_state()
        basedoc = self.docnum
        indexed = {name for name in reader.indexed_field_names() if name in self.schema}
        docmap = self.write_per_doc(set(self.schema.names()) | indexed, reader)
        # Whoosh closes ``reader`` once this returns: keep a reader of our own
        kept = SegmentReader(self.storage, self.schema, reader.segment())
        self.__dict__.setdefault("_streamed", []).append(
            (kept, self._process_posts(kept.iter_postings(), basedoc, docmap)))
        self._added = True

    def _flush_segment(self: Any) -> None:
        streamed = self.__dict__.get("_streamed")
        writes_by_term = getattr(self.pool, "writes_by_term", None)  # a TermPool's
        by_term = not streamed and writes_by_term is not None \
            and writes_by_term(self.fieldwriter, self.schema)
        if not (streamed or by_term):
            stock_flush(self)
            return
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        if by_term:
            self.pool.write_by_term(self.fieldwriter, self.schema, lengths)
        else:
            postings = heapq.merge(self.pool.iter_postings(), *(s for _, s in streamed),
                                   key=_POSTING_ORDER)
            self.fieldwriter.add_postings(self.schema, lengths, postings)
        self.fieldwriter.close()
        if lengths:
            lengths.close()

    def _close_segment(self: Any) -> None:
        for reader, _ in self.__dict__.pop("_streamed", []):
            reader.close()
        stock_close(self)

    writing.SegmentWriter.add_reader = add_reader
    writing.SegmentWriter._flush_segment = _flush_segment
    writing.SegmentWriter._close_segment = _close_segment


# (field, term, document): the order of a sort pool and of a segment's postings
_POSTING_ORDER = itemgetter(0, 1, 2)


def field_length_bytes(reader: Any, fieldname: str) -> bytes | None:
    """A segment's length bytes of ``fieldname``, one per document, in one read.

    None when the reader is not a whoosh3 segment or the field has no lengths.
    Documents past the stored row (Whoosh leaves trailing zeros unwritten)
    read 0, as Whoosh's own column does.
    """
    from whoosh.codec.whoosh3 import W3PerDocReader

    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return None
    return length_row(perdoc, fieldname)


def length_row(perdoc: Any, fieldname: str) -> bytes | None:
    """The length bytes of ``fieldname`` in one whoosh3 per-document reader, read once."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    rows = perdoc.__dict__.setdefault("_length_rows", {})
    if fieldname not in rows:
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        rows[fieldname] = None if column is None else bytes(
            column._dbfile.get(column._basepos, column._count * column._fixedlen)
        ).ljust(perdoc._doccount, b"\0")
    return rows[fieldname]


# a length byte -> the field length it stands for (None for 0: no length)
DECODED_LENGTHS = [None, *(byte_to_length(b) for b in range(1, 256))]


def _read_lengths_by_row() -> None:
    """Make whoosh3's per-document reader look field lengths up in a row read once.

    Results are those of Whoosh's own methods: the default for a field without
    lengths, the decoded length for a set byte, ``None`` for a zero byte.
    """
    from whoosh.codec import whoosh3

    def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        readers = self._readers
        if fieldname not in readers:  # a missing column is remembered too
            readers[fieldname] = (self.column_reader(fieldname, column)
                                  if self.has_column(fieldname) else None)
        return readers[fieldname]

    def doc_field_length(self: Any, docnum: int, fieldname: str, default: Any = 0) -> Any:
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        row = length_row(self, fieldname)
        if row is None:
            return default
        return DECODED_LENGTHS[row[docnum]] if docnum < len(row) else None

    def doc_field_length_reader(self: Any, fieldname: str, default: Any = 0) -> Any:
        row = length_row(self, fieldname)
        if row is None:
            return lambda docnum, _default=default: _default
        return lambda docnum: DECODED_LENGTHS[row[docnum]]

    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3PerDocReader.doc_field_length = doc_field_length
    whoosh3.W3PerDocReader.doc_field_length_reader = doc_field_length_reader


class _CountingWriter:
    """A file being written that knows its position without asking the OS."""

    def __init__(self, file: Any) -> None:
        self._file = file
        self._position = file.tell()

    def write(self, data: Any) -> int:
        written = self._file.write(data)
        self._position += written
        return written

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._position = self._file.seek(offset, whence)
        return self._position

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def _count_written_positions() -> None:
    """Make the files Whoosh creates in a folder count the bytes written to them."""
    from whoosh.filedb.filestore import FileStorage

    stock_create = FileStorage.create_file

    def create_file(self: Any, name: str, excl: bool = False, mode: str = "wb",
                    **kwargs: Any) -> Any:
        structfile = stock_create(self, name, excl=excl, mode=mode, **kwargs)
        if mode == "wb":
            structfile.file = _CountingWriter(structfile.file)
        return structfile

    FileStorage.create_file = create_file


def _sort_postings(postings: list[Any]) -> None:
    """Sort a pool's postings in place into (field, term, document) order.

    A pool receives each (field, term)'s postings in document order (documents
    are numbered as they are added, merged ones after), so stable sorts by term,
    then by field, leave them in that order.
    """
    postings.sort(key=itemgetter(1))
    postings.sort(key=itemgetter(0))


def _length_reader(lengths: Any, fieldname: str) -> Any:
    """``docnum -> length`` of one field from what Whoosh passes as ``lengths``: a
    per-document reader (its fast accessor), another object with
    ``doc_field_length``, or nothing."""
    if not lengths:
        return None
    reader = getattr(lengths, "doc_field_length_reader", None)
    if reader is not None:
        return reader(fieldname)
    return lambda docnum: lengths.doc_field_length(docnum, fieldname)


def _write_postings_tightly() -> None:
    """Make Whoosh sort a segment's postings by two stable sorts and write them
    in one loop that calls the postings writer directly."""
    from whoosh import writing
    from whoosh.codec import whoosh3
    from whoosh.codec.base import OutOfOrderError
    from whoosh.externalsort import SortingPool

    def save(self: Any) -> None:
        if self.current:
            _sort_postings(self.current)
            path, f = self._new_run()
            self._write_run(f, self.current)
            self._add_run(path)
            self.current = []
        self.currentsize = 0

    def items(self: Any, maxfiles: int = 128) -> Any:
        if not self.runs:
            _sort_postings(self.current)
            return self.current
        return SortingPool.items(self, maxfiles)  # saves the rest, merges the runs

    def add_posting(self: Any, id_: int, weight: float, vbytes: bytes,
                    length: int | None = None) -> None:
        # W3PostingsWriter.add_posting without its type assertions; the arrays
        # of ids and weights still refuse what is not a number
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def add_postings(self: Any, schema: Any, lengths: Any, items: Any) -> None:
        # FieldWriter.add_postings for whoosh3: the same calls, order checks
        # and lengths, with the per-posting work cut to the postings writer's
        field = term = None
        length_of: Any = None
        add: Any = None
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != field:
                if field is not None:
                    if fieldname < field:
                        raise OutOfOrderError(f"Field {field!r} .. {fieldname!r}")
                    if term is not None:
                        self.finish_term()
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                field, term = fieldname, None
                length_of = _length_reader(lengths, fieldname)
                add = self._postwriter.add_posting
            if docnum == -1:  # Whoosh's marker for spelling words: not a posting
                continue
            if btext != term:
                if term is not None:
                    if btext < term:
                        raise OutOfOrderError(f"Term {field}:{term!r} .. {field}:{btext!r}")
                    self.finish_term()
                self.start_term(btext)
                term = btext
            add(docnum, weight, b"" if value is None else value,
                length_of(docnum) if length_of else 0)
        if term is not None:
            self.finish_term()
        if field is not None:
            self.finish_field()

    writing.PostingPool.save = save
    writing.PostingPool.items = items
    whoosh3.W3PostingsWriter.add_posting = add_posting
    whoosh3.W3FieldWriter.add_postings = add_postings
