"""BM25F over tabled field lengths scores exactly like Whoosh's (searchidx/scoring.py)."""

import pytest
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from searchidx import Index
from searchidx.config import load_config
from searchidx.scoring import TabledBM25F
from searchidx.search import parse_query
from searchidx.storage import field_length_bytes

from .conftest import SEEDS

QUERIES = [("munizioni", False), ("Kirby Corea", True), ("Putin Kim vertice", True),
           ('"Corea del Nord"', False), ("guerra Russia", False), ("Kim OR Biden", False)]


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    """The seeds in five one-article segments, so lengths come from several rows."""
    folder = tmp_path_factory.mktemp("segmented")
    path = folder / "one.yaml"
    path.write_text("index:\n  commit_every: 1\n  merge_small_segments: 0\n", encoding="utf-8")
    ix = Index(folder / "ix", load_config(path, search_cwd=False))
    ix.update([SEEDS])
    yield ix
    ix.close()


def test_the_index_ranks_with_tabled_bm25f(segmented):
    assert isinstance(segmented.searcher().weighting, TabledBM25F)


def test_scores_are_whooshs_bm25f_bit_for_bit(segmented):
    ours = segmented.searcher()
    assert len(ours.leaf_searchers()) == 5
    stock = segmented._whoosh().searcher(
        weighting=scoring.BM25F(B=ours.weighting.B, K1=ours.weighting.K1))
    compared = 0
    for text, any_words in QUERIES:
        q = parse_query(segmented, text, any_words=any_words)
        expected = {hit.docnum: hit.score for hit in stock.search(q, limit=None)}
        got = {hit.docnum: hit.score for hit in ours.search(q, limit=None)}
        assert got == expected, text
        compared += len(got)
    stock.close()
    assert compared >= 10


def test_length_rows_match_whooshs_per_document_lengths(segmented):
    rows = 0
    for leaf, _ in segmented.searcher().leaf_searchers():
        reader = leaf.reader()
        for fieldname in ("title", "body", "quotes"):
            row = field_length_bytes(reader, fieldname)
            # Whoosh's own column reader, one document at a time
            column = reader._perdoc.column_reader(_lenfield(fieldname), LENGTHS_COLUMN) \
                if reader._perdoc.has_column(_lenfield(fieldname)) else None
            if row is None:  # no article of the segment has words in the field
                assert column is None
                continue
            lengths = [byte_to_length(column[d]) for d in range(reader.doc_count_all())]
            assert [byte_to_length(byte) for byte in row] == lengths
            rows += 1
        assert field_length_bytes(reader, "no_such_field") is None
    assert rows >= 7  # every body, and the titles and quotes some seeds have
