"""Dates from article metadata and from the command line, with their precision.

Only dates that a text *states* are read: ``2023-09`` stays a month, ``2023`` a
year. Nothing is ever derived from a weekday or a relative word (``lunedì``,
``ieri``, ``oggi``): there is no reference date to anchor them to.

The common shapes (ISO dates and datetimes, ``20230905``, ``5/9/2023``,
``31 Ago 2023``, ``1° settembre 2023``, ``settembre 2023``, ``Sept 5, 2023``)
are matched by precompiled regular expressions, with month and weekday names
from the ``reading`` configuration section. Only a string none of them handles
goes to ``dateparser``, imported on first use: it costs ~60 ms to import and
milliseconds per call, too much for ``searchidx query`` start-up or for the
indexing hot path.

Dates in the future are *not* refused here: the function cannot tell a typo
from an announced event; the reader keeps them and records a warning.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from .errors import QueryError
from .models import DateValue

# A trailing time of day is allowed and ignored: "2023-09-05 10:30", "31 agosto 2023, ore 10.30".
_TIME = r"(?:,?\s*(?:ore|alle|at)?\s*\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?"
_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YMD_SLASH = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + _TIME)
_DMY_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME)  # Italian order
_WORD = r"([^\W\d_]+)"
_DMY_NAMED = re.compile(
    rf"(?:{_WORD},?\s+)?(\d{{1,2}})\s*[°º]?(?:\s+|[-/]){_WORD}\.?(?:,?\s+|[-/])(\d{{4}})"
    + _TIME)  # also "05-set-2023", which dateparser reads as May 2023
_MDY_NAMED = re.compile(
    rf"(?:{_WORD},?\s+)?{_WORD}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})" + _TIME,
    re.IGNORECASE)
_MY_NAMED = re.compile(rf"{_WORD}\.?,?\s+(\d{{4}})")
_HAS_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_MAX_LENGTH = 80  # longer strings are sentences, not dates

_NAMES: dict[str, Any] | None = None
_PARSER: Any = None


def _default_names() -> dict[str, Any]:
    """Month and weekday names from the shipped ``reading`` section, loaded once."""
    global _NAMES
    if _NAMES is None:
        from .config import load_config

        reading = load_config(search_cwd=False)["reading"]
        _NAMES = {"months": {str(k).lower(): int(v) for k, v in reading["months"].items()},
                  "weekdays": frozenset(str(w).lower() for w in reading["weekdays"])}
    return _NAMES


def _build(year: str | int, month: str | int | None = None,
           day: str | int | None = None) -> DateValue | None:
    try:
        return DateValue.of(int(year), None if month is None else int(month),
                            None if day is None else int(day))
    except ValueError:  # 2023-13-45, February 30th, year 0
        return None


def parse_date(value: str, months: Mapping[str, int] | None = None,
               weekdays: Collection[str] | None = None) -> DateValue | None:
    """The date a metadata string states, at its precision, or None.

    ``months``/``weekdays`` default to the shipped ``reading`` configuration; the
    reader passes the user's. None for impossible dates (``2023-13-45``) and for
    anything that is not a date, including weekdays and relative words.
    """
    text = " ".join(str(value).split())
    if not text or len(text) > _MAX_LENGTH or not any(c.isdigit() for c in text):
        return None
    if months is None or weekdays is None:
        names = _default_names()
        months = names["months"] if months is None else months
        weekdays = names["weekdays"] if weekdays is None else weekdays

    for pattern in (_ISO, _ISO_DATETIME, _COMPACT, _YMD_SLASH):
        m = pattern.fullmatch(text)
        if m:
            return _build(*m.groups()[:3])
    m = _DMY_NUMERIC.fullmatch(text)
    if m:
        return _build(m.group(3), m.group(2), m.group(1))

    m = _DMY_NAMED.fullmatch(text)
    if m and _is_weekday(m.group(1), weekdays) and m.group(3).lower() in months:
        return _build(m.group(4), months[m.group(3).lower()], m.group(2))
    m = _MDY_NAMED.fullmatch(text)
    if m and _is_weekday(m.group(1), weekdays) and m.group(2).lower() in months:
        return _build(m.group(4), months[m.group(2).lower()], m.group(3))
    m = _MY_NAMED.fullmatch(text)
    if m and m.group(1).lower() in months:
        return _build(m.group(2), months[m.group(1).lower()])

    if not _HAS_YEAR.search(text):  # "12 marzo" must not become March 2012
        return None
    return _dateparser(text)


def _is_weekday(word: str | None, weekdays: Collection[str]) -> bool:
    """True when the optional leading word is absent or a weekday name."""
    return word is None or word.lower() in weekdays


def _dateparser(text: str) -> DateValue | None:
    """The slow path: ``dateparser`` for shapes the regexes do not know."""
    global _PARSER
    if _PARSER is None:
        from dateparser.date import DateDataParser

        _PARSER = DateDataParser(
            languages=["it", "en"],
            settings={
                "PREFER_DAY_OF_MONTH": "first",
                "REQUIRE_PARTS": ["year"],
                "RETURN_AS_TIMEZONE_AWARE": False,
                "DATE_ORDER": "DMY",
                # no "relative-time" (ieri, 2 anni fa) and no "timestamp" (epoch seconds)
                "PARSERS": ["custom-formats", "absolute-time"],
            },
        )
    try:
        data = _PARSER.get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input; it is only a fallback
        return None
    found = data.date_obj
    if found is None:
        return None
    if data.period == "year":
        return _build(found.year)
    if data.period == "month":
        return _build(found.year, found.month)
    return _build(found.year, found.month, found.day)


def parse_user_date(value: str, option: str) -> DateValue:
    """A ``--from``/``--to`` filter value; a clear QueryError when it is not a date."""
    parsed = parse_date(value)
    if parsed is None:
        raise QueryError(
            f"{option} '{value}': not a date; use YYYY-MM-DD, YYYY-MM, YYYY "
            f"or e.g. '1 settembre 2023'"
        )
    return parsed
