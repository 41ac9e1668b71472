"""A cold search of a word or two, answered from the segment files (:mod:`.segments`)
without importing Whoosh, with Whoosh's answer.

It covers what a cold query typed at a shell mostly is: one word; two words, all of
them wanted (the default); words joined by OR (or ``--any``); stopwords among them;
the page, its size, snippets. Each word must give one index term. Anything else
(phrases, fields, wildcards, fuzzy words, NOT, a word of two terms, three words or
more — a question, ranked by prefixes and passages —, filters, dates, facets, a sort
by date, stories) and a query that finds nothing (whose did-you-mean reads the
terms) raise :class:`~searchidx.backends.base.NotCovered`, and the Whoosh backend
answers as it always has.

The tree is compiled as :class:`.compile.Compiler` compiles it and Whoosh
normalises it (the title, boosted, OR the body; a word of stopwords drops out;
duplicates go), and scored as Whoosh scores it with :class:`.scoring.TabledBM25F`:
the same BM25 terms computed by the same operations in the same order, so the
scores are Whoosh's bit for bit. An OR is summed a term at a time in the query's
order, as :func:`.scoring.disjunction_scores` sums it; two words are each such a sum
of their title and body terms, added as Whoosh's intersection adds them. Hits are
ranked by score, then the lower document number, as Whoosh's top-N collector ranks
them. ``tests/test_quick_search.py`` holds it to the Whoosh backend's output, byte for
byte, on hundreds of queries.
"""

from __future__ import annotations

import heapq
import struct
import zlib

from ...query import And, Or, Word
from ..base import Found, NotCovered, TranslatedErrors
from .segments import (
    Segments,
    UnpicklingError,
    Unreadable,
    digest_analyzer,
    length_norms,
    read_digest,
)
from .stored import stored_article, unpack_body

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from ...analysis import ItalianAnalyzer
    from ...config import Config
    from ...query import Node
    from ..base import SearchPlan

# a term of a compiled query: field, text, boost
Term = tuple[str, str, float]


class Compiled:
    """A query the quick reader runs: an OR of terms, or the AND of two such ORs."""

    __slots__ = ("groups",)

    def __init__(self, groups: tuple[tuple[Term, ...], ...]) -> None:
        self.groups = groups  # one group: its terms ORed; two: both groups wanted

    def terms(self) -> Iterator[Term]:
        for group in self.groups:
            yield from group


class QuickHit:
    """A hit whose stored fields are read from its segment on first use."""

    __slots__ = ("_segments", "_stored", "key", "score")

    def __init__(self, segments: Segments, docnum: int, score: float) -> None:
        self._segments = segments
        self._stored: dict[str, Any] | None = None
        self.key = docnum
        self.score: float | None = score

    def _fields(self) -> dict[str, Any]:
        if self._stored is None:
            segment, docnum = self._segments.locate(self.key)
            self._stored = segment.stored_fields(docnum)
        return self._stored

    def doc_id(self) -> str:
        return str(self._fields()["id"])

    def title(self) -> str:
        return self._fields().get("title") or ""

    def body(self) -> str:
        return unpack_body(self._fields())

    def article(self) -> dict[str, Any]:
        return stored_article(self._fields())


def _unreadable(exc: Exception) -> Exception | None:
    if isinstance(exc, (OSError, ValueError, KeyError, IndexError, TypeError, EOFError,
                        struct.error, zlib.error, UnpicklingError)):
        return Unreadable(f"{type(exc).__name__}: {exc}")
    return None


class QuickReader:
    """The index folder's newest generation, read by :mod:`.segments` for the searches
    it covers; made only while the folder's digest is current (:meth:`open`)."""

    def __init__(self, config: Config, segments: Segments) -> None:
        self.config = config
        self.segments = segments
        self._analyzer = digest_analyzer(segments.kept)
        section = config["index"]
        self.title_boost = float(section["title_boost"])
        self._b, self._k1 = float(section["bm25_b"]), float(section["bm25_k1"])

    @classmethod
    def open(cls, config: Config, path: str, key: str | None) -> QuickReader | None:
        """The reader of the generation ``key`` names, or None without its digest."""
        kept = read_digest(path, key)
        return cls(config, Segments(path, kept)) if kept is not None else None

    def close(self) -> None:
        self.segments.close()

    def reading(self) -> TranslatedErrors:
        """Files this reader cannot make sense of leave the search to Whoosh, whose own
        checks then say what is wrong."""
        return TranslatedErrors(_unreadable)

    # -- what searching asks of a backend ---------------------------------------------
    def analyzer(self) -> ItalianAnalyzer:
        return self._analyzer

    def compile(self, node: Node) -> Compiled:
        """``node`` as :class:`Compiled`; NotCovered for what it cannot be (a query of
        stopwords too: its did-you-mean reads the index's terms)."""
        if isinstance(node, Word):
            groups = [self._word(node)]
            kind: type = Or
        elif isinstance(node, (And, Or)) and all(isinstance(c, Word) for c in node.children):
            groups = [self._word(child) for child in node.children]  # type: ignore[arg-type]
            kind = type(node)
        else:
            raise NotCovered("not words")
        groups = [g for g in groups if g]  # a stopword's OR of nothing is normalised away
        if not groups:
            raise NotCovered("stopwords")
        if kind is Or or len(groups) == 1:  # Whoosh flattens an OR of ORs
            return Compiled((tuple(dict.fromkeys(t for g in groups for t in g)),))
        distinct = tuple(dict.fromkeys(groups))
        if len(distinct) > 2:
            raise NotCovered("three words or more")
        return Compiled(distinct)

    def _word(self, word: Word) -> tuple[Term, ...]:
        """The title (boosted) OR the body term of a word; () for a stopword."""
        if word.field is not None:
            raise NotCovered("a field")
        terms = self._analyzer.words(word.text)
        if not terms:
            return ()
        if len(terms) > 1:
            raise NotCovered("a word of several terms")
        return (("title", terms[0], self.title_boost), ("body", terms[0], 1.0))

    def search(self, plan: SearchPlan) -> Found:
        if (plan.filters is not None or plan.dates is not None or plan.sort != "relevance"
                or plan.rank_words is not None or plan.facets or plan.ids
                or plan.limit is None or not isinstance(plan.query, Compiled)):
            raise NotCovered("not a plain search")
        matches: list[tuple[int, float]] = []
        for segment_scores, offset in self._scores(plan.query):
            matches.extend((offset + d, segment_scores[d]) for d in sorted(segment_scores))
        if not matches:
            raise NotCovered("nothing found: the did-you-mean reads the terms")
        top = heapq.nlargest(plan.limit, ((score, -docnum) for docnum, score in matches))
        hits = [QuickHit(self.segments, -negated, score) for score, negated in top]
        return Found(hits, len(matches), 0, {}, None)

    def _scores(self, compiled: Compiled) -> Iterator[tuple[dict[int, float], int]]:
        """Each segment's scores by its document numbers, and its offset."""
        for segment in self.segments.segments:
            sums = [self._summed(segment, group) for group in compiled.groups]
            if len(sums) == 1:
                yield sums[0], segment.offset
                continue
            first, second = sums
            yield {d: s + second[d] for d, s in first.items() if d in second}, segment.offset

    def _summed(self, segment: Any, terms: tuple[Term, ...]) -> dict[int, float]:
        """Docnum -> the boosted BM25 of ``terms`` summed in their order (one segment)."""
        scores: dict[int, float] = {}
        get = scores.get
        segments = self.segments
        for fieldname, text, boost in terms:
            postings = list(segment.postings(fieldname, text))
            if not postings:
                continue
            if fieldname not in segments.scorable:
                raise NotCovered("an unscored field")
            lengths = segment.lengths(fieldname)
            if lengths is None:
                raise NotCovered("no field lengths")
            idf = segments.idf(fieldname, text)
            norms = self._norms(fieldname)
            k1_plus_1 = self._k1 + 1
            for docnum, tf in postings:  # scoring.TabledBM25F's, for the same operations
                scores[docnum] = get(docnum, 0.0) + boost * (
                    idf * ((tf * k1_plus_1) / (tf + norms[lengths[docnum]])))
        return scores

    def _norms(self, fieldname: str) -> list[float]:
        """``K1 * ((1 - B) + B * length / avgfl)`` for each of the 256 length bytes."""
        return length_norms(self._b, self._k1, self.segments.avg_field_length(fieldname),
                            self.segments.length_bytes)

    def doc_count(self) -> int:
        raise NotCovered("a question: its passages are rescored")

    def doc_frequency(self, field: str, term: str) -> int:
        raise NotCovered("a question: its passages are rescored")

    def highlight_terms(self, compiled: Compiled | None, fields: tuple[str, ...]
                        ) -> frozenset[str]:
        if compiled is None:
            return frozenset()
        return frozenset(text for fieldname, text, _ in compiled.terms() if fieldname in fields)
