"""A person's page (``/person/{name}``) and its JSON (``/api/person/{name}``): the
profile ``searchidx person`` prints (:meth:`searchidx.Index.person`): the spellings
merged into the name, roles over time, a monthly timeline of mentions and quotes,
the people, organisations and places beside them, their latest quotes and articles.
A name that is several people lists them; an unknown one, the nearest names."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...directory import UnknownPerson
from ..histogram import Histogram, bars
from ..markup import article_url, person_url
from ..responses import archive, json_response, render, wants_json
from ..state import FILTERS, Params, SearchState

PERSON_PARAMS = ("q", "from", "to", "limit", *FILTERS)
SPELLING_ARTICLES = 5  # articles linked under each spelling; "more" is a search


def _asked(request: Request) -> tuple[str, SearchState, int | None]:
    """The name, the articles it is asked over (query, filters, dates), and how many
    quotes, articles and neighbours to list (``limit``, as ``--limit``: 0 is all)."""
    name = request.path_params["name"].strip()
    if not name:
        raise HTTPException(404, "no person named: give a name, e.g. /person/Kirby")
    params = Params(request.query_params, PERSON_PARAMS)
    state = SearchState(q=params.text("q"),
                        filters=tuple((o, v.strip()) for o in FILTERS for v in params.texts(o)),
                        date_from=params.date("from"), date_to=params.date("to"))
    return name, state, params.integer("limit", 10, 0) or None


def _profile(request: Request) -> tuple[Any, SearchState]:
    name, state, listed = _asked(request)
    options = {k: v for k, v in state.filter_options().items() if k != "any"}
    with archive(request).reading() as ix:
        return ix.person(name, state.q, listed=listed, **options), state


def _histogram(timeline: Any, series: str) -> Histogram | None:
    """One series of the profile's monthly timeline as the page's bars."""
    found = next(s for s in timeline.series if s.name == series)
    if not timeline.periods or not found.total:
        return None
    counts = dict(zip(timeline.periods, found.counts, strict=True))
    return Histogram("month", bars(counts, timeline.periods), found.coarser,
                     sum(found.counts))


def _missing(request: Request, missing: UnknownPerson) -> Response:
    """Several people (300, each a link) or no one (404, the nearest names)."""
    status = 300 if missing.ambiguous else 404
    if wants_json(request):
        return json_response(missing.to_dict(), status)
    return render(request, "person_missing.html", status, missing=missing,
                  person_url=person_url)


def person_page(request: Request) -> Response:
    try:
        profile, state = _profile(request)
    except UnknownPerson as missing:
        return _missing(request, missing)
    within = state.filters
    naming = SearchState(q=state.q, filters=(*within, ("person", profile.name)),
                         date_from=state.date_from, date_to=state.date_to)
    quoting = SearchState(q=state.q, filters=(*within, ("speaker", profile.name)),
                          date_from=state.date_from, date_to=state.date_to)
    dates = [(k, v) for k, v in (("from", state.date_from), ("to", state.date_to)) if v]
    titles = {row["id"]: row["title"] for row in profile.latest_articles}
    beside = [("Organisations", "org", profile.organizations),
              ("Places", "place", profile.places)]
    return render(request, "person.html", person=profile, naming=naming, quoting=quoting,
                  mentions=_histogram(profile.timeline, "mentions"),
                  quoted=_histogram(profile.timeline, "quotes"),
                  titles=titles, spelling_articles=SPELLING_ARTICLES,
                  beside=[(heading, [(v, c, naming.with_filter(option, v)) for v, c in values])
                          for heading, option, values in beside if values],
                  article_url=article_url, person_url=person_url,
                  api_url=state.url("/api" + person_url(profile.name)),
                  quotes_url="/quotes?" + urlencode([("speaker", profile.name), *dates]))


def api_person(request: Request) -> Response:
    """What ``searchidx person NAME --format json`` prints for the same options."""
    try:
        profile, _ = _profile(request)
    except UnknownPerson as missing:
        return _missing(request, missing)
    return json_response(profile.to_dict())


routes = [
    Route("/person/{name:path}", person_page),
    Route("/api/person/{name:path}", api_person),
]
