"""Segment files are read in place from their memory map (searchidx/storage.py)."""

import io
import os
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx import Index
from searchidx.storage import MemoryFile

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
        readers = ix.searcher().reader().leaf_readers()
        postings = [reader._terms._postfile for reader, _ in readers]
        assert postings and all(isinstance(p.file, MemoryFile) for p in postings)
