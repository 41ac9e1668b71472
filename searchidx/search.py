"""The search stage: a request, run on any backend, as a page of hits with facets.

The query is parsed once into the engine-neutral tree (:mod:`searchidx.query`)
and compiled by the backend, which runs it with the filters, date window, sort
and facets (:class:`searchidx.backends.SearchPlan`). What does not depend on the
engine happens here: a query of plain words long enough to be a question is
ranked also by its words' first letters and then re-ranked by passage
(:mod:`searchidx.rescore`); a question that matches nothing with all its words
falls back to any of them; snippets are cut from the hits' text
(:mod:`searchidx.snippets`); and the notices say what happened.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from . import snippets
from .analysis import analyze, name_key
from .backends import SORTS, Backend, Found, FoundHit, SearchPlan, Table
from .config import Config
from .errors import QueryError
from .fields import FILTER_OPTIONS, QUERY_FIELDS, normalise_facet
from .query import And, DateWindow, Node, Parsed, Word, leaves, parse
from .records import field, record, replace

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:  # the rescoring, only for questions; dates, only for --from/--to
    from typing import Any

    from .models import DateValue
    from .rescore import QueryTerms

_SIMPLE_WORDS = re.compile(r"^[\w\s’'\-,.?!;:]+$")
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT)\b|(?:^|\s)[-+]\w")
_FALLBACK_MIN_WORDS = 3


@record
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
    collapse: bool = False  # one hit per story (the best-ranked), its other versions named
    facet_by: str = "article"  # or "story": a facet value counts once per story


@record
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
    story: str | None = None  # with collapse: the hit's story
    versions: list[str] | None = None  # with collapse: the story's other matching articles

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        if self.story is None:
            del out["story"], out["versions"]
        return out


@record
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    dropped_undated: int = 0
    notice: str | None = None
    page: int = 1
    limit: int = 10
    # a query that found nothing: the nearest words and names the index holds (not run)
    suggestion: str | None = None
    stories: int | None = None  # with collapse: the stories of the matches (total: articles)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query, "total": self.total,
                               "page": self.page, "limit": self.limit,
                               "hits": [h.to_dict() for h in self.hits]}
        if self.stories is not None:
            out["stories"] = self.stories
        if self.facets:
            out["facets"] = {name: [{"value": v, "count": c} for v, c in values]
                             for name, values in self.facets.items()}
        if self.dropped_undated:
            out["dropped_undated"] = self.dropped_undated
        if self.notice:
            out["notice"] = self.notice
        if self.suggestion:
            out["suggestion"] = self.suggestion
        return out


FACET_BY = ("article", "story")


def run_search(backend: Backend, config: Config, req: SearchRequest,
               stories: Mapping[str, str] | None = None) -> SearchResult:
    """Execute one :class:`SearchRequest` on ``backend``; ``stories`` (article id ->
    story, for the articles that share one) serves ``collapse`` and ``facet_by``."""
    if req.limit < 0 or req.page < 1:
        raise QueryError("--limit must be >= 0 and --page >= 1")
    if req.facet_by not in FACET_BY:
        raise QueryError(f"--facet-by '{req.facet_by}': use one of {', '.join(FACET_BY)}")
    stories = stories or {}
    start, end = (req.page - 1) * req.limit, req.page * req.limit
    # collapsed, a page of stories needs more hits than its size: first three times
    # as many, then four times more until the page is full or the matches run out
    wanted = end * (3 if req.collapse else 1) if req.limit else 0
    matches = _matches(backend, config, req, wanted, stories)
    found = matches.found
    marker = _snippet_maker(backend, matches.compiled) if req.snippets else None
    result = SearchResult(query=req.query, total=found.total, hits=[], facets=found.facets,
                          dropped_undated=found.dropped_undated,
                          notice="; ".join(matches.notices) or None, page=req.page,
                          limit=req.limit,
                          suggestion=_suggestion(backend, req.query) if not found.total else None)
    if not req.collapse:
        result.hits = [_hit(h, score, marker)
                       for h, score in itertools.islice(matches.ranked, start, end)]
        return result
    heads = _story_heads(matches.ranked, stories)
    while len(heads) < end and wanted < found.total:
        wanted *= 4
        heads = _story_heads(_matches(backend, config, req, wanted, stories).ranked, stories)
    shared = _shared_stories(found.ids or [], stories)
    result.stories = found.total - sum(len(m) for m in shared.values()) + len(shared)
    for hit, score in heads[start:end]:
        shown = _hit(hit, score, marker)
        shown.story = stories.get(shown.id, shown.id)
        shown.versions = [v for v in shared.get(shown.story, []) if v != shown.id]
        result.hits.append(shown)
    return result


def _shared_stories(ids: Iterable[str], stories: Mapping[str, str]) -> dict[str, list[str]]:
    """Story -> its articles among ``ids`` in their order, for the stories ``ids`` share
    (the few articles in ``stories``: every other article is a story alone)."""
    shared: dict[str, list[str]] = {}
    for doc_id in ids:
        if doc_id in stories:
            shared.setdefault(stories[doc_id], []).append(doc_id)
    return shared


@record
class _Matches:
    """What a request matched: the backend's answer, the hits in rank order with their
    scores, the query compiled (after any fallback to any word) and the notices."""

    found: Found
    ranked: Iterator[tuple[FoundHit, float | None]]
    compiled: Any
    notices: list[str]


def _matches(backend: Backend, config: Config, req: SearchRequest, wanted: int | None,
             stories: Mapping[str, str] | None = None, ids: bool = False) -> _Matches:
    """Run ``req`` for its first ``wanted`` ranked hits (0: none, only counted; None: all);
    ``stories`` as :func:`run_search` takes them; ``ids``: the ids of the matches that share
    their story too (as ``collapse`` asks for them; SearchPlan.ids)."""
    ids = ids or req.collapse
    if req.sort not in SORTS:
        raise QueryError(f"--sort '{req.sort}': use one of {', '.join(SORTS)}")
    facets = tuple(normalise_facet(f) for f in req.facets)
    parsed = parse(req.query, any_words=req.any)
    compiled = backend.compile(parsed.root) if parsed.root is not None else None
    notices = []
    if parsed.unknown_fields and not req.any and not req.query.rstrip().endswith("?"):
        notices.append(_fields_as_words_notice(parsed.unknown_fields))
    if req.query.strip() and compiled is None:
        notices.append("the query has only stopwords (common words that are not indexed)")
    compiled_filters, dates = compile_filters(backend, req)
    sort = req.sort if (compiled is not None or req.sort != "relevance") else "-date"
    plain = _plain_words(req.query, parsed)
    question = (sort == "relevance" and compiled is not None and plain
                and _enough_words(backend, config, req.query))
    depth = int(config["index"]["rescore_depth"])
    terms = _rescore_terms(backend, config, req.query) if depth > 0 and question else None
    depth = depth if terms is not None else 0
    limit = None if wanted is None else max(wanted, depth) if wanted else 0

    def search(compiled_words: Any) -> Found:
        if req.query.strip() and compiled_words is None:  # stopwords: nothing to search
            return Found([], 0, 0, {name: [] for name in facets}, [] if ids else None)
        return backend.search(SearchPlan(
            query=compiled_words, filters=compiled_filters, dates=dates, sort=sort,
            limit=limit, rank_words=req.query if question else None, facets=facets,
            facet_limit=req.facet_limit, ids=ids,
            facet_groups=stories if req.facet_by == "story" else None))

    found = search(compiled)
    if (not found.total and plain and not req.any and compiled is not None
            and len(req.query.split()) >= _FALLBACK_MIN_WORDS):
        relaxed = parse(req.query, any_words=True).root
        relaxed_compiled = backend.compile(relaxed) if relaxed is not None else None
        relaxed_found = search(relaxed_compiled)
        if relaxed_found.total:
            found, compiled = relaxed_found, relaxed_compiled
            notices.append("no article has all the words; showing articles with any of "
                           "them (--any asks for this directly)")
    ranked: Iterator[tuple[FoundHit, float | None]]
    if terms is not None:
        ranked = _rescored(backend, config, found.hits, terms, depth)
    else:
        ranked = ((hit, hit.score if sort == "relevance" else None) for hit in found.hits)
    return _Matches(found, ranked, compiled, notices)


# what ``export`` can give of each hit, in this order; the article's key where it differs
EXPORT_FIELDS = ("id", "score", "title", "date", "publisher", "url", "path", "line", "people",
                 "speakers", "places", "organizations", "media", "topics", "keyphrases", "tags",
                 "snippet", "first_line", "body", "story", "versions")
# the fields that need the index's stories (``versions``: a hit's other matching versions)
STORY_FIELDS = ("story", "versions")
# a page's CSV columns: what an export gives when not told
DEFAULT_EXPORT_FIELDS = ("id", "score", "title", "date", "publisher", "people", "speakers",
                         "topics", "snippet", "path")
_ARTICLE_KEYS = {"media": "cited_media"}


def export_fields(names: Iterable[str] | None) -> tuple[str, ...]:
    """The fields asked for, checked (an unknown one is an error naming every field)."""
    fields = tuple(dict.fromkeys(n.strip().lower() for n in names or () if n.strip()))
    unknown = [name for name in fields if name not in EXPORT_FIELDS]
    if unknown:
        raise QueryError(f"--fields: unknown field{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(repr(n) for n in unknown)}; use some of "
                         f"{','.join(EXPORT_FIELDS)}")
    return fields or DEFAULT_EXPORT_FIELDS


def export_hits(backend: Backend, config: Config, req: SearchRequest,
                fields: tuple[str, ...], stories: Mapping[str, str] | None = None
                ) -> Iterator[dict[str, Any]]:
    """Every hit of ``req``'s result set (not a page), in the order its pages give them,
    as ``fields`` of each: one article read at a time, so memory stays flat whatever
    the number of hits (docs/exports.md). Collapsed, the best-ranked hit of each story
    only; ``stories`` as :func:`run_search` takes them, for collapse and STORY_FIELDS."""
    stories = stories or {}
    versions = "versions" in fields
    matches = _matches(backend, config, req, None, stories, ids=versions)
    shared = _shared_stories(matches.found.ids or [], stories) if versions else {}
    marker = (_snippet_maker(backend, matches.compiled)
              if "snippet" in fields and req.snippets else None)
    seen: set[str] = set()  # with collapse: the stories given so far
    for hit, score in matches.ranked:
        doc_id = hit.doc_id()
        story = stories.get(doc_id, doc_id)
        if req.collapse:
            if story in seen:
                continue
            seen.add(story)
        row = _exported(hit.article(), score, fields, marker)
        if "story" in fields:
            row["story"] = story
        if versions:
            row["versions"] = [v for v in shared.get(story, []) if v != doc_id]
        yield row


def _exported(article: dict[str, Any], score: float | None, fields: tuple[str, ...],
              marker: Callable[[str], str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        if name == "score":
            value: Any = round(score, 4) if score is not None else None
        elif name == "date":
            value = (article.get("date") or {}).get("value")
        elif name == "people":
            value = [p["name"] for p in article.get("people", [])]
        elif name == "snippet":
            value = marker(article["body"]) if marker else ""
        elif name == "first_line":
            value = _first_line(article["body"])
        elif name in STORY_FIELDS:  # filled in by export_hits
            value = None
        else:
            value = article.get(_ARTICLE_KEYS.get(name, name))
            if name in ("speakers", "places", "organizations", "media", "topics",
                        "keyphrases", "tags"):
                value = list(value or [])
        out[name] = value
    return out


def _suggestion(backend: Backend, text: str) -> str | None:
    """The query with its unknown words corrected (:mod:`searchidx.suggest`), loaded
    only when a query found nothing."""
    if not text.strip():
        return None
    from .suggest import suggest

    suggestion = suggest(backend, text)
    return suggestion.query if suggestion is not None else None


def _story_heads(ranked: Iterable[tuple[FoundHit, float | None]], stories: Mapping[str, str]
                 ) -> list[tuple[FoundHit, float | None]]:
    """The best-ranked hit of each story, in rank order."""
    seen: set[str] = set()
    heads = []
    for hit, score in ranked:
        doc_id = hit.doc_id()
        story = stories.get(doc_id, doc_id)
        if story not in seen:
            seen.add(story)
            heads.append((hit, score))
    return heads


def compile_filters(backend: Backend, req: SearchRequest) -> tuple[Any, DateWindow | None]:
    """The request's name filters compiled (None: none) and its date window."""
    filters = _filter_tree(req)
    compiled = backend.compile(filters) if filters is not None else None
    return compiled, DateWindow.of(_date_value(req.date_from, "--from"),
                                   _date_value(req.date_to, "--to"))


def _filter_tree(req: SearchRequest) -> Node | None:
    """The request's name filters (``--speaker``, ``--publisher`` …) as one tree."""
    words: list[Node] = []
    for option, fieldname in FILTER_OPTIONS.items():
        values = getattr(req, option)
        if isinstance(values, str):
            values = [values]
        words.extend(Word(value, fieldname) for value in values or [])
    if not words:
        return None
    return words[0] if len(words) == 1 else And(tuple(words))


def _date_value(value: str | DateValue | None, option: str) -> DateValue | None:
    if value is None:
        return None
    from .models import DateValue

    if isinstance(value, DateValue):
        return value
    from .dates import parse_user_date

    return parse_user_date(value, option)


def _fields_as_words_notice(names: tuple[str, ...]) -> str:
    import difflib

    hints = []
    for name in names:
        near = difflib.get_close_matches(name.lower(), list(QUERY_FIELDS), n=1)
        hints.append(f"'{name}:'" + (f" (did you mean '{near[0]}:'?)" if near else ""))
    return (f"{', '.join(hints)} {'is' if len(names) == 1 else 'are'} not a field, so "
            f"searched as words (fields: {', '.join(sorted(set(QUERY_FIELDS)))})")


def _plain_words(text: str, parsed: Parsed) -> bool:
    """Whether the query is words alone (a question, typically): no operators, phrases,
    wildcards, fuzzy words, fields or ``exact:``; a word before a colon that names no
    field (``Romans3:28``) is a word."""
    return (parsed.root is not None and bool(_SIMPLE_WORDS.match(text))
            and not _OPERATOR.search(text)
            and all(isinstance(leaf, Word) and leaf.field is None
                    for leaf in leaves(parsed.root)))


def _enough_words(backend: Backend, config: Config, text: str) -> bool:
    """Whether ``text`` has ``index.rescore_min_terms`` words that are not stopwords."""
    words = backend.analyzer().words(text)
    return len(set(words)) >= int(config["index"]["rescore_min_terms"])


def rescore_terms(backend: Backend, config: Config, text: str) -> QueryTerms | None:
    """The weighed words of a plain-words query long enough to rescore, else None
    (``scripts/fit_rescore.py`` weighs its questions with it)."""
    parsed = parse(text)
    if not (_plain_words(text, parsed) and _enough_words(backend, config, text)):
        return None
    return _rescore_terms(backend, config, text)


def _rescore_terms(backend: Backend, config: Config, text: str) -> QueryTerms:
    from .rescore import query_terms

    section = config["index"]
    return query_terms(text, backend.analyzer(),
                       lambda stem: backend.doc_frequency("body", stem), backend.doc_count(),
                       config["italian"]["numeric_questions"],
                       int(section["prefix_chars"]), int(section["rescore_pair_window"]))


def _rescored(backend: Backend, config: Config, hits: Sequence[FoundHit], terms: QueryTerms,
              depth: int) -> Iterator[tuple[FoundHit, float | None]]:
    """(hit, score) after passage rescoring (see :mod:`searchidx.rescore`).

    Only the first ``depth`` hits are rescored, always the same ones, so pages
    agree with each other; deeper hits follow in BM25 order, with no score (it
    would not compare with the rescored ones).
    """
    from .rescore import Candidate, checked_weights, rescore

    head = hits[:depth]
    candidates = [Candidate(hit.key, hit.score or 0.0, hit.title(), hit.body()) for hit in head]
    weights = checked_weights(config["index"]["rescore_weights"])
    order = rescore(candidates, terms, backend.analyzer(), weights)
    by_key = {hit.key: hit for hit in head}
    yield from ((by_key[k], v) for k, v in order)
    yield from ((hit, None) for hit in itertools.islice(hits, depth, None))


def _snippet_maker(backend: Backend, compiled: Any) -> Callable[[str], str]:
    """A function giving the highlighted passage of a body for the compiled query
    (the article's opening when there is none, or it has no words to highlight)."""
    terms = backend.highlight_terms(compiled, ("body", "title"))
    find = backend.analyzer().find
    return lambda body: snippets.snippet(body, terms, find) or snippets.lead(body)


def _hit(hit: FoundHit, score: float | None, marker: Callable[[str], str] | None) -> Hit:
    article = hit.article()
    body = article["body"]
    date = article.get("date")
    return Hit(
        id=article["id"],
        score=round(score, 4) if score is not None else None,
        title=article.get("title"),
        date=date["value"] if date else None,
        publisher=article.get("publisher"),
        people=[p["name"] for p in article.get("people", [])],
        speakers=list(article.get("speakers", [])),
        topics=list(article.get("topics", [])),
        snippet=marker(body) if marker else "",
        path=article.get("path"),
        first_line=_first_line(body),
    )


def _first_line(body: str, width: int = 90) -> str:
    line = body.strip().split("\n", 1)[0]
    return line if len(line) <= width else line[:width].rsplit(" ", 1)[0] + "…"


# -- whole result sets ---------------------------------------------------------

def matching_articles(backend: Backend, req: SearchRequest) -> Iterator[dict[str, Any]]:
    """Every article of ``req``'s result set (not a page), newest first, as
    :meth:`Backend.document` gives it: for what sums up a whole result set."""
    plan = _whole_set(backend, req)
    if plan is not None:
        for hit in backend.search(replace(plan, sort="-date", limit=None)).hits:
            yield hit.article()


def result_table(backend: Backend, req: SearchRequest, columns: tuple[str, ...]) -> Table:
    """The dates and ``columns`` (facets, person details) of every article of ``req``'s
    result set, without unpacking them (:meth:`Backend.table`)."""
    plan = _whole_set(backend, req)
    if plan is None:
        return Table([], {column: [] for column in columns})
    return backend.table(plan, columns)


def _whole_set(backend: Backend, req: SearchRequest) -> SearchPlan | None:
    """The plan of ``req``'s whole result set: its words matched as :func:`run_search`
    matches them (without the fallback to any word), its filters and dates; None
    when the query has only stopwords."""
    parsed = parse(req.query, any_words=req.any)
    compiled = backend.compile(parsed.root) if parsed.root is not None else None
    if req.query.strip() and compiled is None:
        return None
    filters = _filter_tree(req)
    return SearchPlan(
        query=compiled, filters=backend.compile(filters) if filters is not None else None,
        dates=DateWindow.of(_date_value(req.date_from, "--from"),
                            _date_value(req.date_to, "--to")), limit=0)


# -- quotes --------------------------------------------------------------------

def find_quotes(backend: Backend, config: Config, query_text: str = "", *,
                speaker: list[str] | None = None, date_from: str | DateValue | None = None,
                date_to: str | DateValue | None = None,
                limit: int | None = 20) -> list[dict[str, Any]]:
    """Quotes matching the words of ``query_text`` (all of them) and the filters."""
    root = parse(query_text, default_field="quotes").root
    text_q = backend.compile(root) if root is not None else None
    speakers = [Word(s, "speakers") for s in speaker or []]
    speaker_q = backend.compile(And(tuple(speakers))) if speakers else None
    dates = DateWindow.of(_date_value(date_from, "--from"), _date_value(date_to, "--to"))
    if query_text.strip() and text_q is None:
        return []
    wanted = backend.highlight_terms(text_q, ("quotes",))
    speaker_keys = [name_key(s) for s in speaker or []]
    out: list[dict[str, Any]] = []
    found = backend.search(SearchPlan(query=text_q, filters=speaker_q, dates=dates,
                                      sort="-date", limit=None))
    for hit in found.hits:
        article = hit.article()
        for quote in article.get("quotes", []):
            if speaker_keys and (quote["speaker"] is None or not _speaker_matches(
                    quote["speaker"], article, speaker_keys)):
                continue
            if wanted and not wanted & set(analyze(quote["text"], config)):
                continue
            out.append({"speaker": quote["speaker"], "source": quote.get("source"),
                        "date": (article.get("date") or {}).get("value"),
                        "id": article["id"], "title": article.get("title"),
                        "kind": quote["kind"], "verb": quote.get("verb"),
                        "field": quote.get("field", "body"), "text": quote["text"]})
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
