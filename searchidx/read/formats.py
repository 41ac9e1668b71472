"""One file's bytes (or one member's) to articles, by format."""

from __future__ import annotations

import codecs
from collections.abc import Iterator

from ..errors import ReadError
from ..models import RawArticle
from .article import content_hash, text_article
from .csv import read_csv
from .decode import Unreadable, decode
from .html import read_html
from .json import read_json, read_jsonl
from .rules import Rules

_EMPTY = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_bytes(data: bytes, fmt: str, path: str, rel_id: str,
               rules: Rules) -> Iterator[RawArticle | ReadError]:
    """The articles of ``data`` read as ``fmt`` (text, json, jsonl, html, csv, tsv)."""
    if not data or data.isspace() or data in _EMPTY:
        yield ReadError(path, "empty file")
        return
    if fmt == "jsonl":
        yield from read_jsonl(data, path, rel_id, rules)
        return
    try:
        text, warning = decode(data)
    except Unreadable as exc:
        yield ReadError(path, str(exc))
        return
    notes = [warning] if warning else []
    if fmt in ("csv", "tsv"):
        yield from read_csv(text, notes, path, rel_id, rules, tabs=fmt == "tsv")
    elif fmt == "html":
        yield read_html(data, path, rel_id, rules)
    elif fmt == "json":
        yield from read_json(text, data, path, rel_id, rules, notes)
    elif not text.strip():
        yield ReadError(path, "empty file")
    else:
        yield text_article(text, rel_id, path, rules, content_hash(rules, data), notes)
