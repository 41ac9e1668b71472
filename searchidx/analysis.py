"""The Italian analysis chain, as one Whoosh analyzer that imports no Whoosh.

tokenize (letters/digits, apostrophes understood) -> elision (``dell’era`` ->
``era``) -> lowercase -> accent folding (``reciprocità`` -> ``reciprocita``) ->
stopwords -> stemming: Savoy's light stemmer by default (as Lucene's
``ItalianLightStemmer``: ``munizioni``/``munizione`` -> ``munizion``), which
merges singular and plural but keeps ``arrivo`` apart from ``arrivato``; or
Snowball's Italian stemmer (``italian.stemmer: snowball``: ``iniziata``/
``iniziò`` -> ``iniz``). Passage rescoring compares words with Snowball stems
whatever the index uses (:mod:`searchidx.rescore`).

It is written as a single pass with a per-word memo instead of a chain of
Whoosh filters because indexing speed matters (every word of every article
goes through it) and Italian news repeats the same few thousand words.
The same analyzer, built with ``stem=False, stop=False``, gives the ``exact``
field: folded but unstemmed, for names and exact phrases.

It is Whoosh's kind of analyzer by what it does (called on a text, it yields Whoosh's
``Token`` objects; ``has_morph`` and ``clean``, which Whoosh's fields ask of one; ``|``
composes it with a Whoosh filter), not
by subclassing ``whoosh.analysis.Analyzer``: a cold query that reads the segments
itself (:mod:`searchidx.backends.whoosh.segments`) then analyses its words without
importing Whoosh, and Whoosh's token stream is imported only when it is asked for.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

from .config import Config, default_config
from .errors import ConfigError

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    import weakref
    from typing import Any

# A word: letters/digits, possibly joined by apostrophes (dell’era, quest’ultimo),
# possibly ending with one (the "dell' Organizzazione" spelling, or "po’").
_WORD = re.compile(r"[^\W_]+(?:['’`][^\W_]+)*['’`]?")
_APOSTROPHE_SPLIT = re.compile(r"['’`]")
_PATTERN_TAIL = re.compile(r"[^\W_]+$")  # the letters ending a wildcard pattern
_MEMO_LIMIT = 200_000
# (analyzer settings, text, words) of the last ItalianAnalyzer.words call: extraction's
# topics and the index analyse an article's text back to back, in the same process
_last_words: tuple[tuple[Any, ...], str, list[str]] | None = None


# The combining diacritical marks (U+034F, the grapheme joiner, is not a mark):
# after NFD they hold nearly every accent of Latin-script text.
_DIACRITICS = re.compile("[\u0300-\u034e\u0350-\u036f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _drop_if_combining(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


def fold(text: str) -> str:
    """Lowercase and strip accents: ``Perché`` -> ``perche``, ``Shojgù`` -> ``shojgu``.

    Every combining mark goes, as with a per-character ``unicodedata.combining``
    test, but the common ones are removed by one regular expression, so a
    whole article folds in C except for its few other non-ASCII characters.
    """
    text = text.lower()
    if text.isascii():
        return text
    stripped = _DIACRITICS.sub("", unicodedata.normalize("NFD", text))
    if stripped.isascii():
        return stripped
    return _NON_ASCII.sub(_drop_if_combining, stripped)


@functools.lru_cache(maxsize=256)
def _term_starts(terms: frozenset[str]) -> re.Pattern[str]:
    """Where one of ``terms`` begins a word (or a word's part after an apostrophe)."""
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})")


def light_stem(word: str, min_length: int = 6) -> str:
    """Savoy's light Italian stemmer on a folded word (Lucene's ItalianLightStemmer)."""
    n = len(word)
    if n < min_length:
        return word
    last, before = word[-1], word[-2]
    if last == "e":
        return word[:-2] if before in "ih" else word[:-1]
    if last == "i":
        return word[:-2] if before in "hi" else word[:-1]
    if last in "ao":
        return word[:-2] if before == "i" else word[:-1]
    return word


STEMMERS = ("snowball", "light")


def _snowball_stemmer() -> Callable[[str], str]:
    from whoosh.lang.snowball.italian import ItalianStemmer

    return ItalianStemmer().stem


class ItalianAnalyzer:
    """Whoosh analyzer implementing the Italian chain described in the module doc."""

    is_morph = False  # what whoosh.analysis.Composable says of an analyzer without variations

    def __init__(self, elisions: Iterable[str], stopwords: Iterable[str],
                 stem_min_length: int = 6, *, stemmer: str = "light", stem: bool = True,
                 stop: bool = True) -> None:
        if stemmer not in STEMMERS:
            raise ValueError(f"unknown stemmer {stemmer!r}; use one of {', '.join(STEMMERS)}")
        self.elisions = frozenset(fold(e) for e in elisions)
        self.stopwords = frozenset(fold(s) for s in stopwords)
        self.stem_min_length = stem_min_length
        self.stemmer = stemmer
        self.stem = stem
        self.stop = stop
        self._memo: dict[str, tuple[tuple[str, int, int, bool], ...]] = {}
        self._kept: dict[str, tuple[str, ...]] = {}  # raw word -> its terms, stopwords out
        self._stems: dict[str, str] = {}
        self._snowball: Callable[[str], str] | None = None
        self._twins: dict[tuple[str, bool], ItalianAnalyzer] = {}

    def twin(self, stemmer: str | None = None, *, stem: bool = True) -> ItalianAnalyzer:
        """The same chain with another stemmer, or none (kept, with its memo)."""
        key = (stemmer or self.stemmer, stem)
        got = self._twins.get(key)
        if got is None:
            got = self._twins[key] = type(self)(
                self.elisions, self.stopwords, self.stem_min_length, stemmer=key[0],
                stem=stem, stop=self.stop)
        return got

    def __getstate__(self) -> dict[str, Any]:
        # Whoosh pickles the schema (with its analyzers) into the index; the memos
        # and the stemmer object are caches, not state.
        state = dict(self.__dict__)
        state.update(_memo={}, _kept={}, _stems={}, _snowball=None, _twins={})
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_kept", {})  # pickled before that memo existed

    def has_morph(self) -> bool:
        return self.is_morph

    def __or__(self, other: Any) -> Any:
        """This chain followed by a Whoosh filter, as Whoosh's analyzers compose."""
        from whoosh.analysis.acore import Composable
        from whoosh.analysis.analyzers import CompositeAnalyzer

        if not isinstance(other, Composable):
            raise TypeError(f"{self!r} is not composable with {other!r}")
        return CompositeAnalyzer(self, other)

    def clean(self) -> None:
        """Nothing to free (Whoosh's fields ask it of their analyzer)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"  # as whoosh.analysis.Analyzer's

    def _key(self) -> tuple[Any, ...]:
        return (self.elisions, self.stopwords, self.stem_min_length, self.stemmer,
                self.stem, self.stop)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.stem_min_length, self.stemmer, self.stem, self.stop,
                     len(self.stopwords)))

    def stem_word(self, folded: str) -> str:
        """The stem of one folded, non-stopword word (memoised; digits are kept)."""
        got = self._stems.get(folded)
        if got is None:
            if folded.isdigit():
                got = folded
            elif self.stemmer == "light":
                got = light_stem(folded, self.stem_min_length)
            else:
                if self._snowball is None:
                    self._snowball = _snowball_stemmer()
                got = self._snowball(folded)
            if len(self._stems) >= _MEMO_LIMIT:
                self._stems.clear()
            self._stems[folded] = got
        return got

    def _term(self, word: str) -> tuple[str, bool]:
        """(index term, is_stopword) of one apostrophe-free word."""
        folded = fold(word)
        stopped = self.stop and folded in self.stopwords
        if self.stem and not stopped:
            folded = self.stem_word(folded)
        return folded, stopped

    def _split(self, raw: str) -> tuple[tuple[str, int, int, bool], ...]:
        """(term, start, end, stopped) for each part of one tokenizer match."""
        parts: list[tuple[str, int, int, bool]] = []
        pieces = _APOSTROPHE_SPLIT.split(raw)
        start = 0
        for k, piece in enumerate(pieces):
            end = start + len(piece)
            before_apostrophe = k < len(pieces) - 1
            # an elided article/preposition is dropped, as Lucene's ElisionFilter does
            if piece and not (before_apostrophe and fold(piece) in self.elisions):
                term, stopped = self._term(piece)
                parts.append((term, start, end, stopped))
            start = end + 1
        return tuple(parts)

    def wildcard_forms(self, pattern: str) -> list[str]:
        """The forms a user's wildcard pattern takes against the index's terms.

        The index holds folded, stemmed words, so the pattern is folded
        (``reciprocità*`` -> ``reciprocita*``), loses a leading elided article
        (``l'arriv*`` -> ``arriv*``), and when it ends in letters (``*zioni``)
        comes a second time with the ending that the index's stemmer cuts from a
        long word ending so (``*zion``, which meets ``munizion``).
        """
        text = fold(pattern)
        pieces = _APOSTROPHE_SPLIT.split(text)
        if len(pieces) == 2 and pieces[0] in self.elisions and pieces[1]:
            text = pieces[1]
        forms = [text]
        tail = _PATTERN_TAIL.search(text)
        if self.stem and tail is not None:
            word = tail.group()
            # the light stemmer cuts by the last two letters alone, whatever
            # the length of the part typed; Snowball's cut is approximated
            cut = light_stem(word, 2) if self.stemmer == "light" else self.stem_word(word)
            if cut and cut != word:
                forms.append(text[:tail.start()] + cut)
        return forms

    def terms(self, raw: str) -> tuple[tuple[str, int, int, bool], ...]:
        """Memoised :meth:`_split`: most words of a corpus recur."""
        got = self._memo.get(raw)
        if got is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            got = self._memo[raw] = self._split(raw)
        return got

    def words(self, text: str) -> list[str]:
        """The index terms of ``text``, stopwords left out: :meth:`__call__` without
        Token objects, for code that only needs the words (topics, passage rescoring)."""
        global _last_words
        got: list[str] = []
        extend = got.extend
        kept = self._kept
        for raw in _WORD.findall(text):
            terms = kept.get(raw)
            if terms is None:
                if len(kept) >= _MEMO_LIMIT:
                    kept.clear()
                terms = kept[raw] = tuple(term for term, _, _, stopped in self.terms(raw)
                                          if not stopped)
            extend(terms)
        _last_words = (self._key(), text, got)
        return got

    def spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        """Each index term of ``text`` with its start and end offsets, stopwords left
        out: :meth:`__call__` without Token objects, for highlighting snippets."""
        for match in _WORD.finditer(text):
            offset = match.start()
            for term, start, end, stopped in self.terms(match.group()):
                if not stopped:
                    yield term, offset + start, offset + end

    def positions(self, text: str) -> dict[str, list[int]]:
        """Each index term of ``text`` with its word positions, stopwords left out
        and not counted: what Whoosh's ``Positions`` format gathers from
        :meth:`__call__`, without a Token per word (indexing's hot path)."""
        out: dict[str, list[int]] = {}
        last = _last_words
        if last is not None and last[1] == text and last[0] == self._key():
            for pos, term in enumerate(last[2]):  # the same text, just split by words()
                out.setdefault(term, []).append(pos)
            return out
        pos = 0
        for match in _WORD.finditer(text):
            for term, _, _, stopped in self.terms(match.group()):
                if not stopped:
                    out.setdefault(term, []).append(pos)
                    pos += 1
        return out

    def find(self, text: str, wanted: Iterable[str]) -> list[tuple[str, int, int]]:
        """The :meth:`spans` of ``text`` whose term is in ``wanted``, without
        analysing every word.

        The light stemmer only cuts endings, so a term is a prefix of its
        folded word: a regular expression finds the word starts in the folded
        text where a wanted term begins, and only those words are analysed.
        Snowball also rewrites some endings (``imminenza`` -> ``imminent``),
        and a text that folds to another length (a character folded to
        several, or a loose accent) has no position map: those are analysed
        whole.
        """
        wanted = frozenset(wanted)
        if not wanted:
            return []
        rewrites_endings = self.stem and self.stemmer != "light"
        folded = None if rewrites_endings else fold(text)
        if folded is None or len(folded) != len(text):
            return [span for span in self.spans(text) if span[0] in wanted]
        found: list[tuple[str, int, int]] = []
        analysed_to = 0
        for candidate in _term_starts(wanted).finditer(folded):
            at = candidate.start()
            if at < analysed_to:
                continue  # in a word already analysed (after its apostrophe)
            word = _WORD.match(text, at)
            if word is None:  # a misaligned fold; nothing to mark here
                continue
            analysed_to = word.end()
            for term, start, end, stopped in self.terms(word.group()):
                if not stopped and term in wanted:
                    found.append((term, at + start, at + end))
        return found

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Any]:
        from whoosh.analysis import Token  # only Whoosh's own callers want tokens

        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # wildcard, range and prefix text: fold only, the pattern is the user's
            token.text = fold(value)
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in _WORD.finditer(value):
            offset = match.start()
            for term, start, end, stopped in self.terms(match.group()):
                if stopped and removestops:
                    continue
                token.text = term
                token.stopped = stopped
                token.boost = 1.0
                if keeporiginal:
                    token.original = match.group()[start:end]
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + offset + start
                    token.endchar = start_char + offset + end
                if not stopped:
                    pos += 1
                yield token


def italian_analyzer(config: Config | None = None, *, stem: bool = True,
                     stop: bool = True) -> ItalianAnalyzer:
    """The analyzer configured by the ``italian`` config section."""
    section = (config or default_config())["italian"]
    try:
        return ItalianAnalyzer(section["elisions"], section["stopwords"],
                               section["stem_min_length"], stemmer=section["stemmer"],
                               stem=stem, stop=stop)
    except ValueError as exc:  # the constructor's check, in the configuration's terms
        raise ConfigError(f"italian.stemmer: {exc}") from None


_ANALYZERS: weakref.WeakKeyDictionary[Config, ItalianAnalyzer] | None = None


def analyze(text: str, config: Config | None = None) -> list[str]:
    """Index terms of ``text`` under the Italian chain (for topics, key phrases, tests)."""
    global _ANALYZERS
    if _ANALYZERS is None:  # made on first use: a query never needs it (nor weakref)
        import weakref

        _ANALYZERS = weakref.WeakKeyDictionary()
    config = config or default_config()
    analyzer = _ANALYZERS.get(config)
    if analyzer is None:
        analyzer = _ANALYZERS[config] = italian_analyzer(config)
    return analyzer.words(text)


_NAME_PUNCT = re.compile(r"[\s\-‐–.’'`,]+")


def name_key(name: str) -> str:
    """Comparable form of a name: ``Kim Jong-Un`` and ``kim jong un`` agree.

    Used both when indexing people/speakers/places and when filtering on them,
    so name filters are case-, accent- and hyphen-insensitive.
    """
    return _NAME_PUNCT.sub(" ", fold(name)).strip()
