"""Did-you-mean: the nearest words and names of the index, for a query that found nothing.

A word the index does not hold is most often one slip from one it does: a
letter dropped, added (or doubled), changed, or two side by side swapped
(Damerau's four edits). Every spelling one slip from the user's word is
analysed as the index analyses text (folded, stemmed), and the backend is asked
which of those terms it holds, in one call: a few hundred lookups of the term
dictionary, where walking the whole lexicon with an edit-distance automaton
takes seconds (docs/suggestions.md). Of the terms held, the one in most
articles wins (one with the typed word's first letter, if any: slips are rarely
there), shown as the articles write it (the index holds ``munizion``;
they write ``munizioni``), and a word that is mostly somebody's name is shown
as that person's full name (``Shoygu`` -> ``Sergei Shoigu``). A word on a field
of names (``speaker:Shoygu``) is corrected among that field's names.

Only a query that found nothing comes here (:func:`searchidx.search.run_search`),
so a query that finds something loads none of it; the suggestion is not run.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .analysis import fold, name_key
from .fields import NAME_FIELDS
from .query import And, Not, Or, Phrase, Word, parse

if TYPE_CHECKING:
    from .analysis import ItalianAnalyzer
    from .backends import Backend
    from .query import Node

_LETTERS = string.ascii_lowercase  # the index's terms and name keys are folded
# articles read for how they write a term, or whose name a key is
_EXAMPLES = 5
# longer words and names are not typos to correct: a word of n letters has some 55n
# spellings one slip away, each as long as it (a hostile 10,000-letter query: gigabytes)
_LONGEST_WORD = 40
# a query with more unknown words than this is not a slip of the keyboard
_MOST_CORRECTED = 8
# terms whose written form is looked up before settling for one two slips away
_TRIED = 3
# a plain word is corrected to a person's name when at least this share of the
# articles holding the word name that person (a surname, not a common word)
_NAME_SHARE = 0.5
# article field holding the values of each name field (people have their own shape)
_ARTICLE_VALUES = {"speakers": "speakers", "places": "places",
                   "organizations": "organizations", "media": "cited_media",
                   "publisher": "publisher", "topics": "topics", "tags": "tags"}
# where a word of the query is looked for: the body holds the title's words too
_TEXT_TERMS = {None: "body", "body": "body", "title": "title", "quotes": "quotes"}


@dataclass(frozen=True)
class Correction:
    """One word of the query and what the index holds instead."""

    word: str  # as typed
    replacement: str  # as the articles write it
    field: str  # the index field it was found in (``body``, ``people``, ``speakers`` …)
    articles: int  # how many articles hold it


@dataclass(frozen=True)
class Suggestion:
    """A query to try instead: the user's, with each correction made."""

    query: str
    corrections: tuple[Correction, ...]


def suggest(backend: Backend, text: str) -> Suggestion | None:
    """The query ``text`` with its words the index does not hold replaced by the
    nearest ones it does; None when every word is held (or nothing is near)."""
    root = parse(text).root
    if root is None:
        return None
    analyzer = backend.analyzer()
    wanted = [(word, field) for word, field in _wanted_words(root, analyzer)
              if len(word) <= _LONGEST_WORD]
    typed = {name_key(word) for word, _ in wanted}
    corrections: list[Correction] = []
    for word, field in wanted:
        correction = (_name_correction(backend, word, field) if field in NAME_FIELDS
                      else _word_correction(backend, analyzer, word, field, typed))
        if correction is not None:
            corrections.append(correction)
            if len(corrections) > _MOST_CORRECTED:
                return None
    if not corrections:
        return None
    return Suggestion(_rewritten(text, corrections), tuple(corrections))


def one_slip(word: str, letters: str = _LETTERS) -> set[str]:
    """Every spelling one deletion, swap of neighbours, change or insertion from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    out.discard(word)
    out.discard("")
    return out


def slips(a: str, b: str) -> int:
    """The optimal-string-alignment distance: edits as :func:`one_slip` counts them."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


# -- which words --------------------------------------------------------------------

def _wanted_words(root: Node, analyzer: ItalianAnalyzer) -> Iterator[tuple[str, str | None]]:
    """(word as typed, field) for each word the query asks for: words under NOT are
    left alone (correcting them finds nothing more), as are wildcards, fuzzy words,
    ``exact:`` and the date and id fields. A name field's value is one word."""
    for leaf in _asked_leaves(root):
        if not isinstance(leaf, (Word, Phrase)):
            continue
        if leaf.field in NAME_FIELDS:
            yield leaf.text, leaf.field
        elif leaf.field in _TEXT_TERMS:
            for _, start, end in analyzer.spans(leaf.text):
                yield leaf.text[start:end], leaf.field


def _asked_leaves(node: Node) -> Iterator[Node]:
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from _asked_leaves(child)
    elif not isinstance(node, Not):
        yield node


# -- words ----------------------------------------------------------------------------

def _word_correction(backend: Backend, analyzer: ItalianAnalyzer, word: str,
                     field: str | None, typed: set[str]) -> Correction | None:
    """The nearest word the index holds in ``field``, or the name of the person a
    misspelt surname is mostly in the articles; ``typed``, the query's words as
    name keys: a name the query already spells in part only has its word corrected
    (``Giusepe Conte`` -> ``Giuseppe Conte``, not ``Giuseppe Conte Conte``)."""
    index_field = _TEXT_TERMS[field]
    terms = analyzer.words(word)
    if not terms or backend.held_terms(index_field, terms):
        return None
    spellings: dict[str, list[str]] = {}  # an index term -> the candidates analysed to it
    for candidate in sorted(one_slip(fold(word))):
        analysed = analyzer.words(candidate)
        if len(analysed) == 1:
            spellings.setdefault(analysed[0], []).append(candidate)
    held = backend.held_terms(index_field, spellings)
    fixed = _written_correction(backend, analyzer, index_field, held,
                                {term: spelt[0] for term, spelt in spellings.items()}, word)
    if field is None:  # a surname typed as a word: the person's name, if it is mostly one
        # a name is in the text too: the surnames to try are the spellings of terms held
        surnames = {spelt for term in held for spelt in spellings[term]}
        person = _name_correction(backend, word, "people", surnames)
        if person is not None and (fixed is None
                                   or person.articles >= _NAME_SHARE * fixed.articles):
            parts = person.replacement.split()
            if len(parts) > 1 and typed & {name_key(p) for p in parts}:
                folded = fold(word)
                part = min(parts, key=lambda p: (slips(fold(p), folded), p))
                return Correction(word, part, person.field, person.articles)
            return person
    return fixed


def _written_correction(backend: Backend, analyzer: ItalianAnalyzer, field: str,
                        held: dict[str, int], term_of: dict[str, str],
                        typed: str) -> Correction | None:
    """Of the likeliest terms held, the first whose written form is itself one slip from
    what was typed: ``russ`` (one slip from ``rusa``) is how the index holds ``Russia``,
    two slips away, while ``russa`` is one."""
    folded = fold(typed)
    fallback = None
    for term in _ranked(held, folded)[:_TRIED]:
        written = _as_written(backend, analyzer, field, term, typed) or term_of[term]
        correction = Correction(typed, written, field, held[term])
        if slips(fold(written), folded) <= 1:
            return correction
        fallback = fallback or correction
    return fallback


def _ranked(held: dict[str, int], typed: str) -> list[str]:
    """The terms held by the most articles first, those that begin as ``typed`` does
    before the others: a slip is rarely in a word's first letter."""
    first = typed[:1]
    return sorted(held, key=lambda term: (not term.startswith(first), -held[term], term))


def _as_written(backend: Backend, analyzer: ItalianAnalyzer, field: str, term: str,
                typed: str) -> str | None:
    """How the articles holding ``term`` write it: the spelling nearest to what was
    typed, then the commonest (``Bloomberg`` for ``bloombrg``)."""
    seen: Counter[str] = Counter()
    for article in backend.holding(field, term, _EXAMPLES):
        for text in _texts(article, field):
            for _, start, end in analyzer.find(text, {term}):
                seen[text[start:end]] += 1
    if not seen:
        return None
    folded = fold(typed)
    return min(seen, key=lambda w: (slips(fold(w), folded), -seen[w], w))


def _texts(article: dict[str, Any], field: str) -> Iterable[str]:
    if field == "quotes":
        return [q["text"] for q in article.get("quotes", [])]
    title = article.get("title") or ""
    return [title] if field == "title" else [title, article.get("body", "")]


# -- names ----------------------------------------------------------------------------

def _name_correction(backend: Backend, typed: str, field: str,
                     keys: set[str] | None = None) -> Correction | None:
    """The name of ``field`` (``speakers`` …) nearest to ``typed``, as the articles
    write it; None when the field holds ``typed`` or nothing one slip from it (or
    none of ``keys``, the name keys to try when the caller knows them)."""
    key = name_key(typed)
    if not key or backend.held_terms(field, [key]):
        return None
    held = backend.held_terms(field, one_slip(key, _LETTERS + " ") if keys is None else keys)
    if not held:
        return None
    best = _ranked(held, key)[0]
    names: Counter[str] = Counter()
    for article in backend.holding(field, best, _EXAMPLES):
        for name, spellings in _names(article, field):
            if any(best == k or best in k.split() for k in map(name_key, spellings)):
                names[name] += 1
    if not names:
        return None
    return Correction(typed, min(names, key=lambda n: (-names[n], n)), field, held[best])


def _names(article: dict[str, Any], field: str) -> Iterator[tuple[str, list[str]]]:
    """(name, its spellings in the article) for each value of a name field."""
    if field == "people":
        for person in article.get("people", []):
            yield person["name"], [person["name"], *(m["text"] for m in person.get("mentions", []))]
        return
    values = article.get(_ARTICLE_VALUES[field])
    for value in [values] if isinstance(values, str) else values or []:
        yield value, [value]


# -- the query again ------------------------------------------------------------------

def _rewritten(text: str, corrections: list[Correction]) -> str:
    """``text`` with each corrected word replaced where it stands, left to right; a name
    of several words on a field is quoted (``speaker:"Sergei Shoigu"``)."""
    out, at = [], 0
    for correction in corrections:
        match = re.compile(rf"(?<![^\W_]){re.escape(correction.word)}(?![^\W_])").search(text, at)
        if match is None:
            continue
        replacement = correction.replacement
        quoted = match.start() > 0 and text[match.start() - 1] == '"'
        if " " in replacement and not quoted and text[:match.start()].endswith(":"):
            replacement = f'"{replacement}"'
        out += [text[at:match.start()], replacement]
        at = match.end()
    return "".join(out) + text[at:]
