"""The article page (``/article/{id}``) and its JSON (``/api/article/{id}``)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..markup import article_spans, article_url, marked_paragraphs, person_url, safe_link
from ..responses import archive, json_response, render
from ..state import SearchState

# extracted lists shown as links to a search filtered by them: (field, heading, option)
LINKED_FIELDS = (("speakers", "Speakers", "speaker"), ("places", "Places", "place"),
                 ("organizations", "Organisations", "org"), ("cited_media", "Cited media", "media"),
                 ("topics", "Topics", "topic"), ("tags", "Tags", "tag"))


def _document(request: Request) -> dict[str, Any]:
    doc_id = request.path_params["doc_id"]
    with archive(request).reading() as ix:
        doc = ix.document(doc_id)
    if doc is None:
        raise HTTPException(404, f"no article with id '{doc_id}'; find ids with a search")
    return doc


def article_page(request: Request) -> Response:
    doc = _document(request)
    quotes, mentions = article_spans(doc)
    search = SearchState()
    linked = [(heading, [(value, search.with_filter(option, value)) for value in doc[key]])
              for key, heading, option in LINKED_FIELDS if doc.get(key)]
    return render(request, "article.html", doc=doc, linked=linked,
                  paragraphs=marked_paragraphs(doc.get("body") or "", quotes, mentions),
                  link=safe_link(doc.get("url")), person_url=person_url,
                  api_url="/api" + article_url(doc["id"]),
                  publisher_url=(search.with_filter("publisher", doc["publisher"])
                                 if doc.get("publisher") else None))


def api_article(request: Request) -> Response:
    """What ``searchidx show ID --format json`` prints."""
    return json_response(_document(request))


routes = [
    Route("/article/{doc_id:path}", article_page),
    Route("/api/article/{doc_id:path}", api_article),
]
