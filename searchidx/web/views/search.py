"""The search page (``/``), its JSON (``/api/search``, ``/api/facets``) and the export."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ...errors import QueryError
from ...render import export_lines
from ...search import export_fields
from ..histogram import HISTOGRAM_FACET_LIMIT, date_histogram
from ..markup import article_url, person_url, snippet_html
from ..responses import archive, json_response, render
from ..state import FILTERS, Params, SearchState, facet_filter_option

# the sidebar, in order: facet, heading
SIDEBAR = (("speakers", "Speakers"), ("people", "People"), ("places", "Places"),
           ("organizations", "Organisations"), ("publisher", "Publisher"),
           ("topics", "Topics"), ("media", "Cited media"))
FACET_STEP = 10  # values a facet shows at first, and how many more each "more" adds
EXPORT_SEND = 64 * 1024  # characters of an export sent at a time
FILTER_LABELS = {"person": "person", "speaker": "speaker", "place": "place",
                 "org": "organisation", "topic": "topic", "publisher": "publisher",
                 "media": "cited", "tag": "tag"}


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool
    url: str  # adds the filter, or removes it when selected


@dataclass(frozen=True)
class FacetGroup:
    name: str
    heading: str
    values: list[FacetValue]
    more_url: str | None


def _facet_groups(state: SearchState, counts: dict[str, list[tuple[str, int]]]
                  ) -> list[FacetGroup]:
    groups = []
    for name, heading in SIDEBAR:
        option = facet_filter_option(name)
        shown = state.shown.get(name, FACET_STEP)
        listed = counts.get(name, [])
        values = [FacetValue(value, count, state.has_filter(option, value),
                             state.without_filter(option, value)
                             if state.has_filter(option, value)
                             else state.with_filter(option, value))
                  for value, count in listed[:shown]]
        more = state.showing(name, shown + FACET_STEP) if len(listed) > shown else None
        if values:
            groups.append(FacetGroup(name, heading, values, more))
    return groups


def _chips(state: SearchState) -> list[tuple[str, str, str]]:
    """(kind, value, url that removes it) for every active filter."""
    chips = [(FILTER_LABELS[option], value, state.without_filter(option, value))
             for option, value in state.filters]
    if state.date_from or state.date_to:
        span = (f"{state.date_from} to {state.date_to}" if state.date_from and state.date_to
                else f"from {state.date_from}" if state.date_from else f"to {state.date_to}")
        chips.append(("date", span, state.with_dates(None, None)))
    return chips


def _pages(state: SearchState, total: int) -> dict[str, Any]:
    last = max(1, math.ceil(total / state.limit)) if state.limit else 1
    around = range(max(1, state.page - 2), min(last, state.page + 2) + 1)
    return {"last": last, "numbers": [(n, state.url(page=n)) for n in around],
            "first_url": state.url(page=1), "last_url": state.url(page=last),
            "prev": state.url(page=state.page - 1) if state.page > 1 else None,
            "next": state.url(page=state.page + 1) if state.page < last else None}


def search_page(request: Request) -> Response:
    try:
        state = SearchState.parse(request.query_params)
    except QueryError as exc:  # shown under the box, which keeps what was typed
        state = SearchState(q=request.query_params.get("q", ""))
        return render(request, "search.html", 400, error=str(exc), result=None, state=state,
                      sort_links=[], chips=[])
    sort_links = [(label, value, state.url(sort=value, page=1)) for label, value in
                  (("Relevance", "relevance"), ("Newest", "-date"), ("Oldest", "date"))]
    context: dict[str, Any] = {"state": state, "sort_links": sort_links, "chips": _chips(state),
                               "article_url": article_url, "person_url": person_url,
                               "snippet_html": snippet_html}
    facet_limit = max([HISTOGRAM_FACET_LIMIT, *state.shown.values()]) + 1
    try:
        with archive(request).reading() as ix:
            result = ix.search(state.q, **state.filter_options(), sort=state.sort,
                               page=state.page, limit=state.limit,
                               facets=[*(name for name, _ in SIDEBAR), "year", "month"],
                               facet_limit=facet_limit)
            histogram = date_histogram(ix, state.q, state.filter_options(), result.total,
                                       result.facets, facet_limit)
    except QueryError as exc:
        return render(request, "search.html", 400, error=str(exc), result=None, **context)
    first = (state.page - 1) * state.limit + 1
    return render(request, "search.html", error=None, result=result, first=first,
                  facets=_facet_groups(state, result.facets), histogram=histogram,
                  pages=_pages(state, result.total), **context)


def api_search(request: Request) -> Response:
    """What ``searchidx query --format json`` prints for the same options."""
    state = SearchState.parse(request.query_params, default_limit=10)
    with archive(request).reading() as ix:
        result = ix.search(state.q, **state.search_options())
    return json_response(result.to_dict())


def api_facets(request: Request) -> Response:
    """What ``searchidx facets FIELD --format json`` prints: every value of one facet."""
    params = Params(request.query_params, ("field", "limit", "q", "any", "from", "to",
                                           *FILTERS))
    field = params.text("field").strip()
    if not field:
        raise QueryError("field: give the facet to count, e.g. field=people")
    limit = params.integer("limit", 0, 0) or None
    rest = ImmutableMultiDict([(k, v) for k, v in request.query_params.multi_items()
                               if k not in ("field", "limit")])
    state = SearchState.parse(rest)
    with archive(request).reading() as ix:
        values = ix.facet_counts(field, state.q, **state.filter_options())
    return json_response({"field": field,
                          "values": [{"value": v, "count": c} for v, c in values[:limit]]})


def _export(request: Request, fmt: str) -> Response:
    """The whole result set (:meth:`searchidx.Index.export`), streamed as it is read,
    in the columns of ``searchidx query --all --format csv|jsonl`` (``fields=`` as
    ``--fields``)."""
    params = request.query_params
    for name in ("page", "limit", "facets", "facet_limit"):
        if name in params:
            raise QueryError(f"{name}: an export gives every hit of the search; drop {name}=")
    fields = [f for value in params.getlist("fields") for f in value.split(",")]
    state = SearchState.parse(ImmutableMultiDict(
        [(k, v) for k, v in params.multi_items() if k != "fields"]))
    rows = archive(request).export(state.q, fields=fields, sort=state.sort,
                                   **state.filter_options())
    lines = export_lines(rows, export_fields(fields), fmt)
    media = "text/csv" if fmt == "csv" else "application/x-ndjson"
    return StreamingResponse(_batched(lines), media_type=f"{media}; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="searchidx-export.{fmt}"'})


def _batched(lines: Iterator[str]) -> Iterator[str]:
    """Lines joined into sends of about ``EXPORT_SEND`` characters: one send per
    hit would cost a thread hop each; the whole file at once, its memory."""
    held: list[str] = []
    size = 0
    for line in lines:
        held.append(line + "\n")
        size += len(line) + 1
        if size >= EXPORT_SEND:
            yield "".join(held)
            held, size = [], 0
    if held:
        yield "".join(held)


def export_csv(request: Request) -> Response:
    return _export(request, "csv")


def export_jsonl(request: Request) -> Response:
    return _export(request, "jsonl")


routes = [
    Route("/", search_page),
    Route("/api/search", api_search),
    Route("/api/facets", api_facets),
    Route("/export.csv", export_csv),
    Route("/export.jsonl", export_jsonl),
]
