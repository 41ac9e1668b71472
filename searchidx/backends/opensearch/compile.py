"""The query tree -> OpenSearch's query DSL.

The same decisions as :mod:`searchidx.backends.whoosh.compile`, so both backends
match the same articles: words go through our own analyzer in this process (the
cluster's analyzer mirrors it term for term, :mod:`.schema`) and become ``term``
queries on the stems; the article's text is the title, boosted by
``index.title_boost``, OR ``content`` (title and body, as Whoosh's ``body``);
phrases are ``match_phrase`` under the cluster's analyzer, or with a slop
``intervals`` in order (Whoosh's ``~N`` is at most N-1 words between); wildcards
meet the forms :meth:`ItalianAnalyzer.wildcard_forms` gives; name filters are
the keys :func:`searchidx.fields.filter_keys` gives, on ``keys.FIELD``. An
``exact:`` clause is its stemmed words, checked against the stored text by the
backend before the search runs (:class:`ExactCheck`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...analysis import ItalianAnalyzer, fold, name_key
from ...config import Config
from ...fields import DATE_KEYS, NAME_FIELDS, checked_name, filter_keys
from ...query import And, Every, Exact, Fuzzy, Node, Not, Or, Phrase, Wildcard, Word
from .schema import TEXT_ANALYZER

# our field names -> the cluster's: Whoosh's ``body`` holds the title too, as ``content``
TEXT_TARGETS = {"title": "title", "body": "content", "quotes": "quotes"}
# terms a fuzzy or wildcard clause may expand to: Whoosh has no limit, Lucene's default is 50
MAX_EXPANSIONS = 10_000
MATCH_NONE: dict[str, Any] = {"match_none": {}}


@dataclass(frozen=True)
class ExactCheck:
    """An ``exact:`` clause: the articles of ``candidates`` whose folded title and body
    hold ``pattern``. The backend replaces ``{"searchidx_exact": key}`` in the query
    by the ids it kept."""

    key: int
    candidates: dict[str, Any]
    pattern: str


@dataclass
class Compiled:
    """A compiled query: the DSL, and what highlighting and ``exact:`` need of it."""

    dsl: dict[str, Any]
    # field (ours) -> the index terms it looks for as such (words, phrases)
    terms: dict[str, set[str]] = field(default_factory=dict)
    # (field, clause): wildcards and fuzzy words, whose terms are only known once run
    expanding: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    exact: list[ExactCheck] = field(default_factory=list)


class Compiler:
    """Compiles trees with the index's analysis and the configuration's weights."""

    def __init__(self, analyzer: ItalianAnalyzer, config: Config) -> None:
        self.analyzer = analyzer
        self.config = config
        self.title_boost = float(config["index"]["title_boost"])
        self._out: Compiled | None = None

    def compile(self, node: Node) -> Compiled | None:
        """The query for ``node``; None when nothing is left to search (stopwords)."""
        self._out = out = Compiled({})
        dsl = self._node(node)
        self._out = None
        if dsl is None:
            return None
        out.dsl = dsl
        return out

    def _node(self, node: Node) -> dict[str, Any] | None:
        if isinstance(node, (And, Or)):
            subs = [q for q in map(self._node, node.children) if q is not None]
            if not subs:
                return None
            if len(subs) == 1:
                return subs[0]
            if isinstance(node, And):
                return {"bool": {"must": subs}}
            return {"bool": {"should": subs, "minimum_should_match": 1}}
        if isinstance(node, Not):
            child = self._node(node.child)
            return {"bool": {"must_not": [child]}} if child is not None else None
        if isinstance(node, Every):
            return {"match_all": {}}
        if isinstance(node, Exact):
            candidate = self._node(Phrase(node.text) if node.phrase else Word(node.text))
            if candidate is None:
                return None
            assert self._out is not None
            check = ExactCheck(len(self._out.exact), candidate, node.pattern().pattern)
            self._out.exact.append(check)
            return {"searchidx_exact": check.key}
        if node.field is None:
            on_fields = [q for q in (self._leaf(node, "title", self.title_boost),
                                     self._leaf(node, "body")) if q is not None]
            if not on_fields:
                return None
            return on_fields[0] if len(on_fields) == 1 else {
                "bool": {"should": on_fields, "minimum_should_match": 1}}
        return self._leaf(node, node.field)

    def _leaf(self, leaf: Word | Phrase | Wildcard | Fuzzy, name: str,
              boost: float = 1.0) -> dict[str, Any] | None:
        if name in NAME_FIELDS:
            return self._name(leaf, name)
        if name in DATE_KEYS:
            return self._date_key(leaf, name)
        if name == "id":
            return self._id(leaf)
        target = TEXT_TARGETS[name]
        if isinstance(leaf, Wildcard):
            return self._pattern(leaf.pattern, name, target, boost)
        if isinstance(leaf, Fuzzy):
            clause = {"fuzzy": {target: {"value": fold(leaf.text), "fuzziness": leaf.edits,
                                         "prefix_length": 0, "transpositions": False,
                                         "max_expansions": MAX_EXPANSIONS, "boost": boost}}}
            self._expanding(name, clause)
            return clause
        if isinstance(leaf, Phrase):
            words = self.analyzer.words(leaf.text)
            if not words:
                return None
            self._terms(name, words)
            if leaf.slop <= 1:
                return {"match_phrase": {target: {"query": leaf.text, "analyzer": TEXT_ANALYZER,
                                                  "boost": boost}}}
            # in order, as Whoosh's: a sloppy match_phrase would also meet the words swapped
            return {"intervals": {target: {"match": {
                "query": leaf.text, "analyzer": TEXT_ANALYZER, "ordered": True,
                "max_gaps": leaf.slop - 1}, "boost": boost}}}
        terms = self.analyzer.words(leaf.text)
        if not terms:
            return None
        self._terms(name, terms)
        clauses = [{"term": {target: {"value": t, "boost": boost}}} for t in terms]
        if len(clauses) == 1:
            return clauses[0]
        if leaf.all_terms:
            return {"bool": {"must": clauses}}
        return {"bool": {"should": clauses, "minimum_should_match": 1}}

    def _terms(self, name: str, terms: list[str]) -> None:
        assert self._out is not None
        self._out.terms.setdefault(name, set()).update(terms)

    def _expanding(self, name: str, clause: dict[str, Any]) -> None:
        assert self._out is not None
        self._out.expanding.append((name, clause))

    def _name(self, leaf: Word | Phrase | Wildcard | Fuzzy, name: str) -> dict[str, Any]:
        """A name filter: the keys of the name and its aliases, or a pattern of keys."""
        target = f"keys.{name}"
        if isinstance(leaf, Wildcard):
            return {"wildcard": {target: {"value": name_key(leaf.pattern)}}}
        if isinstance(leaf, Fuzzy):
            return {"fuzzy": {target: {"value": checked_name(name, leaf.text),
                                       "fuzziness": leaf.edits, "prefix_length": 0,
                                       "transpositions": False,
                                       "max_expansions": MAX_EXPANSIONS}}}
        keys = filter_keys(self.config, name, leaf.text)
        return {"term": {target: keys[0]}} if len(keys) == 1 else {"terms": {target: keys}}

    @staticmethod
    def _date_key(leaf: Word | Phrase | Wildcard | Fuzzy, name: str) -> dict[str, Any]:
        """``year:2023``, ``month:2023-09`` (held as ``2023 09``), ``month:2023-*``."""
        target = f"keys.{name}"
        if isinstance(leaf, Wildcard):
            prefix, text = _as_prefix(leaf.pattern)
            keyed = text.replace("-", " ")
            return ({"prefix": {target: keyed}} if prefix
                    else {"wildcard": {target: {"value": keyed}}})
        if isinstance(leaf, Fuzzy):
            return {"fuzzy": {target: {"value": name_key(leaf.text), "fuzziness": leaf.edits,
                                       "prefix_length": 0, "transpositions": False}}}
        return {"term": {target: name_key(leaf.text)}}

    @staticmethod
    def _id(leaf: Word | Phrase | Wildcard | Fuzzy) -> dict[str, Any]:
        if isinstance(leaf, Wildcard):
            prefix, text = _as_prefix(leaf.pattern)
            return {"prefix": {"id": text}} if prefix else {"wildcard": {"id": {"value": text}}}
        if isinstance(leaf, Fuzzy):
            return {"fuzzy": {"id": {"value": leaf.text, "fuzziness": leaf.edits,
                                     "prefix_length": 0, "transpositions": False}}}
        return {"term": {"id": leaf.text}}

    def _pattern(self, pattern: str, name: str, target: str, boost: float) -> dict[str, Any]:
        """A wildcard on a text field, in the forms the index's terms take; ``word*`` is
        a prefix, and the prefix itself as a whole word may stem to less (munizioni*)."""
        prefix, text = _as_prefix(pattern)
        text = fold(text)
        forms = self.analyzer.wildcard_forms(text)
        subs: list[dict[str, Any]]
        if not prefix:
            subs = [{"wildcard": {target: {"value": form, "boost": boost}}} for form in forms]
        else:
            subs = [{"prefix": {target: {"value": forms[0], "boost": boost}}}]
            whole = self.analyzer.words(text)
            if len(whole) == 1 and not whole[0].startswith(forms[0]):
                subs.append({"term": {target: {"value": whole[0], "boost": boost}}})
        for sub in subs:
            self._expanding(name, sub)
        return subs[0] if len(subs) == 1 else {
            "bool": {"should": subs, "minimum_should_match": 1}}


def _as_prefix(pattern: str) -> tuple[bool, str]:
    """Whether ``pattern`` is ``word*`` (a prefix), and the text without that star."""
    prefix = len(pattern) > 1 and "[" not in pattern and pattern.find("*") == len(pattern) - 1
    return prefix, pattern[:-1] if prefix else pattern


def substitute(dsl: Any, kept: dict[int, list[str]], checks: list[ExactCheck]) -> Any:
    """``dsl`` with each ``exact:`` placeholder replaced by its candidates limited to the
    article ids whose stored text the check confirmed (``kept``: check key -> ids)."""
    if isinstance(dsl, dict):
        if set(dsl) == {"searchidx_exact"}:
            ids = kept[dsl["searchidx_exact"]]
            if not ids:
                return MATCH_NONE
            check = checks[dsl["searchidx_exact"]]
            return {"bool": {"must": [check.candidates], "filter": [{"terms": {"id": ids}}]}}
        return {k: substitute(v, kept, checks) for k, v in dsl.items()}
    if isinstance(dsl, list):
        return [substitute(v, kept, checks) for v in dsl]
    return dsl
