"""A search as URL parameters, and back: every state of the page is a permalink.

The parameters are those of ``/api/search``, named as the CLI's options
(``q``, ``speaker=``, ``person=``, ``from=``, ``to=``, ``sort=``, ``page=``,
``limit=``, ``facets=``), so a page's address and its JSON twin differ only in
their path. Parsing checks every value and names the parameter at fault, as
the CLI names the option.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from ..dates import parse_user_date
from ..errors import QueryError
from ..index import normalise_facet
from ..search import FILTER_OPTIONS, SORTS

FILTERS = tuple(FILTER_OPTIONS)  # person, speaker, place, org, topic, publisher, media, tag
SEARCH_PARAMS = ("q", *FILTERS, "from", "to", "any", "sort", "page", "limit", "facets",
                 "facet_limit")
SHOW_PREFIX = "show_"  # show_people=20: the page's sidebar lists 20 people
MAX_LIMIT = 1000  # per page; the export link streams a whole result set


class Params:
    """Typed reading of a query string (a multi-dict), each error naming its parameter."""

    def __init__(self, query: Any, known: Iterable[str], prefixes: tuple[str, ...] = ()) -> None:
        self.query = query
        known = tuple(known)
        for name in query:
            if name in known or any(name.startswith(p) for p in prefixes):
                continue
            near = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise QueryError(f"unknown parameter '{name}'{hint}")

    def text(self, name: str, default: str = "") -> str:
        values = self.query.getlist(name)
        if len(values) > 1:
            raise QueryError(f"{name}: give it once (got {len(values)} values)")
        return values[0] if values else default

    def texts(self, name: str) -> list[str]:
        return [v for v in self.query.getlist(name) if v.strip()]

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = self.text(name).strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise QueryError(f"{name}: '{raw}' is not a whole number") from None
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            raise QueryError(f"{name}: {value} is out of range; give a number {bound}")
        return value

    def flag(self, name: str) -> bool:
        raw = self.text(name).strip().lower()
        if raw in ("", "0", "false", "no", "off"):
            return False
        if raw in ("1", "true", "yes", "on"):
            return True
        raise QueryError(f"{name}: '{raw}' is not a yes/no value; use 1 or 0")

    def date(self, name: str) -> str | None:
        """A date as typed (kept for the URL), checked as ``--from``/``--to`` check it."""
        raw = self.text(name).strip()
        if raw:
            parse_user_date(raw, name)
        return raw or None

    def facet_list(self, name: str) -> list[str]:
        return [normalise_facet(f) for value in self.texts(name)
                for f in value.split(",") if f.strip()]


@dataclass(frozen=True)
class SearchState:
    """One search: the query, filters, dates, order and page."""

    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (option, value), in the order given
    date_from: str | None = None
    date_to: str | None = None
    any: bool = False
    sort: str = "relevance"
    page: int = 1
    limit: int = 20
    facets: tuple[str, ...] = ()  # what /api/search counts (the page has its sidebar)
    facet_limit: int = 10
    shown: Mapping[str, int] = field(default_factory=dict)  # sidebar facet -> values shown

    @classmethod
    def parse(cls, query: Any, default_limit: int = 20) -> SearchState:
        params = Params(query, SEARCH_PARAMS, prefixes=(SHOW_PREFIX,))
        sort = params.text("sort", "relevance").strip() or "relevance"
        if sort not in SORTS:
            raise QueryError(f"sort: '{sort}'; use one of {', '.join(SORTS)}")
        shown = {}
        for name in query:
            if name.startswith(SHOW_PREFIX):
                facet = normalise_facet(name[len(SHOW_PREFIX):])
                shown[facet] = params.integer(name, 10, 1, 10_000)
        return cls(
            q=params.text("q"),
            filters=tuple((option, value.strip()) for option in FILTERS
                          for value in params.texts(option)),
            date_from=params.date("from"),
            date_to=params.date("to"),
            any=params.flag("any"),
            sort=sort,
            page=params.integer("page", 1, 1),
            limit=params.integer("limit", default_limit, 0, MAX_LIMIT),
            facets=tuple(params.facet_list("facets")),
            facet_limit=params.integer("facet_limit", 10, 1, 10_000),
            shown=shown,
        )

    # -- as the API's options ------------------------------------------------
    def filter_options(self) -> dict[str, Any]:
        """The filters and dates as :meth:`searchidx.Index.search` keywords."""
        out: dict[str, Any] = {option: [v for o, v in self.filters if o == option]
                               for option in FILTERS}
        out["date_from"] = self.date_from
        out["date_to"] = self.date_to
        out["any"] = self.any
        return out

    def search_options(self) -> dict[str, Any]:
        return {**self.filter_options(), "sort": self.sort, "page": self.page,
                "limit": self.limit, "facets": list(self.facets),
                "facet_limit": self.facet_limit}

    @property
    def filtered(self) -> bool:
        return bool(self.filters or self.date_from or self.date_to)

    def has_filter(self, option: str, value: str) -> bool:
        return (option, value) in self.filters

    # -- as URLs ---------------------------------------------------------------
    def params(self) -> list[tuple[str, str]]:
        """The URL parameters, defaults left out."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        out += list(self.filters)
        out += [(k, v) for k, v in (("from", self.date_from), ("to", self.date_to)) if v]
        if self.any:
            out.append(("any", "1"))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.limit != SearchState.limit:
            out.append(("limit", str(self.limit)))
        if self.facets:
            out.append(("facets", ",".join(self.facets)))
        out += [(SHOW_PREFIX + k, str(v)) for k, v in sorted(self.shown.items())]
        return out

    def url(self, path: str = "/", **changes: Any) -> str:
        """This search (with ``changes``) at ``path``; a new filter or order starts at page 1."""
        state = replace(self, **changes) if changes else self
        query = urlencode(state.params())
        return f"{path}?{query}" if query else path

    def with_filter(self, option: str, value: str) -> str:
        return self.url(filters=(*self.filters, (option, value)), page=1)

    def without_filter(self, option: str, value: str) -> str:
        return self.url(filters=tuple(f for f in self.filters if f != (option, value)), page=1)

    def with_dates(self, date_from: str | None, date_to: str | None) -> str:
        return self.url(date_from=date_from, date_to=date_to, page=1)

    def showing(self, facet: str, count: int) -> str:
        return self.url(shown={**self.shown, facet: count})

    def api_url(self, path: str = "/api/search") -> str:
        """The JSON twin of the page: the same parameters, the page's size made explicit."""
        params = [p for p in self.params() if not p[0].startswith(SHOW_PREFIX)]
        if not any(k == "limit" for k, _ in params):
            params.append(("limit", str(self.limit)))
        return f"{path}?{urlencode(params)}"

    def export_url(self, fmt: str) -> str:
        params = [p for p in self.params() if p[0] in SEARCH_PARAMS
                  and p[0] not in ("page", "limit", "facets")]
        query = urlencode(params)
        return f"/export.{fmt}" + (f"?{query}" if query else "")


def facet_filter_option(facet: str) -> str:
    """The filter option a facet's values feed (``speakers`` -> ``speaker``)."""
    for option, fieldname in FILTER_OPTIONS.items():
        if fieldname == facet:
            return option
    raise KeyError(facet)

