"""The query tree -> Whoosh queries.

Words on text fields go through the analyzer the index was built with (a word
may give several terms, or none: a stopword); the article's text is the title,
boosted by ``index.title_boost``, OR the body. Name filters become the keys
the indexer stored (:func:`searchidx.fields.filter_keys`: case, accents and
hyphens ignored, a whole name, an alias or a surname); ``year``/``month``
become their facet keys (``2023-09`` is held as ``2023 09``). A wildcard on a
text field meets the words as the index holds them
(:meth:`~searchidx.analysis.ItalianAnalyzer.wildcard_forms`), and an
``exact:`` clause is its stemmed words, checked against the stored text.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh import query
from whoosh.matching import FilterMatcher

from ...analysis import ItalianAnalyzer, fold, name_key
from ...config import Config
from ...fields import DATE_KEYS, NAME_FIELDS, checked_name, filter_keys
from ...query import And, Every, Exact, Fuzzy, Node, Not, Or, Phrase, Wildcard, Word
from .stored import unpack_body


class ExactText(query.WrappingQuery):
    """``child``'s matches whose stored title and body, folded but unstemmed, hold
    ``pattern``: the stemmed child finds the candidates, the stored text decides."""

    def __init__(self, child: query.Query, pattern: str) -> None:
        super().__init__(child)
        self.pattern = pattern
        self._regex = re.compile(pattern)

    def _rewrap(self, child: query.Query) -> ExactText:
        return ExactText(child, self.pattern)

    def normalize(self) -> query.Query:
        child = self.child.normalize()
        return child if child is query.NullQuery else ExactText(child, self.pattern)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and self.child == other.child  # type: ignore[attr-defined]
                and self.pattern == other.pattern)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.child, self.pattern))

    def __repr__(self) -> str:
        return f"ExactText({self.child!r}, {self.pattern!r})"

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        child = self.child.matcher(searcher, context)
        if not child.is_active():
            return child
        regex = self._regex
        kept = set()
        for docnum in self.child.matcher(searcher, context).all_ids():  # leaf matchers: no copy()
            stored = searcher.stored_fields(docnum)
            if regex.search(fold(f"{stored.get('title') or ''}\n{unpack_body(stored)}")):
                kept.add(docnum)
        return FilterMatcher(child, frozenset(kept))


class Compiler:
    """Compiles trees for one index: its schema (and so its analyzers) and configuration."""

    def __init__(self, schema: Any, config: Config) -> None:
        self.schema = schema
        self.config = config
        self.title_boost = float(config["index"]["title_boost"])

    def compile(self, node: Node) -> query.Query | None:
        """The Whoosh query for ``node``; None when nothing is left to search (stopwords)."""
        q = self._node(node)
        q = q.normalize() if q is not None else query.NullQuery
        if q is query.NullQuery or isinstance(q, query.qcore._NullQuery):
            return None
        return q

    def _node(self, node: Node) -> query.Query | None:
        if isinstance(node, (And, Or)):
            subs = [q for q in map(self._node, node.children) if q is not None]
            return query.And(subs) if isinstance(node, And) else query.Or(subs)
        if isinstance(node, Not):
            child = self._node(node.child)
            return query.Not(child) if child is not None else None
        if isinstance(node, Every):
            return query.Every()
        if isinstance(node, Exact):
            words = Phrase(node.text) if node.phrase else Word(node.text)
            candidate = self._node(words)
            return ExactText(candidate, node.pattern().pattern) if candidate is not None else None
        if node.field is None:
            on_fields = [self._leaf(node, "title", self.title_boost), self._leaf(node, "body")]
            return query.Or([q for q in on_fields if q is not None])
        return self._leaf(node, node.field)

    def _leaf(self, leaf: Word | Phrase | Wildcard | Fuzzy, fieldname: str,
              boost: float = 1.0) -> query.Query | None:
        if fieldname in NAME_FIELDS:
            return self._name(leaf, fieldname)
        if isinstance(leaf, Wildcard):
            return self._pattern(leaf.pattern, fieldname, boost)
        field = self.schema[fieldname]
        if isinstance(leaf, Fuzzy):
            return query.FuzzyTerm(fieldname, self._folded(fieldname, leaf.text), boost=boost,
                                   maxdist=leaf.edits, prefixlength=0)
        if fieldname in DATE_KEYS:
            return query.Term(fieldname, name_key(leaf.text))
        if isinstance(leaf, Phrase):
            words = [t.text for t in field.tokenize(leaf.text, mode="query", chars=True)]
            return query.Phrase(fieldname, words, slop=leaf.slop, boost=boost)
        terms = list(field.process_text(leaf.text, mode="query"))
        if not terms:
            return None
        if len(terms) == 1:
            return query.Term(fieldname, terms[0], boost=boost)
        group = query.And if leaf.all_terms else query.Or
        return group([query.Term(fieldname, t, boost=boost) for t in terms])

    def _folded(self, fieldname: str, text: str) -> str:
        """``text`` as the field's analyzer gives a pattern: folded, not split or stemmed."""
        return next(iter(self.schema[fieldname].process_text(text, tokenize=False,
                                                              removestops=False)))

    def _name(self, leaf: Word | Phrase | Wildcard | Fuzzy, fieldname: str) -> query.Query:
        """A name filter: the keys of the name and its aliases, or a pattern of keys."""
        if isinstance(leaf, Wildcard):
            return query.Wildcard(fieldname, name_key(leaf.pattern))
        if isinstance(leaf, Fuzzy):
            return query.FuzzyTerm(fieldname, checked_name(fieldname, leaf.text),
                                   maxdist=leaf.edits, prefixlength=0)
        terms = [query.Term(fieldname, k) for k in filter_keys(self.config, fieldname, leaf.text)]
        return terms[0] if len(terms) == 1 else query.Or(terms)

    def _pattern(self, pattern: str, fieldname: str, boost: float) -> query.Query:
        """A wildcard; ``word*`` is a prefix. On an analysed text field, in the forms the
        index's terms take; on keys (``month:2023-*``), keyed as the index keys them."""
        prefix = len(pattern) > 1 and "[" not in pattern and pattern.find("*") == len(pattern) - 1
        text = pattern[:-1] if prefix else pattern
        if fieldname in DATE_KEYS:
            keyed = text.replace("-", " ")
            return query.Prefix(fieldname, keyed) if prefix else query.Wildcard(fieldname, keyed)
        text = self._folded(fieldname, text)
        analyzer = getattr(self.schema[fieldname], "analyzer", None)
        if not isinstance(analyzer, ItalianAnalyzer):  # id
            return (query.Prefix(fieldname, text, boost=boost) if prefix
                    else query.Wildcard(fieldname, text, boost=boost))
        forms = analyzer.wildcard_forms(text)
        if not prefix:
            subs = [query.Wildcard(fieldname, form, boost=boost) for form in forms]
        else:
            # a longer word stems to a term that still begins with the prefix; only
            # the prefix itself, as a whole word, may stem to less (munizioni*)
            subs = [query.Prefix(fieldname, forms[0], boost=boost)]
            whole = analyzer.words(text)
            if len(whole) == 1 and not whole[0].startswith(forms[0]):
                subs.append(query.Term(fieldname, whole[0], boost=boost))
        return subs[0] if len(subs) == 1 else query.Or(subs)
