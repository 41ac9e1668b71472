"""Highlighted snippets: the passage of an article where the query's words cluster.

Whoosh's highlighter re-tokenises the text through its generic filter chain for
every hit; this asks the Italian analyzer for the query's terms only
(:meth:`searchidx.analysis.ItalianAnalyzer.find`), which matters when every
query shows ten snippets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

WIDTH = 220


def _cut_left(text: str, start: int) -> int:
    """Move a window start back to a word boundary."""
    if start <= 0:
        return 0
    space = text.rfind(" ", 0, start)
    return space + 1 if space >= 0 else 0


def _cut_right(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    space = text.find(" ", end)
    return space if space >= 0 else len(text)


def lead(text: str, width: int = WIDTH) -> str:
    """The opening of a text, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    return flat[:width].rsplit(" ", 1)[0] + "…"


Finder = Callable[[str, frozenset[str]], list[tuple[str, int, int]]]


def snippet(text: str, terms: Iterable[str], find: Finder, width: int = WIDTH) -> str:
    """The ``width``-character passage with the most distinct query terms, marked
    ``<em>…</em>``; empty when no term occurs. ``find`` gives the (term, start,
    end) of each occurrence of the wanted terms in order."""
    wanted = frozenset(terms)
    if not wanted:
        return ""
    flat = " ".join(text.split())
    spans = find(flat, wanted)
    if not spans:
        return ""
    best = (0, 0)  # (distinct terms, index of first span)
    right = 0
    for left in range(len(spans)):
        while right < len(spans) and spans[right][2] - spans[left][1] <= width:
            right += 1
        distinct = len({spans[i][0] for i in range(left, right)})
        if distinct > best[0]:
            best = (distinct, left)
    first = spans[best[1]]
    margin = max(0, (width - (first[2] - first[1])) // 4)
    start = _cut_left(flat, first[1] - margin)
    end = _cut_right(flat, start + width)
    out, index = [], start
    for _, s, e in spans:
        if s < start or e > end:
            continue
        out.append(flat[index:s])
        out.append(f"<em>{flat[s:e]}</em>")
        index = e
    out.append(flat[index:end])
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(flat) else "")
