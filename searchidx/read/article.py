"""Metadata and body: one article from a record's fields or from plain text.

Every input kind ends here: JSON and CSV records through :func:`record_article`,
plain text through :func:`text_article`, web pages through :func:`clean_body`.
A value of the wrong type or an impossible date is a warning, never an error.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from typing import Any

from ..dates import parse_date
from ..errors import ReadError
from ..models import DateValue, RawArticle
from .decode import normalize
from .rules import Rules

_CORE_FIELDS = ("id", "title", "date", "publisher", "url", "tags")
_TIDY_SPACES = re.compile(r"[ \t]+\n")
_TIDY_BREAKS = re.compile(r"\n{3,}")
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")
_DATE_TEXT = (r"(?:(?P<weekday>[^\W\d_]+),?\s+)?\d{1,2}°?\s+[^\W\d_]+\.?\s+\d{4}"
              r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{4}")
_DATELINES = (  # "31 Ago 2023 - Russia", "Roma, 5 settembre 2023"
    re.compile(rf"(?P<date>{_DATE_TEXT})(?:\s*[-–—|]\s*(?P<place>[^\n]{{1,60}}?))?\s*"),
    re.compile(rf"(?P<place>[^\W\d_][^\n,]{{0,40}}),\s*(?P<date>{_DATE_TEXT})\s*[-–—]?\s*"),
)
_CLOSERS = "\"'”’»)]*"
TAG_SPLIT = re.compile(r"\s*[,;]\s*")
_YEAR_OR_YMD = re.compile(r"\d{4}|\d{8}")


def canonical(obj: Any) -> bytes:
    """A record's bytes for its content hash, whatever the key order."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode(
        "utf-8", "surrogatepass")


def content_hash(rules: Rules, source: bytes) -> str:
    """An article's fingerprint: its source bytes with the reading rules mixed in."""
    return hashlib.sha1(rules.salt + source).hexdigest()


class Meta:
    """Metadata gathered while reading; the first value found for a field wins."""

    def __init__(self, warnings: list[str]) -> None:
        self.id: str | None = None
        self.title: str | None = None
        self.date: DateValue | None = None
        self.publisher: str | None = None
        self.url: str | None = None
        self.tags: list[str] = []
        self.extra: dict[str, Any] = {}
        self.warnings = warnings

    def article(self, doc_id: str, path: str, body: str, line: int | None, content_hash: str,
                rules: Rules) -> RawArticle:
        title = self.title
        if title is not None:
            title = " ".join(title.split()) or None
        if title is not None and len(title) > rules.max_title:
            cut = title[: rules.max_title]
            space = cut.rfind(" ")
            title = cut[:space] if space > rules.max_title * 0.8 else cut
            self.warnings.append(f"title longer than {rules.max_title} characters "
                                 "(reading.max_title_chars); truncated")
        publisher = " ".join(self.publisher.split()) if self.publisher else None
        url = self.url.strip() if self.url else None
        return RawArticle(
            id=self.id or doc_id, path=path, body=body, title=title, date=self.date,
            publisher=publisher or None, url=url or None, tags=self.tags, line=line,
            content_hash=content_hash, extra=self.extra, warnings=self.warnings)


def record_article(obj: object, default_id: str, path: str, line: int | None, rules: Rules,
            content_hash: str, notes: list[str]) -> RawArticle:
    """A JSON record: fields mapped by ``reading.fields``, the body cleaned like text."""
    if not isinstance(obj, dict):
        raise ReadError(path, f"a record should be a JSON object, not {kind_name(obj)}; skipped",
                        line)
    meta = Meta(list(notes))
    by_lower: dict[str, str] = {}
    for key in obj:
        by_lower.setdefault(str(key).lower(), key)
    used: set[str] = set()

    def take(name: str) -> Any:
        for candidate in rules.fields.get(name, ()):
            key = by_lower.get(candidate)
            if key is not None and key not in used:
                used.add(key)
                if obj[key] is not None:
                    return obj[key]
        return None

    raw_id = take("id")
    if raw_id is not None:
        if isinstance(raw_id, (str, int, float)) and not isinstance(raw_id, bool):
            meta.id = str(raw_id).strip() or None
        else:
            meta.warnings.append(f"id: expected text or a number, got {kind_name(raw_id)}; "
                                 f"used '{default_id}'")
    title = as_text(take("title"), "title", meta.warnings)
    body = as_text(take("body"), "body", meta.warnings, joiner="\n\n")
    title = title if title and not title.isspace() else None  # "" is no title: look for one
    if title is None and body is None:
        wanted = ", ".join(rules.fields.get("body", ()))
        raise ReadError(path, f"record has no text (expected one of: {wanted})", line)
    set_date(meta, take("date"), rules)
    publisher = as_text(take("publisher"), "publisher", meta.warnings)
    url = as_text(take("url"), "url", meta.warnings)
    meta.tags = as_tags(take("tags"), meta.warnings)
    meta.title = normalize(title, rules) if title is not None else None
    meta.publisher = normalize(publisher, rules) if publisher is not None else None
    meta.url = url
    meta.extra = {key: value for key, value in obj.items() if key not in used}
    text = normalize(body or "", rules)
    body_text = clean_body(text, meta, rules, full=meta.title is None)
    return meta.article(default_id, path, body_text, line, content_hash, rules)


def text_article(text: str, doc_id: str, path: str, rules: Rules, content_hash: str,
                  notes: list[str]) -> RawArticle:
    meta = Meta(list(notes))
    body = clean_body(normalize(text, rules), meta, rules, full=True)
    return meta.article(doc_id, path, body, None, content_hash, rules)


def clean_body(text: str, meta: Meta, rules: Rules, *, full: bool) -> str:
    """Strip what is not article text, recording what it says in ``meta``.

    ``full`` adds header and title-line detection, for plain text and for JSON
    records that carry no title of their own.
    """
    if full:
        text = _header(text, meta, rules)
    if rules.boiler_line is not None:
        lines = text.split("\n")
        kept = [line for line in lines if not rules.boiler_line.fullmatch(line)]
        if len(kept) != len(lines):
            text = "\n".join(kept)
    for pattern in rules.inline:
        if pattern.search(text):
            text = pattern.sub("", text)
    text = text.strip()
    if full and meta.title is None:
        text = _title_line(text, meta, rules)
    text = _dateline(text, meta, rules)
    for prefix in rules.prefixes:
        m = prefix.match(text)
        if m:
            meta.publisher = meta.publisher or m.group("publisher")
            text = text[m.end():]
            break
    text = _trailing(text, meta, rules)
    # substring tests first: the regexes alone cost 30 µs on a Facta article
    if " \n" in text or "\t\n" in text:
        text = _TIDY_SPACES.sub("\n", text)
    if "\n\n\n" in text:
        text = _TIDY_BREAKS.sub("\n\n", text)
    return text.strip()


def _header(text: str, meta: Meta, rules: Rules) -> str:
    """Front matter, ``key: value`` lines, or a ``date 2023-09`` prefix at the start."""
    stripped = text.lstrip()
    m = _FRONT_MATTER.match(stripped)
    if m:
        import yaml  # only for front matter: a command that reads no article pays nothing

        try:
            data = yaml.safe_load(m.group(1))
        except Exception:  # YAML raises assorted errors (bad timestamps, recursion)
            data = None
            meta.warnings.append("front matter is not valid YAML; read as text")
        if isinstance(data, dict):
            for key, value in data.items():
                _set_field(meta, rules.header_keys.get(str(key).lower(), str(key)),
                           value, rules, from_line=False)
            return stripped[m.end():]
    m = rules.inline_date.match(text) if rules.inline_date is not None else None
    if m:
        date = parse_date(m.group(1), rules.months, rules.weekdays)
        if date is not None:
            meta.date = meta.date or date
            return text[m.end():]
    rest = stripped
    found = False
    while rest and rules.header_line is not None:
        line, newline, after = rest.partition("\n")
        m = rules.header_line.fullmatch(line)
        if not m:
            break
        found = True
        _set_field(meta, rules.header_keys[m.group(1).lower()], m.group(2), rules,
                   from_line=True)
        rest = after
        if not newline:
            break
    return rest if found else text


def _set_field(meta: Meta, name: str, value: Any, rules: Rules, *, from_line: bool) -> None:
    """Fill one field from a header; values already known (from JSON) are kept."""
    if name == "date":
        if meta.date is None:
            set_date(meta, value, rules)
    elif name == "tags":
        if not meta.tags:
            if from_line:
                value = [t for t in TAG_SPLIT.split(str(value)) if t]
            meta.tags = as_tags(value, meta.warnings)
    elif name in _CORE_FIELDS:
        text = as_text(value, name, meta.warnings)
        if text is not None and getattr(meta, name) is None:
            setattr(meta, name, normalize(text, rules).strip() or None)
    else:
        meta.extra.setdefault(name, _plain(value))


def _title_line(text: str, meta: Meta, rules: Rules) -> str:
    """A Markdown ``# Heading``, or a first line that reads as a headline."""
    first, _, rest = text.partition("\n")
    m = _MD_HEADING.fullmatch(first)
    if m:
        meta.title = m.group(1)
        return rest.strip()
    line = first.strip()
    if not rest.strip() or not line or len(line) > rules.title_chars:
        return text
    if len(line.split()) > rules.title_words or line[0].islower():
        return text
    if line.rstrip(_CLOSERS)[-1:] in rules.final_punct:  # also true when nothing is left
        return text
    if not any(c.isalpha() for c in line) or _match_dateline(line, rules):
        return text
    meta.title = line
    return rest.strip()


def _match_dateline(line: str, rules: Rules) -> tuple[DateValue, str | None] | None:
    line = line.strip()
    for pattern in _DATELINES:
        m = pattern.fullmatch(line)
        weekday = m.group("weekday") if m else None
        if m and (weekday is None or weekday.lower() in rules.weekdays):
            date = parse_date(m.group("date"), rules.months, rules.weekdays)
            if date is not None:
                return date, (m.group("place") or "").strip() or None
    return None


def _dateline(text: str, meta: Meta, rules: Rules) -> str:
    """``31 Ago 2023 - Russia`` as the first line: the date, the place kept as extra."""
    first, _, rest = text.partition("\n")
    if len(first) > 80 or not any(c.isdigit() for c in first):
        return text
    found = _match_dateline(first, rules)
    if found is None:
        return text
    date, place = found
    meta.date = meta.date or date
    if place:
        meta.extra.setdefault("dateline_place", place)
    return rest.strip()


def _trailing(text: str, meta: Meta, rules: Rules) -> str:
    """Drop closing marks and publisher footers from the end, as long as any match."""
    while text:
        head, _, last = text.rpartition("\n")
        last = last.strip()
        if rules.trailing is not None and rules.trailing.fullmatch(last):
            text = head.rstrip()
            continue
        for footer in rules.footers:
            m = footer.fullmatch(last)
            if m:
                meta.publisher = meta.publisher or m.group("publisher").strip()
                text = head.rstrip()
                break
        else:
            return text
    return text


# -- value coercion ----------------------------------------------------------

def kind_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def as_text(value: Any, name: str, warnings: list[str], joiner: str = " ") -> str | None:
    """Text from a JSON value: strings as is, numbers as text, a list of strings joined."""
    if value is None or isinstance(value, str):
        return value
    if _is_scalar(value):
        return str(value)
    if isinstance(value, list) and all(_is_scalar(v) for v in value):
        return joiner.join(str(v) for v in value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    warnings.append(f"{name}: expected text, got {kind_name(value)}; ignored")
    return None


def as_tags(value: Any, warnings: list[str]) -> list[str]:
    """A list of tags; a lone string or number is one tag."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    tags: dict[str, None] = {}
    for item in items:
        if _is_scalar(item):
            tag = " ".join(str(item).split())
            if tag:
                tags.setdefault(tag, None)
        else:
            warnings.append(f"tags: expected text, got {kind_name(item)}; ignored")
    return list(tags)


def set_date(meta: Meta, value: Any, rules: Rules) -> None:
    """The article date from a metadata value; an unusable one is a warning, not an error.

    A date more than a year ahead is kept (the source says so, and a filter can
    still exclude it) but noted, as it is most likely a typo.
    """
    if value is None or value == "":
        return
    date: DateValue | None = None
    if isinstance(value, _dt.date):  # from YAML front matter; datetimes included
        date = DateValue.of(value.year, value.month, value.day)
    elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
        meta.warnings.append(f"date: expected text, got {kind_name(value)}; ignored")
        return
    elif isinstance(value, str):
        date = parse_date(value, rules.months, rules.weekdays)
    else:
        number = int(value) if isinstance(value, int) or value.is_integer() else None
        if number is None or not _YEAR_OR_YMD.fullmatch(str(number)):
            meta.warnings.append(f"date {value!r}: a number that is neither a year nor "
                                 "yyyymmdd; ignored")
            return
        date = parse_date(str(number), rules.months, rules.weekdays)
    if date is None:
        meta.warnings.append(f"date '{value}' is not a valid date; ignored")
        return
    if date.start > rules.future:
        meta.warnings.append(f"date '{date}' is more than a year in the future; kept")
    meta.date = date


def _plain(value: Any) -> Any:
    """YAML values made JSON-friendly (dates as ISO text), for ``extra``."""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
