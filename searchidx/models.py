"""The data that flows between pipeline stages.

read  -> :class:`RawArticle` (metadata + clean body, nothing inferred)
extract -> :class:`Article` (RawArticle + people, speakers, quotes, places ...)
index / search / render consume :class:`Article` and plain dicts.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import asdict, dataclass, field
from typing import Any

PRECISIONS = ("day", "month", "year")


def printable_path(path: object) -> str:
    """A file name as valid UTF-8 text: undecodable bytes become ``\\xff`` escapes.

    File names are bytes on POSIX; one that is not UTF-8 reaches Python with
    surrogates, which SQLite, Whoosh and the terminal all refuse.
    """
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class DateValue:
    """A date known to some precision: ``2023-09`` is the whole of September 2023.

    ``start`` and ``end`` are the first and last day of the interval (inclusive),
    so a filter can keep every article whose interval overlaps the range asked.
    """

    start: _dt.date
    end: _dt.date
    precision: str  # "day" | "month" | "year"

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> DateValue:
        """Build the interval for a year, a month or a day (raises ValueError if impossible)."""
        if month is None:
            return cls(_dt.date(year, 1, 1), _dt.date(year, 12, 31), "year")
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return cls(_dt.date(year, month, 1), _dt.date(year, month, last), "month")
        d = _dt.date(year, month, day)
        return cls(d, d, "day")

    @property
    def value(self) -> str:
        """ISO text at the known precision: ``2023``, ``2023-09`` or ``2023-08-31``."""
        if self.precision == "year":
            return f"{self.start.year:04d}"
        if self.precision == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return self.start.isoformat()

    def to_dict(self) -> dict[str, str]:
        return {"value": self.value, "precision": self.precision}

    def __str__(self) -> str:
        return self.value


@dataclass
class RawArticle:
    """One article as read from its source, before any inference.

    ``body`` is the article text with header, title line, dateline, publisher
    footer and boilerplate removed; typographic quotes and apostrophes are kept.
    """

    id: str
    path: str  # the file it came from, as given/found on disk
    body: str
    title: str | None = None
    date: DateValue | None = None
    publisher: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    line: int | None = None  # 1-based record/line number inside a JSON/JSONL file
    content_hash: str = ""  # fingerprint of the source record, for incremental indexing
    extra: dict[str, Any] = field(default_factory=dict)  # other metadata keys, kept verbatim
    warnings: list[str] = field(default_factory=list)  # non-fatal reading notes (e.g. cp1252)


@dataclass
class Mention:
    text: str
    start: int  # character offsets into the field named by ``field``
    end: int
    field: str = "body"  # "title" or "body"


@dataclass
class Person:
    name: str  # canonical name
    mentions: list[Mention] = field(default_factory=list)
    role: str | None = None

    @property
    def aliases(self) -> list[str]:
        """Distinct surface forms seen in the article, in order of appearance."""
        seen: dict[str, None] = {}
        for m in self.mentions:
            seen.setdefault(m.text, None)
        return list(seen)


@dataclass
class Quote:
    speaker: str | None  # canonical name of a person; None: no person is named
    text: str
    kind: str  # "direct" | "indirect"
    start: int  # offsets into the field named by ``field``
    end: int
    verb: str | None = None  # the reporting words as written: "ha detto", "secondo"
    source: str | None = None  # the organisation or medium stating it, when no person does
    field: str = "body"  # "body", or "title" for a headline that is the claim itself


@dataclass
class Article:
    """A fully extracted article: what ``index`` stores and ``extract`` prints."""

    id: str
    path: str
    body: str
    title: str | None = None
    date: DateValue | None = None
    publisher: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # organisations that state something
    places: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    cited_media: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    keyphrases: list[str] = field(default_factory=list)
    dates_mentioned: list[dict[str, Any]] = field(default_factory=list)
    content_hash: str = ""
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: RawArticle) -> Article:
        """An article with the raw metadata and no extracted entities yet."""
        return cls(
            id=raw.id,
            path=raw.path,
            body=raw.body,
            title=raw.title,
            date=raw.date,
            publisher=raw.publisher,
            url=raw.url,
            tags=list(raw.tags),
            content_hash=raw.content_hash,
            line=raw.line,
            extra=dict(raw.extra),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``searchidx extract`` (one object per line)."""
        return {
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "date": self.date.to_dict() if self.date else None,
            "publisher": self.publisher,
            "url": self.url,
            "tags": self.tags,
            "people": [
                {"name": p.name, "role": p.role, "mentions": [asdict(m) for m in p.mentions]}
                for p in self.people
            ],
            "speakers": self.speakers,
            "quotes": [asdict(q) for q in self.quotes],
            "sources": self.sources,
            "places": self.places,
            "organizations": self.organizations,
            "cited_media": self.cited_media,
            "topics": self.topics,
            "keyphrases": self.keyphrases,
            "dates_mentioned": self.dates_mentioned,
            "body": self.body,
        }
