"""The OpenSearch backend: one index of a cluster (and its manifest index), searched
through the query DSL (:mod:`.compile`), written in bulk (:mod:`.writing`).

Filters go in filter context (they narrow, never rank); a date window is the same
interval overlap as Whoosh's, on ``date_start``/``date_end``, applied as a
``post_filter`` so that the facets (terms aggregations; ``year``/``month`` date
histograms) count the same matches the hits come from, and the undated matches it
drops are counted in the same request.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ...analysis import fold, italian_analyzer
from ...errors import SearchidxError
from .client import Backoff, Client, OpenSearchError, path_id
from .compile import Compiled, Compiler, substitute
from .manifest import ClusterManifest
from .schema import check_index, document_id, source_body

if TYPE_CHECKING:
    from ...analysis import ItalianAnalyzer
    from ...config import Config
    from ...query import DateWindow, Node
    from ..base import Found, SearchPlan, Similar, Table
    from .writing import OpenSearchRun

_PAGE = 1000  # hits per request when every hit is wanted
_HIGHLIGHT_DOCS = 100  # articles whose highlights expand a wildcard or fuzzy word
# the values a terms aggregation fetches per facet beyond the ones shown, so that the
# ties at the cut are ordered as Whoosh orders them (count, then folded name)
_FACET_MARGIN = 50
_ALL_VALUES = 65_536
# shared stories counted exactly per facet value up to this many (a cardinality
# aggregation's default; beyond it, an estimate within a few percent). 40,000, its most,
# made a 512 MB node's request breaker refuse (429) two facets per story over Facta
_EXACT_SHARED_STORIES = 3_000
# the key terms a more-like-this query is made of (as many as the Whoosh backend's)
_SIMILAR_KEY_TERMS = 12
_TERMS_PER_REQUEST = 1000  # candidate terms counted in one request (filters buckets)
SORT_CLAUSES = {
    "date": [{"dated": "desc"}, {"date_start": {"order": "asc", "missing": "_last"}},
             {"id": "asc"}],
    "-date": [{"dated": "desc"}, {"date_start": {"order": "desc", "missing": "_last"}},
              {"id": "asc"}],
    "relevance": [{"_score": "desc"}, {"id": "asc"}],
}



class OpenSearchHit:
    """One hit, its ``_source`` already fetched."""

    __slots__ = ("key", "score", "source")

    def __init__(self, key: int, score: float | None, source: dict[str, Any]) -> None:
        self.key = key
        self.score = score
        self.source = source

    def doc_id(self) -> str:
        return str(self.source["id"])

    def title(self) -> str:
        return self.source.get("title") or ""

    def body(self) -> str:
        return source_body(self.source)

    def article(self) -> dict[str, Any]:
        return stored_article(self.source)


def stored_article(source: dict[str, Any]) -> dict[str, Any]:
    """A cluster document as the article dict users see (``show``, JSON), in the
    Whoosh backend's shape."""
    return {"id": source["id"], "path": source.get("path"), "title": source.get("title") or None,
            "date": source.get("date"), **(source.get("data") or {}),
            "body": source_body(source)}


def _iso(basic: str | None) -> str | None:
    return f"{basic[:4]}-{basic[4:6]}-{basic[6:8]}" if basic else None


def _basic(day: Any) -> str:
    return day.strftime("%Y%m%d")


class OpenSearchBackend:
    """The index ``index`` of the cluster at ``url`` (one address or several)."""

    def __init__(self, config: Config, index: str, url: str) -> None:
        self.config = config
        self.index = index
        self.url = url
        self._client: Client | None = None
        self._analyzer: ItalianAnalyzer | None = None
        self._compiler: Compiler | None = None
        self._checked = False
        self._manifest_made = False  # the manifest index made (or found) once

    @property
    def client(self) -> Client:
        """A client for reading: a few quick retries, so that a cluster that is down
        is said in seconds (an index run has its own, more patient client)."""
        if self._client is None:
            self._client = Client.from_env(self.url, backoff=Backoff(attempts=3, most=2.0))
        return self._client

    def _path(self, suffix: str = "") -> str:
        return f"/{path_id(self.index)}{suffix}"

    # -- opening and writing ------------------------------------------------------
    def exists(self) -> bool:
        return self.client.request("HEAD", self._path(), ok=(404,)).status == 200

    def manifest(self) -> ClusterManifest:
        manifest = ClusterManifest(self.client, self.index, replicas=self._replicas(),
                                   create=not self._manifest_made)
        self._manifest_made = True
        return manifest

    def _replicas(self) -> int:
        return int(self.config["index"]["opensearch_replicas"])

    def run(self, *, wait: float, rebuild: bool) -> contextlib.AbstractContextManager[
            OpenSearchRun]:
        from .writing import open_run

        self._checked = False
        return open_run(self.config, self.index, self.url, rebuild=rebuild)

    def _searchable(self) -> None:
        """Check once that the index exists and was built with this configuration."""
        if not self._checked:
            check_index(self.client, self.index, self.config)
            self._checked = True

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """The client's errors already are one line naming the URL; an answer of an
        unexpected shape (not an OpenSearch cluster?) becomes one too."""
        try:
            yield
        except SearchidxError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise OpenSearchError(f"OpenSearch at {self.url}: unexpected answer "
                                  f"({type(exc).__name__}: {exc}); is --url an OpenSearch "
                                  "2.x cluster?") from None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- searching ---------------------------------------------------------------
    def analyzer(self) -> ItalianAnalyzer:
        if self._analyzer is None:
            self._analyzer = italian_analyzer(self.config)
        return self._analyzer

    def quick_reader(self) -> None:
        return None  # a cluster answers every search at the same cost

    def compile(self, node: Node) -> Compiled | None:
        if self._compiler is None:
            self._compiler = Compiler(self.analyzer(), self.config)
        return self._compiler.compile(node)

    def search(self, plan: SearchPlan) -> Found:
        from ..base import Found

        self._searchable()
        query = self._query(plan)
        body: dict[str, Any] = {"query": query, "track_total_hits": True,
                                "sort": SORT_CLAUSES[plan.sort], "_source": True}
        window = _window(plan.dates)
        if window is not None:
            body["post_filter"] = window
        aggs = self._facet_aggs(plan)
        if window is not None:
            aggs = {"window": {"filter": window, "aggs": aggs}} if aggs else {}
            aggs["undated"] = {"filter": {"term": {"dated": False}}}
        if aggs:
            body["aggs"] = aggs
        wanted = plan.limit
        size = _PAGE if wanted is None else min(wanted, _PAGE)
        body["size"] = size
        answer = self._search(body)
        hits = answer["hits"]["hits"]
        total = answer["hits"]["total"]["value"]
        # more than a page asked for: the next pages after the last hit's sort values
        while (wanted is None or len(hits) < wanted) and len(hits) < total and hits:
            page = {**body, "size": _PAGE if wanted is None else min(_PAGE, wanted - len(hits)),
                    "search_after": hits[-1]["sort"], "track_total_hits": False}
            page.pop("aggs", None)
            more = self._search(page)["hits"]["hits"]
            if not more:
                break
            hits.extend(more)
        found_aggs = answer.get("aggregations", {})
        dropped = found_aggs.get("undated", {}).get("doc_count", 0) if window else 0
        facet_aggs = found_aggs.get("window", found_aggs)
        facets = {name: self._facet_values(name, facet_aggs, plan.facet_limit)
                  for name in plan.facets}
        scored = plan.sort == "relevance"
        return Found([OpenSearchHit(i, hit.get("_score") if scored else None, hit["_source"])
                      for i, hit in enumerate(hits)], total, dropped, facets,
                     self._shared_ids(query, window) if plan.ids else None)

    def _shared_ids(self, query: dict[str, Any], window: dict[str, Any] | None) -> list[str]:
        """The ids of the matches whose story has other articles (``story_size > 1``):
        the few that a collapsed search counts and names as versions, in the order they
        were indexed (as the Whoosh backend lists them)."""
        narrowed = [{"range": {"story_size": {"gt": 1}}}, *([window] if window else [])]
        return [s["id"] for s in self._scan({"bool": {"must": [query], "filter": narrowed}},
                                            ["id"], [{"story_seq": "asc"}, {"id": "asc"}])]

    def _query(self, plan: SearchPlan) -> dict[str, Any]:
        """The query of ``plan``: its words (with their ``exact:`` checks done), the
        filters in filter context, the prefix ranking of a question."""
        filters: list[dict[str, Any]] = []
        if plan.filters is not None:
            filters.append(self._resolved(plan.filters, []))
        if plan.query is None:
            return {"bool": {"must": [{"match_all": {}}], "filter": filters}}
        must = self._resolved(plan.query, filters)
        should = self._prefix_ranking(plan.rank_words) if plan.rank_words else []
        return {"bool": {"must": [must], "filter": filters, "should": should}}

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        """One search of the index. Partial results are refused: a shard whose node has
        just gone answers as an error, which the client retries (its replica is promoted
        meanwhile), never as a smaller count."""
        answer: dict[str, Any] = self.client.post(
            self._path("/_search"), body, params={"allow_partial_search_results": "false"}).body
        return answer

    def _resolved(self, compiled: Compiled, filters: list[dict[str, Any]]) -> dict[str, Any]:
        """``compiled``'s DSL with each ``exact:`` clause made the ids of the candidates
        (kept by ``filters``) whose stored title and body hold its words as written."""
        if not compiled.exact:
            return compiled.dsl
        import re

        kept: dict[int, list[str]] = {}
        for check in compiled.exact:
            regex = re.compile(check.pattern)
            ids = []
            for source in self._scan({"bool": {"must": [check.candidates], "filter": filters}},
                                     ["id", "content"]):
                if regex.search(fold(source.get("content") or "")):  # the title and the body
                    ids.append(source["id"])
            kept[check.key] = ids
        resolved: dict[str, Any] = substitute(compiled.dsl, kept, compiled.exact)
        return resolved

    def _scan(self, query: dict[str, Any], fields: list[str] | bool,
              sort: list[Any] | None = None) -> Iterator[dict[str, Any]]:
        """The ``_source`` (``fields`` of it) of every article ``query`` matches, by id
        (or by ``sort``, which ends with the id)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"query": query, "size": _PAGE, "_source": fields,
                                    "sort": sort or [{"id": "asc"}], "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            page = self._search(body)["hits"]["hits"]
            for hit in page:
                yield hit["_source"]
            if len(page) < _PAGE:
                return
            after = page[-1]["sort"]

    def _prefix_ranking(self, text: str) -> list[dict[str, Any]]:
        """Optional clauses ranking also by the words' first ``index.prefix_chars``
        letters (Whoosh's ``RankedByPrefixes``); they never decide what matches."""
        section = self.config["index"]
        boost, chars = float(section["prefix_boost"]), int(section["prefix_chars"])
        if not boost:
            return []
        prefixes = dict.fromkeys(word[:chars] for word in self.analyzer().words(text))
        return [{"prefix": {"content": {"value": p, "boost": boost}}} for p in prefixes]

    def _facet_aggs(self, plan: SearchPlan) -> dict[str, Any]:
        aggs: dict[str, Any] = {}
        size = _ALL_VALUES if plan.facet_limit is None else plan.facet_limit + _FACET_MARGIN
        for name in plan.facets:
            if name in ("year", "month"):
                histogram = {"date_histogram": {
                    "field": "date_start", "calendar_interval": name,
                    "format": "yyyy" if name == "year" else "yyyy-MM", "min_doc_count": 1}}
                # a date known to the year only has no month
                aggs[name] = ({"filter": {"exists": {"field": "facets.month"}},
                               "aggs": {"values": histogram}} if name == "month"
                              else histogram)
            else:
                aggs[name] = {"terms": {"field": f"facets.{name}", "size": size,
                                        "shard_size": max(size * 2, 100)}}
            if plan.facet_groups is not None:  # a value counts once per story
                counted = aggs[name].get("aggs", {}).get("values", aggs[name])
                counted["aggs"] = {"shared": {
                    "filter": {"range": {"story_size": {"gt": 1}}},
                    "aggs": {"stories": {"cardinality": {
                        "field": "story", "precision_threshold": _EXACT_SHARED_STORIES}}}}}
        return aggs

    @staticmethod
    def _facet_values(name: str, aggs: dict[str, Any], limit: int | None
                      ) -> list[tuple[str, int]]:
        """Most frequent first, ties by folded name (as the Whoosh backend orders them)."""
        agg = aggs.get(name, {})
        agg = agg.get("values", agg)
        values = [(b.get("key_as_string", b["key"]), _counted(b))
                  for b in agg.get("buckets", []) if b["doc_count"] > 0]
        values.sort(key=lambda kv: (-kv[1], fold(str(kv[0]))))
        return values if limit is None else values[:limit]

    def table(self, plan: SearchPlan, columns: tuple[str, ...]) -> Table:
        """Every match's date and ``columns``, read page by page from only the
        ``_source`` fields they need: facets from ``facets``, person details from the
        stored people (the cluster keeps no columns of them)."""
        from ...fields import PERSON_DETAILS
        from ..base import Table

        self._searchable()
        query = self._query(plan)  # a question's prefix ranking only ranks
        window = _window(plan.dates)
        if window is not None:
            query = {"bool": {"must": [query], "filter": [window]}}
        wanted = ["date"] + [f"facets.{n}" for n in columns if n not in PERSON_DETAILS]
        if any(n in PERSON_DETAILS for n in columns):
            wanted.append("data.people")
        dates: list[dict[str, str] | None] = []
        out: dict[str, list[tuple[Any, ...]]] = {name: [] for name in columns}
        for source in self._scan(query, wanted):
            dates.append(source.get("date"))
            facets = source.get("facets") or {}
            people = (source.get("data") or {}).get("people") or []
            for name in columns:
                out[name].append(_person_details(people, name) if name in PERSON_DETAILS
                                 else tuple(facets.get(name) or ()))
        return Table(dates, out)

    def similar(self, doc_id: str, limit: int, filters: Any, dates: DateWindow | None,
                exclude: frozenset[str]) -> list[Similar]:
        """OpenSearch's more like this over the article's ``content`` (its key terms by
        tf-idf: frequent in it, rare in the index); the terms shared are those of its
        key terms, as the term vectors' same tf-idf filter picks them, that the other
        article holds (the more-like-this query is not highlighted)."""
        from ..base import Similar

        self._searchable()
        key_terms = self._key_terms(doc_id)
        if not key_terms:
            return []
        narrowing = [self._resolved(filters, [])] if filters is not None else []
        window = _window(dates)
        if window is not None:
            narrowing.append(window)
        like = {"more_like_this": {
            "fields": ["content"], "like": [{"_index": self.index, "_id": document_id(doc_id)}],
            "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": _SIMILAR_KEY_TERMS,
            "minimum_should_match": 1}}
        body = {"query": {"bool": {"must": [like], "filter": narrowing,
                                   "must_not": [{"terms": {"id": sorted(exclude)}}]}},
                "size": limit, "_source": ["id", "content"], "sort": SORT_CLAUSES["relevance"],
                "track_total_hits": False}
        words = self.analyzer().words
        out = []
        for hit in self._search(body)["hits"]["hits"]:
            held = set(words(hit["_source"].get("content") or ""))
            shared = tuple(term for term, _ in key_terms if term in held)
            out.append(Similar(hit["_source"]["id"], float(hit.get("_score") or 0.0), shared))
        return out

    def _key_terms(self, doc_id: str) -> list[tuple[str, float]]:
        """The article's ``_SIMILAR_KEY_TERMS`` best terms of ``content`` by tf-idf,
        best first; [] for an id the index does not hold."""
        answer = self.client.post(
            self._path(f"/_termvectors/{path_id(document_id(doc_id))}"),
            {"fields": ["content"], "term_statistics": True, "field_statistics": False,
             "positions": False, "offsets": False,
             "filter": {"max_num_terms": _SIMILAR_KEY_TERMS, "min_term_freq": 1,
                        "min_doc_freq": 1}}, ok=(404,)).body
        terms = answer.get("term_vectors", {}).get("content", {}).get("terms", {}) \
            if answer.get("found") else {}
        return sorted(((t, float(v["score"])) for t, v in terms.items()),
                      key=lambda tw: (-tw[1], tw[0]))

    def highlight_terms(self, compiled: Any, fields: tuple[str, ...]) -> frozenset[str]:
        """The words and phrases' terms as compiled; a wildcard's or fuzzy word's are
        the terms the cluster highlights in the query's first matches (the hits a page
        shows, so their snippets mark what they hold)."""
        if compiled is None:
            return frozenset()
        terms: set[str] = set()
        for name in fields:
            terms.update(compiled.terms.get(name, ()))
        for name, clause in compiled.expanding:
            if name in fields:
                terms.update(self._expanded(compiled.dsl, clause))
        return frozenset(terms)

    def _expanded(self, query: dict[str, Any], clause: dict[str, Any]) -> set[str]:
        """The index terms ``clause`` meets, as the cluster highlights them in the first
        ``_HIGHLIGHT_DOCS`` articles ``query`` ranks (a wildcard alone is constant-scored:
        its first articles would be any, not the ones shown)."""
        import re

        (target,) = next(iter(clause.values())).keys()
        body = {"query": query, "size": _HIGHLIGHT_DOCS, "_source": False,
                # the whole text, every match marked (0 fragments: no cutting)
                "highlight": {"highlight_query": clause, "fields": {target: {
                    "type": "unified", "number_of_fragments": 0, "pre_tags": ["\x02"],
                    "post_tags": ["\x03"]}}}}
        terms: set[str] = set()
        for hit in self._search(body)["hits"]["hits"]:
            for fragment in hit.get("highlight", {}).get(target, []):
                for marked in re.findall("\x02(.*?)\x03", fragment):
                    terms.update(self.analyzer().words(marked))
        return terms

    def doc_count(self) -> int:
        self._searchable()
        return int(self.client.get(self._path("/_count")).body["count"])

    def doc_frequency(self, field: str, term: str) -> int:
        answer = self.client.post(self._path("/_count"),
                                  {"query": {"term": {_term_target(field): term}}}).body
        return int(answer["count"])

    def held_terms(self, field: str, terms: Iterable[str]) -> dict[str, int]:
        """One size-0 search per thousand candidates, each a bucket of a ``filters``
        aggregation: how many articles hold it."""
        target = _term_target(field)
        candidates = sorted(set(terms))
        held: dict[str, int] = {}
        for at in range(0, len(candidates), _TERMS_PER_REQUEST):
            chunk = candidates[at:at + _TERMS_PER_REQUEST]
            buckets = {str(i): {"term": {target: term}} for i, term in enumerate(chunk)}
            answer = self._search({"size": 0, "track_total_hits": False, "aggs": {
                "held": {"filters": {"filters": buckets}}}})
            for key, bucket in answer["aggregations"]["held"]["buckets"].items():
                if bucket["doc_count"]:
                    held[chunk[int(key)]] = bucket["doc_count"]
        return held

    def holding(self, field: str, term: str, limit: int) -> list[dict[str, Any]]:
        body = {"query": {"term": {_term_target(field): term}}, "size": limit,
                "sort": [{"id": "asc"}], "_source": True, "track_total_hits": False}
        return [stored_article(hit["_source"]) for hit in self._search(body)["hits"]["hits"]]

    # -- stored articles -----------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any] | None:
        self._searchable()
        answer = self.client.get(self._path(f"/_doc/{path_id(document_id(doc_id))}"),
                                 ok=(404,)).body
        return stored_article(answer["_source"]) if answer.get("found") else None

    def documents(self) -> Iterator[dict[str, Any]]:
        self._searchable()
        for source in self._scan({"match_all": {}}, True):
            yield stored_article(source)

    def stats(self) -> dict[str, Any]:
        self._searchable()
        answer = self._search({
            "size": 0, "track_total_hits": True,
            "aggs": {"undated": {"filter": {"term": {"dated": False}}},
                     "first": {"min": {"field": "date_start", "format": "basic_date"}},
                     "last": {"max": {"field": "date_start", "format": "basic_date"}}}})
        aggs = answer["aggregations"]
        size = self.client.get(self._path("/_stats/store")).body
        return {
            "documents": answer["hits"]["total"]["value"],
            "undated": aggs["undated"]["doc_count"],
            "date_from": _iso(aggs["first"].get("value_as_string")),
            "date_to": _iso(aggs["last"].get("value_as_string")),
            "size_bytes": size["_all"]["primaries"]["store"]["size_in_bytes"],
            "fields": _fields(self.config),
        }


def _fields(config: Config) -> list[str]:
    """What ``stats`` lists as the index's fields: the same names as on Whoosh, whose
    schema documents each of them."""
    from ..whoosh.schema import build_schema

    return sorted(n for n in build_schema(config).names() if not n.startswith("f_"))


def _counted(bucket: dict[str, Any]) -> int:
    """A facet bucket's count: its articles, or with ``shared`` (per story) its articles
    less those of shared stories plus those stories (every other article is a story)."""
    shared = bucket.get("shared")
    if shared is None:
        return int(bucket["doc_count"])
    return int(bucket["doc_count"]) - int(shared["doc_count"]) + int(shared["stories"]["value"])


def _term_target(field: str) -> str:
    """Where the cluster keeps a Whoosh index field's terms: a text field's analysed
    words, or a name field's keys (``keys.people`` …)."""
    from ...fields import FILTERABLE
    from .compile import TEXT_TARGETS

    if field in TEXT_TARGETS:
        return TEXT_TARGETS[field]
    return f"keys.{field}" if field in FILTERABLE else field


def _person_details(people: list[dict[str, Any]], detail: str) -> tuple[tuple[str, str], ...]:
    """(person, role) or (person, spelling) pairs of the stored people, each once, as
    the Whoosh backend's detail columns hold them."""
    if detail == "roles":
        pairs = ((p["name"], p["role"]) for p in people if p.get("role"))
    else:
        pairs = ((p["name"], m["text"]) for p in people for m in p.get("mentions") or ())
    return tuple(dict.fromkeys(pair for pair in pairs if pair[1]))


def _window(dates: DateWindow | None) -> dict[str, Any] | None:
    """The articles whose date interval overlaps ``dates`` (undated ones are not)."""
    if dates is None:
        return None
    clauses: list[dict[str, Any]] = [{"term": {"dated": True}}]
    if dates.start is not None:
        clauses.append({"range": {"date_end": {"gte": _basic(dates.start)}}})
    if dates.end is not None:
        clauses.append({"range": {"date_start": {"lte": _basic(dates.end)}}})
    return {"bool": {"filter": clauses}}
