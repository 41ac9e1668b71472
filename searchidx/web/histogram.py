"""The date histogram of a result set: by year, month or day, as its span asks.

Counts come from the index's ``year`` and ``month`` facets over the whole
result set; days, which no facet holds, from the dates of the hits themselves,
so only for result sets small enough to list (``DAY_HITS``). Every period of
the span gets a bar, empty ones too, so the time axis is even.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..timeline import periods_between

MONTHS_AS_YEARS = 48  # a span of more months than this is shown by year
DAYS_WITHIN_MONTHS = 2  # a span of at most this many months is shown by day ...
DAY_HITS = 300  # ... when the result set has at most this many articles (each hit read)
HISTOGRAM_FACET_LIMIT = 25  # a search counting year and month with this limit spares a walk
WIDTH, HEIGHT = 600, 100  # the SVG's coordinate box; CSS sets its size on screen


@dataclass(frozen=True)
class Bar:
    period: str  # 2023, 2023-09 or 2023-09-13: the from/to value that filters to it
    label: str  # what a reader sees: 2023, Sep 2023, 13 Sep 2023
    count: int
    x: float
    width: float
    height: float

    @property
    def y(self) -> float:
        return HEIGHT - self.height


@dataclass(frozen=True)
class Histogram:
    unit: str  # year | month | day
    bars: list[Bar]
    coarser: int  # articles dated only to a coarser period (a year, in a month view)
    total: int  # articles in the bars

    @property
    def peak(self) -> int:
        return max((b.count for b in self.bars), default=0)

    @property
    def ticks(self) -> list[Bar]:
        """The few bars whose labels fit under the axis: first, last, and evenly between."""
        n = len(self.bars)
        if n <= 6:
            return self.bars
        step = (n - 1) / 4
        return [self.bars[round(i * step)] for i in range(5)]


def _label(period: str) -> str:
    if len(period) == 4:
        return period
    year, month = int(period[:4]), int(period[5:7])
    name = calendar.month_abbr[month]
    return f"{name} {year}" if len(period) == 7 else f"{int(period[8:])} {name} {year}"


def bars(counts: dict[str, int], periods: list[str]) -> list[Bar]:
    """One bar per period, heights scaled to the highest count."""
    peak = max((counts.get(p, 0) for p in periods), default=0) or 1
    width = WIDTH / max(1, len(periods))
    return [Bar(p, _label(p), counts.get(p, 0), i * width, width,
                HEIGHT * counts.get(p, 0) / peak) for i, p in enumerate(periods)]


def choose(years: dict[str, int], months: dict[str, int] | None,
           days: dict[str, int] | None) -> tuple[str, list[str]]:
    """The unit and the periods of the histogram for the counts known so far."""
    first_year, last_year = min(years), max(years)
    if months:
        spanned = periods_between(min(months), max(months), "month")
        if days and len(spanned) <= DAYS_WITHIN_MONTHS:
            first = dt.date.fromisoformat(min(days))
            n = (dt.date.fromisoformat(max(days)) - first).days + 1
            return "day", [(first + dt.timedelta(d)).isoformat() for d in range(n)]
        if len(spanned) <= MONTHS_AS_YEARS:
            return "month", spanned
    return "year", [str(y) for y in range(int(first_year), int(last_year) + 1)]


def date_histogram(index: Any, query: str, options: dict[str, Any], total: int,
                   counted: dict[str, list[tuple[str, int]]] | None = None,
                   counted_limit: int | None = None) -> Histogram | None:
    """The histogram of the articles matching ``query`` and ``options`` (filters,
    dates, ``any``) over ``index``; None when none of them is dated.

    ``counted``: facets the caller's search already counted with ``facet_limit``
    ``counted_limit``; a ``year`` or ``month`` list shorter than that is whole and
    is used as it is. Otherwise asks as little as the span allows: the year
    counts, then (for a span of a few years) the month counts, then (for a month
    or two) the hits' dates.
    """
    def counts(facet: str) -> dict[str, int]:
        found = (counted or {}).get(facet)
        if found is not None and (counted_limit is None or len(found) < counted_limit):
            return dict(found)
        return dict(index.facet_counts(facet, query, **options))

    years = counts("year")
    if not years:
        return None
    months = None
    if int(max(years)) - int(min(years)) < MONTHS_AS_YEARS // 12:
        months = counts("month")
    days = None
    if (months and total <= DAY_HITS
            and len(periods_between(min(months), max(months), "month")) <= DAYS_WITHIN_MONTHS):
        result = index.search(query, **options, limit=total, snippets=False)
        days = dict(Counter(h.date for h in result.hits if h.date and len(h.date) == 10))
    unit, periods = choose(years, months, days)
    chosen = {"year": years, "month": months, "day": days}[unit] or {}
    shown = sum(chosen.get(p, 0) for p in periods)
    return Histogram(unit, bars(chosen, periods), sum(years.values()) - shown, shown)
