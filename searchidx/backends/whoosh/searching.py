"""Running compiled queries on a Whoosh searcher: one walk of the matches, filters
and date windows checked per match, facets counted from coded columns.

A search walks its query's matches once (:func:`walk`): that one walk ranks the
page and lists every match for the total, the facet counts and the undated
count. What queries keep between them (filter sets, date and facet columns)
lives as long as the searcher: a new searcher (the index changed) starts empty.
"""

from __future__ import annotations

import heapq
import weakref
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from ...analysis import fold
from ...records import field, record
from .schema import DETAIL_COLUMNS, FACET_COLUMNS, PAIR, SEP, date_int

if TYPE_CHECKING:
    from ...query import DateWindow
    from ..base import Table


@record
class Scope:
    """What a match of the words must also satisfy: the filters' documents, the dates.

    Checked per match during the one walk; undated matches refused by a date
    window are counted, so the user can be told about them.
    """

    allowed: frozenset[int] | None
    dates: DateWindow | None
    dropped_undated: int = 0

    def admits_all(self) -> bool:
        return self.allowed is None and self.dates is None

    def admits(self, searcher: Any) -> Callable[[int], bool]:
        allowed, dates = self.allowed, self.dates
        columns = date_columns(searcher) if dates is not None else None
        start = date_int(dates.start) if dates is not None and dates.start else None
        end = date_int(dates.end) if dates is not None and dates.end else None

        def admit(docnum: int) -> bool:
            if allowed is not None and docnum not in allowed:
                return False
            if columns is not None:
                if not columns.dated[docnum]:
                    self.dropped_undated += 1
                    return False
                return ((start is None or columns.end[docnum] >= start)
                        and (end is None or columns.start[docnum] <= end))
            return True

        return admit


class LazyHits(Sequence[Any]):
    """The first ``limit`` (None: all) hits of Whoosh ``results``, each made when read:
    a walk of every match (an export) then holds a (score, document) pair per match, not
    a Whoosh Hit with its dictionary (420 bytes a hit at 10,000, docs/exports.md).
    A slice is a list of hits."""

    def __init__(self, results: Any, limit: int | None) -> None:
        self._results = results
        ranked = len(results.top_n)
        self._length = ranked if limit is None else min(limit, ranked)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, at: int) -> Any: ...

    @overload
    def __getitem__(self, at: slice) -> list[Any]: ...

    def __getitem__(self, at: int | slice) -> Any:
        if isinstance(at, slice):
            return [self._results[i] for i in range(*at.indices(self._length))]
        if not -self._length <= at < self._length:
            raise IndexError(at)
        return self._results[at % self._length]


@record
class Walk:
    """One walk of a query's matches."""

    hits: Sequence[Any]  # Whoosh hits in the order asked, up to the walk's limit
    docnums: list[int]  # every match the scope admits, in docnum order
    dropped_undated: int


def walk(searcher: Any, q: Any, scope: Scope, limit: int | None, sort: str) -> Walk:
    """Rank ``q``'s matches that ``scope`` admits, and list them all, in one walk.

    Whoosh would walk a query once to rank it (skipping what cannot reach the
    top) and again to count it; for AND and phrase queries each walk is a
    pure-Python intersection, so one walk that scores every match is the
    cheaper of the two. That walk must see every match: the top-N collector
    runs without block skipping and without matcher replacement, which drops
    an OR branch once it cannot reach the top. ``limit`` 0 lists the matches
    without ranking them. An OR of words is scored a term at a time instead
    (:func:`.scoring.disjunction_scores`).
    """
    from whoosh import query

    if q is None and limit == 0 and scope.admits_all():  # every article, none ranked
        reader = searcher.reader()
        every = (reader.all_doc_ids() if reader.has_deletions()
                 else range(reader.doc_count_all()))
        return Walk([], list(every), 0)
    if q is None:
        q = query.Every()
    if limit == 0 or (sort == "relevance" and limit):
        walked = _walk_disjunction(searcher, q, scope, limit)
        if walked is not None:
            return walked
    from whoosh import collectors, sorting

    sortedby = None
    if sort != "relevance":
        sortedby = [sorting.FieldFacet("dated", reverse=True),
                    sorting.FieldFacet("date_start", reverse=sort == "-date")]
    child: Any
    if limit == 0:
        child = collectors.UnsortedCollector()
    elif sortedby is not None:
        child = collectors.SortingCollector(sortedby, limit=limit)
    elif limit is None:
        child = collectors.UnlimitedCollector()
    else:
        child = collectors.TopCollector(limit, usequality=False, replace=0)
    admit = None if scope.admits_all() else scope.admits(searcher)
    kept: list[int] = []
    child.prepare(searcher, q, searcher.context())
    try:
        for leaf, offset in searcher.leaf_searchers():
            child.set_subsearcher(leaf, offset)
            for sub_docnum in child.matches():
                docnum = offset + sub_docnum
                if admit is None or admit(docnum):
                    kept.append(docnum)
                    child.collect(sub_docnum)
    finally:
        child.finish()
    hits = LazyHits(child.results(), limit) if limit != 0 else []
    return Walk(hits, kept, scope.dropped_undated)


def _walk_disjunction(searcher: Any, q: Any, scope: Scope, limit: int) -> Walk | None:
    """:func:`walk` for an OR of words, scored a term at a time; None for other queries.

    The top ``limit`` (0: none, the matches are only listed) are chosen as
    Whoosh's top-N collector chooses them: by score, then the lower document number.
    """
    from whoosh.searching import Results

    from .scoring import disjunction_scores

    per_leaf = []
    for leaf, offset in searcher.leaf_searchers():
        scores = disjunction_scores(leaf, q)
        if scores is None:
            return None
        per_leaf.append((offset, scores))
    admit = None if scope.admits_all() else scope.admits(searcher)
    kept: list[int] = []
    ranked: list[tuple[float, int]] = []
    for offset, scores in per_leaf:
        for sub_docnum in sorted(scores):
            docnum = offset + sub_docnum
            if admit is None or admit(docnum):
                kept.append(docnum)
                if limit:
                    ranked.append((scores[sub_docnum], -docnum))
    top = [(score, -negated) for score, negated in heapq.nlargest(limit, ranked)]
    hits = Results(searcher, q, top)[0:limit] if limit else []
    return Walk(hits, kept, scope.dropped_undated)


@record(frozen=True)
class _DateColumns:
    start: list[int]
    end: list[int]
    dated: list[bool]


@record(frozen=True)
class _FacetColumn:
    """A facet column read whole and coded for counting.

    Each document holds the ordinal of its raw value (the ``SEP``-joined
    names); each ordinal, the ids of its names. Counting is then over small
    integers, and the names' sort keys are folded once, not per query.
    """

    ordinals: array[int]
    names_of: list[tuple[int, ...]]
    names: list[str]
    sort_keys: list[str]

    @classmethod
    def read(cls, raw_values: Iterable[bytes]) -> _FacetColumn:
        ordinal_of: dict[bytes, int] = {}
        name_id: dict[str, int] = {}
        names_of: list[tuple[int, ...]] = []
        ordinals = array("I")
        for raw in raw_values:
            ordinal = ordinal_of.get(raw)
            if ordinal is None:
                ordinal = ordinal_of[raw] = len(names_of)
                split = raw.decode("utf-8").split(SEP) if raw else []
                names_of.append(tuple(name_id.setdefault(n, len(name_id)) for n in split))
            ordinals.append(ordinal)
        names = list(name_id)
        return cls(ordinals, names_of, names, [fold(n) for n in names])

    def ranked(self, docnums: list[int], limit: int | None,
               groups: list[str] | None = None) -> list[tuple[str, int]]:
        """The most frequent names over ``docnums``; with ``groups`` (each docnum's
        story), a name counts once per story."""
        counts: Counter[int] = Counter()
        names_of = self.names_of
        if groups is not None:
            seen = {(name, group) for docnum, group in zip(docnums, groups, strict=True)
                    for name in names_of[self.ordinals[docnum]]}
            counts.update(name for name, _ in seen)
        else:
            for ordinal, n in Counter(map(self.ordinals.__getitem__, docnums)).items():
                for name in names_of[ordinal]:
                    counts[name] += n
        sort_keys = self.sort_keys
        top = _top(counts.items(), limit, key=lambda kv: (-kv[1], sort_keys[kv[0]]))
        return [(self.names[name], n) for name, n in top]


def _top(items: Iterable[Any], limit: int | None, key: Callable[[Any], Any]) -> list[Any]:
    """The ``limit`` smallest items by ``key`` (all, sorted, when ``limit`` is None)."""
    return sorted(items, key=key) if limit is None else heapq.nsmallest(limit, items, key=key)


@record
class _SearcherCache:
    """What queries keep between them, for as long as their searcher lives.

    A new searcher (the index changed) starts empty, so nothing goes stale.
    """

    dates: _DateColumns | None = None
    ids: list[str] | None = None
    filters: dict[str, frozenset[int]] = field(default_factory=dict)
    facet_columns: dict[str, _FacetColumn] = field(default_factory=dict)
    facet_lookups: Counter[str] = field(default_factory=Counter)


_CACHES: weakref.WeakKeyDictionary[Any, _SearcherCache] = weakref.WeakKeyDictionary()
_FILTER_CACHE_SIZE = 64
# reading a whole facet column costs about this many lookups of one document's
# value per document (100,000 DICE articles: 0.24 µs against 0.8 µs)
_COLUMN_READ_IN_LOOKUPS = 0.3


def searcher_cache(searcher: Any) -> _SearcherCache:
    """What queries keep on ``searcher`` (made on first use)."""
    return _CACHES.setdefault(searcher, _SearcherCache())


def date_columns(searcher: Any) -> _DateColumns:
    """Every document's date interval, read once per searcher from the sortable columns.

    A date filter is then a comparison per matching document, instead of
    Whoosh's numeric-range expansion into hundreds of term lookups per segment.
    """
    cache = searcher_cache(searcher)
    if cache.dates is None:
        starts: list[int] = []
        ends: list[int] = []
        dated: list[bool] = []
        # segment by segment: Whoosh's multi-segment column leaves out the segments
        # that have no such column (no dated article), shifting every later document
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            starts.extend(reader.column_reader("date_start"))
            ends.extend(reader.column_reader("date_end"))
            dated.extend(v in ("1", b"1") for v in reader.column_reader("dated"))
        cache.dates = _DateColumns(starts, ends, dated)
    return cache.dates


def filter_docs(searcher: Any, q: Any) -> frozenset[int]:
    """The documents a filter (``--publisher``, ``--speaker`` …) keeps, cached per searcher.

    Filters repeat from query to query (Elasticsearch caches them the same way):
    a cached filter is a set lookup per match instead of a second posting list
    intersected in Python.
    """
    filters = searcher_cache(searcher).filters
    key = repr(q)
    docs = filters.get(key)
    if docs is None:
        if len(filters) >= _FILTER_CACHE_SIZE:
            del filters[next(iter(filters))]
        docs = filters[key] = frozenset(searcher.docs_for_query(q))
    return docs


def id_column(searcher: Any) -> list[str]:
    """Every document's id by document number, read once per searcher from the id
    terms (a unique id's term is in one document: its term info names it), not from
    the stored fields, which hold the whole article."""
    cache = searcher_cache(searcher)
    if cache.ids is None:
        ids: list[str] = []
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            column = [""] * reader.doc_count_all()
            for text, info in reader.iter_field("id"):
                doc_id = text.decode("utf-8")
                if info.min_id() == info.max_id():
                    column[info.min_id()] = doc_id
                else:  # a deleted version in the same segment
                    for docnum in reader.postings("id", text).all_ids():
                        column[docnum] = doc_id
            ids.extend(column)
        cache.ids = ids
    return cache.ids


def facet_counts(searcher: Any, docnums: list[int], facets: list[str], limit: int | None,
                 groups: Mapping[str, str] | None = None) -> dict[str, list[tuple[str, int]]]:
    """Value counts of each facet over the whole result set (not only the page),
    most frequent first, ties in alphabetical order; with ``groups`` (article id ->
    story), counted once per story."""
    out: dict[str, list[tuple[str, int]]] = {}
    stories = None
    if groups is not None:
        ids = id_column(searcher)
        stories = [groups.get(ids[d], ids[d]) for d in docnums]
    for name in facets:
        column = _facet_column(searcher, FACET_COLUMNS[name], len(docnums))
        if column is not None:
            out[name] = column.ranked(docnums, limit, stories)
            continue
        # a one-off query: its matches' raw values only, coded as a column of their own
        reader = searcher.reader().column_reader(FACET_COLUMNS[name])
        matched = _FacetColumn.read(map(reader.__getitem__, docnums))
        out[name] = matched.ranked(list(range(len(docnums))), limit, stories)
    return out


def _facet_column(searcher: Any, fieldname: str, lookups: int) -> _FacetColumn | None:
    """The whole coded column, once reading it has become the cheaper choice.

    A one-off query (one CLI process) looks up only its matches' values; once a
    searcher's lookups have cost as much as reading the whole column would
    (batch mode, the API), the column is read and coded, and later queries
    index it: never more than twice the time of the best choice made in
    hindsight (rent or buy).
    """
    cache = searcher_cache(searcher)
    column = cache.facet_columns.get(fieldname)
    if column is None:
        cache.facet_lookups[fieldname] += lookups
        if cache.facet_lookups[fieldname] < _COLUMN_READ_IN_LOOKUPS * searcher.doc_count_all():
            return None
        reader = searcher.reader().column_reader(fieldname)
        column = cache.facet_columns[fieldname] = _FacetColumn.read(reader)
    return column


def table(searcher: Any, docnums: list[int], columns: tuple[str, ...]) -> Table:
    """The dates and ``columns`` (facets by name, person details) of ``docnums``, from
    the coded columns: no stored article is unpacked."""
    from ..base import Table

    if not docnums:  # an empty index has no columns to read
        return Table([], {name: [] for name in columns})
    dates = date_columns(searcher)
    as_date: dict[tuple[int, int], dict[str, str]] = {}

    def date_of(docnum: int) -> dict[str, str] | None:
        if not dates.dated[docnum]:
            return None
        span = (dates.start[docnum], dates.end[docnum])
        got = as_date.get(span)
        if got is None:
            got = as_date[span] = _date_dict(*span)
        return got

    out: dict[str, list[tuple[Any, ...]]] = {}
    for name in columns:
        fieldname = DETAIL_COLUMNS.get(name) or FACET_COLUMNS[name]
        column = _facet_column(searcher, fieldname, len(docnums))
        if column is None:
            reader = searcher.reader().column_reader(fieldname)
            column, positions = _FacetColumn.read(map(reader.__getitem__, docnums)), None
        else:
            positions = docnums
        name_of = column.names.__getitem__
        values: list[tuple[Any, ...]] = [tuple(map(name_of, ids)) for ids in column.names_of]
        if name in DETAIL_COLUMNS:
            values = [tuple(tuple(v.split(PAIR, 1)) for v in each) for each in values]
        ordinals = column.ordinals
        out[name] = ([values[ordinals[d]] for d in positions] if positions is not None
                     else [values[o] for o in ordinals])
    return Table([date_of(d) for d in docnums], out)


def _date_dict(start: int, end: int) -> dict[str, str]:
    """A date interval of the date columns as the stored ``{value, precision}``."""
    first = f"{start // 10000:04d}-{start // 100 % 100:02d}-{start % 100:02d}"
    if start == end:
        return {"value": first, "precision": "day"}
    if start % 10000 == 101 and end % 10000 == 1231:
        return {"value": first[:4], "precision": "year"}
    return {"value": first[:7], "precision": "month"}
