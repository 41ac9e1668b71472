"""The people directory, a person's profile and timelines as terminal text, CSV and
JSON lines (JSON is each one's ``to_dict``); like :mod:`searchidx.render`, every
function returns a string and the CLI decides where it goes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from .render import to_json

if TYPE_CHECKING:
    from .directory import PersonSummary, Profile
    from .timeline import Timeline

_EIGHTHS = " ▏▎▍▌▋▊▉"
BAR_CELLS = 60  # the longest bar, however wide the terminal
PEOPLE_FIELDS = ("name", "articles", "quoted", "first", "last", "roles", "aliases")
PROFILE_ARTICLE_FIELDS = ("id", "date", "title", "spellings", "role", "quotes")


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["; ".join(v) if isinstance(v, list) else "" if v is None else v
                         for v in row])
    return buffer.getvalue().rstrip("\n")


def _span(first: str | None, last: str | None) -> str:
    if first is None:
        return "undated"
    return first if first == last else f"{first} – {last}"


def people_text(people: list[PersonSummary], color: bool = False,
                limit: int | None = None) -> str:
    """One line a person (the first ``limit``): articles naming them, quoting them,
    dates, name, role, then the other spellings merged into the name."""
    if not people:
        return "no people"
    total = len(people)
    people = people[:limit]
    width = max(len(str(p.articles)) for p in people)
    spans = [_span(p.first, p.last) for p in people]
    span_width = max(len(s) for s in spans)
    shown = f", showing {len(people)}" if len(people) < total else ""
    lines = [f"{total} {'person' if total == 1 else 'people'}{shown} "
             f"(articles naming them, quoting them; dates)"]
    for p, span in zip(people, spans, strict=True):
        name = click.style(p.name, bold=True) if color else p.name
        role = f" — {p.roles[0]}" if p.roles else ""
        others = len(p.roles) - 1
        more = f" (+{others} role{'s' if others > 1 else ''})" if others > 0 else ""
        also = f"; also {', '.join(p.aliases)}" if p.aliases else ""
        lines.append(f"{p.articles:>{width}} {p.quoted:>{width}}  {span:<{span_width}}  "
                     f"{name}{role}{more}{also}")
    return "\n".join(lines)


def render_people(people: list[PersonSummary], fmt: str, color: bool = False,
                  limit: int | None = None) -> str:
    if fmt == "text":
        return people_text(people, color, limit)
    total, people = len(people), people[:limit]
    if fmt == "json":
        return to_json({"total": total, "people": [p.to_dict() for p in people]})
    if fmt == "jsonl":
        return "\n".join(to_json(p.to_dict()) for p in people)
    return _csv(PEOPLE_FIELDS, ([getattr(p, f) for f in PEOPLE_FIELDS] for p in people))


def bar(count: int, peak: int, width: int) -> str:
    """A horizontal bar of ``count`` against ``peak`` filling ``width`` cells at most,
    in eighths of a cell; a count above zero never draws as nothing."""
    if peak <= 0 or count <= 0:
        return ""
    eighths = max(1, round(8 * width * count / peak))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def timeline_text(timeline: Timeline, width: int = 80, color: bool = False) -> str:
    """Each series as bars, one line a period, on one scale; then what could not be
    placed in a period (undated, or dated less precisely than the unit)."""
    if not timeline.series or not timeline.articles:
        return "no articles"
    label = max((len(p) for p in timeline.periods), default=7)
    peak = max((c for s in timeline.series for c in s.counts), default=0)
    digits = len(str(peak))
    room = min(BAR_CELLS, max(10, width - label - digits - 4))
    lines = []
    for series in timeline.series:
        head = (f"{series.name}: {series.total} by {timeline.by}" if timeline.facet
                else f"{timeline.articles} articles by {timeline.by}")
        if lines:
            lines.append("")
        lines.append(click.style(head, bold=True) if color else head)
        for period, count in zip(timeline.periods, series.counts, strict=True):
            lines.append(f"{period:<{label}}  {count:>{digits}} {bar(count, peak, room)}")
        apart = [f"{n} {what}" for what, n in (("undated", series.undated),
                                               (f"dated less precisely than a {timeline.by}",
                                                series.coarser)) if n]
        if apart:
            lines.append("not in a period: " + ", ".join(apart))
    return "\n".join(lines)


def render_timeline(timeline: Timeline, fmt: str, width: int = 80,
                    color: bool = False) -> str:
    if fmt == "json":
        return to_json(timeline.to_dict())
    if fmt == "jsonl":
        return "\n".join(to_json(row) for row in timeline.rows())
    if fmt == "csv":
        names = [s.name for s in timeline.series]
        return _csv(["period", *names],
                    ([row["period"], *(row["counts"][n] for n in names)]
                     for row in timeline.rows()))
    return timeline_text(timeline, width, color)


def profile_text(profile: Profile, width: int = 80, color: bool = False) -> str:
    """The profile for a reader: who, how often, spellings, roles over time, a monthly
    timeline, who and what is around them, their latest quotes and articles."""
    from .render import quote_kind

    def heading(text: str) -> str:
        return click.style(text, bold=True) if color else text

    name = heading(profile.name)
    lines = [name + (f" — {profile.known_role}" if profile.known_role else "")]
    lines.append(f"named in {profile.articles} article{'s' if profile.articles != 1 else ''}"
                 f", quoted in {profile.quoted} ({profile.quotes} quotes); "
                 f"{_span(profile.first, profile.last)}")
    lines += ["", heading("spellings")]
    lines += [f"  {s} ({len(ids)}): {', '.join(ids)}" for s, ids in profile.spellings.items()]
    if profile.roles:
        lines += ["", heading("roles")]
        lines += [f"  {_span(r['first'], r['last'])}  {r['role']} ({r['articles']})"
                  for r in profile.roles]
    if profile.timeline.periods:
        lines += ["", heading("by month (articles naming them · their quotes)")]
        mentions, quotes = profile.timeline.series
        peak = max(mentions.counts + quotes.counts)
        room = min(BAR_CELLS // 2, max(10, (width - 24) // 2))
        for i, period in enumerate(profile.timeline.periods):
            named, said = mentions.counts[i], quotes.counts[i]
            lines.append(f"  {period}  {named:>3} {bar(named, peak, room):<{room}} "
                         f"{said:>3} {bar(said, peak, room)}".rstrip())
        if mentions.undated or mentions.coarser:
            lines.append(f"  undated or by year only: {mentions.undated + mentions.coarser} "
                         f"articles, {quotes.undated + quotes.coarser} quotes")
    for what, title in (("people", "named with them"), ("organizations", "organisations"),
                        ("places", "places")):
        values = getattr(profile, what)
        if values:
            lines += ["", heading(title), "  " + ", ".join(f"{n} ({c})" for n, c in values)]
    if profile.latest_quotes:
        lines += ["", heading("latest quotes")]
        for q in profile.latest_quotes:
            lines.append(f"  {q['date'] or 'undated'} · {q['id']} ({quote_kind(q)})")
            lines.append(f"     {q['text']}")
    lines += ["", heading("latest articles")]
    for a in profile.latest_articles:
        lines.append(f"  {a['date'] or 'undated':<10}  {a['id']}  {a['title'] or ''}".rstrip())
    return "\n".join(lines)


def render_profile(profile: Profile, fmt: str, width: int = 80, color: bool = False) -> str:
    if fmt == "json":
        return to_json(profile.to_dict())
    if fmt == "jsonl":
        return "\n".join(to_json(row) for row in profile.latest_articles)
    if fmt == "csv":
        return _csv(PROFILE_ARTICLE_FIELDS, ([row[f] for f in PROFILE_ARTICLE_FIELDS]
                                             for row in profile.latest_articles))
    return profile_text(profile, width, color)
