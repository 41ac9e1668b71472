"""Who is in a result set: the people directory, and one person's profile.

A name is one person across the archive when its name key agrees (case,
accents, hyphens: :func:`~searchidx.analysis.name_key`) or when
``config/people.yaml`` makes it an alias of a canonical name: the keys the
``--person`` filter matches too (:mod:`searchidx.fields`). The directory is
summed from the index's columns (:meth:`Index.table`: people, speakers, the
roles and spellings written with each name, dates), never from the stored
articles, so that it stays fast on a whole archive; a profile reads the
articles of its one person.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

from .analysis import fold, name_key
from .config import Config
from .errors import QueryError, SearchidxError
from .timeline import Tally, Timeline

SORTS = ("mentions", "speaker", "name", "recent")
LISTED = 10  # people, places, organisations, quotes and articles a profile lists


class UnknownPerson(SearchidxError):
    """No one, or more than one person, answers to a name: ``candidates`` are the
    people it could be (ambiguous) or the nearest names (unknown)."""

    def __init__(self, name: str, candidates: list[str], *, ambiguous: bool) -> None:
        self.name = name
        self.candidates = candidates
        self.ambiguous = ambiguous
        if ambiguous:
            message = f"'{name}' is {len(candidates)} people: {', '.join(candidates)}; name one"
        else:
            near = f"; nearest: {', '.join(candidates)}" if candidates else ""
            message = f"no person '{name}' in the articles{near}"
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "error": str(self),
                "ambiguous" if self.ambiguous else "nearest": self.candidates}


class Names:
    """One person per name: the canonical name of ``config/people.yaml`` an alias
    belongs to, else the name itself, compared by name key."""

    def __init__(self, config: Config) -> None:
        self.canonical: dict[str, str] = {}
        self.known_roles: dict[str, str] = {}
        for name, entry in (config.get("people", "people") or {}).items():
            entry = entry if isinstance(entry, dict) else {}
            for alias in (name, *(entry.get("aliases") or [])):
                self.canonical.setdefault(name_key(str(alias)), str(name))
            if entry.get("role"):
                self.known_roles[str(name)] = str(entry["role"])
        self._keys: dict[str, str] = {}
        self._shown: dict[str, str] = {}

    def shown(self, name: str) -> str:
        """The name the person is shown by: people.yaml's canonical name, else the
        first spelling met of their key."""
        key = self.key(name)
        got = self._shown.get(key)
        if got is None:
            got = self._shown[key] = self.canonical.get(key) or name
        return got

    def key(self, name: str) -> str:
        """The key every spelling of the person shares."""
        got = self._keys.get(name)
        if got is None:
            own = name_key(name)
            canonical = self.canonical.get(own)
            got = self._keys[name] = name_key(canonical) if canonical else own
        return got


@dataclass
class _Seen:
    """What a profile counts over one person's articles."""

    articles: int = 0
    quoted: int = 0
    first: str | None = None
    last: str | None = None

    def dated(self, value: str) -> None:
        if self.first is None or value < self.first:
            self.first = value
        if self.last is None or value > self.last:
            self.last = value


@dataclass
class PersonSummary:
    """One line of the people directory."""

    name: str
    articles: int  # articles naming them
    quoted: int  # articles quoting them
    roles: list[str]  # as the articles write them, the most frequent first
    aliases: list[str]  # other spellings merged into the name, the most frequent first
    first: str | None  # the earliest and latest dates (2023, 2023-09 or 2023-09-13)
    last: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


COLUMNS = ("people", "speakers", "roles", "spellings")  # what the directory reads


def checked_options(role: str | None, sort: str) -> None:
    """One-line errors for a ``--sort`` or ``--role`` the directory cannot use."""
    if sort not in SORTS:
        raise QueryError(f"--sort '{sort}': use one of {', '.join(SORTS)}")
    if role is not None and not name_key(role):
        raise QueryError("empty --role; give words of a role, e.g. --role portavoce")


def people_directory(table: Any, config: Config, *, role: str | None = None,
                     sort: str = "mentions") -> list[PersonSummary]:
    """Every person of a result set's :class:`~searchidx.backends.Table` (its
    :data:`COLUMNS`), aliases merged; ``role``: only those with a role containing these
    words; ``sort``: one of :data:`SORTS`.

    Counted over whole columns (C-speed ``Counter`` updates), not article by article;
    only the dates, and the rare article holding two stored names of one person, are
    walked in Python."""
    checked_options(role, sort)
    names = Names(config)
    columns = table.columns
    naming = Counter(chain.from_iterable(columns["people"]))  # stored name -> articles
    quoting = Counter(chain.from_iterable(columns["speakers"]))
    keys = {name: names.key(name) for name in naming.keys() | quoting.keys()}
    articles, quoted = _per_key(naming, keys), _per_key(quoting, keys)
    stored_per_key = Counter(keys[name] for name in naming)
    shared = {name for name in naming if stored_per_key[keys[name]] > 1}
    if shared:  # one article naming a person twice, by two stored names, counts once
        for column, counts in ((columns["people"], articles), (columns["speakers"], quoted)):
            for values in column:
                twice = [keys[n] for n in shared.intersection(values)]
                if len(twice) > 1:
                    for key, n in Counter(twice).items():
                        counts[key] -= n - 1
    # each name's first and last date: the dated articles in date order, each one's date
    # written over its names' (C-speed dict updates), the latest last, then the earliest
    dated = sorted(((date["value"], values) for date, values in
                    zip(table.dates, columns["people"], strict=True) if date and values),
                   key=itemgetter(0))
    last: dict[str, str] = {}
    for value, values in dated:
        last.update(zip(values, repeat(value)))
    first: dict[str, str] = {}
    for value, values in reversed(dated):
        first.update(zip(values, repeat(value)))
    roles = _grouped(Counter(chain.from_iterable(columns["roles"])), keys, names, fold)
    spellings = _grouped(Counter(chain.from_iterable(columns["spellings"])), keys, names)
    firsts: dict[str, str] = {}
    lasts: dict[str, str] = {}
    for name, key in keys.items():
        if name in first and first[name] < firsts.get(key, "9"):
            firsts[key] = first[name]
        if name in last and last[name] > lasts.get(key, ""):
            lasts[key] = last[name]
    wanted = f" {name_key(role)} " if role is not None else None
    shown_of = {key: names.shown(name) for name, key in keys.items() if key in articles}
    out = []
    for key, count in articles.items():
        ranked_roles = _ranked(roles.get(key))
        if wanted is not None and not any(wanted in f" {name_key(r)} " for r in ranked_roles):
            continue
        shown = shown_of[key]
        aliases = [text for text in _ranked(spellings.get(key)) if text != shown]
        out.append(PersonSummary(shown, count, quoted.get(key, 0), ranked_roles, aliases,
                                 firsts.get(key), lasts.get(key)))
    order = {
        "mentions": lambda p: (-p.articles, -p.quoted, fold(p.name)),
        "speaker": lambda p: (-p.quoted, -p.articles, fold(p.name)),
        "name": lambda p: (fold(p.name), -p.articles),
        "recent": lambda p: (_descending(p.last), -p.articles, fold(p.name)),
    }[sort]
    return sorted(out, key=order)


def _grouped(pairs: Counter[tuple[str, str]], keys: dict[str, str], names: Names,
             same: Callable[[str], str] | None = None) -> dict[str, dict[str, list[Any]]]:
    """Counts of (stored name, detail) pairs by person, then by detail (compared by
    ``same``'s form, shown as first met): ``{key: {form: [count, shown]}}``."""
    out: dict[str, dict[str, list[Any]]] = {}
    for (name, text), n in pairs.items():
        key = keys.get(name) or names.key(name)
        mine = out.get(key)
        if mine is None:
            mine = out[key] = {}
        form = same(text) if same is not None else text
        entry = mine.get(form)
        if entry is None:
            mine[form] = [n, text]
        else:
            entry[0] += n
    return out


def _ranked(details: dict[str, list[Any]] | None) -> list[str]:
    """The details of :func:`_grouped` for one person, the most frequent first."""
    if not details:
        return []
    if len(details) == 1:
        return [entry[1] for entry in details.values()]
    return [entry[1] for entry in sorted(details.values(), key=lambda e: (-e[0], e[1]))]


def _per_key(counts: Counter[str], keys: dict[str, str]) -> Counter[str]:
    """``counts`` of stored names, summed by the person each is."""
    out: Counter[str] = Counter()
    for name, n in counts.items():
        out[keys[name]] += n
    return out


def _descending(value: str | None) -> tuple[int, tuple[int, ...]]:
    """A date value's sort key for newest first, undated last."""
    if value is None:
        return (1, ())
    return (0, tuple(-int(part) for part in value.split("-")))


# -- one person ---------------------------------------------------------------------

def resolve(name: str, people: Iterable[tuple[str, int]], config: Config) -> list[str]:
    """The stored names of the one person ``name`` means, among ``people`` (the people
    facet's values and counts): the person whose key it is or whose people.yaml alias it
    is, else the one person with a name containing it (a surname). An
    :class:`UnknownPerson` when it is no one, or several people."""
    names = Names(config)
    asked = name_key(name)
    if not asked:
        raise QueryError("empty name; give a person's name, e.g. searchidx person Kirby")
    groups: dict[str, list[str]] = {}
    counts: Counter[str] = Counter()
    for stored, count in people:
        key = names.key(stored)
        groups.setdefault(key, []).append(stored)
        counts[key] += count
    target = names.key(name)
    if target in groups:
        return groups[target]
    partial = [key for key in groups if f" {asked} " in f" {key} "]
    if len(partial) == 1:
        return groups[partial[0]]

    def shown(key: str) -> str:
        return names.shown(groups[key][0])

    if partial:
        ranked = sorted(partial, key=lambda k: (-counts[k], k))
        raise UnknownPerson(name, [shown(k) for k in ranked], ambiguous=True)
    words = {word: key for key in groups for word in (key, *key.split()) if len(word) > 2}
    near = difflib.get_close_matches(asked, list(words), n=8, cutoff=0.7)
    nearest = list(dict.fromkeys(shown(words[w]) for w in near))[:5]
    raise UnknownPerson(name, nearest, ambiguous=False)


@dataclass
class Profile:
    """What the articles say of one person."""

    name: str
    known_role: str | None  # people.yaml's
    articles: int
    quoted: int  # articles quoting them
    quotes: int
    first: str | None
    last: str | None
    spellings: dict[str, list[str]]  # each spelling -> the ids of the articles with it
    roles: list[dict[str, Any]]  # role (as written), articles, first, last: oldest first
    timeline: Timeline  # by month: series "mentions" (articles) and "quotes"
    people: list[tuple[str, int]]  # the people most often in the same articles
    organizations: list[tuple[str, int]]
    places: list[tuple[str, int]]
    latest_quotes: list[dict[str, Any]]
    latest_articles: list[dict[str, Any]]  # id, date, title, spellings, role, quotes

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "known_role": self.known_role, "articles": self.articles,
            "quoted": self.quoted, "quotes": self.quotes, "first": self.first,
            "last": self.last,
            "spellings": [{"spelling": s, "articles": ids} for s, ids in self.spellings.items()],
            "roles": self.roles, "timeline": self.timeline.to_dict(),
            **{what: [{"name": n, "articles": c} for n, c in getattr(self, what)]
               for what in ("people", "organizations", "places")},
            "latest_quotes": self.latest_quotes, "latest_articles": self.latest_articles,
        }


def person_profile(articles: Iterable[dict[str, Any]], stored_names: list[str],
                   config: Config, *, listed: int | None = LISTED) -> Profile:
    """The profile of the person whose stored names are ``stored_names``
    (:func:`resolve`), from the articles naming them, newest first."""
    names = Names(config)
    key = names.key(stored_names[0])
    spellings: dict[str, list[str]] = {}
    roles: dict[str, dict[str, Any]] = {}
    beside: dict[str, Counter[str]] = {w: Counter() for w in ("people", "organizations",
                                                                "places")}
    tally = Tally("month")
    quotes: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    seen = _Seen()
    for article in articles:
        mine = [p for p in article.get("people", []) if names.key(p["name"]) == key]
        if not mine:
            continue
        date = article.get("date")
        value = date["value"] if date else None
        seen.articles += 1
        if value is not None:
            seen.dated(value)
        written = list(dict.fromkeys(m["text"] for p in mine for m in p.get("mentions", [])))
        for text in written:
            spellings.setdefault(text, []).append(article["id"])
        role = next((p["role"] for p in mine if p.get("role")), None)
        if role:
            entry = roles.setdefault(fold(role), {"role": role, "articles": 0, "first": None,
                                                  "last": None})
            entry["articles"] += 1
            if value is not None:
                entry["first"] = min(filter(None, (entry["first"], value)))
                entry["last"] = max(filter(None, (entry["last"], value)))
        theirs = [q for q in article.get("quotes", [])
                  if q.get("speaker") and names.key(q["speaker"]) == key]
        seen.quoted += bool(theirs)
        tally.add(date, ("mentions",))
        tally.add(date, ("quotes",), len(theirs))
        others = {names.key(p["name"]): p["name"] for p in article.get("people", [])}
        others.pop(key, None)
        beside["people"].update(others.values())
        beside["organizations"].update(set(article.get("organizations", [])))
        beside["places"].update(set(article.get("places", [])))
        for q in theirs:
            quotes.append({"date": value, "id": article["id"], "title": article.get("title"),
                           "kind": q["kind"], "verb": q.get("verb"),
                           "field": q.get("field", "body"), "text": q["text"]})
        rows.append({"id": article["id"], "date": value, "title": article.get("title"),
                     "spellings": written, "role": role, "quotes": len(theirs)})
    newest = sorted(range(len(rows)), key=lambda i: _descending(rows[i]["date"]))
    shown = names.shown(stored_names[0])
    # roles over time: by the first date written with them, undated last
    ranked_roles = sorted(roles.values(), key=lambda r: (r["first"] is None, r["first"] or "",
                                                         -r["articles"], fold(r["role"])))
    return Profile(
        name=shown, known_role=names.known_roles.get(shown), articles=seen.articles,
        quoted=seen.quoted, quotes=len(quotes), first=seen.first, last=seen.last,
        spellings=spellings, roles=ranked_roles,
        timeline=tally.timeline(["mentions", "quotes"], None, seen.articles),
        **{what: _top(counter, listed) for what, counter in beside.items()},
        latest_quotes=sorted(quotes, key=lambda q: _descending(q["date"]))[:listed],
        latest_articles=[rows[i] for i in newest[:listed]],
    )


def _top(counter: Counter[str], n: int | None) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], fold(kv[0])))[:n]
