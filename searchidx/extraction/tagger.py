"""A small named-entity tagger: averaged structured perceptron over name-like tokens.

Trained on KIND Wikinews (``scripts/train_tagger.py``) and shipped as a gzipped
JSON file of weights, so it needs neither network nor numpy. Only runs of
capitalised tokens (with lowercase particles such as ``von der`` inside) are
tagged, with the words around them as context: Italian names are capitalised,
and skipping the other ~85% of tokens keeps extraction fast. Tags are BIO over
PER, ORG and LOC. Besides a word's spelling and its neighbours, the features
use word clusters computed on unlabelled Italian news
(``scripts/build_clusters.py``): a surname never seen in training still shares
a cluster with the surnames that were.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .text import Token

TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
MODEL_FILE = "ner.json.gz"
CASE_FILE = "wordcase.json.gz"
CLUSTER_FILE = "clusters.json.gz"
PLACES_FILE = "places.txt.gz"
MAX_REGION = 16  # tokens: a longer capitalised run (a headline) is tagged in pieces
WINDOW = 4  # words either side of a region whose presence is a feature
# what may stand before (or after) a capitalised word mid-sentence, counted on unlabelled
# text: a capitalised first name, a role, "a"/"in", an article, a capitalised word after
USAGE_CUES = ("first name", "role", "a/in", "article", "capital after")
_ARTICLES = frozenset({"il", "lo", "la", "i", "gli", "le", "l'", "l’", "un", "una", "uno",
                       "del", "della", "dello", "dei", "degli", "delle", "al", "alla",
                       "nel", "nella", "dal", "dalla"})
_WORD_CACHE_LIMIT = 100_000  # words whose own features' scores a model remembers
_N = len(TAGS)
# allowed[i][j]: tag j may follow tag i (an I- tag continues its own entity only)
_ALLOWED = [[not (t.startswith("I-") and p[2:] != t[2:]) for t in TAGS] for p in TAGS]
_START_ALLOWED = [not t.startswith("I-") for t in TAGS]
_NEG = float("-inf")
_ZEROS = [0.0] * _N
_WORD = re.compile(r"[^\W\d_]+")
_SHAPES: dict[str, str] = {}
_SHAPE_SUB = (re.compile(r"[A-ZÀ-ÖØ-Þ]"), re.compile(r"[a-zß-öø-ÿ]"), re.compile(r"\d"))
_QUOTES = {'"': '"', "«": "»", "“": "”"}
_NO_CLUSTER = ("none", "none", "none")


def _transitions(trans: list[list[float]]) -> list[list[tuple[int, float]]]:
    """For each tag, the tags that may precede it, with the transition's weight."""
    return [[(p, trans[p][j]) for p in range(_N) if _ALLOWED[p][j]] for j in range(_N)]


@dataclass
class Lexicon:
    """Word lists the features consult (from config: names, roles, gazetteer)."""

    particles: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()  # lowercase words opening a name: "don", "suor"
    first_names: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    place_words: frozenset[str] = frozenset()
    org_words: frozenset[str] = frozenset()
    world_places: frozenset[str] = frozenset()  # words of the shipped place-name list
    # lowercased word -> how it is usually written mid-sentence in a reference corpus:
    # "L" always lowercase, "l" mostly, "u" mostly capitalised, "U" always
    case: dict[str, str] = field(default_factory=dict)
    # word as written -> its cluster at three granularities (coarse to fine), the
    # shipped table unless given
    clusters: dict[str, tuple[str, str, str]] = field(default_factory=lambda: load_clusters())
    # capitalised word as written -> how it is used in the same text, one letter per
    # cue of :data:`USAGE_CUES` (see :func:`usage_table`), the shipped table unless given
    usage: dict[str, str] = field(default_factory=lambda: load_usage())

    def cluster(self, word: str) -> tuple[str, str, str]:
        """The clusters of a word as written, else of its lowercase form."""
        got = self.clusters.get(word)
        if got is None:
            got = self.clusters.get(word.lower(), _NO_CLUSTER)
        return got


def shape(word: str) -> str:
    """Compressed character classes: ``Jong-un`` -> ``Xx-x``, ``F.`` -> ``X.``
    (remembered per word: the tagger asks for a word's neighbours' shapes too)."""
    got = _SHAPES.get(word)
    if got is None:
        if len(_SHAPES) >= _WORD_CACHE_LIMIT:
            _SHAPES.clear()
        got = _SHAPES[word] = _shape(word)
    return got


def _shape(word: str) -> str:
    s = _SHAPE_SUB[0].sub("X", word)
    s = _SHAPE_SUB[1].sub("x", s)
    s = _SHAPE_SUB[2].sub("d", s)
    out = []
    for ch in s:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _namelike(tok: Token) -> bool:
    """Capitalised, or a lowercase Arabic article joined to a name: ``al-Maliki``."""
    if tok.upper:
        return True
    head, _, rest = tok.text.partition("-")
    return bool(rest) and len(head) <= 3 and rest[:1].isupper()


def regions(tokens: Sequence[Token], lex: Lexicon,
            openers: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Maximal runs ``[i, j)`` of name-like tokens in one sentence: particles may join
    two runs ("Ursula von der Leyen"), a prefix or one of the model's ``openers`` may
    open one ("suor Rosanna", "de Blasio"), and a quoted nickname may stand inside one
    (``Giuseppe "Pepé" Flachi``)."""
    out: list[tuple[int, int]] = []
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        opens = (t.lower in lex.prefixes or t.lower in openers) and i + 1 < n \
            and tokens[i + 1].upper and tokens[i + 1].sent == t.sent
        if not (t.upper or opens):
            i += 1
            continue
        j = i + 1
        while j < n and tokens[j].sent == t.sent and j - i < MAX_REGION:
            if _namelike(tokens[j]):
                j += 1
                continue
            if _nickname(tokens, j):
                j += 4
                continue
            k = j
            while k < n and tokens[k].lower in lex.particles and k - j < 3:
                k += 1
            if j < k < n and _namelike(tokens[k]) and tokens[k].sent == t.sent:
                j = k + 1
                continue
            break
        out.append((i, j))
        i = j
    return out


def _nickname(tokens: Sequence[Token], j: int) -> bool:
    """Whether ``tokens[j:j + 4]`` is a quoted name-like word and a name-like word
    after it, in one sentence: the nickname of ``Saul "Canelo" Alvarez``."""
    close = _QUOTES.get(tokens[j].text)
    return close is not None and j + 3 < len(tokens) and tokens[j + 1].upper \
        and tokens[j + 2].text == close and _namelike(tokens[j + 3]) \
        and tokens[j + 3].sent == tokens[j].sent


def _features(tokens: Sequence[Token], i: int, a: int, b: int, lex: Lexicon) -> list[str]:
    """Feature strings of token ``i`` of the region ``[a, b)``."""
    return (_word_features(tokens[i], lex) + _context_features(tokens, i, a, b, lex)
            + _region_features(tokens, a, b, lex))


def _word_features(t: Token, lex: Lexicon) -> list[str]:
    """The features of a token's own text, the same wherever it stands (so the
    tagger scores them once per word: :meth:`Model.word_emissions`)."""
    w = t.lower
    c64, c256, c1k = lex.cluster(t.text)
    feats = ["b", "w=" + w, "s=" + shape(t.text), "x3=" + w[-3:], "x2=" + w[-2:],
             "p3=" + w[:3], "x4=" + w[-4:], "x5=" + w[-5:], "p2=" + w[:2], "p4=" + w[:4],
             "len=" + str(min(len(w), 10)), "c64=" + c64, "c256=" + c256, "c1k=" + c1k]
    feats += [name for name, words in (("fn", lex.first_names), ("role", lex.roles),
                                       ("gloc", lex.place_words), ("gorg", lex.org_words),
                                       ("gp", lex.world_places), ("part", lex.particles))
              if w in words]
    if len(w) > 1 and t.text.isupper():
        feats.append("caps")
    feats.append("lc=" + lex.case.get(w, "?"))
    usage = lex.usage.get(t.text)
    if usage is None:
        feats.append("u=none")
    else:
        feats += [f"u{k}={v}" for k, v in enumerate(usage)]
    return feats


def _context_features(tokens: Sequence[Token], i: int, a: int, b: int,
                      lex: Lexicon) -> list[str]:
    """The features of token ``i`` that depend on its neighbours and its place in the
    region."""
    ri, rlen = i - a, b - a
    t = tokens[i]
    w = t.lower
    n = len(tokens)
    sent = t.sent
    p1 = tokens[i - 1] if i > 0 and tokens[i - 1].sent == sent else None
    p2 = tokens[i - 2] if p1 is not None and i > 1 and tokens[i - 2].sent == sent else None
    n1 = tokens[i + 1] if i + 1 < n and tokens[i + 1].sent == sent else None
    n2 = tokens[i + 2] if n1 is not None and i + 2 < n and tokens[i + 2].sent == sent else None
    pw = p1.lower if p1 else "<s>"
    nw = n1.lower if n1 else "</s>"
    own = lex.cluster(t.text)[1]
    pc = lex.cluster(p1.text)[1] if p1 else "<s>"
    nc = lex.cluster(n1.text)[1] if n1 else "</s>"
    feats = [
        "pw=" + pw,
        "nw=" + nw,
        "pw2=" + (p2.lower if p2 else "<s>"),
        "nw2=" + (n2.lower if n2 else "</s>"),
        "ps=" + (shape(p1.text) if p1 else "<s>"),
        "ns=" + (shape(n1.text) if n1 else "</s>"),
        "pw|w=" + pw + "|" + w,
        "w|nw=" + w + "|" + nw,
        "r=" + ("1" if rlen == 1 else "f" if ri == 0 else "l" if ri == rlen - 1 else "m")
        + str(min(rlen, 4)),
        "nw|nw2=" + nw + "|" + (n2.lower if n2 else "</s>"),
        "pw2|pw=" + (p2.lower if p2 else "<s>") + "|" + pw,
        "w|r=" + w + "|" + str(ri) + str(min(rlen, 3)),
        "pc=" + pc,
        "nc=" + nc,
        "pc2=" + (lex.cluster(p2.text)[1] if p2 else "<s>"),
        "nc2=" + (lex.cluster(n2.text)[1] if n2 else "</s>"),
        "pc|c=" + pc + "|" + own,
        "c|nc=" + own + "|" + nc,
    ]
    lc = lex.case.get(w, "?")
    opening = p1 is None or p1.text in "“«\"(:–-—"
    if opening:
        feats.append("first|s=" + shape(t.text))
    if p1 is not None and p1.lower in lex.first_names and p1.upper:
        feats.append("pfn")
    if n1 is not None and n1.lower in lex.first_names and n1.upper:
        feats.append("nfn")
    if (p1 is not None and p1.lower in lex.roles) or (p2 is not None and p2.lower in lex.roles):
        feats.append("prole")
    if opening:
        feats.append("first|lc=" + lc)
    feats.append("lc|pw=" + lc + "|" + pw)
    return feats


def _region_features(tokens: Sequence[Token], a: int, b: int, lex: Lexicon) -> list[str]:
    """The features every token of the region ``[a, b)`` shares (so the tagger scores
    them once per region): the words just outside it, and which lowercase words stand
    within :data:`WINDOW` tokens of it ("gol", "sindaco", "azienda")."""
    n = len(tokens)
    sent = tokens[a].sent
    feats = ["bw=" + (tokens[a - 1].lower if a > 0 and tokens[a - 1].sent == sent else "<s>"),
             "aw=" + (tokens[b].lower if b < n and tokens[b].sent == sent else "</s>")]
    near = {t.lower for t in tokens[max(0, a - WINDOW):a] + tokens[b:b + WINDOW]
            if t.sent == sent and not t.upper and len(t.text) > 2 and t.text[0].isalpha()}
    feats += ["win=" + w for w in sorted(near)]
    return feats


@dataclass
class Model:
    """Perceptron weights: feature -> {tag index: weight}, plus tag transitions."""

    weights: dict[str, dict[int, float]] = field(default_factory=dict)
    trans: list[list[float]] = field(default_factory=lambda: [[0.0] * _N for _ in range(_N)])
    start: list[float] = field(default_factory=lambda: [0.0] * _N)
    # label -> least margin (best score minus best score without the entity) to keep it
    thresholds: dict[str, float] = field(default_factory=dict)
    # lowercase particles that open a name in the training data: "de Blasio", "bin Laden"
    openers: frozenset[str] = frozenset()
    _word_lexicon: Lexicon | None = field(default=None, repr=False, compare=False)
    _word_scores: dict[str, list[float]] = field(default_factory=dict, repr=False,
                                                 compare=False)
    _dense: dict[str, tuple[float, ...]] | None = field(default=None, repr=False,
                                                        compare=False)
    _allowed: list[list[tuple[int, float]]] | None = field(default=None, repr=False,
                                                           compare=False)

    def emissions(self, feats: Iterable[str], start: list[float] | None = None) -> list[float]:
        """Score of each tag for one token's features (added to ``start``)."""
        scores = list(start) if start is not None else [0.0] * _N
        get = self.weights.get
        for f in feats:
            ws = get(f)
            if ws:
                for tag, weight in ws.items():
                    scores[tag] += weight
        return scores

    def tagging_emissions(self, feats: Iterable[str], start: Sequence[float],
                          shared: Sequence[float] = _ZEROS) -> list[float]:
        """:meth:`emissions`, the same sums, from each feature's weights as a row of all
        tags: the rows (and ``shared``, the scores of features already summed) are added
        column by column in C rather than tag by tag in Python (from Python 3.12,
        ``sum`` rounds more exactly: a last digit may differ). The rows are built on
        first use: a model tags only once trained."""
        dense = self._dense
        if dense is None:
            dense = self._dense = {f: tuple(ws.get(tag, 0.0) for tag in range(_N))
                                   for f, ws in self.weights.items()}
        return list(map(sum, zip(start, shared, *filter(None, map(dense.get, feats)),
                                 strict=True)))

    def word_emissions(self, t: Token, lex: Lexicon) -> list[float]:
        """:meth:`emissions` of a token's :func:`_word_features`, remembered per word
        (and forgotten when another lexicon comes): a model tags only once trained."""
        if self._word_lexicon is not lex or len(self._word_scores) >= _WORD_CACHE_LIMIT:
            self._word_lexicon, self._word_scores = lex, {}
        got = self._word_scores.get(t.text)
        if got is None:
            got = self._word_scores[t.text] = self.tagging_emissions(
                _word_features(t, lex), _ZEROS)
        return got

    def viterbi(self, em: list[list[float]]) -> tuple[list[int], float]:
        """Best allowed tag sequence for one region's emission scores, and its score."""
        return self._viterbi(em, _transitions(self.trans))

    def tagging_viterbi(self, em: list[list[float]]) -> tuple[list[int], float]:
        """:meth:`viterbi`, with the allowed transitions listed once: a model tags
        only once trained."""
        if self._allowed is None:
            self._allowed = _transitions(self.trans)
        return self._viterbi(em, self._allowed)

    def _viterbi(self, em: list[list[float]],
                 allowed: list[list[tuple[int, float]]]) -> tuple[list[int], float]:
        best = [self.start[j] + em[0][j] if _START_ALLOWED[j] else _NEG for j in range(_N)]
        back: list[list[int]] = []
        for scores in em[1:]:
            row_best = []
            row_back = []
            for into, score in zip(allowed, scores, strict=True):
                top, arg = _NEG, 0
                for p, weight in into:
                    v = best[p] + weight  # -inf from a tag no path reaches: never the top
                    if v > top:
                        top, arg = v, p
                row_best.append(top + score)
                row_back.append(arg)
            best = row_best
            back.append(row_back)
        j = max(range(_N), key=best.__getitem__)
        score = best[j]
        path = [j]
        for row in reversed(back):
            j = row[j]
            path.append(j)
        path.reverse()
        return path, score

    def to_json(self) -> dict[str, Any]:
        return {
            "tags": list(TAGS),
            "trans": [[round(v, 4) for v in row] for row in self.trans],
            "start": [round(v, 4) for v in self.start],
            "thresholds": self.thresholds,
            "openers": sorted(self.openers),
            "weights": {f: {str(k): round(v, 4) for k, v in ws.items()}
                        for f, ws in self.weights.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        if tuple(data["tags"]) != TAGS:
            raise ValueError("tagger model was trained with other tags")
        weights = {f: {int(k): float(v) for k, v in ws.items()}
                   for f, ws in data["weights"].items()}
        return cls(weights, [list(map(float, r)) for r in data["trans"]],
                   list(map(float, data["start"])),
                   {str(k): float(v) for k, v in data.get("thresholds", {}).items()},
                   frozenset(map(str, data.get("openers", ()))))


_MODEL: Model | None = None
_CASE: dict[str, str] | None = None
_WORD_TABLES: dict[str, Any] | None = None


def _data(name: str) -> Any:
    raw = (resources.files("searchidx.extraction") / "data" / name).read_bytes()
    return json.loads(gzip.decompress(raw))


def load_model() -> Model:
    """The model extraction tags with: the shipped one, loaded once per process, unless
    :func:`use_model` chose another."""
    global _MODEL
    if _MODEL is None:
        _MODEL = Model.from_json(_data(MODEL_FILE))
    return _MODEL


def use_model(model: Model | None) -> None:
    """Make extraction in this process tag with ``model`` (``None``: the shipped one
    again), so that a model being trained is measured through the whole extraction, as
    ``scripts/train_tagger.py`` cross-validates it."""
    global _MODEL
    _MODEL = model


def load_case_table() -> dict[str, str]:
    """The shipped word-case table (see :class:`Lexicon`), loaded once per process."""
    global _CASE
    if _CASE is None:
        _CASE = {word: bucket for bucket, words in _data(CASE_FILE).items() for word in words}
    return _CASE


def _word_tables() -> dict[str, Any]:
    global _WORD_TABLES
    if _WORD_TABLES is None:
        data = _data(CLUSTER_FILE)
        _WORD_TABLES = {"clusters": read_clusters(data), "usage": data["usage"]}
    return _WORD_TABLES


def load_clusters() -> dict[str, tuple[str, str, str]]:
    """The shipped word clusters (``scripts/build_clusters.py``), loaded once per process."""
    return _word_tables()["clusters"]


def load_usage() -> dict[str, str]:
    """The shipped usage table (see :func:`usage_table`), loaded once per process."""
    return _word_tables()["usage"]


def usage_table(sentences: Iterable[Sequence[str]], first_names: frozenset[str],
                roles: frozenset[str], min_count: int = 2) -> dict[str, str]:
    """Capitalised word -> one letter per cue of :data:`USAGE_CUES`: how often the cue
    stands next to the word mid-sentence, "0" never, "l" under 10%, "m" under 40%, "h"
    more. "Rossi" follows first names, "Roma" follows "a"/"in", "Motorola" neither:
    evidence for a word the labelled data has never seen."""
    seen: Counter[str] = Counter()
    cues: dict[str, list[int]] = {}
    for words in sentences:
        for i in range(1, len(words)):
            word, prev = words[i], words[i - 1]
            if not word[:1].isupper() or not (prev[:1].isalpha() or prev == ","):
                continue
            low = prev.lower()
            seen[word] += 1
            hits = cues.setdefault(word, [0] * len(USAGE_CUES))
            hits[0] += prev[:1].isupper() and low in first_names
            hits[1] += low in roles
            hits[2] += low in ("a", "in")
            hits[3] += low in _ARTICLES
            hits[4] += i + 1 < len(words) and words[i + 1][:1].isupper()
    return {word: "".join("0" if h == 0 else "l" if h < 0.1 * n else "m" if h < 0.4 * n
                          else "h" for h in cues[word])
            for word, n in sorted(seen.items()) if n >= min_count}


def read_clusters(data: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """Word -> cluster ids, coarse to fine, from the stored form: the words of each
    fine cluster, and each fine cluster's middle and coarse parent."""
    out: dict[str, tuple[str, str, str]] = {}
    for fine, (words, middle) in enumerate(zip(data["words"], data["middle"], strict=True)):
        ids = (str(data["coarse"][middle]), str(middle), str(fine))
        for word in words:
            out[word] = ids
    return out


def load_place_names() -> list[str]:
    """The shipped place-name list (GeoNames cities, ISTAT comuni), as written."""
    raw = (resources.files("searchidx.extraction") / "data" / PLACES_FILE).read_bytes()
    return gzip.decompress(raw).decode("utf-8").splitlines()


def load_place_words(names: Iterable[str] | None = None) -> frozenset[str]:
    """Lowercased words of the shipped place-name list (or of ``names``)."""
    words: set[str] = set()
    for name in load_place_names() if names is None else names:
        words.update(w.lower() for w in _WORD.findall(name))
    return frozenset(words)


def case_table(texts: Iterable[str], min_count: int = 2) -> dict[str, list[str]]:
    """Bucket -> words, from how each word is written when not opening a sentence."""
    from .text import tokenize

    lower: dict[str, int] = {}
    total: dict[str, int] = {}
    for text in texts:
        prev = None
        for tok in tokenize(text):
            if tok.text[0].isalpha() and prev is not None and prev.sent == tok.sent \
                    and prev.text not in "“«\"(:–-—.!?":
                total[tok.lower] = total.get(tok.lower, 0) + 1
                if not tok.upper:
                    lower[tok.lower] = lower.get(tok.lower, 0) + 1
            prev = tok
    out: dict[str, list[str]] = {"L": [], "l": [], "u": [], "U": []}
    for word, n in sorted(total.items()):
        if n < min_count:
            continue
        ratio = lower.get(word, 0) / n
        bucket = "L" if ratio >= 0.95 else "l" if ratio >= 0.5 else "u" if ratio > 0.05 else "U"
        out[bucket].append(word)
    return out


def tag(tokens: Sequence[Token], lex: Lexicon, model: Model,
        thresholds: dict[str, float] | None = None) -> list[tuple[int, int, str, float]]:
    """Entity spans ``(first token, end token, label, margin)`` found in ``tokens``.

    The margin is how much better the best tagging is than the best one without
    the entity; spans under the model's threshold for their label (or the given
    ``thresholds``) are dropped, which trades a little recall for precision.
    """
    limits = model.thresholds if thresholds is None else thresholds
    spans: list[tuple[int, int, str, float]] = []
    blocked = [_NEG] * (_N - 1)
    for a, b in regions(tokens, lex, model.openers):
        rlen = b - a
        shared = model.tagging_emissions(_region_features(tokens, a, b, lex), _ZEROS)
        em = [model.tagging_emissions(_context_features(tokens, i, a, b, lex),
                                      model.word_emissions(tokens[i], lex), shared)
              for i in range(a, b)]
        path, score = model.tagging_viterbi(em)
        k = 0
        while k < rlen:
            name = TAGS[path[k]]
            if name == "O":
                k += 1
                continue
            label = name[2:]
            e = k + 1
            while e < rlen and TAGS[path[e]] == "I-" + label:
                e += 1
            if label in limits:
                rows = em[:k] + [[row[0], *blocked] for row in em[k:e]] + em[e:]
                margin = score - model.tagging_viterbi(rows)[1]
            else:
                margin = float("inf")  # no threshold for this label: no need to measure
            if margin >= limits.get(label, 0.0):
                spans.append((a + k, a + e, label, margin))
            k = e
    return spans


def region_examples(tokens: Sequence[Token], gold: Sequence[str], lex: Lexicon,
                    openers: frozenset[str] = frozenset(),
                    ) -> list[tuple[list[list[str]], list[int]]]:
    """Training examples: the feature lists and gold tag indices of each region."""
    index = {t: k for k, t in enumerate(TAGS)}
    out = []
    for a, b in regions(tokens, lex, openers):
        feats = [_features(tokens, i, a, b, lex) for i in range(a, b)]
        tags = [index.get(g, 0) for g in gold[a:b]]
        # a region starting inside an entity has no valid first tag: treat it as B-
        if tags and TAGS[tags[0]].startswith("I-"):
            tags[0] = index["B-" + TAGS[tags[0]][2:]]
        out.append((feats, tags))
    return out


def train(examples: list[tuple[list[list[str]], list[int]]], epochs: int = 8,
          seed: int = 13) -> Model:
    """Averaged structured perceptron (Collins 2002) over region examples."""
    model = Model()
    totals: dict[str, dict[int, float]] = {}
    stamps: dict[str, dict[int, int]] = {}
    trans_tot = [[0.0] * _N for _ in range(_N)]
    trans_stamp = [[0] * _N for _ in range(_N)]
    start_tot = [0.0] * _N
    start_stamp = [0] * _N
    step = 0

    def bump_w(f: str, tag: int, delta: float) -> None:
        ws = model.weights.setdefault(f, {})
        tot = totals.setdefault(f, {})
        st = stamps.setdefault(f, {})
        old = ws.get(tag, 0.0)
        tot[tag] = tot.get(tag, 0.0) + (step - st.get(tag, 0)) * old
        st[tag] = step
        ws[tag] = old + delta

    order = list(range(len(examples)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for idx in order:
            step += 1
            feats, gold = examples[idx]
            em = [model.emissions(fs) for fs in feats]
            pred, _ = model.viterbi(em)
            if pred == gold:
                continue
            for k, (g, p) in enumerate(zip(gold, pred, strict=True)):
                if g != p:
                    for f in feats[k]:
                        bump_w(f, g, 1.0)
                        bump_w(f, p, -1.0)
            for seq, delta in ((gold, 1.0), (pred, -1.0)):
                s0 = seq[0]
                start_tot[s0] += (step - start_stamp[s0]) * model.start[s0]
                start_stamp[s0] = step
                model.start[s0] += delta
                for a, b in zip(seq, seq[1:], strict=False):
                    trans_tot[a][b] += (step - trans_stamp[a][b]) * model.trans[a][b]
                    trans_stamp[a][b] = step
                    model.trans[a][b] += delta
    # average: total accumulated weight over all steps
    avg = Model()
    for f, ws in model.weights.items():
        tot, st = totals[f], stamps[f]
        out = {}
        for tag, w in ws.items():
            value = (tot.get(tag, 0.0) + (step - st.get(tag, 0)) * w) / step
            if abs(value) >= 1e-3:
                out[tag] = value
        if out:
            avg.weights[f] = out
    for a in range(_N):
        avg.start[a] = (start_tot[a] + (step - start_stamp[a]) * model.start[a]) / step
        for b in range(_N):
            avg.trans[a][b] = (trans_tot[a][b] + (step - trans_stamp[a][b])
                               * model.trans[a][b]) / step
    return avg
