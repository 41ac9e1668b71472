"""Dates written in an article's text, as values a filter can use.

``10 settembre 2023`` is a day, ``settembre 2023`` a month, ``nel 2019`` a
year. A day without a year (``il 5 settembre``) takes the year that puts it
nearest the article's own date; without an article date it is left out,
because a year must never be invented (nor a date from a weekday).
"""

from __future__ import annotations

from typing import Any

from ..analysis import fold
from ..models import DateValue
from .resources import Resources


def same_length_lower(text: str) -> str:
    """``text`` lowercased, each character into one, so offsets stay those of
    ``text`` (the few characters that lowercase into two, as ``İ``, stay as
    they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _nearest(ref: DateValue, month: int, day: int | None = None) -> DateValue | None:
    """The day (or month) in the year before, of or after the reference that lies
    nearest to it: "28 dicembre" in an article of 3 January is last December."""
    best: tuple[int, DateValue] | None = None
    for year in (ref.start.year - 1, ref.start.year, ref.start.year + 1):
        try:
            cand = DateValue.of(year, month, day)
        except ValueError:
            continue
        if cand.end < ref.start:
            gap = (ref.start - cand.end).days
        elif cand.start > ref.end:
            gap = (cand.start - ref.end).days
        else:
            gap = 0
        if best is None or gap < best[0]:
            best = (gap, cand)
    return best[1] if best else None


def dates_mentioned(text: str, ref: DateValue | None, res: Resources) -> list[dict[str, Any]]:
    """``{text, value, precision, start, end}`` for each date written in ``text``."""
    out: list[dict[str, Any]] = []
    lo, hi = res.year_range
    for m in res.date_pattern.finditer(same_length_lower(text)):
        g = m.groupdict()
        start = m.start()
        try:
            if g["month"]:
                month = res.months[fold(g["month"])]
                day = int(g["day"])
                if g["year"]:
                    value = DateValue.of(int(g["year"]), month, day)
                else:
                    found = _nearest(ref, month, day) if ref is not None else None
                    if found is None:
                        continue
                    value = found
            elif g["month2"]:
                value = DateValue.of(int(g["year2"]), res.months[fold(g["month2"])])
            elif g["month3"]:
                found = _nearest(ref, res.months[fold(g["month3"])]) if ref else None
                if found is None:
                    continue
                value = found
                start = m.start("month3")
            elif g["nd"]:
                value = DateValue.of(int(g["ny"]), int(g["nm"]), int(g["nd"]))
            else:
                year = int(g["year3"])
                words = fold(text[max(0, m.start() - 16):m.start()]).split()
                if not words or not (words[-1] in res.year_cues
                                     or " ".join(words[-2:]) in res.year_cues):
                    continue
                value = DateValue.of(year)
        except ValueError:
            continue  # 31 febbraio, month 13: not a date
        if not lo <= value.start.year <= hi:
            continue
        out.append({"text": text[start:m.end()], "value": value.value,
                    "precision": value.precision, "start": start, "end": m.end()})
    return out
