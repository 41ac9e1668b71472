"""The read stage: files, JSON records and plain text -> :class:`RawArticle`.

Reading never raises for bad input: a file or record that cannot be read becomes
a :class:`ReadError` (yielded, so the run goes on), and a problem that still
leaves an article (cp1252 text, an impossible date, a title of the wrong type)
becomes a note in ``RawArticle.warnings``.

What is recognised (header keys, JSON field names, publisher credits,
boilerplate lines, month names) comes from the ``reading`` configuration
section; this module holds only the mechanics. It is on the indexing hot path,
so the patterns are compiled once per configuration, and ``ftfy`` and
``dateparser`` are imported only for the rare texts that need them.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import hashlib
import json
import os
import re
import stat
import unicodedata
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .config import Config
from .dates import parse_date
from .errors import ConfigError, ReadError
from .models import DateValue, RawArticle, printable_path

# Part of every content hash: bump it when reading changes what an article
# looks like, so that ``index`` re-reads files whose bytes did not change.
READER_VERSION = "searchidx-read-1"

_CORE_FIELDS = ("id", "title", "date", "publisher", "url", "tags")
_SNIFF = 8192
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"\x7fELF", b"BZh", b"\xfd7zXZ", b"II*\x00", b"MM\x00*")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

# C0/C1 controls except tab and newline, lone surrogates, BOM and zero-width space.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\u200b]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
# UTF-8 read as cp1252/latin-1: "Ã©", "Â°", "â€™", C1 controls. Only then is ftfy called.
_CP1252_HIGH = ("\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039"
                "\u203a\u20ac\u2122")
_SUSPECT = re.compile(f"[ÂÃÅÐÑÎÏ][{_CP1252_HIGH}]|Ã |â€|[\x80-\x9f]")
_SUSPECT_START = re.compile("[ÂÃÅÐÑÎÏâ\x80-\x9f]")  # a one-class scan, 4x faster than _SUSPECT


def _a_grave_table() -> dict[str, str]:
    """Mojibake where "Ã" was later turned into "à" (SQuAD-it: "Amazà´nica" = Amazônica).

    ``à`` + the cp1252 reading of a UTF-8 continuation byte is the character
    ``C3 xx``. Continuation characters that also follow a real "à" (quotes,
    dashes, ellipsis, guillemets, degree, middle dot, soft hyphen, nbsp) are left
    out; "à" + nbsp is handled apart, only before a space or punctuation.
    """
    keep = {0x85, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0xA0, 0xAB, 0xAD, 0xB0, 0xB7, 0xBB}
    table = {}
    for byte in range(0x80, 0xC0):
        if byte in keep:
            continue
        seen = bytes([byte]).decode("cp1252", errors="replace")
        if seen == "\ufffd":
            seen = bytes([byte]).decode("latin-1")
        table[seen] = bytes([0xC3, byte]).decode("utf-8")
    return table


_A_GRAVE_FIX = _a_grave_table()
_A_GRAVE = re.compile(
    "à(?:([" + re.escape("".join(_A_GRAVE_FIX)) + "])|\xa0(?=[\\s.,;:!?)\\]»”’'\"]|$))")

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
_INLINE_DATE = (r"\d{4}(?:-\d{1,2}){0,2}|\d{1,2}[/.]\d{1,2}[/.]\d{4}"
                r"|\d{1,2}°?\s+[^\W\d_]+\.?\s+\d{4}|[^\W\d_]+\s+\d{4}")
_CLOSERS = "\"'”’»)]*"
_TAG_SPLIT = re.compile(r"\s*[,;]\s*")
_YEAR_OR_YMD = re.compile(r"\d{4}|\d{8}")
_FTFY_CONFIG: Any = None


@dataclass
class SourceFile:
    """One file to read, with the id stem it gives its articles."""

    path: Path  # the file on disk
    root: Path  # the path the user gave (a folder, or the file itself)
    rel_id: str  # path relative to root without extension, POSIX separators
    size: int
    mtime_ns: int


class _Rules:
    """The ``reading`` section compiled once: regexes, field maps, the hash salt."""

    def __init__(self, reading: dict[str, Any]) -> None:
        self.extensions = tuple("." + str(e).lower().lstrip(".") for e in reading["extensions"])
        self.max_bytes = float(reading["max_file_mb"]) * 1024 * 1024
        self.max_file_mb = reading["max_file_mb"]
        self.max_title = int(reading["max_title_chars"])
        self.fix_mojibake = bool(reading["fix_mojibake"])
        self.fields = {name: tuple(str(k).lower() for k in keys)
                       for name, keys in reading["fields"].items()}
        self.header_keys = {str(k).lower(): str(v) for k, v in reading["header_keys"].items()}
        keys = "|".join(re.escape(k) for k in sorted(self.header_keys, key=len, reverse=True))
        self.header_line = re.compile(rf"[ \t]*({keys})[ \t]*:[ \t]*(.*?)[ \t]*",
                                      re.IGNORECASE) if keys else None
        date_keys = "|".join(re.escape(k) for k, v in self.header_keys.items() if v == "date")
        self.inline_date = re.compile(
            rf"\s*(?:{date_keys})[ \t]*:?[ \t]+({_INLINE_DATE})[ \t]+(?=\S)",
            re.IGNORECASE) if date_keys else None
        title = reading["title_line"]
        self.title_chars = int(title["max_chars"])
        self.title_words = int(title["max_words"])
        self.final_punct = str(title["final_punctuation"])
        pubs = reading["publisher_patterns"]
        self.footers = [_compile(p, "publisher_patterns.footer", re.IGNORECASE, "publisher")
                        for p in pubs["footer"]]
        self.prefixes = [_compile(p, "publisher_patterns.prefix", re.IGNORECASE, "publisher")
                         for p in pubs["prefix"]]
        boiler = reading["boilerplate"]
        lines = _alternation(boiler["lines"], "boilerplate.lines")
        self.boiler_line = re.compile(rf"[ \t]*(?:{lines})[ \t]*", re.IGNORECASE) \
            if lines else None
        trailing = _alternation(boiler["trailing_lines"], "boilerplate.trailing_lines")
        self.trailing = re.compile(rf"(?:{trailing})", re.IGNORECASE) if trailing else None
        # separate patterns, not one alternation: a pattern that starts with a
        # fixed character is searched far faster (80 µs -> 5 µs per DICE article)
        self.inline = [_compile(p, "boilerplate.inline") for p in boiler["inline"]]
        self.months = {str(k).lower(): int(v) for k, v in reading["months"].items()}
        self.weekdays = frozenset(str(w).lower() for w in reading["weekdays"])
        self.future = _dt.date.today() + _dt.timedelta(days=366)
        fingerprint = json.dumps(reading, sort_keys=True, ensure_ascii=False, default=str)
        self.salt = f"{READER_VERSION}\n{fingerprint}\n".encode()


def _compile(pattern: str, where: str, flags: int = 0,
             group: str | None = None) -> re.Pattern[str]:
    """A configured regex, or a ConfigError naming the key (and the group it must have)."""
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise ConfigError(f"reading.{where}: invalid pattern '{pattern}' ({exc}); "
                          "fix the regular expression") from None
    if group is not None and group not in compiled.groupindex:
        raise ConfigError(f"reading.{where}: pattern '{pattern}' needs a group "
                          f"(?P<{group}>...) for the {group}")
    return compiled


def _alternation(patterns: list[str], where: str) -> str:
    for p in patterns:
        _compile(p, where)  # report the faulty one by itself
    return "|".join(f"(?:{p})" for p in patterns)


_RULES: weakref.WeakKeyDictionary[Config, _Rules] = weakref.WeakKeyDictionary()


def _rules(config: Config) -> _Rules:
    rules = _RULES.get(config)
    if rules is None:
        rules = _RULES[config] = _Rules(config["reading"])
    return rules


# -- discovery -------------------------------------------------------------

def discover(paths: Iterable[str | Path], config: Config) -> tuple[list[SourceFile],
                                                                   list[ReadError]]:
    """The article files under ``paths``, in a stable order, and what could not be listed.

    Folders are walked recursively (hidden files and folders such as ``.git`` or
    ``.searchidx`` skipped, each real folder once, so symlink loops end); a file
    named directly is read even if hidden. The same file reached twice is listed once.
    """
    rules = _rules(config)
    found: list[SourceFile] = []
    errors: list[ReadError] = []
    seen: set[tuple[int, int] | str] = set()
    for given in paths:
        root = Path(given)
        try:
            st = root.stat()
        except FileNotFoundError:
            errors.append(ReadError(str(given), "no such file or directory"))
            continue
        except OSError as exc:
            errors.append(ReadError(str(given), f"cannot access ({exc.strerror or exc})"))
            continue
        if stat.S_ISDIR(st.st_mode):
            candidates = _walk(root, rules, errors)
        elif stat.S_ISREG(st.st_mode):
            if root.suffix.lower() not in rules.extensions:
                errors.append(ReadError(
                    str(given), f"unsupported file type '{root.suffix or '(none)'}'; expected "
                                f"one of {', '.join(rules.extensions)} (reading.extensions)"))
                continue
            candidates = [(root, st, root.stem)]
        else:
            errors.append(ReadError(str(given), "not a regular file or folder"))
            continue
        for path, st, rel_id in candidates:
            key: tuple[int, int] | str = (st.st_dev, st.st_ino) if st.st_ino else str(path)
            if key in seen:
                continue
            seen.add(key)
            if st.st_size > rules.max_bytes:
                errors.append(ReadError(
                    str(path), f"skipped: {_megabytes(st.st_size)} MB is above the "
                               f"{rules.max_file_mb:g} MB limit (reading.max_file_mb)"))
                continue
            found.append(SourceFile(path, root, printable_path(rel_id), st.st_size,
                                    st.st_mtime_ns))
    return found, errors


def _walk(root: Path, rules: _Rules,
          errors: list[ReadError]) -> list[tuple[Path, os.stat_result, str]]:
    """Files under ``root`` sorted by relative path; follows symlinks, never a folder twice."""
    out: list[tuple[str, Path, os.stat_result]] = []
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            errors.append(ReadError(str(folder), f"cannot list folder ({exc.strerror or exc})"))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    subfolders.append(path)
                elif entry.is_file():
                    if path.suffix.lower() in rules.extensions:
                        rel = path.relative_to(root).with_suffix("").as_posix()
                        out.append((rel, path, entry.stat()))
                elif entry.is_symlink() and path.suffix.lower() in rules.extensions:
                    errors.append(ReadError(str(path), "broken symbolic link"))
            except OSError as exc:
                errors.append(ReadError(str(path), f"cannot access ({exc.strerror or exc})"))
        stack.extend(reversed(subfolders))
    out.sort(key=lambda item: item[0])
    return [(path, st, rel) for rel, path, st in out]


def _megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 100 else f"{mb:.3g}"


# -- bytes -> text -----------------------------------------------------------

class _Unreadable(Exception):
    """Bytes that are not text; the message becomes the ReadError's."""


def _decode(data: bytes) -> tuple[str, str | None]:
    """Text and an optional warning: UTF-8 (BOM stripped), UTF-16/32 with BOM,
    else cp1252, else latin-1 (which never fails)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError:
                raise _Unreadable(f"not valid {codec.upper()} text despite its byte-order mark") \
                    from None
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:_SNIFF]:
        raise _Unreadable("looks like a binary file, not text; skipped")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("cp1252"), "decoded as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "decoded as latin-1"


def _normalize(text: str, rules: _Rules) -> str:
    """One line-break convention, mojibake repaired, no control characters, NFC."""
    if "\r" in text or "\u2028" in text or "\u2029" in text:
        text = _LINE_BREAKS.sub("\n", text)
    if rules.fix_mojibake:
        text = _repair_mojibake(text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _repair_mojibake(text: str) -> str:
    """The "à"-for-"Ã" variant by table, then ftfy for texts that still look mis-decoded."""
    if _A_GRAVE.search(text):
        text = _A_GRAVE.sub(lambda m: _A_GRAVE_FIX[m.group(1)] if m.group(1) else "à", text)
    if _SUSPECT_START.search(text) and _SUSPECT.search(text):
        global _FTFY_CONFIG
        import ftfy

        if _FTFY_CONFIG is None:
            # Only the encoding repairs: quotes, ligatures, widths, HTML and line
            # breaks are the text as written.
            _FTFY_CONFIG = ftfy.TextFixerConfig(
                unescape_html=False, uncurl_quotes=False, fix_latin_ligatures=False,
                fix_character_width=False, fix_line_breaks=False, explain=False)
        text = ftfy.fix_text(text, _FTFY_CONFIG)
    return text


# -- reading sources ---------------------------------------------------------

def read_source(src: SourceFile, config: Config,
                data: bytes | None = None) -> Iterator[RawArticle | ReadError]:
    """Every article of one file; errors are yielded, never raised.

    ``data`` is the file's content when the caller already read it (the indexer
    hashes it first), so the file is not read twice.
    """
    path = printable_path(src.path)
    if data is None:
        try:
            data = src.path.read_bytes()
        except OSError as exc:
            yield ReadError(path, f"cannot read ({exc.strerror or exc})")
            return
    yield from _read_bytes(data, _format(src.path.suffix), path, src.rel_id, _rules(config))


def read_stdin_bytes(data: bytes, config: Config,
                     name: str = "-") -> Iterator[RawArticle | ReadError]:
    """Articles piped in: a web page, JSON, JSONL or plain text, told apart by content.

    Ids are built from ``name`` as from a file's: ``-`` for a text, ``-#1``,
    ``-#2``... for records without an id of their own.
    """
    rules = _rules(config)
    rel_id = "-" if name == "-" else Path(name).stem
    fmt = "text"
    try:
        text, _ = _decode(data)
    except _Unreadable as exc:
        yield ReadError(name, str(exc))
        return
    head = text.lstrip()
    if _HTML_START.match(head):
        fmt = "html"
    elif head[:1] in ("{", "["):
        try:
            parsed = json.loads(text)
            fmt = "json" if isinstance(parsed, (dict, list)) else "text"
        except (ValueError, RecursionError):
            first = head.split("\n", 1)[0]
            try:
                fmt = "jsonl" if isinstance(json.loads(first), dict) else "text"
            except (ValueError, RecursionError):
                fmt = "text"
    yield from _read_bytes(data, fmt, name, rel_id, rules)


_HTML_START = re.compile(r"<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)


def _format(suffix: str) -> str:
    suffix = suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    return "json" if suffix == ".json" else "text"


def _read_bytes(data: bytes, fmt: str, path: str, rel_id: str,
                rules: _Rules) -> Iterator[RawArticle | ReadError]:
    if not data or data.isspace() or data in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE,
                                               codecs.BOM_UTF16_BE):
        yield ReadError(path, "empty file")
        return
    if fmt == "jsonl":
        yield from _read_jsonl(data, path, rel_id, rules)
        return
    try:
        text, warning = _decode(data)
    except _Unreadable as exc:
        yield ReadError(path, str(exc))
        return
    notes = [warning] if warning else []
    if fmt == "html":
        yield _read_html(data, path, rel_id, rules)
    elif fmt == "json":
        yield from _read_json(text, data, path, rel_id, rules, notes)
    elif not text.strip():
        yield ReadError(path, "empty file")
    else:
        yield _text_article(text, rel_id, path, rules, _hash(rules, data), notes)


def _read_jsonl(data: bytes, path: str, rel_id: str,
                rules: _Rules) -> Iterator[RawArticle | ReadError]:
    """One record per line; a bad line is an error naming it, the others still count."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, _ = _decode(data)
        except _Unreadable as exc:
            yield ReadError(path, str(exc))
            return
        lines = [line.encode("utf-8", "surrogatepass") for line in text.split("\n")]
    elif data.startswith(_BINARY_MAGIC) or b"\x00" in data[:_SNIFF]:
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
            text, warning = _decode(raw)
            obj = json.loads(text)
        except _Unreadable as exc:
            yield ReadError(path, str(exc), line=lineno)
            continue
        except (ValueError, RecursionError) as exc:
            yield ReadError(path, f"invalid JSON: {_json_problem(exc)}", line=lineno)
            continue
        try:
            yield _record(obj, f"{rel_id}#{number}", path, lineno, rules,
                          _hash(rules, raw), [warning] if warning else [])
        except ReadError as err:
            yield err
    if number == 0:
        yield ReadError(path, "empty file")


def _read_json(text: str, data: bytes, path: str, rel_id: str, rules: _Rules,
               notes: list[str]) -> Iterator[RawArticle | ReadError]:
    """A ``.json`` file: one object, or a list of objects."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield ReadError(path, f"invalid JSON: {_json_problem(exc)}", getattr(exc, "lineno", None))
        return
    if isinstance(obj, dict):
        try:
            yield _record(obj, f"{rel_id}#1", path, None, rules, _hash(rules, data), notes)
        except ReadError as err:
            yield err
        return
    if not isinstance(obj, list):
        yield ReadError(path, f"a JSON file should hold an object or a list of objects, "
                              f"not {_kind(obj)}")
        return
    if not obj:
        yield ReadError(path, "no records (an empty JSON list)")
    for number, item in enumerate(obj, 1):
        try:
            yield _record(item, f"{rel_id}#{number}", path, number, rules,
                          _hash(rules, _canonical(item)), notes)
        except ReadError as err:
            yield err


def _read_html(data: bytes, path: str, rel_id: str, rules: _Rules) -> RawArticle | ReadError:
    """A saved web page, through trafilatura: it tells the article from menus,
    footers, comments and scripts, decodes the page by its declared charset, and
    reads the title, date, site name, author and keywords from the page's markup.

    The date comes from the markup and the address only, never from a date
    that the text happens to mention.
    """
    import trafilatura

    page = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False,
        date_extraction_params={"original_date": True, "extensive_search": False})
    text = _normalize(page.text or "", rules) if page is not None else ""
    if not text.strip():
        return ReadError(path, "no article text found in this web page")
    meta = _Meta([])
    if page.title and page.title.strip():
        meta.title = _normalize(page.title, rules)
        first, _, rest = text.strip().partition("\n")
        if " ".join(first.split()) == " ".join(meta.title.split()) and rest.strip():
            text = rest  # the page's headline, repeated at the top of its text
    _set_date(meta, page.date, rules)
    sitename = (page.sitename or "").strip()
    if sitename and sitename.lower() not in _hostnames(page.hostname, page.url):
        meta.publisher = _normalize(sitename, rules)
    # else no name of its own: the extract stage names the publisher by the
    # address's domain, as for any article that gives only a URL
    meta.url = page.url
    keywords = [*(page.tags or []), *(page.categories or [])]
    meta.tags = _as_tags(",".join(keywords).split(","), meta.warnings) if keywords else []
    if page.author:
        meta.extra["author"] = _normalize(page.author, rules)
    body = _body(text, meta, rules, full=meta.title is None)
    return meta.article(rel_id, path, body, None, _hash(rules, data), rules)


def _hostnames(*addresses: str | None) -> set[str]:
    """The host names of these addresses (or bare host names), with and without ``www.``."""
    from urllib.parse import urlsplit

    names: set[str] = set()
    for address in addresses:
        if not address:
            continue
        try:
            host = urlsplit(address).hostname if "//" in address else address
        except ValueError:
            continue
        if host:
            host = host.lower()
            names.update((host, host.removeprefix("www.")))
    return names


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno} column {exc.colno})" if exc.lineno > 1 \
            else f"{exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode(
        "utf-8", "surrogatepass")


def _hash(rules: _Rules, source: bytes) -> str:
    return hashlib.sha1(rules.salt + source).hexdigest()


# -- records and texts -------------------------------------------------------

def read_text(text: str, *, doc_id: str, path: str, config: Config) -> RawArticle:
    """A plain-text article: header, title line, dateline, credits and boilerplate
    recognised; never raises, whatever the text."""
    rules = _rules(config)
    return _text_article(text, doc_id, path, rules,
                         _hash(rules, text.encode("utf-8", "surrogatepass")), [])


def read_record(obj: object, *, default_id: str, path: str, line: int | None,
                config: Config) -> RawArticle:
    """One JSON record; raises ReadError when ``obj`` is not a mapping."""
    rules = _rules(config)
    return _record(obj, default_id, path, line, rules, _hash(rules, _canonical(obj)), [])


class _Meta:
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
                rules: _Rules) -> RawArticle:
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


def _record(obj: object, default_id: str, path: str, line: int | None, rules: _Rules,
            content_hash: str, notes: list[str]) -> RawArticle:
    """A JSON record: fields mapped by ``reading.fields``, the body cleaned like text."""
    if not isinstance(obj, dict):
        raise ReadError(path, f"a record should be a JSON object, not {_kind(obj)}; skipped",
                        line)
    meta = _Meta(list(notes))
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
            meta.warnings.append(f"id: expected text or a number, got {_kind(raw_id)}; "
                                 f"used '{default_id}'")
    title = _as_text(take("title"), "title", meta.warnings)
    body = _as_text(take("body"), "body", meta.warnings, joiner="\n\n")
    title = title if title and not title.isspace() else None  # "" is no title: look for one
    if title is None and body is None:
        wanted = ", ".join(rules.fields.get("body", ()))
        raise ReadError(path, f"record has no text (expected one of: {wanted})", line)
    _set_date(meta, take("date"), rules)
    publisher = _as_text(take("publisher"), "publisher", meta.warnings)
    url = _as_text(take("url"), "url", meta.warnings)
    meta.tags = _as_tags(take("tags"), meta.warnings)
    meta.title = _normalize(title, rules) if title is not None else None
    meta.publisher = _normalize(publisher, rules) if publisher is not None else None
    meta.url = url
    meta.extra = {key: value for key, value in obj.items() if key not in used}
    text = _normalize(body or "", rules)
    body_text = _body(text, meta, rules, full=meta.title is None)
    return meta.article(default_id, path, body_text, line, content_hash, rules)


def _text_article(text: str, doc_id: str, path: str, rules: _Rules, content_hash: str,
                  notes: list[str]) -> RawArticle:
    meta = _Meta(list(notes))
    body = _body(_normalize(text, rules), meta, rules, full=True)
    return meta.article(doc_id, path, body, None, content_hash, rules)


def _body(text: str, meta: _Meta, rules: _Rules, *, full: bool) -> str:
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


def _header(text: str, meta: _Meta, rules: _Rules) -> str:
    """Front matter, ``key: value`` lines, or a ``date 2023-09`` prefix at the start."""
    stripped = text.lstrip()
    m = _FRONT_MATTER.match(stripped)
    if m:
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


def _set_field(meta: _Meta, name: str, value: Any, rules: _Rules, *, from_line: bool) -> None:
    """Fill one field from a header; values already known (from JSON) are kept."""
    if name == "date":
        if meta.date is None:
            _set_date(meta, value, rules)
    elif name == "tags":
        if not meta.tags:
            if from_line:
                value = [t for t in _TAG_SPLIT.split(str(value)) if t]
            meta.tags = _as_tags(value, meta.warnings)
    elif name in _CORE_FIELDS:
        text = _as_text(value, name, meta.warnings)
        if text is not None and getattr(meta, name) is None:
            setattr(meta, name, _normalize(text, rules).strip() or None)
    else:
        meta.extra.setdefault(name, _plain(value))


def _title_line(text: str, meta: _Meta, rules: _Rules) -> str:
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


def _match_dateline(line: str, rules: _Rules) -> tuple[DateValue, str | None] | None:
    line = line.strip()
    for pattern in _DATELINES:
        m = pattern.fullmatch(line)
        weekday = m.group("weekday") if m else None
        if m and (weekday is None or weekday.lower() in rules.weekdays):
            date = parse_date(m.group("date"), rules.months, rules.weekdays)
            if date is not None:
                return date, (m.group("place") or "").strip() or None
    return None


def _dateline(text: str, meta: _Meta, rules: _Rules) -> str:
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


def _trailing(text: str, meta: _Meta, rules: _Rules) -> str:
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

def _kind(value: Any) -> str:
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


def _as_text(value: Any, name: str, warnings: list[str], joiner: str = " ") -> str | None:
    """Text from a JSON value: strings as is, numbers as text, a list of strings joined."""
    if value is None or isinstance(value, str):
        return value
    if _is_scalar(value):
        return str(value)
    if isinstance(value, list) and all(_is_scalar(v) for v in value):
        return joiner.join(str(v) for v in value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    warnings.append(f"{name}: expected text, got {_kind(value)}; ignored")
    return None


def _as_tags(value: Any, warnings: list[str]) -> list[str]:
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
            warnings.append(f"tags: expected text, got {_kind(item)}; ignored")
    return list(tags)


def _set_date(meta: _Meta, value: Any, rules: _Rules) -> None:
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
        meta.warnings.append(f"date: expected text, got {_kind(value)}; ignored")
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
