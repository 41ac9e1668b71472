"""Segment files: written with compact pickles, read in place (searchidx/storage.py)."""

import contextlib
import io
import os
import pickle
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx import Index
from searchidx.backends.whoosh.storage import MemoryFile

from .conftest import SEEDS

OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("read"), st.integers(-1, 300)),
    st.tuples(st.just("readline"), st.integers(-1, 300)),
    st.tuples(st.just("seek"), st.integers(0, 400), st.just(os.SEEK_SET)),
    st.tuples(st.just("seek"), st.integers(-400, 400), st.just(os.SEEK_CUR)),
    st.tuples(st.just("seek"), st.integers(-400, 50), st.just(os.SEEK_END)),
), max_size=40)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), operations=OPERATIONS)
def test_memory_file_reads_like_bytesio(data, operations):
    expected, got = io.BytesIO(data), MemoryFile(memoryview(data))
    for name, *args in operations:
        assert getattr(got, name)(*args) == getattr(expected, name)(*args)
        assert got.tell() == expected.tell()


def test_memory_file_unpickles():
    data = b"head" + pickle.dumps({"terms": ["munizioni"], "n": 3}) + b"tail"
    got = MemoryFile(memoryview(data))
    got.seek(4)
    assert pickle.load(got) == {"terms": ["munizioni"], "n": 3}
    assert got.read() == b"tail"


def test_a_searcher_reads_segments_without_copying_them(tmp_path, config):
    with Index(tmp_path / "ix", config) as ix:
        ix.update([SEEDS])
        assert ix.search("munizioni").total == 3
        readers = ix.backend().searcher().reader().leaf_readers()
        postings = [reader._terms._postfile for reader, _ in readers]
        assert postings and all(isinstance(p.file, MemoryFile) for p in postings)


def _first_postings_block(ix):
    """The unpickled-before bytes of the first multi-posting block of 'body'."""
    reader = ix.backend().searcher().reader().leaf_readers()[0][0]
    for (field, term), info in reader._terms.items():
        if field == "body" and info.doc_frequency() > 1:
            matcher = reader.postings(field, term)
            data = matcher._postfile.get(matcher._dataoffset,
                                         matcher._nextoffset - matcher._dataoffset)
            return zlib.decompress(data) if matcher._compression else data
    raise AssertionError("no body term in two articles")


def _index_size(folder):
    return sum(f.stat().st_size for f in folder.iterdir() if f.suffix == ".seg")


def test_our_writes_pickle_with_protocol_4_and_leave_whoosh_stock(tmp_path, config):
    from whoosh import columns
    from whoosh.codec import whoosh3

    with Index(tmp_path / "ix", config) as ix:
        ix.update([SEEDS])
        assert _first_postings_block(ix)[:2] == b"\x80\x04"
    assert whoosh3.dumps is pickle.dumps and columns.dumps is pickle.dumps


def test_protocol_2_indexes_read_alike_and_are_bigger(tmp_path, config, monkeypatch):
    queries = ["munizioni", '"Corea del Nord"', "Kirby Putin"]
    with Index(tmp_path / "compact", config) as compact:
        compact.update([SEEDS])
        expected = [[(h.id, h.score, h.snippet) for h in compact.search(q).hits]
                    for q in queries]
        expected_docs = list(compact.iter_documents())
    monkeypatch.setattr("searchidx.backends.whoosh.writing.compact_pickles",
                        contextlib.nullcontext)
    with Index(tmp_path / "stock", config) as stock:
        stock.update([SEEDS])
        assert _first_postings_block(stock)[:2] == b"\x80\x02"
        got = [[(h.id, h.score, h.snippet) for h in stock.search(q).hits] for q in queries]
        assert got == expected and all(got)
        assert list(stock.iter_documents()) == expected_docs
    assert _index_size(tmp_path / "compact") < 0.9 * _index_size(tmp_path / "stock")


def _segment_sizes(folder):
    from whoosh import index as windex

    return sorted(s.doc_count_all() for s in windex.open_dir(str(folder))._segments())


def test_a_run_merges_its_tail_of_small_segments(tmp_path):
    from searchidx.config import load_config

    def build(name, merge_at):
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"index:\n  commit_every: 1\n  merge_small_segments: {merge_at}\n",
                        encoding="utf-8")
        with Index(tmp_path / name, load_config(path, search_cwd=False)) as ix:
            report = ix.update([SEEDS])
            hits = [(h.id, h.score) for h in ix.search("munizioni OR Kirby").hits]
        return report, _segment_sizes(tmp_path / name), hits

    kept, kept_sizes, kept_hits = build("never", 0)
    merged, merged_sizes, merged_hits = build("at3", 3)
    assert kept.merged_segments == 0 and len(kept_sizes) >= 3
    assert merged.merged_segments == len(kept_sizes) and merged_sizes == [5]
    assert "segments merged into one" in merged.summary()
    # the same ranking; scores move a little, as Whoosh re-sums the merged field lengths
    assert [i for i, _ in merged_hits] == [i for i, _ in kept_hits] and merged_hits
    assert all(abs(a - b) < 0.01 * b for (_, a), (_, b) in zip(merged_hits, kept_hits, strict=True))


def _postings_index():
    """A stock Whoosh index of 1,000 documents; term ``every_k`` is in docs k, 2k, …"""
    from whoosh.fields import KEYWORD, Schema
    from whoosh.filedb.filestore import RamStorage

    ix = RamStorage().create_index(Schema(t=KEYWORD))
    writer = ix.writer()
    for doc in range(1000):
        writer.add_document(t=" ".join(f"every_{k}" for k in (1, 2, 7, 50, 333)
                                        if doc % k == 0))
    writer.commit()
    return ix


POSTINGS = _postings_index()


@settings(max_examples=150, deadline=None)
@given(k=st.sampled_from([1, 2, 7, 50, 333]),
       targets=st.lists(st.integers(0, 1100), max_size=30))
def test_bisection_skips_to_the_first_posting_at_or_after_the_target(k, targets):
    from whoosh.matching import ReadTooFar

    from searchidx.backends.whoosh.storage import patch_whoosh

    patch_whoosh()
    ids = list(range(0, 1000, k))
    with POSTINGS.searcher() as searcher:
        matcher = searcher.postings("t", f"every_{k}")
        at = 0
        for target in targets:
            if not matcher.is_active():
                try:
                    matcher.skip_to(target)
                except ReadTooFar:
                    continue
                raise AssertionError("an exhausted cursor must refuse to skip")
            matcher.skip_to(target)
            ahead = [i for i in ids if i >= max(target, ids[at])]
            if ahead:
                assert matcher.is_active() and matcher.id() == ahead[0]
                at = ids.index(ahead[0])
            else:
                assert not matcher.is_active()


def test_blocks_decode_to_whooshs_ids_and_weights(seeds_index):
    """Ids from their gaps and uniform weights expanded as whoosh3 does, block by block,
    on blocks of every kind: all weights 1, one other weight for all, and mixed."""
    from array import array

    from whoosh.util.numlists import delta_decode

    from searchidx.backends.whoosh.storage import patch_whoosh

    patch_whoosh()
    kinds = set()
    searchers = [(POSTINGS.searcher(), "t"), (seeds_index.backend().searcher(), "body")]
    for searcher, fieldname in searchers:
        reader = searcher.reader()
        for term in list(reader.lexicon(fieldname))[:400]:
            matcher = reader.postings(fieldname, term)
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                gaps, weights = matcher._data[0], matcher._data[1]
                assert matcher._ids == tuple(delta_decode(gaps))
                if weights is None:
                    expected = array("f", (1.0 for _ in range(matcher._blocklength)))
                elif isinstance(weights, float):
                    expected = array("f", (weights for _ in range(matcher._blocklength)))
                else:
                    expected = weights
                assert list(matcher._weights) == list(expected)
                kinds.add(type(weights).__name__)
                matcher._next_block()
    searchers[0][0].close()
    assert {"NoneType", "float", "tuple"} <= kinds


@settings(max_examples=60, deadline=None)
@given(ks=st.lists(st.sampled_from([1, 2, 7, 50, 333]), min_size=2, max_size=4),
       start=st.integers(0, 1100))
def test_and_matcher_finds_exactly_the_common_documents(ks, start):
    from whoosh.matching import IntersectionMatcher, UnionMatcher

    from searchidx.backends.whoosh.storage import patch_whoosh

    patch_whoosh()
    with POSTINGS.searcher() as searcher:
        cursors = [searcher.postings("t", f"every_{k}") for k in ks]
        # (k0 OR k1) AND k2 AND …: unions and intersections, as a parsed query makes
        matcher = UnionMatcher(cursors[0], cursors[1]) if len(ks) > 2 else cursors[0]
        for cursor in cursors[2 if len(ks) > 2 else 1:]:
            matcher = IntersectionMatcher(matcher, cursor)
        found = []
        if matcher.is_active() and start:
            matcher.skip_to(start)
        while matcher.is_active():
            found.append(matcher.id())
            matcher.next()
    if len(ks) > 2:
        first = {d for d in range(1000) if d % ks[0] == 0 or d % ks[1] == 0}
        rest = ks[2:]
    else:
        first, rest = {d for d in range(1000) if d % ks[0] == 0}, ks[1:]
    expected = sorted(d for d in first if all(d % k == 0 for k in rest) and d >= start)
    assert found == expected


POSTING = st.tuples(st.sampled_from(["body", "title"]), st.binary(max_size=4),
                    st.integers(0, 50), st.floats(0, 5), st.binary(max_size=6))


@settings(max_examples=80, deadline=None)
@given(postings=st.lists(POSTING, max_size=60), maxsize=st.integers(1, 7),
       maxfiles=st.integers(2, 4))
def test_sort_runs_in_chunks_give_back_every_posting_in_order(postings, maxsize, maxfiles):
    from whoosh.externalsort import SortingPool

    from searchidx.backends.whoosh import storage

    storage.patch_whoosh()
    pool = SortingPool(maxsize=maxsize)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage, "_RUN_CHUNK", 3)  # chunks split inside runs, too
        for posting in postings:
            pool.add(posting)
        assert list(pool.items(maxfiles=maxfiles)) == sorted(postings)
    assert all(not os.path.exists(run) for run in pool.runs)


@settings(max_examples=80, deadline=None)
@given(documents=st.lists(st.lists(st.tuples(st.sampled_from(["body", "quotes", "title"]),
                                             st.binary(min_size=1, max_size=3)),
                                   max_size=12, unique=True), max_size=12),
       limit=st.sampled_from([None, 400]))
def test_a_posting_pool_gives_back_its_postings_in_whooshs_order(documents, limit):
    """Postings added document by document, kept in memory or partly saved to
    sort runs: the pool's two stable sorts give the order of a full sort."""
    from whoosh.filedb.filestore import RamStorage
    from whoosh.writing import PostingPool

    from searchidx.backends.whoosh.storage import patch_whoosh

    patch_whoosh()
    from whoosh.codec.whoosh3 import W3Segment

    pool = PostingPool(RamStorage(), W3Segment(None, "pool"), limitmb=1)
    if limit:
        pool.limit = limit  # bytes: save a run every few postings
    postings = [(field, term, docnum, 1.0 + len(term), term * 2)
                for docnum, terms in enumerate(documents) for field, term in terms]
    for posting in postings:
        pool.add(posting)
    assert list(pool.iter_postings()) == sorted(postings)
    assert limit is None or len(postings) < 8 or pool.runs == []  # runs were merged back


@settings(max_examples=80, deadline=None)
@given(documents=st.lists(st.lists(st.tuples(st.sampled_from(["body", "quotes", "title"]),
                                             st.binary(min_size=1, max_size=3)),
                                   max_size=12, unique=True), max_size=12),
       limit=st.sampled_from([None, 700, 1500]), maxfiles=st.integers(2, 4))
def test_a_term_pool_gives_back_its_postings_in_whooshs_order(documents, limit, maxfiles):
    """Postings filed by term as documents come, in memory or partly saved to sort
    runs: they come back in the order of a full sort, values and weights intact."""
    from whoosh.codec.whoosh3 import W3Segment
    from whoosh.filedb.filestore import RamStorage

    from searchidx.backends.whoosh.storage import patch_whoosh
    from searchidx.backends.whoosh.termpool import TermPool

    patch_whoosh()
    pool = TermPool(RamStorage(), W3Segment(None, "pool"), limitmb=1)
    if limit:
        pool.limit = limit  # bytes: save a run every few terms
    postings = [(field, term, docnum, 1.0 + len(term) * 0.25, term * docnum or None)
                for docnum, terms in enumerate(documents) for field, term in terms]
    for posting in postings:
        pool.add(posting)
    assert list(pool.items(maxfiles=maxfiles)) == sorted(postings, key=lambda p: p[:3])
    assert pool.fieldnames == {p[0] for p in postings}
    assert pool.runs == []  # merged back, or never written


def _postings_by_id(ix):
    """{(field, term): [(stored id, weight, value) …]} over every segment, and the doc order."""
    out = {}
    with ix.reader() as reader:
        for leaf, _ in (reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]):
            ids = {n: leaf.stored_fields(n)["id"] for n in range(leaf.doc_count_all())}
            for fieldname, text in leaf.all_terms():
                matcher = leaf.postings(fieldname, text)
                docnums = list(matcher.all_ids())
                assert docnums == sorted(docnums)
                matcher = leaf.postings(fieldname, text)
                while matcher.is_active():
                    out.setdefault((fieldname, text), []).append(
                        (ids[matcher.id()], matcher.weight(), matcher.value()))
                    matcher.next()
    return {key: sorted(value) for key, value in out.items()}


WORDS = st.lists(st.sampled_from(["arma", "munizioni", "kiev", "mosca", "tregua", "pace"]),
                 min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.lists(WORDS, min_size=1, max_size=4), min_size=2, max_size=5),
       last=st.lists(WORDS, max_size=3), deleted=st.sets(st.integers(0, 20), max_size=3))
def test_streamed_merges_keep_every_posting(batches, last, deleted):
    """Segments merged with documents of the same commit, some deleted: every
    posting (weight, positions) is where a single segment built at once has it."""
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    from searchidx.backends.whoosh.storage import patch_whoosh

    patch_whoosh()
    schema = Schema(id=ID(stored=True, unique=True), text=TEXT(phrase=True))
    committed = sum(len(batch) for batch in batches)
    deleted = {n for n in deleted if n < committed}  # Whoosh deletes committed documents only
    docs = [words for batch in [*batches, last] for words in batch]
    kept = [(f"d{n}", words) for n, words in enumerate(docs) if n not in deleted]
    merged = RamStorage().create_index(schema)
    n = 0
    for batch in batches:
        writer = merged.writer()
        for words in batch:
            writer.add_document(id=f"d{n}", text=" ".join(words))
            n += 1
        writer.commit(merge=False)
    writer = merged.writer()
    for words in last:
        writer.add_document(id=f"d{n}", text=" ".join(words))
        n += 1
    for gone in deleted:
        writer.delete_by_term("id", f"d{gone}")
    writer.commit(optimize=True)
    assert len(merged._segments()) <= 1
    reference = RamStorage().create_index(schema)
    writer = reference.writer()
    for doc_id, words in kept:
        writer.add_document(id=doc_id, text=" ".join(words))
    writer.commit()
    assert _postings_by_id(merged) == _postings_by_id(reference)


WRITES = st.lists(st.one_of(
    st.tuples(st.just("write"), st.binary(max_size=300)),
    st.tuples(st.just("varint"), st.integers(0, 2**40)),
    st.tuples(st.just("array"), st.lists(st.integers(-2**31, 2**31 - 1), max_size=20)),
    st.tuples(st.just("pickle"), st.lists(st.integers(), max_size=5)),
    st.tuples(st.just("seek"), st.integers(0, 400)),
), max_size=40)


@settings(max_examples=100, deadline=None)
@given(operations=WRITES)
def test_written_files_count_their_position_as_the_os_does(operations):
    import tempfile
    from array import array

    from whoosh.filedb.filestore import FileStorage

    from searchidx.backends.whoosh.storage import patch_whoosh

    patch_whoosh()
    with tempfile.TemporaryDirectory() as folder:
        f = FileStorage(folder).create_file("part")
        real = f.file._file  # the open file under the counting one
        assert f.tell() == real.tell() == 0
        for operation, value in operations:
            if operation == "write":
                f.write(value)
            elif operation == "varint":
                f.write_varint(value)
            elif operation == "array":
                f.write_array(array("i", value))
            elif operation == "pickle":
                f.write_pickle(value)
            else:
                f.seek(min(value, real.tell()))
            assert f.tell() == real.tell()
        f.close()


def test_field_lengths_read_by_row_answer_as_whooshs_column_does(tmp_path):
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage
    from whoosh.util.numeric import byte_to_length

    from searchidx.backends.whoosh.storage import patch_whoosh

    patch_whoosh()
    schema = Schema(id=ID(stored=True), text=TEXT, note=TEXT)
    ix = FileStorage(str(tmp_path)).create_index(schema)
    writer = ix.writer()
    for n, words in enumerate(["arma", "", "kiev " * 300, "mosca pace", ""]):
        fields = {"id": f"d{n}", "text": words} if words else {"id": f"d{n}"}
        if n == 3:
            fields["note"] = "tregua"  # the last document with a note: its row stops here
        writer.add_document(**fields)
    writer.commit()
    with ix.reader() as reader:
        perdoc = reader._perdoc
        count = reader.doc_count_all()
        checked = 0
        for field in ("text", "note", "id", "absent"):
            length = _lenfield(field)
            column = (perdoc.column_reader(length, LENGTHS_COLUMN)
                      if perdoc.has_column(length) else None)
            for docnum in range(count + 1):
                if column is None:
                    expected = 7
                else:
                    byte = column[docnum]
                    expected = byte_to_length(byte) if byte else None
                assert perdoc.doc_field_length(docnum, field, 7) == expected, (field, docnum)
                if docnum < count:
                    assert perdoc.doc_field_length_reader(field, 7)(docnum) == expected
                checked += expected not in (None, 7)
        assert checked == 4  # three texts and a note have lengths
        with pytest.raises(IndexError):
            perdoc.doc_field_length(count + 1, "text")


def test_postings_take_lengths_from_any_object_whoosh_may_pass():
    from searchidx.backends.whoosh.storage import _length_reader

    class Plain:  # only Whoosh's slow accessor
        def doc_field_length(self, docnum, fieldname):
            return docnum * 10 + len(fieldname)

    class Fast(Plain):
        def doc_field_length_reader(self, fieldname):
            return lambda docnum: -docnum

    assert _length_reader(None, "body") is None
    assert _length_reader(Plain(), "body")(3) == 34
    assert _length_reader(Fast(), "body")(3) == -3


def _segment_parts(folder, segment):
    """{file kind: bytes} of one compound segment (names without the segment id)."""
    from whoosh.filedb.filestore import FileStorage

    storage = segment.open_compound_file(FileStorage(str(folder)))
    parts = {}
    for name in storage.list():
        with contextlib.closing(storage.open_file(name)) as f:
            parts[name.removeprefix(segment.segment_id())] = bytes(f.read())
    storage.close()
    return parts


def test_documents_added_by_field_write_the_segment_whoosh_writes(tmp_path, config):
    """DocumentAdder and TermPool.write_by_term write the very bytes Whoosh's
    add_document and sort pool do: terms over several postings blocks, empty
    fields, a document boost. (A pool spilled to sort runs is written by
    Whoosh's own loop: test_a_term_pool_gives_back_its_postings_in_whooshs_order.)"""
    from whoosh.index import create_in, open_dir
    from whoosh.writing import SegmentWriter

    from searchidx.analysis import name_key
    from searchidx.backends.whoosh.schema import build_schema, document_fields
    from searchidx.backends.whoosh.storage import compact_pickles, patch_whoosh
    from searchidx.backends.whoosh.termpool import DocumentAdder, TermPool
    from searchidx.pipeline import extract_one
    from searchidx.read import discover, read_source

    stop = frozenset(name_key(s) for s in config["italian"]["stopwords"])
    sources, _ = discover([SEEDS], config)
    articles = [extract_one(raw, config) for s in sources for raw in read_source(s, config)]
    documents = []
    for copy in range(70):  # 350 documents: the seeds' common terms fill 2-3 blocks
        for article in articles:
            fields = document_fields(article, stop)
            fields["id"] = f"{fields['id']}~{copy}"
            documents.append(fields)
    documents[7]["quotes"] = ""  # a field without terms is not started in the segment
    documents[11]["_boost"] = 2.0  # left to Whoosh's add_document
    patch_whoosh()
    segments = {}
    for way in ("whoosh", "by field"):
        folder = tmp_path / way
        folder.mkdir()
        create_in(str(folder), build_schema(config))
        with compact_pickles():
            writer = SegmentWriter(open_dir(str(folder)), _lk=False)
            if way == "whoosh":
                add = lambda fields, w=writer: w.add_document(**fields)  # noqa: E731
            else:
                writer.pool = TermPool(writer.temp_storage(), writer.newsegment)
                add = DocumentAdder(writer).add
            for fields in documents:
                add(dict(fields))
            segments[way] = _segment_parts(folder, writer._finalize_segment())
    assert segments["whoosh"].keys() == segments["by field"].keys()
    for kind, data in segments["whoosh"].items():
        assert segments["by field"][kind] == data, kind
