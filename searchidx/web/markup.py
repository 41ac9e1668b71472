"""Article text as HTML that can hold nothing but text and our own marks.

Everything from an article or a query is escaped first; the only markup is
added afterwards, around escaped pieces (as InstantSearch's escape-highlight
does): the snippets' ``<em>`` marks, and in an article the people's mentions
and the quotes, placed by their character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from ..render import quote_author

# A mark of :func:`searchidx.snippets.snippet` wraps one word as the analyzer
# finds it (letters, digits, apostrophes): never a ``<`` or ``>``. A literal
# ``<em>`` of the article's own text around anything else stays text.
_MARK = re.compile(r"<em>([^<>]+)</em>")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n")
_LINK_SCHEMES = ("http://", "https://")


def snippet_html(snippet: str) -> Markup:
    """A search snippet with its ``<em>`` marks kept and all its text escaped."""
    out: list[str] = []
    at = 0
    for match in _MARK.finditer(snippet):
        out.append(escape(snippet[at:match.start()]))
        out.append(Markup("<mark>{}</mark>").format(match.group(1)))
        at = match.end()
    out.append(escape(snippet[at:]))
    return Markup("").join(out)


def safe_link(url: Any) -> str | None:
    """``url`` if it is a web address, else None: an article's ``javascript:``
    or ``data:`` link is shown as text, never followed."""
    if isinstance(url, str) and url.strip().lower().startswith(_LINK_SCHEMES):
        return url.strip()
    return None


def person_url(name: str) -> str:
    return "/person/" + quote(name, safe="")


def article_url(doc_id: str) -> str:
    return "/article/" + quote(doc_id, safe="")


@dataclass(frozen=True)
class Span:
    """A marked stretch of the body: ``start``/``end`` are offsets into it."""

    start: int
    end: int
    open_tag: Markup
    close_tag: Markup


def _non_overlapping(spans: Iterable[Span], length: int) -> list[Span]:
    """Spans inside the text, in order, each later one overlapping a kept one dropped."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not 0 <= span.start < span.end <= length:
            continue
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def article_spans(doc: dict[str, Any]) -> tuple[list[Span], list[Span]]:
    """(quotes, mentions) of an article as spans of its body."""
    quotes = [Span(q["start"], q["end"],
                   Markup('<span class="quote quote-{}" data-speaker="{}">').format(
                       q.get("kind", "direct"), quote_author(q)),
                   Markup("</span>"))
              for q in doc.get("quotes", [])
              if q.get("field", "body") == "body" and isinstance(q.get("start"), int)]
    mentions = [Span(m["start"], m["end"],
                     Markup('<a class="person" href="{}" title="{}">').format(
                         person_url(p["name"]), p["name"]),
                     Markup("</a>"))
                for p in doc.get("people", []) for m in p.get("mentions", [])
                if m.get("field", "body") == "body" and isinstance(m.get("start"), int)]
    return quotes, mentions


def marked_paragraphs(body: str, quotes: list[Span], mentions: list[Span]) -> list[Markup]:
    """The body as paragraphs of escaped text, quotes and mentions marked.

    Mentions nest in quotes; a mention across a quote's edge stays unmarked. A
    mark across a paragraph break is closed before it and opened again after.
    """
    quotes = _non_overlapping(quotes, len(body))
    mentions = [m for m in _non_overlapping(mentions, len(body))
                if not any(q.start < m.end and m.start < q.end
                           and not (q.start <= m.start and m.end <= q.end) for q in quotes)]
    # (offset, order at that offset, open or close, span): at one offset the inner
    # span (a mention) closes first, then the outer (a quote) opens first
    events: list[tuple[int, int, Callable[[list[Span], Span], None], Span]] = []
    for outer, spans in ((True, quotes), (False, mentions)):
        for span in spans:
            events.append((span.start, 2 if outer else 3, list.append, span))
            events.append((span.end, 1 if outer else 0, list.remove, span))
    events.sort(key=lambda e: (e[0], e[1]))
    paragraphs: list[Markup] = []
    current: list[str] = []
    open_spans: list[Span] = []

    def text(piece: str) -> None:
        parts = _PARAGRAPH_BREAK.split(piece)
        for i, part in enumerate(parts):
            if i:
                current.extend(s.close_tag for s in reversed(open_spans))
                paragraphs.append(Markup("").join(current))
                current.clear()
                current.extend(s.open_tag for s in open_spans)
            current.append(escape(part))

    at = 0
    for offset, _, action, span in events:
        text(body[at:offset])
        at = offset
        current.append(span.open_tag if action is list.append else span.close_tag)
        action(open_spans, span)
    text(body[at:])
    paragraphs.append(Markup("").join(current))
    return [p for p in paragraphs if p.striptags().strip()]
