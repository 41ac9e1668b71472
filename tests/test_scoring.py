"""BM25F over tabled field lengths scores exactly like Whoosh's, and prefix groups score as
one term (searchidx/backends/whoosh/scoring.py)."""

import json
import math

import pytest
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.query import Every, Term
from whoosh.util.numeric import byte_to_length

from searchidx import Index
from searchidx.backends.whoosh.scoring import RankedByPrefixes, TabledBM25F, disjunction_scores
from searchidx.backends.whoosh.storage import field_length_bytes
from searchidx.config import load_config
from searchidx.query import parse

from .conftest import SEEDS


def parse_query(ix, text, any_words=False):
    """The Whoosh query searchidx runs for ``text``."""
    return ix.backend().compile(parse(text, any_words=any_words).root)

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
    assert isinstance(segmented.backend().searcher().weighting, TabledBM25F)


def test_scores_are_whooshs_bm25f_bit_for_bit(segmented):
    ours = segmented.backend().searcher()
    assert len(ours.leaf_searchers()) == 5
    stock = segmented.backend().folder.whoosh().searcher(
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
    for leaf, _ in segmented.backend().searcher().leaf_searchers():
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


def _group_scores(ix, word, chars=5, boost=1.0, searcher=None):
    """Article id -> what ``RankedByPrefixes`` adds for ``word`` to the score of each
    article (those it adds nothing to are left out)."""
    searcher = searcher or ix.backend().searcher()
    base = {hit["id"]: hit.score for hit in searcher.search(Every(), limit=None)}
    ranked = searcher.search(RankedByPrefixes(Every(), "body", [word], chars, boost), limit=None)
    assert {hit["id"] for hit in ranked} == set(base)  # what matches is the child's
    return {hit["id"]: hit.score - base[hit["id"]] for hit in ranked
            if hit.score != base[hit["id"]]}


def _expected_group_scores(ix, word, boost):
    """What the group of ``word`` should add, from the definition: the frequencies of its
    terms summed, the commonest term's document frequency, BM25 as Whoosh's."""
    searcher = ix.backend().searcher()
    reader, weighting = searcher.reader(), searcher.weighting
    terms = [t.decode() for t in reader.expand_prefix("body", word[:5])]
    df = max(reader.doc_frequency("body", t) for t in terms)
    idf = math.log(reader.doc_count_all() / (df + 1)) + 1
    expected = {}
    for docnum in range(reader.doc_count_all()):
        tf = sum(_frequency(reader, docnum, term) for term in terms)
        if tf:
            length = reader.doc_field_length(docnum, "body")
            expected[searcher.stored_fields(docnum)["id"]] = boost * scoring.bm25(
                idf, tf, length, searcher.avg_field_length("body"), weighting.B, weighting.K1)
    return terms, expected


def test_a_prefix_group_scores_its_terms_as_one_term(segmented):
    terms, expected = _expected_group_scores(segmented, "fornitura", 0.5)
    assert len(terms) >= 3  # fornire, fornitura, fornito, ...
    got = _group_scores(segmented, "fornitura", boost=0.5)  # only its first 5 letters count
    assert len(got) >= 2
    assert got == pytest.approx(expected)


def _index_with_a_deletion(tmp_path, config, first_text, other_texts):
    """An index of article "a" (``first_text``), "b", "c"... (``other_texts``) where
    "a" was then re-indexed with other words: its old postings stay in the first
    segment, marked deleted."""
    corpus = tmp_path / "news.jsonl"

    def write(text_of_a):
        records = [{"id": "a", "text": text_of_a}]
        records += [{"id": chr(ord("b") + k), "text": t} for k, t in enumerate(other_texts)]
        corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    write(first_text)
    ix = Index(tmp_path / "ix", config)
    ix.update([corpus])
    write("Oggi si parla di altro.")
    assert ix.update([corpus]).updated == 1
    leaves = ix.backend().searcher().leaf_searchers()
    assert any(leaf.reader().has_deletions() for leaf, _ in leaves)
    return ix


def test_a_prefix_group_leaves_out_deleted_articles(tmp_path, config):
    """A re-indexed article leaves a deletion in the old segment: its old postings
    must not count (they are read one by one there, filtered)."""
    with _index_with_a_deletion(
            tmp_path, config, "Fornire munizioni: la fornitura arriva, fornita dal fornitore.",
            ["La fornitura di armi e il fornitore russo.",
             "Nessuna notizia sulle forniture di oggi."]) as ix:
        _, expected = _expected_group_scores(ix, "fornitura", 1.0)
        got = _group_scores(ix, "fornitura")
        assert set(got) == {"b", "c"}
        assert got == pytest.approx(expected)


def _frequency(reader, docnum, term):
    matcher = reader.postings("body", term)
    if matcher.is_active():  # a term whose only articles were deleted has none
        matcher.skip_to(docnum)
    return matcher.value_as("frequency") if matcher.is_active() and matcher.id() == docnum else 0


def test_a_prefix_group_scores_alike_in_one_segment_or_five(segmented, seeds_index):
    assert len(segmented.backend().searcher().leaf_searchers()) == 5
    for prefix in ("forni", "incon", "parte"):
        assert _group_scores(segmented, prefix) == pytest.approx(_group_scores(seeds_index, prefix))


def test_a_word_shorter_than_the_prefix_is_its_own_group(seeds_index):
    """"Kim" must not pull in every word that begins with "kim"."""
    searcher = seeds_index.backend().searcher()
    term = next(t.decode() for t in searcher.reader().lexicon("body") if len(t) == 3
                and any(len(o) > 3 for o in searcher.reader().expand_prefix("body", t.decode())))
    got = _group_scores(seeds_index, term)
    with_term = {h["id"] for h in searcher.search(Term("body", term), limit=None)}
    assert set(got) == with_term


def test_a_prefix_group_under_another_weighting_ranks_the_same_articles_up(seeds_index):
    stock = seeds_index.backend().folder.whoosh().searcher(weighting=scoring.BM25F())
    try:
        raised = set(_group_scores(seeds_index, "incontro", searcher=stock))
    finally:
        stock.close()
    assert raised and raised == set(_group_scores(seeds_index, "incontro"))


def _matcher_scores(leaf, q):
    """Docnum -> score of each match of ``q`` in one segment, walked by Whoosh's matchers."""
    matcher = q.matcher(leaf, leaf.context())
    scores = {}
    while matcher.is_active():
        scores[matcher.id()] = matcher.score()
        matcher.next()
    return scores


def _or_queries(ix):
    """OR queries of words as users write them: --any, explicit OR, one word, and a
    question ranked by prefix groups as ``searchidx query`` builds it."""
    queries = [parse_query(ix, text, any_words=True)
               for text in ("Kirby Corea munizioni", "Putin Kim vertice incontro", "fornitura")]
    queries.append(parse_query(ix, "Kim OR Biden OR Shoigu"))
    question = "Quando si sono incontrati Putin e Kim Jong Un?"
    queries.append(ix.backend().ranked_by_prefixes(parse_query(ix, question, any_words=True),
                                                   question))
    return queries


def test_an_or_of_words_scores_term_at_a_time_as_whooshs_matchers_do(segmented):
    compared = 0
    for q in _or_queries(segmented):
        for leaf, _ in segmented.backend().searcher().leaf_searchers():
            got = disjunction_scores(leaf, q)
            expected = _matcher_scores(leaf, q)
            assert got is not None, q
            assert got.keys() == expected.keys(), q
            assert got == pytest.approx(expected, rel=1e-12), q
            compared += len(got)
    assert compared >= 20


def test_term_at_a_time_scoring_leaves_out_deleted_articles(tmp_path, config):
    with _index_with_a_deletion(
            tmp_path, config, "Kirby: munizioni e missili dalla Corea.",
            ["Kirby parla delle munizioni.", "Nessuna notizia sulle munizioni di oggi."]) as ix:
        q = parse_query(ix, "Kirby munizioni Corea", any_words=True)
        found = set()
        for leaf, _ in ix.backend().searcher().leaf_searchers():
            got = disjunction_scores(leaf, q)
            assert got == pytest.approx(_matcher_scores(leaf, q), rel=1e-12)
            found |= {leaf.stored_fields(d)["id"] for d in got}
        assert found == {"b", "c"}
        assert {h.id for h in ix.search("Kirby munizioni Corea", any=True).hits} == {"b", "c"}


def test_other_queries_are_left_to_whooshs_matchers(seeds_index):
    leaf = seeds_index.backend().searcher()
    for text in ('"Corea del Nord"', "Kim AND Putin", "Kim NOT Biden", "Corea*", "Kim^2 OR Putin"):
        q = parse_query(seeds_index, text)
        assert disjunction_scores(leaf, q) is None, text
    stock = seeds_index.backend().folder.whoosh().searcher(weighting=scoring.BM25F())
    try:
        assert disjunction_scores(stock, parse_query(seeds_index, "Kim OR Putin")) is None
    finally:
        stock.close()


def test_searches_rank_and_count_alike_with_or_without_term_at_a_time(segmented, monkeypatch):
    """The ranked page, the total, the facets and the undated count of OR queries, with
    filters and dates, are those of Whoosh's matchers."""
    import searchidx.backends.whoosh.scoring

    requests = [dict(query="Kirby Corea munizioni", any=True),
                dict(query="Putin Kim vertice incontro", any=True, date_from="2023-09-01"),
                dict(query="Kim OR Biden OR Shoigu", publisher=["ANSA"], facets=["people"]),
                dict(query="Quando si sono incontrati Putin e Kim Jong Un?", any=True,
                     facets=["places"], limit=3),
                dict(query="munizioni", date_to="2023-12-31"),
                dict(query="Kim OR Biden", limit=0, facets=["people"])]

    def run():
        out = []
        for request in requests:
            result = segmented.search(**request)
            out.append((result.total, result.dropped_undated, result.facets,
                        [(hit.id, hit.score) for hit in result.hits]))
        return out

    fast = run()
    monkeypatch.setattr(searchidx.backends.whoosh.scoring, "disjunction_scores",
                        lambda searcher, q: None)
    slow = run()
    for (total, undated, facets, hits), expected in zip(fast, slow, strict=True):
        assert (total, undated, facets) == expected[:3]
        assert [i for i, _ in hits] == [i for i, _ in expected[3]]
        assert [s for _, s in hits] == pytest.approx([s for _, s in expected[3]])
    assert sum(total for total, *_ in fast) >= 10
