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

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import snippets
from .analysis import analyze, name_key
from .backends import SORTS, Backend, Found, FoundHit, SearchPlan
from .config import Config
from .errors import QueryError
from .fields import FILTER_OPTIONS, QUERY_FIELDS, normalise_facet
from .query import And, DateWindow, Node, Parsed, Word, leaves, parse

if TYPE_CHECKING:  # the rescoring, only for questions; dates, only for --from/--to
    from .models import DateValue
    from .rescore import QueryTerms

_SIMPLE_WORDS = re.compile(r"^[\w\s’'\-,.?!;:]+$")
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT)\b|(?:^|\s)[-+]\w")
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
    collapse: bool = False  # one hit per story (the best-ranked), its other versions named
    facet_by: str = "article"  # or "story": a facet value counts once per story


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
    story: str | None = None  # with collapse: the hit's story
    versions: list[str] | None = None  # with collapse: the story's other matching articles

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        if self.story is None:
            del out["story"], out["versions"]
        return out


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
        return out


FACET_BY = ("article", "story")


def run_search(backend: Backend, config: Config, req: SearchRequest,
               stories: Mapping[str, str] | None = None) -> SearchResult:
    """Execute one :class:`SearchRequest` on ``backend``; ``stories`` (article id ->
    story, for the articles that share one) serves ``collapse`` and ``facet_by``."""
    if req.sort not in SORTS:
        raise QueryError(f"--sort '{req.sort}': use one of {', '.join(SORTS)}")
    if req.limit < 0 or req.page < 1:
        raise QueryError("--limit must be >= 0 and --page >= 1")
    if req.facet_by not in FACET_BY:
        raise QueryError(f"--facet-by '{req.facet_by}': use one of {', '.join(FACET_BY)}")
    stories = stories or {}
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
    start, end = (req.page - 1) * req.limit, req.page * req.limit
    depth = depth if terms is not None else 0

    # collapsed, a page of stories needs more hits than its size: first three times
    # as many, then four times more until the page is full or the matches run out
    wanted = max(end * (3 if req.collapse else 1), depth) if req.limit else 0

    def search(compiled_words: Any, limit: int = wanted) -> Found:
        if req.query.strip() and compiled_words is None:  # stopwords: nothing to search
            return Found([], 0, 0, {name: [] for name in facets}, [] if req.collapse else None)
        return backend.search(SearchPlan(
            query=compiled_words, filters=compiled_filters, dates=dates, sort=sort,
            limit=limit, rank_words=req.query if question else None, facets=facets,
            facet_limit=req.facet_limit, ids=req.collapse,
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

    def ranked_hits(found: Found) -> list[tuple[FoundHit, float | None]]:
        if terms is not None:
            return _rescored(backend, config, found.hits, terms, depth)
        return [(hit, hit.score if sort == "relevance" else None) for hit in found.hits]

    ranked = ranked_hits(found)
    marker = _snippet_maker(backend, compiled) if req.snippets else None
    result = SearchResult(query=req.query, total=found.total, hits=[], facets=found.facets,
                          dropped_undated=found.dropped_undated,
                          notice="; ".join(notices) or None, page=req.page, limit=req.limit)
    if not req.collapse:
        result.hits = [_hit(h, score, marker) for h, score in ranked[start:end]]
        return result
    limit = wanted
    heads = _story_heads(ranked, stories)
    while len(heads) < end and limit < found.total:
        limit *= 4
        heads = _story_heads(ranked_hits(search(compiled, limit)), stories)
    ids = found.ids or []
    shared: dict[str, list[str]] = {}  # story -> its matching articles, for shared stories
    for doc_id in ids:
        if doc_id in stories:  # the few that share theirs: the others are stories alone
            shared.setdefault(stories[doc_id], []).append(doc_id)
    result.stories = len(ids) - sum(len(m) for m in shared.values()) + len(shared)
    for hit, score in heads[start:end]:
        shown = _hit(hit, score, marker)
        shown.story = stories.get(shown.id, shown.id)
        shown.versions = [v for v in shared.get(shown.story, []) if v != shown.id]
        result.hits.append(shown)
    return result


def _story_heads(ranked: list[tuple[FoundHit, float | None]], stories: Mapping[str, str]
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


def _rescored(backend: Backend, config: Config, hits: list[FoundHit], terms: QueryTerms,
              depth: int) -> list[tuple[FoundHit, float | None]]:
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
    ranked: list[tuple[FoundHit, float | None]] = [(by_key[k], v) for k, v in order]
    return ranked + [(hit, None) for hit in hits[depth:]]


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
