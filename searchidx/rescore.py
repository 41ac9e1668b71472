"""Passage rescoring of natural-language queries (part of the search stage).

BM25 scores an article as a bag of words: a paragraph that says "festival" six
times outranks the one sentence that names the festival asked about. A person
asking a question (``Quando si tiene il festival Wianki?``) wants the article
where the question's words meet *in one sentence*, in the form they were
written, in the title, and, for "quando"/"quanti" questions, next to a number.

So the first ``depth`` BM25 hits of a plain-words query of several terms are
scored again from their text, as Elasticsearch's rescore phase does:

    score = bm25 / best bm25 + sum(weight[f] * feature f)

with each feature in [0, 1], the share of the query's IDF found:

- ``sentence``: in the best single sentence (the title counts as one), words
  compared by Snowball stem (``iniziata`` meets ``iniziò`` here even when the
  index's light stemmer keeps them apart);
- ``two_sentences``: in the best two adjacent sentences;
- ``sentence_exact`` / ``article_exact``: the same with unstemmed words, in the
  best sentence and anywhere in the article;
- ``sentence_prefix``: in the best single sentence, words compared by their
  first ``prefix_chars`` letters (truncation), which meets derivations that
  Snowball keeps apart: ``fondazione``/``fondato``, ``giocatore``/``giocare``,
  ``università``/``universitario``;
- ``near_pairs``: the query's adjacent words (stopwords aside) found within
  ``pair_window`` words of each other, words compared by prefix as above, each
  pair weighed by its rarer word: the proximity boost that tells "la crisi
  petrolifera" from an article that says "crisi" and, far away, "petrolifera";
- ``title``: in the title;
- ``numeric_answer``: for questions that ask for a number or a date (the
  openings in ``italian.numeric_questions``), in the best sentence holding a digit.

The weights (``index.rescore_weights``) were chosen on half of SQuAD-it's
questions and checked on the other half (see docs/ranking.md).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .analysis import ItalianAnalyzer, fold
from .errors import ConfigError

FEATURES = ("bm25", "sentence", "two_sentences", "sentence_exact", "article_exact",
            "sentence_prefix", "near_pairs", "title", "numeric_answer")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Candidate:
    """One first-stage hit: its key (a docnum), BM25 score and text."""

    key: int
    score: float
    title: str
    body: str


@dataclass(frozen=True)
class QueryTerms:
    """The query's words as the rescorer weighs them: exact forms and stems with IDFs."""

    forms: dict[str, float]  # folded unstemmed word -> IDF of its stem
    stems: dict[str, float]  # stem -> IDF
    prefixes: dict[str, float]  # first letters of a word -> IDF of its first form
    prefix_chars: int
    numeric: bool  # the question asks for a number or a date
    # (prefix, next word's prefix, IDF of the rarer) for adjacent words of the query
    pairs: tuple[tuple[str, str, float], ...] = ()
    pair_window: int = 3


def query_terms(text: str, analyzer: ItalianAnalyzer, doc_frequency: Callable[[str], int],
                doc_count: int, numeric_openings: Sequence[str],
                prefix_chars: int = 5, pair_window: int = 3) -> QueryTerms:
    """Weigh the words of ``text``: each by the IDF of its index term under ``analyzer``
    (the index's own), its Snowball stem and its prefix by the IDF of their first form."""
    forms: dict[str, float] = {}
    stems: dict[str, float] = {}
    prefixes: dict[str, float] = {}
    snowball = analyzer.twin("snowball")
    words = analyzer.twin(stem=False).words(text)
    for form in words:
        if form not in forms:
            forms[form] = _idf(doc_frequency(analyzer.stem_word(form)), doc_count)
            stems.setdefault(snowball.stem_word(form), forms[form])
            prefixes.setdefault(form[:prefix_chars], forms[form])
    pairs = tuple((a[:prefix_chars], b[:prefix_chars], min(forms[a], forms[b]))
                  for a, b in zip(words, words[1:], strict=False)
                  if a[:prefix_chars] != b[:prefix_chars])
    folded = " ".join(fold(text).split()) + " "
    numeric = any(folded.startswith(fold(opening) + " ") for opening in numeric_openings)
    return QueryTerms(forms, stems, prefixes, prefix_chars, numeric, pairs, pair_window)


def checked_weights(weights: dict[str, float]) -> dict[str, float]:
    """``index.rescore_weights`` with every name a known feature, or a ConfigError."""
    for name in weights:
        if name not in FEATURES:
            near = difflib.get_close_matches(str(name), FEATURES, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise ConfigError(f"index.rescore_weights: unknown feature '{name}'{hint} "
                              f"(features: {', '.join(FEATURES)})")
    return weights


def _idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def rescore(candidates: list[Candidate], terms: QueryTerms, analyzer: ItalianAnalyzer,
            weights: dict[str, float]) -> list[tuple[int, float]]:
    """(key, new score) of each candidate, best first (ties keep the BM25 order)."""
    top = max((c.score for c in candidates), default=0.0) or 1.0
    scored = []
    for candidate in candidates:
        features = passage_features(candidate, terms, analyzer)
        features["bm25"] = candidate.score / top
        scored.append((candidate.key, sum(weights.get(name, 0.0) * value
                                          for name, value in features.items())))
    scored.sort(key=lambda pair: -pair[1])
    return scored


def passage_features(candidate: Candidate, terms: QueryTerms,
                     analyzer: ItalianAnalyzer) -> dict[str, float]:
    """Every feature but ``bm25`` of one candidate, each in [0, 1] (``scripts/fit_rescore.py``
    fits the weights on them)."""
    stem_total = sum(terms.stems.values()) or 1.0
    form_total = sum(terms.forms.values()) or 1.0
    prefix_total = sum(terms.prefixes.values()) or 1.0

    def share(words: set[str], weighted: dict[str, float], total: float) -> float:
        return sum(w for t, w in weighted.items() if t in words) / total

    sentences = [candidate.title, *_SENTENCE_END.split(candidate.body)]
    plain, snowball = analyzer.twin(stem=False), analyzer.twin("snowball")
    words = [plain.words(s) for s in sentences]
    forms = [set(w) for w in words]
    stems = [{snowball.stem_word(f) for f in sentence} for sentence in forms]
    by_sentence = [share(s, terms.stems, stem_total) for s in stems]
    pairs = [share(a | b, terms.stems, stem_total) for a, b in zip(stems, stems[1:], strict=False)]
    numeric = 0.0
    if terms.numeric:
        numeric = max((v for v, text in zip(by_sentence, sentences, strict=True)
                       if _DIGIT.search(text)), default=0.0)
    return {
        "sentence": max(by_sentence),
        "two_sentences": max(pairs, default=0.0),
        "sentence_exact": max(share(f, terms.forms, form_total) for f in forms),
        "article_exact": share(set().union(*forms), terms.forms, form_total),
        "sentence_prefix": max(share({w[:terms.prefix_chars] for w in f}, terms.prefixes,
                                     prefix_total) for f in forms),
        "near_pairs": _near_pairs(terms, words[0], [w for s in words[1:] for w in s]),
        "title": by_sentence[0],
        "numeric_answer": numeric,
    }


def _near_pairs(terms: QueryTerms, *streams: list[str]) -> float:
    """Share of the query's adjacent-pair weight found within ``terms.pair_window``
    words of each other in one of ``streams`` (the title, the body; stopwords aside)."""
    total = sum(weight for _, _, weight in terms.pairs)
    if not total:
        return 0.0
    chars, window = terms.prefix_chars, terms.pair_window
    places: list[dict[str, list[int]]] = []
    for stream in streams:
        where: dict[str, list[int]] = {}
        for position, word in enumerate(stream):
            where.setdefault(word[:chars], []).append(position)
        places.append(where)
    found = 0.0
    for first, second, weight in terms.pairs:
        for where in places:
            after = where.get(second)
            if after and any(abs(i - j) <= window for i in where.get(first, ()) for j in after):
                found += weight
                break
    return found / total
