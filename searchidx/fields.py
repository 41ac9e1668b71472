"""The fields a user names: facets, filters and the fields of the query language.

These are the user's names (``--speaker``, ``speaker:``, ``--facets people``),
the same whichever engine holds the index: the query parser, every backend,
the renderer and the CLI read them here. How a backend stores a field is its
own business (:mod:`searchidx.backends.whoosh.schema` for Whoosh).
"""

from __future__ import annotations

from .config import Config
from .errors import QueryError

# the facets, in the order ``stats`` lists them
FACETS = ("people", "speakers", "places", "organizations", "media", "publisher", "topics",
          "keyphrases", "tags", "year", "month")
FACET_ALIASES = {"person": "people", "speaker": "speakers", "place": "places",
                 "org": "organizations", "orgs": "organizations", "organization": "organizations",
                 "source": "publisher", "topic": "topics", "tag": "tags", "keyphrase": "keyphrases"}
# facets whose values are also filter keys (key phrases are only counted)
FILTERABLE = tuple(name for name in FACETS if name != "keyphrases")
# filters that match a whole name, an alias or a single word of a value (a surname, "Corea")
WORD_KEYED = frozenset({"people", "speakers", "places", "organizations", "media", "publisher"})
# filters on names (the rest of FILTERABLE are the year and month keys)
NAME_FIELDS = ("people", "speakers", "places", "organizations", "media", "publisher",
               "topics", "tags")
DATE_KEYS = ("year", "month")
# what the index keeps of each person of an article besides the people facet: the role
# and the spellings written with the name, as (person, detail) pairs
PERSON_DETAILS = ("roles", "spellings")
TEXT_FIELDS = ("title", "body", "quotes")
# what a user may write before a colon -> the field it names
QUERY_FIELDS = {
    "title": "title", "body": "body", "text": "body", "quote": "quotes", "quotes": "quotes",
    "id": "id", "year": "year", "month": "month",
    **{name: name for name in NAME_FIELDS},
    **{alias: name for alias, name in FACET_ALIASES.items() if name in NAME_FIELDS},
}
# SearchRequest attribute (CLI option) -> the field it filters
FILTER_OPTIONS = {option: FACET_ALIASES.get(option, option) for option in
                  ("person", "speaker", "place", "org", "topic", "publisher", "media", "tag")}


def normalise_facet(name: str) -> str:
    """User spelling of a facet/filter name -> its canonical name (or an error)."""
    key = FACET_ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in FACETS:
        import difflib

        near = difflib.get_close_matches(key, list(FACETS) + list(FACET_ALIASES), n=1)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        raise QueryError(f"unknown facet '{name}'{hint} (known: {', '.join(FACETS)})")
    return key


def checked_name(field: str, value: str) -> str:
    """``value``'s name key, or a clear error when nothing of it is left to match."""
    from .analysis import name_key  # Whoosh's analysis: not for what only names fields

    key = name_key(value)
    if not key:
        raise QueryError(f"empty {field} filter; give a name, e.g. --speaker Kirby")
    return key


def filter_keys(config: Config, field: str, value: str) -> list[str]:
    """The keys a name filter on ``field`` matches, sorted: the name's own, and for people
    and speakers the canonical names of ``config/people.yaml`` it is the name or an alias of."""
    from .analysis import name_key

    key = checked_name(field, value)
    if field not in ("people", "speakers"):
        return [key]
    keys = {key}
    for name, entry in (config.get("people", "people") or {}).items():
        aliases = (entry or {}).get("aliases") or [] if isinstance(entry, dict) else []
        if any(name_key(str(n)) == key for n in (name, *aliases)):
            keys.add(name_key(name))
    return sorted(keys)
