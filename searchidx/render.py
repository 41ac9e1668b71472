"""The render stage: results as terminal text, JSON, JSON lines or CSV.

Every function returns a string; the CLI decides where it goes. Terminal text
uses click's styling (imported only to colour a terminal's text) and turns the
snippets' ``<em>`` marks into bold; machine formats keep the marks so scripts can
find them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from typing import Any

    from .search import SearchResult

FORMATS = ("text", "json", "jsonl", "csv")
_EM = re.compile(r"<em>(.*?)</em>", re.S)
_CSV_FIELDS = ("id", "score", "title", "date", "publisher", "people", "speakers", "topics",
               "snippet", "path")


def _style(text: str, **styles: Any) -> str:
    import click

    return click.style(text, **styles)


def to_json(obj: Any) -> str:
    import json  # only for JSON: a text answer does without it

    return json.dumps(obj, ensure_ascii=False)


def _strip_marks(text: str) -> str:
    return _EM.sub(r"\1", text)


def _bold_marks(text: str, color: bool) -> str:
    if not color:
        return _EM.sub(r"\1", text)
    return _EM.sub(lambda m: _style(m.group(1), bold=True, fg="yellow"), text)


def search_text(result: SearchResult, color: bool = False) -> str:
    """A readable result list for a terminal."""
    lines: list[str] = []
    shown = len(result.hits)
    first = (result.page - 1) * result.limit + 1
    head = f"{result.total} article{'s' if result.total != 1 else ''}"
    if result.stories is not None:
        head += f" in {result.stories} stor{'ies' if result.stories != 1 else 'y'}"
    if result.query:
        head += f" for {result.query!r}"
    if shown:
        head += f" (showing {first}-{first + shown - 1})"
    lines.append(_style(head, bold=True) if color else head)
    if result.suggestion:
        lines.append(f"did you mean: {result.suggestion}")
    if result.dropped_undated:
        lines.append(f"note: {result.dropped_undated} undated article"
                     f"{'s' if result.dropped_undated != 1 else ''} left out by the date filter")
    for rank, hit in enumerate(result.hits, first):
        title = hit.title or hit.first_line
        lines.append("")
        lines.append(f"{rank}. " + (_style(title, bold=True) if color else title))
        meta = [hit.date or "undated", hit.publisher or "", hit.id]
        if hit.speakers:
            meta.append("speakers: " + ", ".join(hit.speakers))
        lines.append("   " + " · ".join(m for m in meta if m))
        if hit.snippet:
            lines.append("   " + _bold_marks(hit.snippet, color))
        if hit.versions:
            lines.append(f"   +{len(hit.versions)} more version"
                         f"{'s' if len(hit.versions) != 1 else ''}: {', '.join(hit.versions)}")
    if result.facets:
        lines.append("")
        lines.extend(facets_text(result.facets))
    return "\n".join(lines)


def facets_text(facets: dict[str, list[tuple[str, int]]]) -> list[str]:
    out = []
    for name, values in facets.items():
        shown = ", ".join(f"{v} ({c})" for v, c in values) or "(none)"
        out.append(f"{name}: {shown}")
    return out


def search_jsonl(result: SearchResult) -> str:
    return "\n".join(to_json(h.to_dict()) for h in result.hits)


def search_csv(result: SearchResult) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    fields = _CSV_FIELDS + (("story", "versions") if result.stories is not None else ())
    writer.writerow(fields)
    for hit in result.hits:
        row = hit.to_dict()
        writer.writerow([_csv_value(row[f], f) for f in fields])
    return buffer.getvalue().rstrip("\n")


def export_lines(rows: Iterable[dict[str, Any]], fields: tuple[str, ...],
                 fmt: str) -> Iterator[str]:
    """An export as lines, one per hit as it comes: JSON lines, or CSV under a header
    row (lists joined by "; ", snippets without their marks, as a page's CSV)."""
    if fmt == "jsonl":
        yield from map(to_json, rows)
        return
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="")

    def line(values: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(fields)
    for row in rows:
        yield line(_csv_value(row[f], f) for f in fields)


def _csv_value(value: Any, field: str) -> Any:
    """A cell: lists joined by "; ", snippets without their marks, None empty."""
    if isinstance(value, list):
        return "; ".join(value)
    if field == "snippet" and value:
        return _strip_marks(value)
    return "" if value is None else value


def render_search(result: SearchResult, fmt: str, color: bool = False) -> str:
    if fmt == "json":
        return to_json(result.to_dict())
    if fmt == "jsonl":
        return search_jsonl(result)
    if fmt == "csv":
        return search_csv(result)
    return search_text(result, color)


def document_text(doc: dict[str, Any]) -> str:
    """Every field of one article, then its body."""
    lines = [f"id: {doc['id']}"]
    date = doc.get("date")
    simple = [("title", doc.get("title")),
              ("date", f"{date['value']} ({date['precision']})" if date else None),
              ("publisher", doc.get("publisher")), ("url", doc.get("url")),
              ("path", doc.get("path")), ("line", doc.get("line"))]
    lines += [f"{k}: {v}" for k, v in simple if v]
    for person in doc.get("people", []):
        aliases = sorted({m["text"] for m in person.get("mentions", [])} - {person["name"]})
        role = f" — {person['role']}" if person.get("role") else ""
        extra = f" (also: {', '.join(aliases)})" if aliases else ""
        lines.append(f"person: {person['name']}{role}{extra}")
    for key in ("speakers", "places", "organizations", "cited_media", "topics", "keyphrases",
                "tags"):
        if doc.get(key):
            lines.append(f"{key}: {', '.join(doc[key])}")
    for quote in doc.get("quotes", []):
        lines.append(f"quote ({quote_kind(quote)}) {quote_author(quote)}: {quote['text']}")
    for mentioned in doc.get("dates_mentioned", []):
        lines.append(f"date mentioned: {mentioned.get('text')} -> {mentioned.get('value')}")
    lines += ["", doc.get("body", "")]
    return "\n".join(lines)


def stats_text(stats: dict[str, Any]) -> str:
    size = stats["size_bytes"]
    human = f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"
    span = (f"{stats['date_from']} to {stats['date_to']}" if stats["date_from"]
            else "no dated articles")
    return "\n".join([
        f"index:       {stats['index']}",
        f"documents:   {stats['documents']} ({stats['undated']} undated) from "
        f"{stats['files']} files",
        f"dates:       {span}",
        f"size:        {human}",
        f"fields:      {', '.join(stats['fields'])}",
        f"facets:      {', '.join(stats['facets'])}",
        f"last update: {stats['last_update'] or 'never'}",
    ])


def facet_values_text(values: list[tuple[str, int]]) -> str:
    width = max((len(str(c)) for _, c in values), default=1)
    return "\n".join(f"{c:>{width}}  {v}" for v, c in values)


def quote_author(quote: dict[str, Any]) -> str:
    """The speaker, else the organisation or medium stating it, else "unattributed":
    a quote whose speaker the article does not name is never given to someone."""
    if quote.get("speaker"):
        return str(quote["speaker"])
    return f"{quote['source']} (source)" if quote.get("source") else "unattributed"


def quote_kind(quote: dict[str, Any]) -> str:
    """"indirect, ha detto", "direct, headline": how the article reports it."""
    parts = [quote["kind"]]
    if quote.get("verb"):
        parts.append(quote["verb"])
    if quote.get("field") == "title":
        parts.append("headline")
    return ", ".join(parts)


def quotes_text(quotes: list[dict[str, Any]]) -> str:
    out = []
    for q in quotes:
        out.append(f"{quote_author(q)} · {q['date'] or 'undated'} · {q['id']} "
                   f"({quote_kind(q)})")
        out.append(f"   {q['text']}")
    return "\n".join(out)


def _short(sentence: str, width: int = 100) -> str:
    return sentence if len(sentence) <= width else sentence[:width].rsplit(" ", 1)[0] + "…"


def _numbered_article(number: int, article: dict[str, Any]) -> list[str]:
    """A blank line, then ``N. title`` and its date, publisher and id, as stories and
    similar lists show an article."""
    meta = [article["date"] or "undated", article["publisher"] or "", article["id"]]
    return ["", f"{number}. {article['title'] or '(untitled)'}",
            "   " + " · ".join(m for m in meta if m)]


def story_text(story: dict[str, Any]) -> str:
    """A story's versions, oldest first, each with what changed since the one before."""
    versions = story["versions"]
    lines = [f"story {story['story']}: {len(versions)} version{'s' if len(versions) != 1 else ''}"]
    for number, version in enumerate(versions, 1):
        lines.extend(_numbered_article(number, version))
        if number == 1:
            continue
        added, removed = version["added"], version["removed"]
        change = [f"+{len(added)} sentence{'s' if len(added) != 1 else ''}",
                  f"-{len(removed)} sentence{'s' if len(removed) != 1 else ''}"]
        if version["title_changed"]:
            change.append("new title")
        lines.append("   changed: " + ", ".join(change))
        lines.extend(f"   + {_short(s)}" for s in added)
        lines.extend(f"   - {_short(s)}" for s in removed)
    return "\n".join(lines)


def story_csv(story: dict[str, Any]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("story", "id", "date", "publisher", "title", "title_changed", "added",
                     "removed"))
    for v in story["versions"]:
        writer.writerow((story["story"], v["id"], v["date"] or "", v["publisher"] or "",
                         v["title"] or "", v["title_changed"], len(v["added"]),
                         len(v["removed"])))
    return buffer.getvalue().rstrip("\n")


def similar_text(doc_id: str, similar: list[dict[str, Any]]) -> str:
    """Articles like ``doc_id``, each with the key terms and people they share."""
    if not similar:
        return f"no article like {doc_id} (other than its own versions)"
    lines = [f"articles like {doc_id}:"]
    for rank, like in enumerate(similar, 1):
        lines.extend(_numbered_article(rank, like))
        why = []
        if like["terms"]:
            why.append("terms: " + ", ".join(like["terms"]))
        if like["people"]:
            why.append("people: " + ", ".join(like["people"]))
        if why:
            lines.append("   shares " + "; ".join(why))
    return "\n".join(lines)


def similar_csv(doc_id: str, similar: list[dict[str, Any]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("like", "id", "score", "date", "publisher", "title", "terms", "people"))
    for s in similar:
        writer.writerow((doc_id, s["id"], s["score"], s["date"] or "", s["publisher"] or "",
                         s["title"] or "", "; ".join(s["terms"]), "; ".join(s["people"])))
    return buffer.getvalue().rstrip("\n")
