"""Counts over time: how many articles of a result set fall in each day, week, month
or year, or how many name each of the top values of a facet (one series each).

Every period from the first to the last gets a count, empty ones zero, so the
time axis is even. An article is counted in a period only when its date is at
least as precise as the period: one dated ``2023-09`` has no day and no week,
and is counted apart (``coarser``), as undated articles are (``undated``).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from .errors import QueryError
from .fields import normalise_facet

UNITS = ("day", "week", "month", "year")
# how precise a date must be to fall in a period of each unit
_NEEDS = {"day": ("day",), "week": ("day",), "month": ("day", "month"),
          "year": ("day", "month", "year")}
ARTICLES = "articles"  # the name of the one series of a timeline without a facet


def checked_unit(by: str) -> str:
    """``by`` if it names a unit of time, else a one-line error."""
    if by not in UNITS:
        raise QueryError(f"--by '{by}': use one of {', '.join(UNITS)}")
    return by


def period_of(date: dict[str, Any] | None, by: str) -> str | None:
    """The period of ``by`` an article's date (``{"value", "precision"}``) falls in:
    ``2023-08-31``, ``2023-W35`` (ISO week), ``2023-08`` or ``2023``; None when the
    date is missing or coarser than the unit."""
    if not date or date.get("precision") not in _NEEDS[by]:
        return None
    value = str(date["value"])
    if by == "year":
        return value[:4]
    if by == "month":
        return value[:7]
    if by == "day":
        return value
    year, week, _ = _dt.date.fromisoformat(value).isocalendar()
    return f"{year:04d}-W{week:02d}"


def periods_between(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last`` (both as :func:`period_of` writes them)."""
    if by == "year":
        return [f"{y:04d}" for y in range(int(first), int(last) + 1)]
    if by == "month":
        y, m = int(first[:4]), int(first[5:7])
        out = []
        while f"{y:04d}-{m:02d}" <= last:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    if by == "day":
        day, end = _dt.date.fromisoformat(first), _dt.date.fromisoformat(last)
        return [(day + _dt.timedelta(days=n)).isoformat() for n in range((end - day).days + 1)]
    monday = _dt.date.fromisocalendar(int(first[:4]), int(first[6:]), 1)
    end = _dt.date.fromisocalendar(int(last[:4]), int(last[6:]), 1)
    out = []
    while monday <= end:
        year, week, _ = monday.isocalendar()
        out.append(f"{year:04d}-W{week:02d}")
        monday += _dt.timedelta(days=7)
    return out


@dataclass
class Series:
    """One line of a timeline: the articles, or those naming one facet value."""

    name: str
    counts: list[int]  # one per period of the timeline
    undated: int = 0
    coarser: int = 0  # dated, but less precisely than the timeline's unit

    @property
    def total(self) -> int:
        return sum(self.counts) + self.undated + self.coarser

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "total": self.total, "counts": self.counts,
                "undated": self.undated, "coarser": self.coarser}


@dataclass
class Timeline:
    by: str
    facet: str | None
    periods: list[str]
    series: list[Series] = field(default_factory=list)
    articles: int = 0  # articles of the result set

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "facet": self.facet, "articles": self.articles,
                "periods": self.periods, "series": [s.to_dict() for s in self.series]}

    def rows(self) -> Iterator[dict[str, Any]]:
        """One row per period, then the ``undated`` and ``coarser`` rows: the counts of
        each series by its name (the CSV and JSON-lines shape)."""
        for i, period in enumerate(self.periods):
            yield {"period": period, "counts": {s.name: s.counts[i] for s in self.series}}
        for what in ("undated", "coarser"):
            yield {"period": what, "counts": {s.name: getattr(s, what) for s in self.series}}


class Tally:
    """Counts of period per series, summed article by article; :meth:`timeline` lays
    them on an even axis."""

    def __init__(self, by: str) -> None:
        self.by = checked_unit(by)
        self.counts: dict[str, Counter[str]] = {}
        self.undated: Counter[str] = Counter()
        self.coarser: Counter[str] = Counter()

    def add(self, date: dict[str, Any] | None, names: Iterable[str], n: int = 1) -> None:
        """Count ``n`` for each of ``names`` in the period of ``date``."""
        period = period_of(date, self.by)
        for name in names:
            if period is not None:
                counts = self.counts.get(name)
                if counts is None:
                    counts = self.counts[name] = Counter()
                counts[period] += n
            elif date:
                self.coarser[name] += n
            else:
                self.undated[name] += n

    def timeline(self, names: list[str], facet: str | None = None,
                 articles: int = 0) -> Timeline:
        """The series of ``names``, in that order, over every period any of them has."""
        seen = [p for name in names for p in self.counts.get(name, ())]
        periods = periods_between(min(seen), max(seen), self.by) if seen else []
        series = [Series(name, [self.counts.get(name, Counter())[p] for p in periods],
                         self.undated[name], self.coarser[name]) for name in names]
        return Timeline(self.by, facet, periods, series, articles)


def checked_request(by: str, facet: str | None, top: int) -> str | None:
    """``facet``'s canonical name, once ``by``, ``facet`` and ``top`` are known good."""
    checked_unit(by)
    if top < 1:
        raise QueryError(f"--top {top}: give the number of values to follow, 1 or more")
    if facet is None:
        return None
    facet = normalise_facet(facet)
    if facet in ("year", "month"):
        raise QueryError(f"--facet {facet}: a timeline is already counted by time; "
                         "give a facet of names (people, places, topics …)")
    return facet


def checked_period(date_from: Any, date_to: Any) -> None:
    """A one-line error for a --from after --to, which no article could match."""
    from .dates import parse_user_date

    if date_from is None or date_to is None:
        return
    first, last = parse_user_date(str(date_from), "--from"), parse_user_date(str(date_to),
                                                                            "--to")
    if first.start > last.end:
        raise QueryError(f"--from {date_from} is after --to {date_to}: no date is in "
                         "between; swap them")


def timeline(dates: list[dict[str, Any] | None], values: list[tuple[str, ...]] | None = None,
             *, by: str = "month", facet: str | None = None, top: int = 5,
             merge: Callable[[str], str] | None = None) -> Timeline:
    """The timeline of a result set from its articles' ``dates``: one series of their
    count, or with ``values`` (each article's values of ``facet``) one of each of the
    ``top`` values by articles (``merge``: a value -> the name it counts as, for
    people's aliases).

    Articles are counted by distinct date, and the top values chosen from counts over
    the whole column, so that only the articles naming one of them are walked."""
    tally = Tally(by)
    if values is None:
        for date, n in _by_date(dates).items():
            tally.add({"value": date[0], "precision": date[1]} if date else None,
                      (ARTICLES,), n)
        return tally.timeline([ARTICLES], None, len(dates))
    merged = merge or str
    stored = Counter(chain.from_iterable(values))
    totals: Counter[str] = Counter()
    for value, n in stored.items():
        totals[merged(value)] += n
    ranked = [name for name, _ in
              sorted(totals.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:top]]
    chosen = set(ranked)
    wanted = {value for value in stored if merged(value) in chosen}
    for date, names in zip(dates, values, strict=True):
        hit = wanted.intersection(names)
        if hit:
            tally.add(date, {merged(name) for name in hit})
    return tally.timeline(ranked, facet, len(dates))


def _by_date(dates: list[dict[str, Any] | None]) -> Counter[tuple[str, str] | None]:
    """How many articles have each date (value, precision); None for the undated."""
    return Counter((d["value"], d["precision"]) if d else None for d in dates)
