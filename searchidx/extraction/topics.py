"""Topics from a keyword taxonomy, and automatic key phrases.

Topic keywords are analysed with the index's own Italian chain when the
configuration is compiled, so ``munizioni`` in the taxonomy matches
``munizione`` in an article exactly as a search would. Key phrases need no
taxonomy: they are the noun phrases an article repeats ("cooperazione
militare", "fornitura di armi").
"""

from __future__ import annotations

from collections import Counter

from ..analysis import analyze, fold
from ..config import Config
from .resources import Resources
from .text import Token

_MEMO_LIMIT = 200_000  # words remembered by Resources.keyphrase_words


def topics(text: str, res: Resources, config: Config) -> list[str]:
    """Taxonomy labels whose weighted keyword hits reach the threshold, best first."""
    terms = analyze(text, config)
    if not terms:
        return []
    max_hits = int(res.topic_settings.get("max_hits", 3))
    threshold = float(res.topic_settings.get("threshold", 4.0))
    counts = Counter(terms)
    scores: dict[str, float] = {}
    # only the taxonomy terms whose first term occurs, in taxonomy order
    present = sorted(k for term in res.topic_starts.keys() & counts.keys()
                     for k in res.topic_starts[term])
    for label, seq, weight in map(res.topic_terms.__getitem__, present):
        hits = counts[seq[0]]
        if len(seq) > 1:
            hits = _count_seq(terms, seq)
        if hits:
            scores[label] = scores.get(label, 0.0) + weight * min(hits, max_hits)
    ranked = sorted((item for item in scores.items() if item[1] >= threshold),
                    key=lambda item: (-item[1], item[0]))
    return [label for label, _ in ranked[: int(res.topic_settings.get("max_topics", 5))]]


def _count_seq(terms: list[str], seq: tuple[str, ...]) -> int:
    n = len(seq)
    first = seq[0]
    return sum(1 for k in range(len(terms) - n + 1)
               if terms[k] == first and tuple(terms[k:k + n]) == seq)


def keyphrases(tokens: list[Token], res: Resources) -> list[str]:
    """A handful of phrases the article repeats: "noun adjective", "noun di noun",
    longest and most frequent first; frequent single words fill in."""
    settings = res.keyphrase_settings
    min_len = int(settings.get("min_word_length", 4))
    min_count = int(settings.get("min_count", 2))
    limit = int(settings.get("max", 5))
    stop = res.keyphrase_stop | res.function_words | res.roles

    memo = res.keyphrase_words
    if len(memo) > _MEMO_LIMIT:
        memo.clear()

    def content(t: Token) -> bool:
        got = memo[t.text] = (not t.upper and len(t.text) >= min_len and t.text.isalpha()
                              and fold(t.text) not in stop
                              and not t.lower.endswith(res.keyphrase_stop_endings))
        return got

    # each token judged once (most from the cache): pairs and triples read the flags
    flags = [memo[t.text] if t.text in memo else content(t) for t in tokens]
    phrases: Counter[str] = Counter()
    words: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    n = len(tokens)
    for i, t in enumerate(tokens):
        if not flags[i]:
            continue
        words[t.lower] += 1
        first_seen.setdefault(t.lower, i)
        if i + 1 == n or tokens[i + 1].sent != t.sent:
            continue
        nxt = tokens[i + 1]
        if flags[i + 1]:
            key = f"{t.lower} {nxt.lower}"
            phrases[key] += 1
            first_seen.setdefault(key, i)
        elif nxt.lower in res.keyphrase_links and i + 2 < n and tokens[i + 2].sent == t.sent \
                and flags[i + 2]:
            key = f"{t.lower} {nxt.lower} {tokens[i + 2].lower}"
            phrases[key] += 1
            first_seen.setdefault(key, i)
    chosen: list[str] = []
    ranked = sorted((p for p, c in phrases.items() if c >= min_count),
                    key=lambda p: (-phrases[p] * len(p.split()), first_seen[p]))
    for p in ranked:
        if len(chosen) >= limit:
            break
        chosen.append(p)
    covered = {w for p in chosen for w in p.split()}
    ranked_words = sorted((w for w, c in words.items() if c >= min_count and w not in covered),
                          key=lambda w: (-words[w], first_seen[w]))
    for w in ranked_words:
        if len(chosen) >= min(3, limit):
            break
        chosen.append(w)
    return chosen
