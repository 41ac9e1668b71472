"""Web archives (WARC and ARC, plain or gzipped), read with warcio.

Every HTML capture (a ``response`` record with status 2xx, or a ``resource``
record) is a web page read as a saved page is, its id the capture's target URL.
A URL captured more than once gives its latest capture (``reading.warc.
all_captures``, ``--all-captures``: each one, ``URL@WARC-Date``). The date comes
from the page's markup, else from the capture (``WARC-Date``, to the day).
Revisits, redirects, errors, images, scripts and styles are counted as skipped;
requests and metadata records are not captures and pass unremarked.

Finding the latest capture takes a first pass over the record headers; the
pages are read on a second pass, so that only one page is in memory at a time.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ReadError
from ..models import DateValue, RawArticle
from .html import read_html
from .rules import Rules
from .skips import EARLIER_CAPTURES, WEB_RECORDS, Skipped

_HTML_TYPES = ("text/html", "application/xhtml+xml")


class _Capture:
    """What the first pass keeps of one HTML capture."""

    __slots__ = ("number", "url", "when")

    def __init__(self, number: int, url: str, when: str) -> None:
        self.number, self.url, self.when = number, url, when


def read_warc(path: Path, display: str, rules: Rules,
              skipped: Skipped) -> Iterator[RawArticle | ReadError]:
    """The pages of one web archive; a damaged archive yields the pages before the damage."""
    try:
        from warcio.archiveiterator import ArchiveIterator  # noqa: F401
    except ImportError:
        yield ReadError(display, "reading web archives needs the warcio package: "
                                 "pip install 'searchidx[warc]'")
        return
    chosen: dict[int, _Capture] = {}
    latest: dict[str, _Capture] = {}
    problem: str | None = None
    for number, record, capture in _records(path, display, skipped):
        if isinstance(record, ReadError):
            problem = str(record.reason)
            break
        if capture is None:
            continue
        if rules.all_captures:
            chosen[number] = capture
            continue
        before = latest.get(capture.url)
        if before is None or capture.when >= before.when:
            if before is not None:
                del chosen[before.number]
                skipped.add(EARLIER_CAPTURES, "", f"{display} {before.url} {before.when}")
            latest[capture.url] = chosen[number] = capture
        else:
            skipped.add(EARLIER_CAPTURES, "", f"{display} {capture.url} {capture.when}")
    if chosen:
        yield from _pages(path, display, rules, chosen, skipped)
    if problem is not None:
        yield ReadError(display, problem)


def _records(path: Path, display: str,
             skipped: Skipped | None) -> Iterator[tuple[int, Any, _Capture | None]]:
    """Each record with its number and, for an HTML capture, its address and time;
    other captures are counted in ``skipped`` (when given). A damaged archive ends
    with a ReadError in the record's place."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    record = None
    try:
        with path.open("rb") as fh:
            if not _starts_like_an_archive(fh):
                yield 0, ReadError(display, "not a web archive (a WARC file starts with "
                                            "'WARC/', an ARC file with 'filedesc://'); "
                                            "skipped"), None
                return
            # gunzipped here, so that a file compressed as a whole reads as well as one
            # compressed record by record (the usual way, which warcio alone requires)
            gzipped = fh.read(2) == b"\x1f\x8b"
            fh.seek(0)
            stream: Any = _Gunzipped(fh) if gzipped else fh
            for record in ArchiveIterator(stream, arc2warc=True):
                number += 1
                label = _skip_label(record)
                if label is None:
                    yield number, record, _Capture(number, _target(record), _when(record))
                    continue
                if label and skipped is not None:
                    skipped.add(WEB_RECORDS, label, f"{display} {_target(record)}")
                yield number, record, None
        if isinstance(stream, _Gunzipped) and stream.damage is not None:
            yield number, ReadError(display, f"damaged compressed data after record {number} "
                                             f"({_damage(stream.damage)}); the pages before "
                                             "are read"), None
        # warcio ends quietly where the file does: a record short of its length is cut
        elif getattr(record, "raw_stream", None) is not None and record.raw_stream.limit > 0:
            yield number, ReadError(display, f"record {number} ends before its length: a "
                                             "truncated file? The pages before it are read"), None
    except ArchiveLoadFailed as exc:
        yield number, ReadError(display, f"not a readable web archive after record {number} "
                                         f"({str(exc).splitlines()[0]}); skipped from there"), None
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        yield number, ReadError(display, f"damaged web archive after record {number} "
                                         f"({_damage(exc)}); the pages before are read"), None


def _pages(path: Path, display: str, rules: Rules, chosen: dict[int, _Capture],
           skipped: Skipped) -> Iterator[RawArticle | ReadError]:
    """The second pass: read the chosen captures as pages."""
    for number, record, _ in _records(path, display, None):
        capture = chosen.get(number)
        if capture is None or isinstance(record, ReadError):
            continue  # the first pass reported the damage
        data = record.content_stream().read(int(rules.max_bytes) + 1)
        if len(data) > rules.max_bytes:
            yield ReadError(display, f"{capture.url}: page above the {rules.max_file_mb:g} MB "
                                     "limit (reading.max_file_mb); skipped")
            continue
        doc_id = f"{capture.url}@{capture.when}" if rules.all_captures else capture.url
        page = read_html(_page_text(data, record), display, doc_id, rules, url=capture.url,
                         date=_day(capture.when))
        if isinstance(page, ReadError):
            skipped.add(WEB_RECORDS, "no article text", f"{display} {capture.url}")
            continue
        page.extra.setdefault("captured", capture.when)
        yield page


class _Gunzipped(io.RawIOBase):
    """A gzipped file read as its content, ending where damage starts (``damage``):
    warcio takes an error in its first read for the end of the file."""

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self.gzip = gzip.GzipFile(fileobj=raw)
        self.damage: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.damage is not None:
            return 0
        try:
            data = self.gzip.read1(len(buffer))
        except (EOFError, OSError, zlib.error) as exc:
            self.damage = exc
            return 0
        buffer[: len(data)] = data
        return len(data)


def _damage(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "it ends before its end: a truncated file?"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _starts_like_an_archive(fh: Any) -> bool:
    """The first bytes, gunzipped if need be, are a WARC or ARC header (warcio reads
    most any text as an ARC record); ``fh`` is left at its start."""
    head = fh.read(512)
    fh.seek(0)
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 64)
        except zlib.error:
            return False
    return head.lstrip().startswith((b"WARC/", b"filedesc://"))


def _skip_label(record: Any) -> str | None:
    """None for an HTML capture; else why it is skipped ("" for records that are no
    capture at all: requests, metadata, warcinfo)."""
    kind = record.rec_type
    if kind == "revisit":
        return "revisit"
    if kind not in ("response", "resource"):
        return ""
    if record.http_headers is not None and kind == "response":
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            return f"HTTP {status or '?'}"
        content_type = record.http_headers.get_header("Content-Type")
    else:
        content_type = record.rec_headers.get_header("Content-Type")
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _HTML_TYPES:
        return None if _target(record) else "no target address"
    return media or "no content type"


def _target(record: Any) -> str:
    return record.rec_headers.get_header("WARC-Target-URI") or ""


def _when(record: Any) -> str:
    return record.rec_headers.get_header("WARC-Date") or ""


def _day(when: str) -> DateValue | None:
    """``2023-09-12T08:30:00Z`` -> the day 2023-09-12."""
    try:
        return DateValue.of(int(when[:4]), int(when[5:7]), int(when[8:10]))
    except ValueError:
        return None


def _page_text(data: bytes, record: Any) -> Any:
    """The page as text when the HTTP header names a charset that decodes it, else
    the bytes (trafilatura then goes by the page's own declaration)."""
    headers = record.http_headers
    content_type = headers.get_header("Content-Type") if headers is not None else None
    charset = None
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return data
