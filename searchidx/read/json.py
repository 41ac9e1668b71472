"""JSON files (an object or a list of objects) and JSONL files (one object a line)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator

from ..config import Config
from ..errors import ReadError
from ..models import RawArticle
from .article import canonical, content_hash, kind_name, record_article
from .decode import Unreadable, decode, looks_binary
from .rules import Rules, rules_for


def read_record(obj: object, *, default_id: str, path: str, line: int | None,
                config: Config) -> RawArticle:
    """One JSON record; raises ReadError when ``obj`` is not a mapping."""
    rules = rules_for(config)
    return record_article(obj, default_id, path, line, rules,
                          content_hash(rules, canonical(obj)), [])


def read_jsonl(data: bytes, path: str, rel_id: str,
               rules: Rules) -> Iterator[RawArticle | ReadError]:
    """One record per line; a bad line is an error naming it, the others still count."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, _ = decode(data)
        except Unreadable as exc:
            yield ReadError(path, str(exc))
            return
        lines = [line.encode("utf-8", "surrogatepass") for line in text.split("\n")]
    elif looks_binary(data):
        yield ReadError(path, "looks like a binary file, not text; skipped")
        return
    else:
        lines = data.split(b"\n")
    number = 0  # records, blank lines not counted, bad lines counted (ids stay put on a fix)
    for lineno, raw in enumerate(lines, 1):
        if not raw or raw.isspace():
            continue
        number += 1
        try:
            text, warning = decode(raw)
            obj = json.loads(text)
        except Unreadable as exc:
            yield ReadError(path, str(exc), line=lineno)
            continue
        except (ValueError, RecursionError) as exc:
            yield ReadError(path, f"invalid JSON: {json_problem(exc)}", line=lineno)
            continue
        try:
            yield record_article(obj, f"{rel_id}#{number}", path, lineno, rules,
                                 content_hash(rules, raw), [warning] if warning else [])
        except ReadError as err:
            yield err
    if number == 0:
        yield ReadError(path, "empty file")


def read_json(text: str, data: bytes, path: str, rel_id: str, rules: Rules,
              notes: list[str]) -> Iterator[RawArticle | ReadError]:
    """A ``.json`` file: one object, or a list of objects."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield ReadError(path, f"invalid JSON: {json_problem(exc)}", getattr(exc, "lineno", None))
        return
    if isinstance(obj, dict):
        try:
            yield record_article(obj, f"{rel_id}#1", path, None, rules,
                                 content_hash(rules, data), notes)
        except ReadError as err:
            yield err
        return
    if not isinstance(obj, list):
        yield ReadError(path, f"a JSON file should hold an object or a list of objects, "
                              f"not {kind_name(obj)}")
        return
    if not obj:
        yield ReadError(path, "no records (an empty JSON list)")
    for number, item in enumerate(obj, 1):
        try:
            yield record_article(item, f"{rel_id}#{number}", path, number, rules,
                                 content_hash(rules, canonical(item)), notes)
        except ReadError as err:
            yield err




def json_problem(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno} column {exc.colno})" if exc.lineno > 1 \
            else f"{exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)
