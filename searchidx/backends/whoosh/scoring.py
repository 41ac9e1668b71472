"""BM25F that reads each segment's field lengths once, not once per scored match.

Whoosh's BM25F scorer looks up the field length of every match it scores: a
chain of five Python calls down to a one-byte column read. A query that counts
facets scores all its matches (a few thousand at 100,000 articles), and that
lookup was half of its scoring time. Here the lengths of a segment's field are
read once as a ``bytes`` row (one byte per document, as Whoosh stores them), and
the length part of the BM25 denominator is tabled for the 256 possible bytes, so
scoring a match is two indexings and the formula. The scores are Whoosh's,
bit for bit: the same operations in the same order.

:class:`RankedByPrefixes` adds to a question's ranking its words compared by
their first letters, each group of terms scored as one term with the same table.

:func:`disjunction_scores` scores an OR of words (a question, ``--any``) a term
at a time, reading each term's postings block by block into one table of
scores, instead of Whoosh's tree of union matchers, which costs a dozen
Python calls per match and per word: a question matches tens of thousands of
articles of a 100,000-article index.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from typing import Any

from whoosh import matching, scoring
from whoosh.query import Or, Query, Term, WrappingQuery
from whoosh.util.numeric import byte_to_length

from .segments import length_norms
from .storage import field_length_bytes

# per segment reader: field name -> its lengths, one byte per document
_LENGTHS: weakref.WeakKeyDictionary[Any, dict[str, bytes | None]] = weakref.WeakKeyDictionary()


class TabledBM25F(scoring.BM25F):
    """:class:`whoosh.scoring.BM25F` with per-segment length rows and a per-field norm table."""

    def __init__(self, B: float = 0.75, K1: float = 1.2) -> None:
        super().__init__(B=B, K1=K1)
        self._norms: dict[tuple[str, float], list[float]] = {}

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        base = super().scorer(searcher, fieldname, text, qf=qf)
        if not isinstance(base, scoring.BM25FScorer):
            return base
        lengths = _segment_lengths(searcher.reader(), fieldname)
        if lengths is None:
            return base
        return _TabledScorer(base.idf, base.K1, lengths, self._norm_table(fieldname, base.avgfl),
                             base)

    def group_scorer(self, searcher: Any, fieldname: str, doc_frequency: int) -> Any:
        """A scorer of one segment for a group of terms scored as one term of
        ``doc_frequency`` (see :class:`RankedByPrefixes`), or None where lengths cannot
        be read by row."""
        lengths = _segment_lengths(searcher.reader(), fieldname)
        if lengths is None:
            return None
        parent = searcher.get_parent()
        # whoosh.scoring.WeightingModel.idf, for the group's document frequency
        idf = math.log(parent.doc_count_all() / (doc_frequency + 1)) + 1
        avgfl = parent.avg_field_length(fieldname) or 1
        return _TabledScorer(idf, self.K1, lengths, self._norm_table(fieldname, avgfl))

    def _norm_table(self, fieldname: str, avgfl: float) -> list[float]:
        """``K1 * ((1 - B) + B * length / avgfl)`` for each of the 256 length bytes."""
        key = (fieldname, avgfl)
        table = self._norms.get(key)
        if table is None:
            table = self._norms[key] = length_norms(
                self.B, self.K1, avgfl, (byte_to_length(b) for b in range(256)))
        return table


class _TabledScorer(scoring.BaseScorer):
    """Scores like its ``base`` BM25F scorer, reading the length from a row and a table."""

    def __init__(self, idf: float, k1: float, lengths: bytes, norms: list[float],
                 base: Any = None) -> None:
        self._base = base  # Whoosh's scorer of the term, for block quality
        self._lengths = lengths
        self._norms = norms
        self._idf = idf
        self._k1_plus_1 = k1 + 1

    def supports_block_quality(self) -> bool:
        return self._base is not None and self._base.supports_block_quality()

    def max_quality(self) -> float:
        return self._base.max_quality()

    def block_quality(self, matcher: Any) -> float:
        return self._base.block_quality(matcher)

    def score(self, matcher: Any) -> float:
        tf = matcher.weight()
        norm = self._norms[self._lengths[matcher.id()]]
        # whoosh.scoring.bm25, with the length part looked up
        return self._idf * ((tf * self._k1_plus_1) / (tf + norm))

    def add_scores(self, scores: dict[int, float], frequencies: dict[int, float],
                   boost: float) -> None:
        """Add ``boost`` times the :meth:`score` of each (docnum, frequency) to ``scores``."""
        idf, k1_plus_1, norms, lengths = self._idf, self._k1_plus_1, self._norms, self._lengths
        get = scores.get
        for docnum, tf in frequencies.items():
            scores[docnum] = get(docnum, 0.0) + boost * (
                idf * ((tf * k1_plus_1) / (tf + norms[lengths[docnum]])))


def _segment_lengths(reader: Any, fieldname: str) -> bytes | None:
    try:
        per_field = _LENGTHS.setdefault(reader, {})
    except TypeError:  # not a reader we can key on
        return None
    if fieldname not in per_field:
        per_field[fieldname] = field_length_bytes(reader, fieldname)
    return per_field[fieldname]


class RankedByPrefixes(WrappingQuery):
    """``child``'s matches, each also scored by ``words`` compared by their first
    ``chars`` letters; what matches is ``child``'s alone.

    The terms of the field that begin like a word are scored as one term, as
    Lucene's ``SynonymQuery`` does (frequencies summed in each document, the
    document frequency of the commonest of them), and each group's BM25 score,
    times ``boost``, is added. A question's ``fondata`` then meets an article's
    ``fondazione``, which the light stemmer rightly keeps apart, without the
    rarity of one form deciding the score. A word shorter than ``chars`` letters
    is its own group. With :class:`TabledBM25F` the groups are summed once per
    segment and added to the child's scores; other weightings get an ``AndMaybe``
    of the child and every term of the groups.
    """

    def __init__(self, child: Query, fieldname: str, words: Iterable[str], chars: int,
                 boost: float = 1.0) -> None:
        super().__init__(child)
        self.fieldname = fieldname
        self.chars = chars
        self.boost = boost
        # one group per prefix: "fondata fondazione" scores the group "fonda" once
        self.groups = tuple(dict.fromkeys(w if len(w) < chars else w[:chars] for w in words))

    def _rewrap(self, child: Query) -> RankedByPrefixes:
        return RankedByPrefixes(child, self.fieldname, self.groups, self.chars, self.boost)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and self.child == other.child  # type: ignore[attr-defined]
                and (self.fieldname, self.groups, self.chars, self.boost)
                == (other.fieldname, other.groups, other.chars, other.boost))  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.child, self.fieldname, self.groups, self.chars, self.boost))

    def __repr__(self) -> str:
        return (f"RankedByPrefixes({self.child!r}, {self.fieldname!r}, {self.groups!r}, "
                f"{self.chars}, {self.boost})")

    def _group(self, reader: Any, key: str) -> list[bytes]:
        """The terms of ``reader`` in the group ``key`` (a prefix, or a shorter word)."""
        if len(key) < self.chars:
            return [key.encode("utf-8")] if (self.fieldname, key) in reader else []
        return list(reader.expand_prefix(self.fieldname, key))

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        child = self.child.matcher(searcher, context)
        if not child.is_active():  # nothing to rank (an AND of words that never meet)
            return child
        weighting = context.weighting if context is not None else searcher.weighting
        if searcher.is_atomic() and isinstance(weighting, TabledBM25F):
            scores = self._scores(searcher, weighting)
            if scores is not None:
                return _PlusScores(child, scores) if scores else child
        terms = [Term(self.fieldname, text.decode("utf-8"), boost=self.boost)
                 for key in self.groups for text in self._group(searcher.reader(), key)]
        if not terms:
            return child
        return matching.AndMaybeMatcher(child, Or(terms).matcher(searcher, context))

    def _scores(self, searcher: Any, weighting: TabledBM25F) -> dict[int, float] | None:
        """Docnum -> the groups' summed score, in one segment (None: lengths unreadable)."""
        reader, parent = searcher.reader(), searcher.get_parent()
        scores: dict[int, float] = {}
        for key in self.groups:
            texts = self._group(reader, key)
            if not texts:
                continue
            df = max(parent.doc_frequency(self.fieldname, t)
                     for t in self._group(parent.reader(), key))
            scorer = weighting.group_scorer(searcher, self.fieldname, df)
            if scorer is None:
                return None
            scorer.add_scores(scores, _summed_postings(reader, self.fieldname, texts), self.boost)
        return scores


class _PlusScores(matching.WrappingMatcher):
    """``child``'s matches, with a precomputed score added to each."""

    def __init__(self, child: Any, scores: dict[int, float]) -> None:
        super().__init__(child)
        self._scores = scores

    def _replacement(self, newchild: Any) -> Any:
        return _PlusScores(newchild, self._scores)

    def copy(self) -> Any:
        return _PlusScores(self.child.copy(), self._scores)

    def supports_block_quality(self) -> bool:
        return False  # the added scores have no block bounds

    def score(self) -> float:
        return self.child.score() + self._scores.get(self.child.id(), 0.0)


def _summed_postings(reader: Any, fieldname: str, texts: list[bytes]) -> dict[int, float]:
    """Docnum -> the summed weights of ``texts`` in one segment, read block by block:
    a union of many terms would cost a Python call per term at every step of a walk."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    summed: dict[int, float] = {}
    get = summed.get
    for text in texts:
        postings = reader.postings(fieldname, text)
        if type(postings) is W3LeafMatcher:
            while postings.is_active():
                postings._read_ids()
                postings._read_weights()
                for docnum, weight in zip(postings._ids, postings._weights, strict=True):
                    summed[docnum] = get(docnum, 0.0) + weight
                postings._next_block()
        else:  # deletions filtered, another codec: one posting at a time
            while postings.is_active():
                docnum = postings.id()
                summed[docnum] = get(docnum, 0.0) + postings.weight()
                postings.next()
    return summed


def disjunction_scores(searcher: Any, q: Query) -> dict[int, float] | None:
    """Docnum -> score of every match of ``q`` in one segment's ``searcher``, when ``q``
    is a plain OR of terms (or one term), maybe in :class:`RankedByPrefixes`, scored
    by :class:`TabledBM25F`; None for any other query, which Whoosh's matchers walk.

    The scores are Whoosh's sums of each matching term's boosted BM25, added in
    the query's order rather than in the order of Whoosh's tree, so they can
    differ from its in the last bit.
    """
    weighting = searcher.weighting
    if not isinstance(weighting, TabledBM25F):
        return None
    ranked = q if isinstance(q, RankedByPrefixes) else None
    terms = _plain_terms(ranked.child if ranked is not None else q)
    if terms is None:
        return None
    reader = searcher.reader()
    scores: dict[int, float] = {}
    for term in terms:
        text = searcher.schema[term.fieldname].to_bytes(term.text)
        if (term.fieldname, text) not in reader:
            continue
        scorer = weighting.scorer(searcher, term.fieldname, text)
        if not isinstance(scorer, _TabledScorer):
            return None
        scorer.add_scores(scores, _summed_postings(reader, term.fieldname, [text]), term.boost)
    if ranked is not None and scores:
        extra = ranked._scores(searcher, weighting)
        if extra is None:
            return None
        get = extra.get
        for docnum, score in scores.items():
            scores[docnum] = score + get(docnum, 0.0)
    return scores


def _plain_terms(q: Query) -> list[Term] | None:
    """The terms of a plain OR of terms (no boost on the OR, no coordination or
    minimum match), or of a single term; None otherwise."""
    if type(q) is Term:
        return [q]
    if type(q) is not Or or q.boost != 1.0 or q.scale or q.minmatch:
        return None
    if not all(type(sub) is Term for sub in q.subqueries):
        return None
    return list(q.subqueries)
