"""BM25F that reads each segment's field lengths once, not once per scored match.

Whoosh's BM25F scorer looks up the field length of every match it scores: a
chain of five Python calls down to a one-byte column read. A query that counts
facets scores all its matches (a few thousand at 100,000 articles), and that
lookup was half of its scoring time. Here the lengths of a segment's field are
read once as a ``bytes`` row (one byte per document, as Whoosh stores them), and
the length part of the BM25 denominator is tabled for the 256 possible bytes, so
scoring a match is two indexings and the formula. The scores are Whoosh's,
bit for bit: the same operations in the same order.
"""

from __future__ import annotations

import weakref
from typing import Any

from whoosh import scoring
from whoosh.util.numeric import byte_to_length

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
        return _TabledScorer(base, lengths, self._norm_table(fieldname, base.avgfl))

    def _norm_table(self, fieldname: str, avgfl: float) -> list[float]:
        """``K1 * ((1 - B) + B * length / avgfl)`` for each of the 256 length bytes."""
        key = (fieldname, avgfl)
        table = self._norms.get(key)
        if table is None:
            B, K1 = self.B, self.K1
            table = self._norms[key] = [K1 * ((1 - B) + B * byte_to_length(b) / avgfl)
                                        for b in range(256)]
        return table


class _TabledScorer(scoring.BaseScorer):
    """Scores like its ``base`` BM25F scorer, reading the length from a row and a table."""

    def __init__(self, base: Any, lengths: bytes, norms: list[float]) -> None:
        self._base = base
        self._lengths = lengths
        self._norms = norms
        self._idf = base.idf
        self._k1_plus_1 = base.K1 + 1

    def supports_block_quality(self) -> bool:
        return self._base.supports_block_quality()

    def max_quality(self) -> float:
        return self._base.max_quality()

    def block_quality(self, matcher: Any) -> float:
        return self._base.block_quality(matcher)

    def score(self, matcher: Any) -> float:
        tf = matcher.weight()
        norm = self._norms[self._lengths[matcher.id()]]
        # whoosh.scoring.bm25, with the length part looked up
        return self._idf * ((tf * self._k1_plus_1) / (tf + norm))


def _segment_lengths(reader: Any, fieldname: str) -> bytes | None:
    try:
        per_field = _LENGTHS.setdefault(reader, {})
    except TypeError:  # not a reader we can key on
        return None
    if fieldname not in per_field:
        per_field[fieldname] = field_length_bytes(reader, fieldname)
    return per_field[fieldname]
