"""Who said what (``/quotes``) and its JSON (``/api/quotes``), as ``searchidx quotes``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import QueryError
from ..markup import article_url, person_url
from ..responses import archive, json_response, render
from ..state import Params

QUOTE_PARAMS = ("q", "speaker", "from", "to", "limit")
PAGE_QUOTES = 50  # quotes a page lists at first; "more" adds as many again
SPEAKERS_LISTED = 15


def _request(request: Request, default_limit: int) -> dict[str, Any]:
    params = Params(request.query_params, QUOTE_PARAMS)
    return {"q": params.text("q"), "speaker": [s.strip() for s in params.texts("speaker")],
            "date_from": params.date("from"), "date_to": params.date("to"),
            "limit": params.integer("limit", default_limit, 1, 100_000)}


def quotes_page(request: Request) -> Response:
    context: dict[str, Any] = {"person_url": person_url, "article_url": article_url}
    try:
        asked = _request(request, PAGE_QUOTES)
        with archive(request).reading() as ix:
            quotes = ix.quotes(asked["q"], speaker=asked["speaker"],
                               date_from=asked["date_from"], date_to=asked["date_to"],
                               limit=asked["limit"] + 1)
            top = ix.facet_counts("speakers", "", date_from=asked["date_from"],
                                  date_to=asked["date_to"])[:SPEAKERS_LISTED]
    except QueryError as exc:
        return render(request, "quotes.html", 400, error=str(exc), asked=None, quotes=[],
                      speakers=[], more_url=None, **context)
    dates = [(k, v) for k, v in (("from", asked["date_from"]), ("to", asked["date_to"])) if v]
    speakers = [(name, count, "/quotes?" + urlencode([("speaker", name), *dates]))
                for name, count in top]
    more_url = None
    if len(quotes) > asked["limit"]:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "limit"]
        params.append(("limit", str(asked["limit"] + PAGE_QUOTES)))
        more_url = "/quotes?" + urlencode(params)
    return render(request, "quotes.html", error=None, asked=asked,
                  quotes=quotes[:asked["limit"]], speakers=speakers, more_url=more_url,
                  **context)


def api_quotes(request: Request) -> Response:
    """What ``searchidx quotes --format json`` prints for the same options."""
    asked = _request(request, 20)
    with archive(request).reading() as ix:
        quotes = ix.quotes(asked["q"], speaker=asked["speaker"], date_from=asked["date_from"],
                           date_to=asked["date_to"], limit=asked["limit"])
    return json_response({"query": asked["q"], "total": len(quotes), "quotes": quotes})


routes = [
    Route("/quotes", quotes_page),
    Route("/api/quotes", api_quotes),
]
