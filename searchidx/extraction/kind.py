"""KIND (BIO-tagged Italian news sentences) as text with gold entity spans.

KIND ships one token per line; the evaluation feeds each sentence to the
extractor as a document, so tokens are joined back into ordinary text (no
space before punctuation or after an elided ``l'``) and gold entities become
character spans of that text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_NO_SPACE_BEFORE = frozenset(",.;:!?)]»”%…")
_NO_SPACE_AFTER = frozenset("([«“")


@dataclass
class Sentence:
    text: str
    spans: list[tuple[int, int, str]]  # (start, end, label) character spans


def read_kind(path: str | Path) -> Iterator[Sentence]:
    """Sentences of a KIND ``.tsv`` file (token TAB tag, blank line between)."""
    words: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if words:
                    yield detokenize(words, tags)
                    words, tags = [], []
                continue
            parts = line.split("\t")
            words.append(parts[0])
            tags.append(parts[-1])
    if words:
        yield detokenize(words, tags)


def detokenize(words: list[str], tags: list[str]) -> Sentence:
    """Join tokens into text; return it with the entities' character spans."""
    pieces: list[str] = []
    token_spans: list[tuple[int, int]] = []
    pos = 0
    glue = True  # no space before the next token
    open_straight = False
    for word in words:
        closing_straight = word == '"' and open_straight
        if not glue and not (word in _NO_SPACE_BEFORE or closing_straight):
            pieces.append(" ")
            pos += 1
        token_spans.append((pos, pos + len(word)))
        pieces.append(word)
        pos += len(word)
        if word == '"':
            open_straight = not open_straight
            glue = open_straight
        else:
            glue = word in _NO_SPACE_AFTER or word.endswith(("'", "’"))
    spans: list[tuple[int, int, str]] = []
    k = 0
    while k < len(words):
        tag = tags[k]
        if tag[:2] in ("B-", "I-"):
            label = tag[2:]
            e = k + 1
            while e < len(words) and tags[e] == "I-" + label:
                e += 1
            spans.append((token_spans[k][0], token_spans[e - 1][1], label))
            k = e
        else:
            k += 1
    return Sentence("".join(pieces), spans)
