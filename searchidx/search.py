"""The search stage: query language, filters, facets, snippets.

Queries are parsed by Whoosh's parser over ``title`` and ``body`` (BM25F, the
title boosted), extended with fuzzy terms (``word~``), ``-word`` exclusion and
user-friendly field names (``speaker:Kirby``, ``person:"Kim Jong Un"``). Name
fields never go through Whoosh's term matching as typed: every name the user
gives is turned into the same comparable key the indexer stored
(:func:`searchidx.analysis.name_key`), so name filters ignore case, accents and
hyphens and match a whole name, an alias or a single surname.
"""

from __future__ import annotations

import heapq
import re
import weakref
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import snippets
from .analysis import ItalianAnalyzer, fold, name_key
from .backends.whoosh.schema import (
    FACET_COLUMNS,
    SEP,
    date_int,
    stored_article,
    unpack_body,
    unpack_data,
)
from .config import Config
from .errors import QueryError
from .fields import FILTER_OPTIONS, NAME_FIELDS, QUERY_FIELDS, filter_keys, normalise_facet
from .models import DateValue
from .rescore import Candidate, QueryTerms, checked_weights, query_terms, rescore


class Index(Protocol):
    """What searching needs of an index: its configuration and a Whoosh searcher
    (:class:`searchidx.index.Index` is one)."""

    config: Config

    def searcher(self) -> Any:
        """The open Whoosh searcher."""

SORTS = ("relevance", "date", "-date")
_SIMPLE_WORDS = re.compile(r"^[\w\s’'\-,.?!;:]+$")
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b|(?:^|\s)[-+]\w")
_FALLBACK_MIN_WORDS = 3


@dataclass
class SearchRequest:
    """Everything ``searchidx query`` can ask; the API's keyword arguments."""

    query: str = ""
    any: bool = False
    person: list[str] = field(default_factory=list)
    speaker: list[str] = field(default_factory=list)
    place: list[str] = field(default_factory=list)
    org: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)
    publisher: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    date_from: str | DateValue | None = None
    date_to: str | DateValue | None = None
    facets: list[str] = field(default_factory=list)
    facet_limit: int | None = 10
    sort: str = "relevance"
    limit: int = 10
    page: int = 1
    snippets: bool = True


@dataclass
class Hit:
    id: str
    score: float | None
    title: str | None
    date: str | None
    publisher: str | None
    people: list[str]
    speakers: list[str]
    topics: list[str]
    snippet: str
    path: str | None
    first_line: str = ""  # the opening words, to show when there is no title

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    dropped_undated: int = 0
    notice: str | None = None
    page: int = 1
    limit: int = 10

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query, "total": self.total,
                               "page": self.page, "limit": self.limit,
                               "hits": [h.to_dict() for h in self.hits]}
        if self.facets:
            out["facets"] = {name: [{"value": v, "count": c} for v, c in values]
                             for name, values in self.facets.items()}
        if self.dropped_undated:
            out["dropped_undated"] = self.dropped_undated
        if self.notice:
            out["notice"] = self.notice
        return out


# -- building queries -----------------------------------------------------------

def name_query(index: Index, fieldname: str, value: str) -> Any:
    """Articles whose ``fieldname`` holds ``value`` as a whole name, alias or surname."""
    from whoosh import query

    terms = [query.Term(fieldname, k) for k in filter_keys(index.config, fieldname, value)]
    return terms[0] if len(terms) == 1 else query.Or(terms)


def _date_value(value: str | DateValue | None, option: str) -> DateValue | None:
    if value is None or isinstance(value, DateValue):
        return value
    from .dates import parse_user_date

    return parse_user_date(value, option)


def _star_only_wildcards() -> Any:
    from whoosh import qparser

    class StarOnlyWildcards(qparser.WildcardPlugin):
        qmarks = ""
        expr = r"(?P<text>[*])"

    return StarOnlyWildcards()


def _parser(index: Index, any_words: bool, fields: tuple[str, ...] = ("title", "body")) -> Any:
    from whoosh import qparser

    group = qparser.OrGroup if any_words else qparser.AndGroup
    schema = index.searcher().schema
    boosts = {"title": float(index.config["index"]["title_boost"])}
    parser = qparser.MultifieldParser(list(fields), schema, fieldboosts=boosts, group=group)
    parser.remove_plugin_class(qparser.WildcardPlugin)
    parser.add_plugin(_star_only_wildcards())  # "?" ends questions; it is no wildcard
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.remove_plugin_class(qparser.BoostPlugin)  # "^" is common in pasted text
    return parser


def _rewrite(index: Index, q: Any) -> Any:
    """Terms on name fields become name queries (see :func:`name_query`)."""
    from whoosh import query

    if isinstance(q, (query.compound.CompoundQuery, query.wrappers.WrappingQuery)):
        return q.apply(lambda sub: _rewrite(index, sub))
    if isinstance(q, query.Not):
        return query.Not(_rewrite(index, q.query))
    fieldname = getattr(q, "fieldname", None)
    if fieldname in NAME_FIELDS:
        return name_query(index, fieldname, _clause_text(q))
    if fieldname in _DATE_KEYS:
        return _date_key_query(q)
    if isinstance(q, (query.Prefix, query.Wildcard)):
        return _pattern_query(index, q)
    return q


def _clause_text(q: Any) -> str:
    """What a field clause holds, as typed: a term's text, or a phrase's words."""
    from whoosh import query

    return " ".join(q.words) if isinstance(q, query.Phrase) else str(getattr(q, "text", ""))


# year:/month: values as they must be written; a typo is an error, not zero hits
_DATE_KEYS = {"year": (re.compile(r"\d{4}"), "YYYY, e.g. year:2023"),
              "month": (re.compile(r"\d{4}-(?:0[1-9]|1[0-2])"), "YYYY-MM, e.g. month:2023-09")}


def _date_key_query(q: Any) -> Any:
    """A ``year:``/``month:`` clause checked, and keyed as the index keys these facets
    (:func:`name_key`: ``2023-09`` is held as ``2023 09``); a prefix (``month:2023-*``)
    is keyed alike."""
    from whoosh import query

    if isinstance(q, (query.Prefix, query.Wildcard)):
        return type(q)(q.fieldname, q.text.replace("-", " "), boost=q.boost)
    text = _clause_text(q)
    pattern, form = _DATE_KEYS[q.fieldname]
    if not pattern.fullmatch(text):
        raise QueryError(f"'{q.fieldname}:{text}' is not a {q.fieldname}: write it as {form}")
    return query.Term(q.fieldname, name_key(text), boost=q.boost)


def _pattern_query(index: Index, q: Any) -> Any:
    """A prefix or wildcard on an analysed text field, in the forms its terms take
    (:meth:`ItalianAnalyzer.wildcard_forms`); Whoosh passes the pattern as typed."""
    from whoosh import query

    analyzer = getattr(index.searcher().schema[q.fieldname], "analyzer", None)
    if not isinstance(analyzer, ItalianAnalyzer):
        return q
    forms = analyzer.wildcard_forms(q.text)
    if type(q) is query.Wildcard:
        subs = [query.Wildcard(q.fieldname, form, boost=q.boost) for form in forms]
    else:
        # a longer word stems to a term that still begins with the prefix; only
        # the prefix itself, as a whole word, may stem to less (munizioni*)
        subs = [query.Prefix(q.fieldname, forms[0], boost=q.boost)]
        whole = analyzer.words(q.text)
        if len(whole) == 1 and not whole[0].startswith(forms[0]):
            subs.append(query.Term(q.fieldname, whole[0], boost=q.boost))
    return subs[0] if len(subs) == 1 else query.Or(subs)


_EXACT = re.compile(r'(?<![\w:])exact:(?:"([^"]*)"|([^\s"()]+))', re.IGNORECASE)


def split_exact(text: str) -> tuple[str, list[re.Pattern[str]]]:
    """Take ``exact:word`` / ``exact:"a phrase"`` out of a query.

    Each becomes an ordinary (stemmed) clause, which finds the candidates, plus
    a pattern on the folded, unstemmed text that every hit must contain:
    ``exact:munizione`` does not match an article that only says ``munizioni``.
    """
    patterns: list[re.Pattern[str]] = []

    def replace(match: re.Match[str]) -> str:
        phrase = match.group(1) if match.group(1) is not None else match.group(2)
        words = re.findall(r"[^\W_]+", fold(phrase))
        if not words:
            return " "
        patterns.append(re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])"))
        return f'"{phrase}"' if match.group(1) is not None else phrase

    return _EXACT.sub(replace, text), patterns


_QUOTED_OR_FIELD = re.compile(r'"[^"]*"|(?<![\w:/])([^\W\d_][\w]*):(?=[^\s/])')


_QUOTED_OR_SIGN = re.compile(r'"[^"]*"|(?:^|(?<=[\s(]))([+-])(?=[^\s+-])')


def _signs_to_operators(text: str) -> str:
    """``-word`` -> ``NOT word`` and ``+word`` -> ``word``, only at the start of a word.

    Whoosh's own plus/minus plugin also takes the hyphen inside ``WJZ-TV`` or
    ``Kim Jong-un`` for an exclusion, and regroups the whole query around it.
    """
    def replace(match: re.Match[str]) -> str:
        sign = match.group(1)
        if sign is None:
            return match.group(0)
        return "NOT " if sign == "-" else ""

    return _QUOTED_OR_SIGN.sub(replace, text)


def _map_field_names(text: str) -> str:
    """``Speaker:Kirby`` -> ``speakers:Kirby``; an unknown ``name:`` is words.

    Whoosh's parser only knows schema names; users get friendly names. A word
    before a colon that names no field (``detto:"…"``, ``Romans3:28``, typed
    or pasted text) is searched as words, its colon a space: a question is never
    refused as a field query (:func:`unknown_fields` names them for a notice).
    Text inside double quotes and URLs (``http://``) are left alone.
    """
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)
        target = QUERY_FIELDS.get(name.lower())
        return f"{name} " if target is None else f"{target}:"

    return _QUOTED_OR_FIELD.sub(replace, text)


def unknown_fields(text: str) -> list[str]:
    """The words written as a field (``speakr:``) that name no field, in order."""
    names = (m.group(1) for m in _QUOTED_OR_FIELD.finditer(text) if m.group(1) is not None)
    return list(dict.fromkeys(n for n in names if n.lower() not in QUERY_FIELDS))


def _fields_as_words_notice(names: list[str]) -> str:
    import difflib

    hints = []
    for name in names:
        near = difflib.get_close_matches(name.lower(), list(QUERY_FIELDS), n=1)
        hints.append(f"'{name}:'" + (f" (did you mean '{near[0]}:'?)" if near else ""))
    return (f"{', '.join(hints)} {'is' if len(names) == 1 else 'are'} not a field, so "
            f"searched as words (fields: {', '.join(sorted(set(QUERY_FIELDS)))})")


# Whoosh's operator tokens: infix ones need a word on each side, NOT one after it
_INFIX_OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE"})
_PREFIX_OPERATORS = frozenset({"NOT", "REQUIRE"})
_QUERY_TOKEN = re.compile(r'"[^"]*"|[()]|[^\s()"]+|"')


def _check_operators(text: str) -> None:
    """A clear error for a boolean operator with nothing to join.

    Whoosh reads a dangling ``AND``/``OR``/``NOT`` (``munizioni AND``, a query cut
    short) as the English word, which no Italian article holds: the query would
    quietly find nothing. Elasticsearch's ``query_string`` refuses it too.
    """
    tokens = _QUERY_TOKEN.findall(text)
    for i, token in enumerate(tokens):
        if token not in _INFIX_OPERATORS and token not in _PREFIX_OPERATORS:
            continue
        before = tokens[i - 1] if i > 0 else "("
        after = tokens[i + 1] if i + 1 < len(tokens) else ")"
        if after == ")" or after in _INFIX_OPERATORS:
            missing = "after it"
        elif token in _INFIX_OPERATORS and (before == "(" or before in _INFIX_OPERATORS
                                            or before in _PREFIX_OPERATORS):
            missing = "before it"
        else:
            continue
        raise QueryError(f"query {text!r}: the operator {token} has no word {missing}; "
                         f"add one, or write {token.lower()!r} in lower case to search "
                         "for the word")


def parse_query(index: Index, text: str, any_words: bool = False,
                fields: tuple[str, ...] = ("title", "body")) -> Any:
    """The Whoosh query for a user's query string (None when it has no words)."""
    from whoosh import query

    text = text.strip()
    if not text:
        return None
    if len(text) > 10_000:
        raise QueryError("query is longer than 10,000 characters; shorten it")
    parser = _parser(index, any_words, fields)
    _check_operators(text)
    text = _map_field_names(_signs_to_operators(text))
    try:
        q = parser.parse(text)
    except Exception as exc:  # the parser's own failures on odd input
        raise QueryError(f"cannot parse query {text!r}: {exc}") from None
    q = _rewrite(index, q)
    q = q.normalize()
    if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
        return None
    return q


# -- running them ----------------------------------------------------------------

def run_search(index: Index, req: SearchRequest) -> SearchResult:
    """Execute one :class:`SearchRequest` against an open :class:`Index`.

    The matches are walked once (:func:`_walk`): that one walk ranks the page
    and lists every match for the total, the facet counts and the undated count.
    """
    if req.sort not in SORTS:
        raise QueryError(f"--sort '{req.sort}': use one of {', '.join(SORTS)}")
    if req.limit < 0 or req.page < 1:
        raise QueryError("--limit must be >= 0 and --page >= 1")
    facets = [normalise_facet(f) for f in req.facets]
    searcher = index.searcher()
    query_text, exact = split_exact(req.query)
    text_q = parse_query(index, query_text, req.any)
    notices = []
    unknown = unknown_fields(query_text)
    if unknown and not req.any and not req.query.rstrip().endswith("?"):
        notices.append(_fields_as_words_notice(unknown))
    if req.query.strip() and text_q is None:
        notices.append("the query has only stopwords (common words that are not indexed)")
    filter_q = _filter_query(index, req)
    dates = DateWindow.of(_date_value(req.date_from, "--from"), _date_value(req.date_to, "--to"))
    sort = req.sort if (text_q is not None or req.sort != "relevance") else "-date"
    depth = int(index.config["index"]["rescore_depth"])
    question = sort == "relevance" and not exact and text_q is not None and _is_question(
        index, req.query)
    terms = rescore_terms(index, req.query) if depth > 0 and question else None
    start, end = (req.page - 1) * req.limit, req.page * req.limit
    depth = depth if terms is not None else 0
    limit = max(end, depth) if req.limit else 0

    def walk(text: Any) -> Walk:
        if req.query.strip() and text is None:
            return Walk([], [], 0)
        if text is None:  # no words: the filters are the query
            return _walk(index, filter_q, Scope(None, [], dates), limit, sort)
        allowed = _filter_docs(searcher, filter_q) if filter_q is not None else None
        return _walk(index, text, Scope(allowed, exact, dates), limit, sort)

    found = walk(_with_prefixes(index, text_q, req.query) if question else text_q)
    if (not found.docnums and not exact and not req.any and text_q is not None
            and _SIMPLE_WORDS.match(req.query)
            and len(req.query.split()) >= _FALLBACK_MIN_WORDS):
        relaxed = parse_query(index, req.query, any_words=True)
        relaxed_found = walk(_with_prefixes(index, relaxed, req.query) if question else relaxed)
        if relaxed_found.docnums:
            found, text_q = relaxed_found, relaxed
            notices.append("no article has all the words; showing articles with any of "
                           "them (--any asks for this directly)")
    ranked: list[tuple[Any, float | None]]
    if terms is not None:
        ranked = _rescored(index, found.hits, terms, depth)
    else:
        ranked = [(hit, hit.score if sort == "relevance" else None) for hit in found.hits]
    marker = _snippet_maker(index, text_q) if req.snippets else None
    hits = [_hit(h, score, marker) for h, score in ranked[start:end]]
    counts: dict[str, list[tuple[str, int]]] = {}
    if facets:
        counts = facet_counts(searcher, found.docnums, facets, req.facet_limit)
    return SearchResult(query=req.query, total=len(found.docnums), hits=hits, facets=counts,
                        dropped_undated=found.dropped_undated, notice="; ".join(notices) or None,
                        page=req.page, limit=req.limit)


@dataclass(frozen=True)
class DateWindow:
    """A --from/--to filter as the integers the index stores (``YYYYMMDD``)."""

    start: int | None
    end: int | None

    @classmethod
    def of(cls, date_from: DateValue | None, date_to: DateValue | None) -> DateWindow | None:
        if date_from is None and date_to is None:
            return None
        return cls(date_int(date_from.start) if date_from else None,
                   date_int(date_to.end) if date_to else None)

    def overlaps(self, start: int, end: int) -> bool:
        return ((self.start is None or end >= self.start)
                and (self.end is None or start <= self.end))


@dataclass
class Scope:
    """What a match of the words must also satisfy: filter docnums, exact words, dates.

    Checked per match during the one walk; undated matches refused by a date
    window are counted, so the user can be told about them.
    """

    allowed: frozenset[int] | None
    exact: list[re.Pattern[str]]
    dates: DateWindow | None
    dropped_undated: int = 0

    def admits_all(self) -> bool:
        return self.allowed is None and not self.exact and self.dates is None

    def admits(self, searcher: Any) -> Callable[[int], bool]:
        allowed, exact, dates = self.allowed, self.exact, self.dates
        columns = _date_columns(searcher) if dates is not None else None

        def admit(docnum: int) -> bool:
            if allowed is not None and docnum not in allowed:
                return False
            if exact and not _has_exact(searcher, docnum, exact):
                return False
            if dates is not None and columns is not None:
                if not columns.dated[docnum]:
                    self.dropped_undated += 1
                    return False
                return dates.overlaps(columns.start[docnum], columns.end[docnum])
            return True

        return admit


@dataclass
class Walk:
    """One walk of a query's matches."""

    hits: list[Any]  # Whoosh hits in the order asked, up to the walk's limit
    docnums: list[int]  # every match the scope admits, in docnum order
    dropped_undated: int


def _walk(index: Index, q: Any, scope: Scope, limit: int | None, sort: str) -> Walk:
    """Rank ``q``'s matches that ``scope`` admits, and list them all, in one walk.

    Whoosh would walk a query once to rank it (skipping what cannot reach the
    top) and again to count it; for AND and phrase queries each walk is a
    pure-Python intersection, so one walk that scores every match is the
    cheaper of the two. That walk must see every match: the top-N collector
    runs without block skipping and without matcher replacement, which drops
    an OR branch once it cannot reach the top. ``limit`` 0 lists the matches
    without ranking them. An OR of words is scored a term at a time instead
    (:func:`searchidx.scoring.disjunction_scores`).
    """
    from whoosh import collectors, query, sorting

    searcher = index.searcher()
    if q is None:
        q = query.Every()
    if limit == 0 or (sort == "relevance" and limit):
        walked = _walk_disjunction(searcher, q, scope, limit)
        if walked is not None:
            return walked
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
        child = collectors.UnlimitedCollector(replace=0)
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
    hits = child.results()[0:limit] if limit != 0 else []
    return Walk(hits, kept, scope.dropped_undated)


def _walk_disjunction(searcher: Any, q: Any, scope: Scope, limit: int) -> Walk | None:
    """:func:`_walk` for an OR of words, scored a term at a time; None for other queries.

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


@dataclass(frozen=True)
class _DateColumns:
    start: list[int]
    end: list[int]
    dated: list[bool]


@dataclass(frozen=True)
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

    def ranked(self, docnums: list[int], limit: int | None) -> list[tuple[str, int]]:
        counts: Counter[int] = Counter()
        names_of = self.names_of
        for ordinal, n in Counter(map(self.ordinals.__getitem__, docnums)).items():
            for name in names_of[ordinal]:
                counts[name] += n
        sort_keys = self.sort_keys
        top = _top(counts.items(), limit, key=lambda kv: (-kv[1], sort_keys[kv[0]]))
        return [(self.names[name], n) for name, n in top]


def _top(items: Iterable[Any], limit: int | None, key: Callable[[Any], Any]) -> list[Any]:
    """The ``limit`` smallest items by ``key`` (all, sorted, when ``limit`` is None)."""
    return sorted(items, key=key) if limit is None else heapq.nsmallest(limit, items, key=key)


@dataclass
class _SearcherCache:
    """What queries keep between them, for as long as their searcher lives.

    A new searcher (the index changed) starts empty, so nothing goes stale.
    """

    dates: _DateColumns | None = None
    filters: dict[str, frozenset[int]] = field(default_factory=dict)
    facet_columns: dict[str, _FacetColumn] = field(default_factory=dict)
    facet_lookups: Counter[str] = field(default_factory=Counter)


_CACHES: weakref.WeakKeyDictionary[Any, _SearcherCache] = weakref.WeakKeyDictionary()
_FILTER_CACHE_SIZE = 64
# reading a whole facet column costs about this many lookups of one document's
# value per document (100,000 DICE articles: 0.24 µs against 0.8 µs)
_COLUMN_READ_IN_LOOKUPS = 0.3


def _cache(searcher: Any) -> _SearcherCache:
    return _CACHES.setdefault(searcher, _SearcherCache())


def _date_columns(searcher: Any) -> _DateColumns:
    """Every document's date interval, read once per searcher from the sortable columns.

    A date filter is then a comparison per matching document, instead of
    Whoosh's numeric-range expansion into hundreds of term lookups per segment.
    """
    cache = _cache(searcher)
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


def _filter_docs(searcher: Any, q: Any) -> frozenset[int]:
    """The documents a filter (``--publisher``, ``--speaker`` …) keeps, cached per searcher.

    Filters repeat from query to query (Elasticsearch caches them the same way):
    a cached filter is a set lookup per match instead of a second posting list
    intersected in Python.
    """
    filters = _cache(searcher).filters
    key = repr(q)
    docs = filters.get(key)
    if docs is None:
        if len(filters) >= _FILTER_CACHE_SIZE:
            del filters[next(iter(filters))]
        docs = filters[key] = frozenset(searcher.docs_for_query(q))
    return docs


def _filter_query(index: Index, req: SearchRequest) -> Any:
    """All the name filters of a request as one query (None without any)."""
    from whoosh import query

    out = []
    for option, fieldname in FILTER_OPTIONS.items():
        values = getattr(req, option)
        if isinstance(values, str):
            values = [values]
        for value in values or []:
            out.append(name_query(index, fieldname, value))
    if not out:
        return None
    return out[0] if len(out) == 1 else query.And(out)


def _has_exact(searcher: Any, docnum: int, patterns: list[re.Pattern[str]]) -> bool:
    """Whether the document's unstemmed, folded text has every exact pattern."""
    stored = searcher.stored_fields(docnum)
    text = fold(f"{stored.get('title') or ''}\n{unpack_body(stored)}")
    return all(p.search(text) for p in patterns)


def facet_counts(searcher: Any, docnums: list[int], facets: list[str],
                 limit: int | None) -> dict[str, list[tuple[str, int]]]:
    """Value counts of each facet over the whole result set (not only the page),
    most frequent first, ties in alphabetical order."""
    out: dict[str, list[tuple[str, int]]] = {}
    for name in facets:
        column = _facet_column(searcher, FACET_COLUMNS[name], len(docnums))
        if column is not None:
            out[name] = column.ranked(docnums, limit)
            continue
        # a one-off query: its matches' raw values only, coded as a column of their own
        reader = searcher.reader().column_reader(FACET_COLUMNS[name])
        matched = _FacetColumn.read(map(reader.__getitem__, docnums))
        out[name] = matched.ranked(list(range(len(docnums))), limit)
    return out


def _facet_column(searcher: Any, fieldname: str, lookups: int) -> _FacetColumn | None:
    """The whole coded column, once reading it has become the cheaper choice.

    A one-off query (one CLI process) looks up only its matches' values; once a
    searcher's lookups have cost as much as reading the whole column would
    (batch mode, the API), the column is read and coded, and later queries
    index it: never more than twice the time of the best choice made in
    hindsight (rent or buy).
    """
    cache = _cache(searcher)
    column = cache.facet_columns.get(fieldname)
    if column is None:
        cache.facet_lookups[fieldname] += lookups
        if cache.facet_lookups[fieldname] < _COLUMN_READ_IN_LOOKUPS * searcher.doc_count_all():
            return None
        reader = searcher.reader().column_reader(fieldname)
        column = cache.facet_columns[fieldname] = _FacetColumn.read(reader)
    return column


def _snippet_maker(index: Index, q: Any) -> Callable[[str], str]:
    """A function giving the highlighted passage of a body for query ``q``
    (the article's opening when ``q`` is None or has no words to highlight)."""
    reader = index.searcher().reader()
    terms: set[str] = set()
    for leaf in [q, *q.leaves()] if q is not None else []:
        if getattr(leaf, "fieldname", None) not in ("body", "title"):
            continue
        if hasattr(leaf, "_btexts"):  # prefix, wildcard, fuzzy: the words they matched
            terms.update(t.decode("utf-8") if isinstance(t, bytes) else t
                         for t in leaf._btexts(reader))
        elif hasattr(leaf, "words"):
            terms.update(leaf.words)
        elif isinstance(getattr(leaf, "text", None), str):
            terms.add(leaf.text)
    find = index.searcher().schema["body"].analyzer.find
    return lambda body: snippets.snippet(body, terms, find) or snippets.lead(body)


def _is_question(index: Index, text: str) -> bool:
    """Whether ``text`` reads as a natural-language query: plain words (no operators,
    fields or phrases), at least ``index.rescore_min_terms`` of them not stopwords."""
    if not _SIMPLE_WORDS.match(text) or _OPERATOR.search(text):
        return False
    words = index.searcher().schema["body"].analyzer.words(text)
    return len(set(words)) >= int(index.config["index"]["rescore_min_terms"])


def _with_prefixes(index: Index, q: Any, text: str) -> Any:
    """``q``, ranked also by the words of ``text`` compared by their first letters
    (:class:`searchidx.scoring.RankedByPrefixes`), which never decide what matches."""
    from .scoring import RankedByPrefixes

    section = index.config["index"]
    boost, chars = float(section["prefix_boost"]), int(section["prefix_chars"])
    words = index.searcher().schema["body"].analyzer.words(text)
    if not boost or not words:
        return q
    return RankedByPrefixes(q, "body", words, chars, boost)


def rescore_terms(index: Index, text: str) -> QueryTerms | None:
    """The weighed words of a plain-words query long enough to rescore, else None
    (``scripts/fit_rescore.py`` weighs its questions with it)."""
    section = index.config["index"]
    if not _is_question(index, text):
        return None
    searcher = index.searcher()
    return query_terms(text, searcher.schema["body"].analyzer,
                       lambda stem: searcher.doc_frequency("body", stem), searcher.doc_count(),
                       index.config["italian"]["numeric_questions"],
                       int(section["prefix_chars"]), int(section["rescore_pair_window"]))


def _rescored(index: Index, hits: list[Any], terms: QueryTerms,
              depth: int) -> list[tuple[Any, float | None]]:
    """(Whoosh hit, score) after passage rescoring (see :mod:`searchidx.rescore`).

    Only the first ``depth`` hits are rescored, always the same ones, so pages
    agree with each other; deeper hits follow in BM25 order, with no score (it
    would not compare with the rescored ones).
    """
    head = hits[:depth]
    candidates = []
    for hit in head:
        stored = hit.fields()
        candidates.append(Candidate(hit.docnum, hit.score, stored.get("title") or "",
                                    unpack_body(stored)))
    analyzer = index.searcher().schema["body"].analyzer
    weights = checked_weights(index.config["index"]["rescore_weights"])
    order = rescore(candidates, terms, analyzer, weights)
    by_docnum = {hit.docnum: hit for hit in head}
    ranked: list[tuple[Any, float | None]] = [(by_docnum[k], v) for k, v in order]
    return ranked + [(hit, None) for hit in hits[depth:]]


def _hit(hit: Any, score: float | None, marker: Callable[[str], str] | None) -> Hit:
    stored = hit.fields()
    data = unpack_data(stored)
    body = unpack_body(stored)
    snippet = marker(body) if marker else ""
    date = stored.get("date")
    return Hit(
        id=stored["id"],
        score=round(score, 4) if score is not None else None,
        title=stored.get("title") or None,
        date=date["value"] if date else None,
        publisher=data.get("publisher"),
        people=[p["name"] for p in data.get("people", [])],
        speakers=list(data.get("speakers", [])),
        topics=list(data.get("topics", [])),
        snippet=snippet,
        path=stored.get("path"),
        first_line=_first_line(body),
    )


def _first_line(body: str, width: int = 90) -> str:
    line = body.strip().split("\n", 1)[0]
    return line if len(line) <= width else line[:width].rsplit(" ", 1)[0] + "…"


# -- quotes --------------------------------------------------------------------

def find_quotes(index: Index, query_text: str = "", *, speaker: list[str] | None = None,
                date_from: str | DateValue | None = None, date_to: str | DateValue | None = None,
                limit: int | None = 20) -> list[dict[str, Any]]:
    """Quotes matching the words of ``query_text`` (all of them) and the filters."""
    from whoosh import query

    from .analysis import analyze

    text_q = parse_query(index, query_text, fields=("quotes",))
    parts = [p for p in (text_q,) if p is not None]
    speaker_keys = [name_key(s) for s in speaker or []]
    parts += [name_query(index, "speakers", s) for s in speaker or []]
    dates = DateWindow.of(_date_value(date_from, "--from"), _date_value(date_to, "--to"))
    if query_text.strip() and text_q is None:
        return []
    q = query.And(parts).normalize() if parts else query.Every()
    wanted = {t for f, t in q.iter_all_terms() if f == "quotes"} if text_q is not None else set()
    wanted_text = {t.decode() if isinstance(t, bytes) else t for t in wanted}
    out: list[dict[str, Any]] = []
    hits = _walk(index, q, Scope(None, [], dates), None, "-date").hits
    for hit in hits:
        article = stored_article(hit.fields())
        for quote in article.get("quotes", []):
            if speaker_keys and not _speaker_matches(quote["speaker"], article, speaker_keys):
                continue
            if wanted_text and not wanted_text & set(analyze(quote["text"], index.config)):
                continue
            out.append({"speaker": quote["speaker"],
                        "date": (article.get("date") or {}).get("value"),
                        "id": article["id"], "title": article.get("title"),
                        "kind": quote["kind"], "text": quote["text"]})
            if limit is not None and len(out) >= limit:
                return out
    return out


def _speaker_matches(speaker: str, article: dict[str, Any], keys: list[str]) -> bool:
    names = [speaker]
    for person in article.get("people", []):
        if person["name"] == speaker:
            names.extend(m["text"] for m in person.get("mentions", []))
    candidates = {name_key(n) for n in names}
    candidates |= {part for c in candidates for part in c.split()}
    return any(k in candidates for k in keys)
